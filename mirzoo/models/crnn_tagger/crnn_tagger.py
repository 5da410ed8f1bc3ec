"""Convolutional recurrent tagger (Choi, Fazekas, Sandler & Cho, ICASSP 2017).

log-mel → 4 × (Conv2D 3×3, batch norm, ELU, max-pool) → 2 × GRU → Dense, sigmoid.
"""

import keras

from mirzoo.models.frontend import build_frontend, waveform_input


def build(preset, filters=(64, 128, 128, 128), pools=((2, 2), (3, 3), (4, 4), (4, 4)), gru_units=(32, 32),
          dropout=0.1):
    """Build the network for `preset`.

    Args:
        preset: a tagging `PresetConfig`.
        filters: channels of each convolutional block.
        pools: (time, frequency) max-pooling of each block; the frequency factors
            must reduce the mel bands to a small number.
        gru_units: units of each stacked GRU (the last returns its final state).
        dropout: dropout after each block and before the output (training only).

    Returns:
        `keras.Model` from waveform `(batch, samples)` to `(batch, len(labels))`; any
        length of at least one frame ('same' pooling never empties the time axis).
    """
    if len(filters) != len(pools):
        raise ValueError(f"`filters` and `pools` need one entry per block; received {filters} and {pools}.")
    waveform = waveform_input()
    x = keras.layers.BatchNormalization(name="input_norm")(build_frontend(preset)(waveform))
    x = keras.layers.Reshape((-1, x.shape[-1], 1), name="add_channel")(x)
    for index, (width, pool) in enumerate(zip(filters, pools)):
        block = f"block_{index + 1}"
        x = keras.layers.Conv2D(width, 3, padding="same", name=f"{block}_conv")(x)
        x = keras.layers.BatchNormalization(name=f"{block}_norm")(x)
        x = keras.layers.Activation("elu", name=f"{block}_elu")(x)
        x = keras.layers.MaxPooling2D(pool, padding="same", name=f"{block}_pool")(x)
        x = keras.layers.Dropout(dropout, name=f"{block}_dropout")(x)
    x = keras.layers.Reshape((-1, x.shape[2] * x.shape[3]), name="to_sequence")(x)
    for index, units in enumerate(gru_units):
        last = index == len(gru_units) - 1
        x = keras.layers.GRU(units, return_sequences=not last, name=f"gru_{index + 1}")(x)
    x = keras.layers.Dropout(dropout, name="dropout")(x)
    scores = keras.layers.Dense(len(preset.labels), activation="sigmoid", name="head")(x)
    return keras.Model(waveform, scores, name=preset.arch)
