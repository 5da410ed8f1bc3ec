import numpy as np
import pytest
import soundfile

from mirzoo.audio import AudioError, load_audio, prepare_waveform, to_float_waveform
from mirzoo.testing import harmonic_test_signal


@pytest.mark.parametrize(
    "dtype, value, expected",
    [("int16", -32768, -1.0), ("int16", 16384, 0.5), ("int32", 2**30, 0.5), ("int8", -64, -0.5),
     ("uint8", 192, 0.5), ("uint8", 128, 0.0), ("float64", 0.25, 0.25)],
)
def test_pcm_scaling(dtype, value, expected):
    out = to_float_waveform(np.array([value], dtype=dtype))
    assert out.dtype == np.float32 and out[0] == pytest.approx(expected)


def test_rejects_complex_dtype():
    with pytest.raises(AudioError, match="complex128"):
        to_float_waveform(np.zeros(4, complex))


@pytest.mark.parametrize("subtype", ["PCM_16", "PCM_24", "FLOAT"])
def test_load_wav_and_flac_downmix_and_resample(tmp_path, subtype):
    stereo = harmonic_test_signal(44100, 0.5, channels=2)
    path = tmp_path / "clip.wav"
    soundfile.write(path, stereo, 44100, subtype=subtype)
    waveform, rate = load_audio(path, sample_rate=16000)
    assert rate == 16000 and waveform.dtype == np.float32 and waveform.ndim == 1
    assert abs(len(waveform) - 8000) <= 1
    # Oracle: the mean of the channels, resampled by soxr directly.
    import soxr

    expected = soxr.resample(stereo.mean(axis=1), 44100, 16000, quality="HQ")
    np.testing.assert_allclose(waveform, expected, atol=2e-4 if subtype == "PCM_16" else 1e-5)


def test_load_keeps_channels_when_asked(tmp_path):
    path = tmp_path / "clip.flac"
    soundfile.write(path, harmonic_test_signal(22050, 0.2, channels=3), 22050)
    waveform, rate = load_audio(path, mono=False)
    assert waveform.shape == (4410, 3) and rate == 22050


def test_missing_file_directory_and_garbage(tmp_path):
    with pytest.raises(FileNotFoundError, match="no such file"):
        load_audio(tmp_path / "missing.wav")
    with pytest.raises(IsADirectoryError, match="is a directory"):
        load_audio(tmp_path)
    text = tmp_path / "notes.wav"
    text.write_text("this is not audio")
    with pytest.raises(AudioError, match="cannot decode audio"):
        load_audio(text)


def test_empty_and_non_finite(tmp_path):
    path = tmp_path / "empty.wav"
    soundfile.write(path, np.zeros((0, 1), np.float32), 16000)
    with pytest.raises(AudioError, match="empty"):
        load_audio(path)
    with pytest.raises(AudioError, match="NaN or infinite"):
        prepare_waveform(np.array([0.0, np.nan], np.float32), 16000)


def test_channels_first_and_bad_rate():
    with pytest.raises(AudioError, match=r"would be \d+ samples of \d+ channels"):
        prepare_waveform(np.zeros((2, 1000), np.float32), 16000)
    with pytest.raises(AudioError, match="sample_rate"):
        prepare_waveform(np.zeros(1000, np.float32), 0)
