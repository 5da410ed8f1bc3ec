"""Music auto-tagging with 1-D convolutions over time (Dieleman & Schrauwen, ICASSP 2014).

log-mel → 2 × (Conv1D over time spanning all bands, ReLU, MaxPool) → global temporal
mean and max pooling → Dense, ReLU → Dense, sigmoid (c1-p1-c1-p1-d1-d1-d1).
"""

import keras

from mirzoo.models.frontend import build_frontend, waveform_input


def build(preset, filters=32, kernel_size=8, pool_size=4, units=100, dropout=0.3):
    """Build the network for `preset`.

    Args:
        preset: a tagging `PresetConfig`.
        filters: filters of each Conv1D.
        kernel_size: frames each filter spans.
        pool_size: max-pooling factor over time after each convolution.
        units: width of the hidden dense layer.
        dropout: dropout before the output layer (training only).

    Returns:
        `keras.Model` from waveform `(batch, samples)` to `(batch, len(labels))`; any
        length of at least one frame (convolutions and pools keep 'same' length).
    """
    waveform = waveform_input()
    x = keras.layers.BatchNormalization(name="input_norm")(build_frontend(preset)(waveform))
    for index in range(2):
        x = keras.layers.Conv1D(filters, kernel_size, padding="same", activation="relu", name=f"conv_{index + 1}")(x)
        x = keras.layers.MaxPooling1D(pool_size, padding="same", name=f"pool_{index + 1}")(x)
    pooled = keras.layers.Concatenate(name="global_pool")(
        [keras.layers.GlobalAveragePooling1D(name="mean_pool")(x), keras.layers.GlobalMaxPooling1D(name="max_pool")(x)]
    )
    x = keras.layers.Dense(units, activation="relu", name="dense")(pooled)
    x = keras.layers.Dropout(dropout, name="dropout")(x)
    scores = keras.layers.Dense(len(preset.labels), activation="sigmoid", name="head")(x)
    return keras.Model(waveform, scores, name=preset.arch)
