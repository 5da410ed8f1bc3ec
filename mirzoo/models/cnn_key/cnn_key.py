"""Key classification CNN (Korzeniowski & Widmer, 'Genre-agnostic key classification with convolutional neural
networks', ISMIR 2018; madmom's `CNNKeyRecognitionProcessor`).

Log-filtered spectrogram at 5 frames per second (the whole recording is one image) → four blocks of two
convolutions (24, 48, 96 and 192 filters; the very first 5×5, the others 3×3; 'same' padding; each
batch-normalised, ELU), max-pooled 2×2 after the first three blocks → a 1×1 convolution to one map per key
(batch-normalised, ELU) → the average over time and frequency → softmax: one distribution over the 24 keys
per recording.
"""

import keras

from mirzoo.models.frontend import build_frontend, waveform_input


def build(preset, filters=(24, 48, 96, 192), first_kernel=5):
    """`keras.Model` from waveform `(batch, samples)` to key probabilities `(batch, len(labels))`.

    Args:
        preset: a classification `PresetConfig` with a `"filtered"` front end.
        filters: filters of the two convolutions of each block.
        first_kernel: the first convolution's (square) kernel size; the others are 3×3.

    Batch normalisation is folded into each convolution's kernel and bias (madmom's convolutions have none
    of their own), so every convolution has a bias and applies ELU itself.
    """
    waveform = waveform_input()
    spectrogram = build_frontend(preset)(waveform)  # (batch, frames, bands)
    x = keras.layers.Reshape((-1, spectrogram.shape[-1], 1), name="image")(spectrogram)
    for block, width in enumerate(filters):
        for index in (1, 2):
            kernel = first_kernel if (block, index) == (0, 1) else 3
            x = keras.layers.Conv2D(width, kernel, padding="same", activation="elu",
                                    name=f"conv_{2 * block + index}")(x)
        if block < len(filters) - 1:
            x = keras.layers.MaxPooling2D(2, name=f"pool_{block + 1}")(x)
    x = keras.layers.Conv2D(len(preset.labels), 1, activation="elu", name="head")(x)
    x = keras.layers.GlobalAveragePooling2D(name="average")(x)
    probabilities = keras.layers.Softmax(name="softmax")(x)
    return keras.Model(waveform, probabilities, name=preset.arch)
