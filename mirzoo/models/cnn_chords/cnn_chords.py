"""Chord recognition: a CNN feature extractor and a linear-chain CRF (Korzeniowski & Widmer, 'A fully
convolutional deep auditory model for musical chord recognition', MLSP 2016; madmom's
`CNNChordFeatureProcessor` + `CRFChordRecognitionProcessor`).

Log-filtered spectrogram at 10 frames per second, 11 zero frames added on each side → four 3×3 convolutions
(32) → max-pool 1×2 → two 3×3 convolutions (64) → max-pool 1×2 → a 9×12 convolution (128), all 'valid',
batch-normalised and ReLU → the mean over 3 frames and all remaining bands: 128 features per frame. The CRF
(:class:`~mirzoo.models.crf.LinearChainCRF`) rides with the network; `mirzoo.predict` decodes the chords
from the features with :func:`mirzoo.decoders.decode_chords`.
"""

import keras

from mirzoo.layers import PadFrames
from mirzoo.models.crf import LinearChainCRF
from mirzoo.models.frontend import build_frontend, waveform_input

CHORD_CLASSES = 25  # 12 major, 12 minor, no chord


def build(preset, filters=(32, 64), convolutions=(4, 2), units=128, last_kernel=(9, 12), context=11):
    """`keras.Model` from waveform `(batch, samples)` to chord features `(batch, frames, units)` (≥ 0).

    Args:
        preset: a frame-wise `PresetConfig` with a `"filtered"` front end; its labels name the features.
        filters: filters of the 3×3 convolutions of each block.
        convolutions: how many 3×3 convolutions each block has.
        units: filters of the last convolution, the features per frame.
        last_kernel: the last convolution's kernel, (frames, bands).
        context: zero frames added on each side before the convolutions.

    Batch normalisation is folded into each convolution's kernel and bias (madmom's have none of their own).
    """
    waveform = waveform_input()
    spectrogram = build_frontend(preset)(waveform)  # (batch, frames, bands)
    x = PadFrames(context, context, mode="zeros", name="pad_frames")(spectrogram)
    x = keras.layers.Reshape((-1, spectrogram.shape[-1], 1), name="image")(x)
    index = 0
    for block, (width, count) in enumerate(zip(filters, convolutions)):
        for _ in range(count):
            index += 1
            x = keras.layers.Conv2D(width, 3, activation="relu", name=f"conv_{index}")(x)
        x = keras.layers.MaxPooling2D((1, 2), name=f"pool_{block + 1}")(x)
    x = keras.layers.Conv2D(units, last_kernel, activation="relu", name="head")(x)
    # madmom's "superframes": the mean over 3 consecutive frames and every band.
    x = keras.layers.AveragePooling2D((3, x.shape[2]), strides=1, name="average")(x)
    features = keras.layers.Reshape((-1, units), name="features")(x)
    features = LinearChainCRF(CHORD_CLASSES, name="crf")(features)
    return keras.Model(waveform, features, name=preset.arch)
