"""Piano transcription CNN (Kelz, Böck & Widmer, 'Deep polyphonic ADSR piano note transcription', ICASSP 2019;
madmom's `CNNPianoNoteProcessor`).

Log-filtered spectrogram at 50 frames per second (144 bands), 5 edge frames added on each side → a fixed
input normalisation → convolutions 3×3, 1×35 and 7×1 (30 filters, ELU) → three heads, one each for the note
(sounding), onset and offset of the 88 piano keys: a 3×3 convolution (10 filters, ELU) and a dense layer over
its bands × filters (sigmoid). The output concatenates the heads: `[notes | onsets | offsets]`, 88 each, A0
to C8; :func:`mirzoo.decoders.track_notes` (madmom's ADSR note tracker) decodes the notes.
"""

import keras

from mirzoo.layers import PadFrames, Standardize
from mirzoo.models.frontend import build_frontend, waveform_input
from mirzoo.models.labels import PIANO_HEADS


def build(preset, filters=30, kernels=((3, 3), (1, 35), (7, 1)), head_filters=10, context=5):
    """`keras.Model` from waveform `(batch, samples)` to `(batch, frames, 3 · keys)` activations in [0, 1].

    Args:
        preset: a frame-wise `PresetConfig` with a `"filtered"` front end whose labels are
            `note_<key>…, onset_<key>…, offset_<key>…` (three equal groups, in this order).
        filters: filters of the shared convolutions.
        kernels: their kernels, (frames, bands).
        head_filters: filters of each head's 3×3 convolution.
        context: edge frames added on each side (their time context is used up by the convolutions).
    """
    keys = len(preset.labels) // len(PIANO_HEADS)
    waveform = waveform_input()
    spectrogram = build_frontend(preset)(waveform)  # (batch, frames, bands)
    x = PadFrames(context, context, mode="edge", name="pad_frames")(spectrogram)
    x = keras.layers.Reshape((-1, spectrogram.shape[-1], 1), name="image")(x)
    x = Standardize(rank=1, name="input_norm")(x)
    for index, kernel in enumerate(kernels):
        x = keras.layers.Conv2D(filters, kernel, activation="elu", name=f"conv_{index + 1}")(x)
    heads = []
    for name in PIANO_HEADS:
        h = keras.layers.Conv2D(head_filters, 3, activation="elu", name=f"{name}_conv")(x)
        h = keras.layers.Reshape((-1, h.shape[2] * head_filters), name=f"{name}_flatten")(h)
        heads.append(keras.layers.Dense(keys, activation="sigmoid", name=f"{name}_dense")(h))
    activations = keras.layers.Concatenate(name="head")(heads)
    return keras.Model(waveform, activations, name=preset.arch)
