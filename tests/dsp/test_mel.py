import librosa
import numpy as np
import pytest

from mirzoo import dsp

SETTINGS = [
    # sample_rate, n_fft, n_mels, f_min, f_max, htk, norm
    (8000, 256, 40, 0.0, None, False, "slaney"),
    (16000, 512, 96, 0.0, 8000.0, False, "slaney"),
    (22050, 2048, 128, 0.0, None, False, "slaney"),
    (22050, 1024, 80, 27.5, 8000.0, True, None),
    (44100, 4096, 128, 20.0, 16000.0, True, "slaney"),
    (44100, 2048, 64, 100.0, None, False, None),
]


@pytest.mark.parametrize("sample_rate, n_fft, n_mels, f_min, f_max, htk, norm", SETTINGS)
def test_mel_filterbank_matches_librosa(sample_rate, n_fft, n_mels, f_min, f_max, htk, norm):
    ours = dsp.mel_filterbank(sample_rate, n_fft, n_mels, f_min, f_max, htk=htk, norm=norm)
    theirs = librosa.filters.mel(
        sr=sample_rate, n_fft=n_fft, n_mels=n_mels, fmin=f_min, fmax=f_max, htk=htk, norm=norm, dtype=np.float64
    )
    assert ours.shape == (n_mels, 1 + n_fft // 2)
    np.testing.assert_allclose(ours, theirs, rtol=0, atol=1e-6)


@pytest.mark.parametrize("htk", [False, True])
def test_mel_scale_round_trip_and_librosa(htk):
    hz = np.array([0.0, 60.0, 440.0, 999.0, 1000.0, 1001.0, 8000.0, 20000.0])
    np.testing.assert_allclose(dsp.hz_to_mel(hz, htk=htk), librosa.hz_to_mel(hz, htk=htk), rtol=1e-12)
    np.testing.assert_allclose(dsp.mel_to_hz(dsp.hz_to_mel(hz, htk=htk), htk=htk), hz, atol=1e-9)


@pytest.mark.parametrize(
    "kwargs, message",
    [
        ({"f_max": 9000.0}, "Nyquist"),
        ({"f_min": -1.0}, "f_min"),
        ({"f_min": 5000.0, "f_max": 4000.0}, "below"),
        ({"n_mels": 0}, "n_mels"),
        ({"norm": "l2"}, "norm"),
    ],
)
def test_mel_filterbank_rejects_invalid_parameters(kwargs, message):
    with pytest.raises(ValueError, match=message):
        dsp.mel_filterbank(16000, 512, **{"n_mels": 40, **kwargs})
