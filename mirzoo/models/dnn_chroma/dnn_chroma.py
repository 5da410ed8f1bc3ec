"""Deep chroma extractor (Korzeniowski & Widmer, ISMIR 2016).

log-frequency magnitude spectrogram, log(1 + x) → (batch normalisation) → ±`context` frames
of context → `n_hidden` × (Dense `units`, ReLU, dropout) → Dense 12, sigmoid: one chroma
vector per frame. The `madmom` preset is the authors' own network (no input normalisation,
zero-padded context, 256 units), and `madmom_chords` is that network with the authors' chord CRF
(Korzeniowski & Widmer's deep-chroma chord recogniser), decoded from the chroma by
:func:`mirzoo.decoders.decode_chords`; the `synth` preset is trained by mirzoo.
"""

import keras

from mirzoo.layers import FrameContext
from mirzoo.models.crf import LinearChainCRF
from mirzoo.models.frontend import build_frontend, waveform_input


def build(preset, context=7, units=512, n_hidden=3, dropout=0.3, input_norm=True, context_padding="edge",
          crf_classes=None):
    """Build the network for `preset`.

    Args:
        preset: a frame-wise `PresetConfig` with a `"logfreq"` front end.
        context: frames of context on each side of the centre frame.
        units: width of the hidden layers.
        n_hidden: number of hidden layers.
        dropout: dropout rate after each hidden layer (training only).
        input_norm: batch-normalise the spectrogram first.
        context_padding: what frames beyond the edges hold: `"edge"` (copies) or `"zeros"`.
        crf_classes: carry a chord CRF over this many classes after the chroma (a
            :class:`~mirzoo.models.crf.LinearChainCRF`, which passes the chroma on), or None.

    Returns:
        `keras.Model` from waveform `(batch, samples)` to `(batch, frames, len(labels))`.
    """
    waveform = waveform_input()
    spectrogram = build_frontend(preset)(waveform)
    bins = spectrogram.shape[-1]
    x = keras.layers.BatchNormalization(name="input_norm")(spectrogram) if input_norm else spectrogram
    x = FrameContext(context, padding=context_padding, name="context")(x)
    x = keras.layers.Reshape((-1, (2 * context + 1) * bins), name="flatten_context")(x)
    for index in range(n_hidden):
        x = keras.layers.Dense(units, activation="relu", name=f"dense_{index + 1}")(x)
        x = keras.layers.Dropout(dropout, name=f"dropout_{index + 1}")(x)
    scores = keras.layers.Dense(len(preset.labels), activation="sigmoid", name="head")(x)
    if crf_classes is not None:
        scores = LinearChainCRF(crf_classes, name="crf")(scores)
    return keras.Model(waveform, scores, name=preset.arch)
