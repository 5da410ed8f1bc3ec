"""Logarithmically spaced triangular filterbanks (semitone or finer).

The front end of Korzeniowski & Widmer's deep chroma extractor (2016): a
magnitude spectrogram summarised by triangular filters whose centres are
spaced `1 / bins_per_octave` octaves apart, aligned to a reference pitch
(A4 = 440 Hz), so that with 12 or 24 bins per octave every semitone of the
equal-tempered scale has its own filter.

At low frequencies neighbouring centres are closer than the FFT's bin spacing,
where plain triangles would catch no FFT bin at all. Each triangle is
therefore widened to reach at least one bin spacing either side of its
centre: no filter is ever empty, and low filters overlap (as a constant-Q
transform's do).
"""

import numpy as np

from mirzoo.dsp.spectrum import check_frequency_range, check_n_fft, fft_frequencies, triangular_filters

LOG_FREQUENCY_NORMS = ("sum", None)


def log_frequencies(bins_per_octave, f_min, f_max, f_ref=440.0):
    """Centre frequencies `f_ref * 2 ** (k / bins_per_octave)` within `[f_min, f_max]`.

    Args:
        bins_per_octave: filters per octave (12 = semitones, 24 = quarter tones).
        f_min, f_max: range in Hz, inclusive.
        f_ref: reference frequency in Hz that lands exactly on a centre.

    Returns:
        float64 array of shape `(n_bins,)`, ascending, in Hz.
    """
    if not isinstance(bins_per_octave, (int, np.integer)) or bins_per_octave < 1:
        raise ValueError(f"`bins_per_octave` must be a positive integer. Received: bins_per_octave={bins_per_octave!r}")
    if f_min <= 0:
        raise ValueError(f"`f_min` must be > 0 Hz on a logarithmic axis. Received: f_min={f_min}")
    if f_ref <= 0:
        raise ValueError(f"`f_ref` must be > 0 Hz. Received: f_ref={f_ref}")
    # A tiny tolerance keeps f_min / f_max themselves when they sit exactly on a centre.
    first = int(np.ceil(bins_per_octave * np.log2(f_min / f_ref) - 1e-9))
    last = int(np.floor(bins_per_octave * np.log2(f_max / f_ref) + 1e-9))
    if last < first:
        raise ValueError(
            f"No {bins_per_octave}-per-octave frequency lies between f_min={f_min} and f_max={f_max} Hz; "
            "widen the range."
        )
    return f_ref * 2.0 ** (np.arange(first, last + 1) / bins_per_octave)


def log_frequency_filterbank(
    sample_rate, n_fft, bins_per_octave=24, f_min=30.0, f_max=5500.0, f_ref=440.0, norm="sum"
):
    """Triangular filters centred on :func:`log_frequencies`, over the bins of a real FFT.

    Filter `k` rises from centre `k - 1` to centre `k` and falls to centre `k + 1`
    (one `1 / bins_per_octave` octave step beyond the ends), each side at least
    one FFT bin spacing (`sample_rate / n_fft` Hz) wide.

    Args:
        sample_rate: sampling rate in Hz.
        n_fft: FFT length in samples.
        bins_per_octave: filters per octave.
        f_min, f_max: range of the centres in Hz; `f_max=None` means Nyquist.
        f_ref: reference frequency in Hz (A4) that lands exactly on a centre.
        norm: `"sum"` scales each filter to sum to 1 (a weighted mean of the bins
            it covers); `None` leaves peak-1 triangles.

    Returns:
        float64 array of shape `(n_bins, 1 + n_fft // 2)`.
    """
    n_fft = check_n_fft(n_fft)
    if norm not in LOG_FREQUENCY_NORMS:
        raise ValueError(f"`norm` must be one of {LOG_FREQUENCY_NORMS}. Received: norm={norm!r}")
    f_min, f_max = check_frequency_range(sample_rate, f_min, f_max)
    centres = log_frequencies(bins_per_octave, f_min, f_max, f_ref)
    step = 2.0 ** (1.0 / bins_per_octave)
    neighbours = np.concatenate([[centres[0] / step], centres, [centres[-1] * step]])
    bin_spacing = sample_rate / n_fft
    lower = np.minimum(neighbours[:-2], centres - bin_spacing)
    upper = np.maximum(neighbours[2:], centres + bin_spacing)
    weights = triangular_filters(lower, centres, upper, fft_frequencies(sample_rate, n_fft))
    if norm == "sum":
        weights /= weights.sum(axis=1, keepdims=True)
    return weights
