import librosa
import numpy as np
import pytest

from mirzoo import dsp


def reference_log_filterbank(sample_rate, n_fft, bins_per_octave, f_min, f_max, norm):
    """Closed form, written independently: a triangle per centre, one FFT-bin minimum half-width."""
    n_first = int(np.ceil(bins_per_octave * np.log2(f_min / 440.0) - 1e-9))
    n_last = int(np.floor(bins_per_octave * np.log2(f_max / 440.0) + 1e-9))
    # librosa.cqt_frequencies spaces the centres; anchor them on A440.
    centres = librosa.cqt_frequencies(n_last - n_first + 1, fmin=440.0 * 2 ** (n_first / bins_per_octave),
                                      bins_per_octave=bins_per_octave)
    bin_hz = sample_rate / n_fft
    fft_hz = librosa.fft_frequencies(sr=sample_rate, n_fft=n_fft)
    rows = []
    for k, centre in enumerate(centres):
        below = centres[k - 1] if k > 0 else centre / 2 ** (1 / bins_per_octave)
        above = centres[k + 1] if k + 1 < len(centres) else centre * 2 ** (1 / bins_per_octave)
        low, high = min(below, centre - bin_hz), max(above, centre + bin_hz)
        row = np.array([
            (f - low) / (centre - low) if low < f <= centre
            else (high - f) / (high - centre) if centre < f < high
            else 0.0
            for f in fft_hz
        ])
        rows.append(row / row.sum() if norm == "sum" else row)
    return np.array(rows)


@pytest.mark.parametrize(
    "sample_rate, n_fft, bins_per_octave, f_min, f_max, norm",
    [
        (44100, 8192, 24, 30.0, 5500.0, "sum"),
        (22050, 2048, 12, 65.0, 2100.0, None),
        (16000, 1024, 36, 100.0, 8000.0, "sum"),
    ],
)
def test_log_frequency_filterbank_matches_closed_form(sample_rate, n_fft, bins_per_octave, f_min, f_max, norm):
    ours = dsp.log_frequency_filterbank(sample_rate, n_fft, bins_per_octave, f_min, f_max, norm=norm)
    expected = reference_log_filterbank(sample_rate, n_fft, bins_per_octave, f_min, f_max, norm)
    np.testing.assert_allclose(ours, expected, rtol=0, atol=1e-6)
    assert np.all(ours.sum(axis=1) > 0), "every filter catches at least one FFT bin"


def test_log_frequencies_are_semitones_on_a440():
    centres = dsp.log_frequencies(12, 27.5, 4186.01)
    np.testing.assert_allclose(centres, librosa.midi_to_hz(np.arange(21, 109)), rtol=1e-12)


def test_log_frequency_rejects_invalid_parameters():
    with pytest.raises(ValueError, match="f_min"):
        dsp.log_frequency_filterbank(22050, 2048, f_min=0.0)
    with pytest.raises(ValueError, match="Nyquist"):
        dsp.log_frequency_filterbank(8000, 512, f_max=5500.0)
    with pytest.raises(ValueError, match="bins_per_octave"):
        dsp.log_frequency_filterbank(22050, 2048, bins_per_octave=0)
