"""Delta (derivative) features along time, librosa.feature.delta semantics."""

import keras
from keras import ops

from mirzoo import dsp
from mirzoo.layers.base import AudioLayer
from mirzoo.layers.checks import check_spectrogram


@keras.saving.register_keras_serializable(package="mirzoo")
class Delta(AudioLayer):
    """Local Savitzky-Golay estimate of the `order`-th time derivative.

    Equals `librosa.feature.delta(x, width=width, order=order, axis=time)`
    (`mode="interp"`): interior frames use the centred `width`-frame fit, the
    first and last `width // 2` frames repeat the nearest interior value.

    Args:
        width: odd window length in frames, >= 3.
        order: derivative order, >= 1.

    Input shape: `(batch, frames, bins[, channels])` with `frames >= width`.
    Output shape: the same.
    """

    def __init__(self, width=9, order=1, **kwargs):
        super().__init__(**kwargs)
        self._kernel = dsp.delta_kernel(width, order).astype("float32")
        self.width = int(width)
        self.order = int(order)

    def call(self, x):
        check_spectrogram(x, "Delta")
        frames = x.shape[1]
        if frames is not None and frames < self.width:
            raise ValueError(
                f"Delta with width={self.width} needs at least {self.width} frames. Received shape {tuple(x.shape)}."
            )
        half = self.width // 2
        interior = None
        for offset, weight in enumerate(self._kernel):
            stop = offset - 2 * half
            window = x[:, offset:] if stop == 0 else x[:, offset:stop]
            term = window * float(weight)
            interior = term if interior is None else interior + term
        first = ops.repeat(interior[:, :1], half, axis=1)
        last = ops.repeat(interior[:, -1:], half, axis=1)
        return ops.concatenate([first, interior, last], axis=1)

    def compute_output_shape(self, input_shape):
        return tuple(input_shape)

    def get_config(self):
        config = super().get_config()
        config.update(width=self.width, order=self.order)
        return config
