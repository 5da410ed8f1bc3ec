import librosa
import numpy as np
import pytest

from mirzoo import dsp


@pytest.mark.parametrize(
    "sample_rate, n_fft, kwargs",
    [
        (22050, 2048, {}),
        (44100, 4096, {"octwidth": None}),
        (16000, 512, {"tuning": 0.25}),
        (22050, 4096, {"n_chroma": 24}),
        (11025, 1024, {"norm": 1, "base_c": False, "ctroct": 4.0, "octwidth": 1.5}),
        (8000, 256, {"norm": None}),
    ],
)
def test_chroma_filterbank_matches_librosa(sample_rate, n_fft, kwargs):
    ours = dsp.chroma_filterbank(sample_rate, n_fft, **kwargs)
    theirs = librosa.filters.chroma(sr=sample_rate, n_fft=n_fft, dtype=np.float64, **kwargs)
    np.testing.assert_allclose(ours, theirs, rtol=0, atol=1e-6)


def test_pitch_class_folding_of_semitones_matches_midi_numbers():
    frequencies = dsp.log_frequencies(12, 30.0, 5500.0)
    folding = dsp.pitch_class_folding(frequencies)
    # Oracle: librosa's MIDI numbers, C = 0.
    expected = np.mod(np.round(librosa.hz_to_midi(frequencies)).astype(int), 12)
    assert folding.shape == (12, len(frequencies))
    np.testing.assert_array_equal(folding.sum(axis=0), 1.0)
    np.testing.assert_array_equal(folding.argmax(axis=0), expected)


def test_pitch_class_folding_splits_quarter_tones():
    frequencies = librosa.midi_to_hz(np.array([60.0, 60.5, 61.2, 71.5]))
    folding = dsp.pitch_class_folding(frequencies)
    expected = np.zeros((12, 4))
    expected[0, 0] = 1.0
    expected[0, 1] = expected[1, 1] = 0.5
    expected[1, 2] = 1.0
    expected[11, 3] = expected[0, 3] = 0.5
    np.testing.assert_allclose(folding, expected)


def test_chroma_rejects_invalid_parameters():
    with pytest.raises(ValueError, match="n_chroma"):
        dsp.chroma_filterbank(22050, 2048, n_chroma=7)
    with pytest.raises(ValueError, match="frequencies"):
        dsp.pitch_class_folding(np.array([0.0, 440.0]))
