"""Triangular filterbanks whose corners are snapped to FFT bins, as madmom builds them.

madmom's filterbanks differ from librosa's (and from :mod:`mirzoo.dsp.logfreq` and
:mod:`mirzoo.dsp.mel`): each filter's start, centre and stop are whole FFT bins (the
bins nearest to the band's corner frequencies), the rising edge starts at weight 0
on the start bin and the falling edge stops one bin before the stop bin, a filter
narrower than two bins becomes a single bin of weight 1, and duplicate bins can be
dropped (`unique`) so that no two filters are the same. The filters are computed in
float32 and, with `norm`, divided by their sum there, which makes these matrices
bit-identical to madmom's. madmom's spectrograms have no Nyquist bin; the matrices
here have `1 + n_fft // 2` columns for mirzoo's spectrograms, the last (Nyquist)
column zero, which is the same thing.
"""

import numpy as np

A4 = 440.0


def fft_bin_frequencies(sample_rate, n_fft):
    """Centre frequency in Hz of bins `0 … n_fft // 2 - 1` (the Nyquist bin excluded): `k · sample_rate / n_fft`."""
    return np.arange(n_fft // 2) * (sample_rate / n_fft)


def nearest_bins(frequencies, bin_frequencies, unique=True):
    """Index of the bin nearest to each frequency (ties go to the upper bin); sorted and distinct with `unique`."""
    frequencies = np.asarray(frequencies, dtype=np.float64)
    indices = np.clip(np.searchsorted(bin_frequencies, frequencies), 1, len(bin_frequencies) - 1)
    below, above = bin_frequencies[indices - 1], bin_frequencies[indices]
    indices = indices - (frequencies - below < above - frequencies)
    return np.unique(indices) if unique else indices


def log_spaced_frequencies(bands_per_octave, f_min, f_max, f_ref=A4):
    """Frequencies `f_ref · 2^(k / bands_per_octave)` in `[f_min, f_max]`, in Hz (12 per octave: MIDI notes)."""
    low = np.floor(np.log2(f_min / f_ref) * bands_per_octave)
    high = np.ceil(np.log2(f_max / f_ref) * bands_per_octave)
    frequencies = f_ref * 2.0 ** (np.arange(low, high) / bands_per_octave)
    return frequencies[(frequencies >= f_min) & (frequencies <= f_max)]


def htk_mel_spaced_frequencies(n, f_min, f_max):
    """`n` frequencies in Hz, equally spaced on the HTK mel scale `1127.01048 · ln(1 + f / 700)`."""
    def to_mel(hz):
        return 1127.01048 * np.log(hz / 700.0 + 1.0)

    return 700.0 * (np.exp(np.linspace(to_mel(f_min), to_mel(f_max), n) / 1127.01048) - 1.0)


def triangular_filters(bins, n_fft, norm=True):
    """`(len(bins) - 2, 1 + n_fft // 2)` float32 matrix of overlapping triangles on consecutive bin triples.

    Filter `j` rises from bin `bins[j]` (weight 0) to `bins[j + 1]` (weight 1) and falls to
    just before `bins[j + 2]`; a triple spanning fewer than two bins gives weight 1 on `bins[j]`.
    """
    bins = np.asarray(bins, dtype=np.int64)
    if len(bins) < 3:
        raise ValueError(f"A triangular filterbank needs at least 3 distinct bins; these parameters give {len(bins)}.")
    matrix = np.zeros((len(bins) - 2, n_fft // 2 + 1), dtype=np.float32)
    for band, (start, centre, stop) in enumerate(zip(bins[:-2], bins[1:-1], bins[2:])):
        if stop - start < 2:
            centre, stop = start, start + 1
        weights = np.concatenate([np.linspace(0, 1, centre - start, endpoint=False),
                                  np.linspace(1, 0, stop - centre, endpoint=False)]).astype(np.float32)
        if norm:
            weights /= np.sum(weights)
        matrix[band, start:stop] = weights
    return matrix


def _positive_int(name, value):
    if isinstance(value, (bool, np.bool_)) or not isinstance(value, (int, np.integer)) or value <= 0:
        raise ValueError(f"`{name}` must be a positive integer. Received: {name}={value!r}")


def _check(sample_rate, n_fft, f_min, f_max):
    if isinstance(sample_rate, bool) or not isinstance(sample_rate, (int, float, np.number)) or not (
            np.isfinite(sample_rate) and sample_rate > 0):
        raise ValueError(f"`sample_rate` must be a positive number of Hz. Received: sample_rate={sample_rate!r}")
    _positive_int("n_fft", n_fft)
    if n_fft < 4:
        raise ValueError(f"`n_fft` must be at least 4 samples. Received: n_fft={n_fft!r}")
    if not 0 < f_min < f_max:
        raise ValueError(f"Need 0 < f_min < f_max (Hz). Received: f_min={f_min!r}, f_max={f_max!r}")
    if f_max > sample_rate / 2:
        raise ValueError(f"f_max={f_max!r} Hz is above the Nyquist frequency of sample_rate={sample_rate!r} Hz.")


def log_bin_filterbank(sample_rate, n_fft, bands_per_octave=12, f_min=30.0, f_max=17000.0, unique=True, norm=True):
    """madmom's `LogarithmicFilterbank`: triangles centred on log-spaced frequencies, snapped to FFT bins.

    Args:
        sample_rate: Hz.
        n_fft: FFT length in samples.
        bands_per_octave: filters per octave, centred on `440 · 2^(k / bands_per_octave)` Hz.
        f_min, f_max: the range of the corner frequencies in Hz.
        unique: drop duplicate bins (so no two filters are equal; fewer bands at low frequencies).
        norm: divide each filter by its sum.

    Returns:
        float32 `(n_bands, 1 + n_fft // 2)`; e.g. 81 bands for 12 per octave, 30–17 000 Hz, n_fft 2048 at 44.1 kHz.
    """
    _check(sample_rate, n_fft, f_min, f_max)
    _positive_int("bands_per_octave", bands_per_octave)
    bin_frequencies = fft_bin_frequencies(sample_rate, n_fft)
    bins = nearest_bins(log_spaced_frequencies(bands_per_octave, f_min, f_max), bin_frequencies, unique)
    return triangular_filters(bins, n_fft, norm)


def mel_bin_filterbank(sample_rate, n_fft, n_mels=80, f_min=27.5, f_max=16000.0, unique=False, norm=True):
    """madmom's `MelFilterbank`: `n_mels` triangles equally spaced on the HTK mel scale, snapped to FFT bins.

    Args:
        sample_rate: Hz.
        n_fft: FFT length in samples.
        n_mels: number of bands (without `unique`; duplicates at low frequencies become single-bin filters).
        f_min, f_max: the outer corner frequencies in Hz.
        unique: drop duplicate bins (then fewer than `n_mels` bands).
        norm: divide each filter by its sum.

    Returns:
        float32 `(n_bands, 1 + n_fft // 2)`.
    """
    _check(sample_rate, n_fft, f_min, f_max)
    _positive_int("n_mels", n_mels)
    bin_frequencies = fft_bin_frequencies(sample_rate, n_fft)
    bins = nearest_bins(htk_mel_spaced_frequencies(n_mels + 2, f_min, f_max), bin_frequencies, unique)
    return triangular_filters(bins, n_fft, norm)
