"""Singing voice detection with stacked bidirectional LSTMs (Leglaive, Hennequin & Badeau, ICASSP 2015).

log-mel frames → `len(units)` × Bidirectional(LSTM) → Dense 1, sigmoid per frame.
"""

import keras

from mirzoo.models.frontend import build_frontend, waveform_input


def build(preset, units=(30, 20, 40), dropout=0.2):
    """Build the network for `preset`.

    Args:
        preset: a frame-wise `PresetConfig`.
        units: LSTM units per direction, one entry per stacked layer.
        dropout: dropout on each LSTM's input (training only).

    Returns:
        `keras.Model` from waveform `(batch, samples)` to `(batch, frames, len(labels))`.
    """
    waveform = waveform_input()
    x = keras.layers.BatchNormalization(name="input_norm")(build_frontend(preset)(waveform))
    for index, width in enumerate(units):
        lstm = keras.layers.LSTM(width, return_sequences=True, dropout=dropout, name=f"lstm_{index + 1}")
        x = keras.layers.Bidirectional(lstm, name=f"bilstm_{index + 1}")(x)
    scores = keras.layers.Dense(len(preset.labels), activation="sigmoid", name="head")(x)
    return keras.Model(waveform, scores, name=preset.arch)
