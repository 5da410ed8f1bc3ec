"""Mel scale conversions and mel filterbanks (Slaney and HTK), as in librosa."""

import numpy as np

from mirzoo.dsp.spectrum import check_frequency_range, check_n_fft, fft_frequencies, triangular_filters

# Slaney's Auditory Toolbox scale: linear below 1 kHz (3 mels per 200 Hz),
# logarithmic above (27 mels per factor 6.4).
_SLANEY_HZ_PER_MEL = 200.0 / 3
_SLANEY_BREAK_HZ = 1000.0
_SLANEY_BREAK_MEL = _SLANEY_BREAK_HZ / _SLANEY_HZ_PER_MEL
_SLANEY_LOG_STEP = np.log(6.4) / 27.0

MEL_NORMS = ("slaney", None)


def hz_to_mel(frequencies, htk=False):
    """Convert Hz to mels.

    Args:
        frequencies: scalar or array, in Hz.
        htk: use the HTK formula `2595 * log10(1 + f / 700)` instead of Slaney's.

    Returns:
        float64 array (or scalar) in mels.
    """
    frequencies = np.asarray(frequencies, dtype=np.float64)
    if htk:
        return 2595.0 * np.log10(1.0 + frequencies / 700.0)
    linear = frequencies / _SLANEY_HZ_PER_MEL
    log_ratio_above_break = np.log(np.maximum(frequencies, _SLANEY_BREAK_HZ) / _SLANEY_BREAK_HZ)
    logarithmic = _SLANEY_BREAK_MEL + log_ratio_above_break / _SLANEY_LOG_STEP
    return np.where(frequencies >= _SLANEY_BREAK_HZ, logarithmic, linear)


def mel_to_hz(mels, htk=False):
    """Convert mels to Hz; the inverse of :func:`hz_to_mel`."""
    mels = np.asarray(mels, dtype=np.float64)
    if htk:
        return 700.0 * (10.0 ** (mels / 2595.0) - 1.0)
    linear = mels * _SLANEY_HZ_PER_MEL
    mels_above_break = np.maximum(mels, _SLANEY_BREAK_MEL) - _SLANEY_BREAK_MEL
    logarithmic = _SLANEY_BREAK_HZ * np.exp(_SLANEY_LOG_STEP * mels_above_break)
    return np.where(mels >= _SLANEY_BREAK_MEL, logarithmic, linear)


def mel_frequencies(n_mels, f_min=0.0, f_max=11025.0, htk=False):
    """`n_mels` frequencies in Hz, evenly spaced on the mel scale from `f_min` to `f_max`."""
    mels = np.linspace(hz_to_mel(f_min, htk=htk), hz_to_mel(f_max, htk=htk), n_mels)
    return mel_to_hz(mels, htk=htk)


def mel_filterbank(sample_rate, n_fft, n_mels=128, f_min=0.0, f_max=None, htk=False, norm="slaney"):
    """Triangular mel filters over the bins of a real FFT (librosa.filters.mel semantics).

    Args:
        sample_rate: sampling rate in Hz.
        n_fft: FFT length in samples.
        n_mels: number of mel bands.
        f_min: lowest band edge in Hz.
        f_max: highest band edge in Hz; `None` means `sample_rate / 2`.
        htk: HTK mel formula instead of Slaney's.
        norm: `"slaney"` divides each triangle by its width in Hz (constant energy
            per band); `None` leaves peak-1 triangles.

    Returns:
        float64 array of shape `(n_mels, 1 + n_fft // 2)`.
    """
    n_fft = check_n_fft(n_fft)
    if isinstance(n_mels, (bool, np.bool_)) or not isinstance(n_mels, (int, np.integer)) or n_mels < 1:
        raise ValueError(f"`n_mels` must be a positive integer. Received: n_mels={n_mels!r}")
    if not isinstance(htk, (bool, np.bool_)):
        raise ValueError(f"`htk` must be True or False. Received: htk={htk!r}")
    if norm not in MEL_NORMS:
        raise ValueError(f"`norm` must be one of {MEL_NORMS}. Received: norm={norm!r}")
    f_min, f_max = check_frequency_range(sample_rate, f_min, f_max)
    edges = mel_frequencies(n_mels + 2, f_min, f_max, htk=htk)
    weights = triangular_filters(edges[:-2], edges[1:-1], edges[2:], fft_frequencies(sample_rate, n_fft))
    if norm == "slaney":
        weights *= (2.0 / (edges[2:] - edges[:-2]))[:, None]
    return weights
