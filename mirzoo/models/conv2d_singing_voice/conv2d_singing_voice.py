"""Singing voice detection with a 2-D CNN on mel excerpts (Schlüter & Grill, ISMIR 2015; Schlüter, ISMIR 2016).

The network classifies the centre frame of a 115-frame log-mel excerpt:
Conv 64 3×3, Conv 32 3×3, MaxPool 3×3, Conv 128 3×3, Conv 64 3×3, MaxPool 3×3,
Dense 256, Dense 64, Dense 1 (leaky ReLU, dropout) — the tutorial's
c2-c2-p-c2-c2-p-d-d-d.

For long inputs it is evaluated for every frame at once, not excerpt by
excerpt: pooling over time keeps stride 1 and every later time kernel is
dilated by the pooling factors so far (filter rarefaction), so each output
frame equals the excerpt network applied to the 115 frames centred on it. The
spectrogram is zero-padded by 57 frames on each side (after normalisation), so
the output has one score per input frame.
"""

import keras
from keras import ops

from mirzoo.models.frontend import build_frontend, waveform_input
from mirzoo.models.speeds import average_over_speeds

EXCERPT_FRAMES = 115


@keras.saving.register_keras_serializable(package="mirzoo")
class TimeDilatedMaxPooling(keras.layers.Layer):
    """Max over `pool_size` time steps spaced `dilation` apart, stride 1 ('valid').

    Input shape: `(batch, time, freq, channels)`.
    Output shape: `(batch, time - (pool_size - 1) * dilation, freq, channels)`.
    """

    def __init__(self, pool_size=3, dilation=1, **kwargs):
        super().__init__(**kwargs)
        self.pool_size = int(pool_size)
        self.dilation = int(dilation)

    def call(self, x):
        span = (self.pool_size - 1) * self.dilation
        pooled = None
        for tap in range(self.pool_size):
            start, stop = tap * self.dilation, tap * self.dilation - span
            window = x[:, start:] if stop == 0 else x[:, start:stop]
            pooled = window if pooled is None else ops.maximum(pooled, window)
        return pooled

    def compute_output_shape(self, input_shape):
        time = input_shape[1]
        time = None if time is None else time - (self.pool_size - 1) * self.dilation
        return (input_shape[0], time) + tuple(input_shape[2:])

    def get_config(self):
        config = super().get_config()
        config.update(pool_size=self.pool_size, dilation=self.dilation)
        return config


def _remaining_bands(bands, pool_size):
    """Bands left after two (conv 3, conv 3, pool) stages in frequency."""
    for _ in range(2):
        bands = (bands - 4) // pool_size
    return bands


def build(preset, filters=(64, 32, 128, 64), units=(256, 64), pool_size=3, leak=0.01, dropout=0.5, speeds=(1.0,)):
    """Build the network for `preset`.

    Args:
        preset: a frame-wise `PresetConfig` with a mel front end of >= 40 bands.
        filters: channels of the four 3×3 convolutions.
        units: widths of the two hidden dense layers.
        pool_size: max-pooling factor in time and frequency.
        leak: negative slope of the leaky ReLUs.
        dropout: dropout before each dense layer (training only).
        speeds: the network scores the audio played at each of these speeds (1.0 among them) and averages
            (:func:`mirzoo.models.speeds.average_over_speeds`); `(1.0,)`: the audio as recorded only. The
            weights are the same whatever the speeds.

    Returns:
        `keras.Model` from waveform `(batch, samples)` to `(batch, frames, len(labels))`.
    """
    frontend = build_frontend(preset)
    n_mels = frontend.compute_output_shape((None, None))[-1]
    bands = _remaining_bands(n_mels, pool_size)
    if bands < 1:
        raise ValueError(f"conv2d_singing_voice needs at least 40 mel bands; the preset has {n_mels}.")
    half = EXCERPT_FRAMES // 2
    layers = [frontend, keras.layers.BatchNormalization(name="input_norm"),
              keras.layers.Reshape((-1, n_mels, 1), name="add_channel"),
              keras.layers.ZeroPadding2D(((half, half), (0, 0)), name="excerpt_padding")]
    dilation = 1
    for stage in range(2):
        for index in range(2):
            name = f"conv_{2 * stage + index + 1}"
            layers += [keras.layers.Conv2D(filters[2 * stage + index], 3, dilation_rate=(dilation, 1), name=name),
                       keras.layers.LeakyReLU(leak, name=f"{name}_relu")]
        layers += [TimeDilatedMaxPooling(pool_size, dilation, name=f"pool_{stage + 1}_time"),
                   keras.layers.MaxPooling2D((1, pool_size), name=f"pool_{stage + 1}_freq")]
        dilation *= pool_size
    # What is left of an excerpt: the dense layers are convolutions over its whole extent.
    layers += [
        keras.layers.Dropout(dropout, name="dropout_1"),
        keras.layers.Conv2D(units[0], (_excerpt_frames_left(pool_size), bands), dilation_rate=(dilation, 1),
                            name="dense_1"),
        keras.layers.LeakyReLU(leak, name="dense_1_relu"),
        keras.layers.Reshape((-1, units[0]), name="to_frames"),
        keras.layers.Dropout(dropout, name="dropout_2"),
        keras.layers.Dense(units[1], name="dense_2"),
        keras.layers.LeakyReLU(leak, name="dense_2_relu"),
        keras.layers.Dropout(dropout, name="dropout_3"),
        keras.layers.Dense(len(preset.labels), activation="sigmoid", name="head"),
    ]

    def network(audio):
        for layer in layers:
            audio = layer(audio)
        return audio

    waveform = waveform_input()
    return keras.Model(waveform, average_over_speeds(waveform, network, speeds), name=preset.arch)


def _excerpt_frames_left(pool_size):
    """Time steps of one excerpt left after the convolutions and pools (11 for 115 frames, pool 3)."""
    frames = EXCERPT_FRAMES
    for _ in range(2):
        frames = (frames - 4) // pool_size
    return frames
