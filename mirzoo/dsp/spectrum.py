"""The frequency grid of a real FFT and triangular filters laid over it."""

import numpy as np


def fft_frequencies(sample_rate, n_fft):
    """Centre frequency of every bin of a real FFT.

    Args:
        sample_rate: sampling rate in Hz.
        n_fft: FFT length in samples.

    Returns:
        float64 array of shape `(1 + n_fft // 2,)`, in Hz, from 0 to the Nyquist
        frequency (inclusive when `n_fft` is even).
    """
    return np.arange(1 + n_fft // 2) * (float(sample_rate) / n_fft)


def triangular_filters(lower, centre, upper, frequencies):
    """Triangles rising from `lower` to a peak of 1 at `centre`, falling to `upper`.

    Args:
        lower, centre, upper: float arrays of shape `(n_filters,)`, in Hz, with
            `lower < centre < upper` element-wise.
        frequencies: float array of shape `(n_bins,)`, in Hz, where the triangles
            are sampled.

    Returns:
        float64 array of shape `(n_filters, n_bins)`, peak-normalised (not area).
    """
    lower, centre, upper = (np.asarray(v, dtype=np.float64)[:, None] for v in (lower, centre, upper))
    rising = (frequencies[None, :] - lower) / (centre - lower)
    falling = (upper - frequencies[None, :]) / (upper - centre)
    return np.maximum(0.0, np.minimum(rising, falling))


def check_frequency_range(sample_rate, f_min, f_max):
    """Resolve `f_max=None` to Nyquist and validate `0 <= f_min < f_max <= Nyquist`.

    Returns:
        `(f_min, f_max)` as floats, in Hz.

    Raises:
        ValueError: naming the offending value and the valid range.
    """
    if sample_rate <= 0:
        raise ValueError(f"`sample_rate` must be positive (Hz). Received: sample_rate={sample_rate}")
    nyquist = sample_rate / 2.0
    f_max = nyquist if f_max is None else float(f_max)
    if f_min < 0:
        raise ValueError(f"`f_min` must be >= 0 Hz. Received: f_min={f_min}")
    if f_max > nyquist:
        raise ValueError(
            f"`f_max` must not exceed the Nyquist frequency sample_rate / 2 = {nyquist} Hz. "
            f"Received: f_max={f_max} with sample_rate={sample_rate}"
        )
    if f_min >= f_max:
        raise ValueError(f"`f_min` must be below `f_max`. Received: f_min={f_min}, f_max={f_max}")
    return float(f_min), f_max


def check_n_fft(n_fft):
    """Validate an FFT length: an integer of at least 2 samples."""
    if not isinstance(n_fft, (int, np.integer)) or isinstance(n_fft, bool) or n_fft < 2:
        raise ValueError(f"`n_fft` must be an integer >= 2 (samples). Received: n_fft={n_fft!r}")
    return int(n_fft)
