"""Convolutional onset detector (Schlüter & Böck, MML 2013; madmom's `CNNOnsetProcessor`).

Log-mel spectrograms (80 bands) at three frame sizes as channels, 7 edge frames added on each
side → per-band standardisation → Conv 7×3 (10, tanh) → max-pool 1×3 → Conv 3×3 (20, tanh) →
max-pool 1×3 → a dense layer over 7 frames × 8 bands (a 7×8 convolution, 256, sigmoid) →
Dense 1, sigmoid: one onset probability per frame.
"""

import keras

from mirzoo.layers import PadFrames, Standardize
from mirzoo.models.frontend import build_frontend, waveform_input


def build(preset, filters=(10, 20), units=256):
    """`keras.Model` from waveform `(batch, samples)` to onset activations `(batch, frames, 1)` in [0, 1]."""
    waveform = waveform_input()
    spectrogram = build_frontend(preset)(waveform)  # (batch, frames, 80, 3)
    x = PadFrames(7, 7, mode="edge", name="pad_frames")(spectrogram)
    x = Standardize(rank=2, name="input_norm")(x)
    x = keras.layers.Conv2D(filters[0], (7, 3), activation="tanh", name="conv_1")(x)
    x = keras.layers.MaxPooling2D((1, 3), name="pool_1")(x)
    x = keras.layers.Conv2D(filters[1], (3, 3), activation="tanh", name="conv_2")(x)
    x = keras.layers.MaxPooling2D((1, 3), name="pool_2")(x)
    x = keras.layers.Conv2D(units, (7, x.shape[2]), activation="sigmoid", name="dense_over_frames")(x)
    x = keras.layers.Reshape((-1, units), name="frames")(x)
    activations = keras.layers.Dense(len(preset.labels), activation="sigmoid", name="head")(x)
    return keras.Model(waveform, activations, name=preset.arch)
