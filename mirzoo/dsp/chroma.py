"""Pitch-class (chroma) projections: from FFT bins, and from log-frequency bins."""

import numpy as np

from mirzoo.dsp.spectrum import check_n_fft

_A440 = 440.0
# Pitch class of A when C is class 0.
_A_FROM_C = 9


def _check_n_chroma(n_chroma):
    if isinstance(n_chroma, (bool, np.bool_)) or not isinstance(n_chroma, (int, np.integer)) or n_chroma < 12 \
            or n_chroma % 12:
        raise ValueError(f"`n_chroma` must be a positive multiple of 12. Received: n_chroma={n_chroma!r}")
    return int(n_chroma)


def chroma_filterbank(sample_rate, n_fft, n_chroma=12, tuning=0.0, ctroct=5.0, octwidth=2.0, norm=2, base_c=True):
    """Gaussian pitch-class bumps over FFT bins (librosa.filters.chroma semantics).

    Each FFT bin's frequency is placed on a circular pitch-class axis; every
    chroma row is a Gaussian bump around its class, as wide as the bin's own
    spacing in chroma units (at least one class). Columns are normalised with
    the `norm`-norm, then weighted by a Gaussian over octaves centred on
    `ctroct` octaves above A0 (27.5 Hz) with half-width `octwidth`.

    Args:
        sample_rate: sampling rate in Hz.
        n_fft: FFT length in samples.
        n_chroma: classes per octave (a multiple of 12).
        tuning: deviation from A440 in fractions of a chroma bin.
        ctroct, octwidth: centre and half-width (octaves) of the dominance window;
            `octwidth=None` weights all octaves equally.
        norm: column norm order (`2`, `1`, `np.inf`) or `None` for no normalisation.
        base_c: rows start at C (else at A).

    Returns:
        float64 array of shape `(n_chroma, 1 + n_fft // 2)`.
    """
    n_fft = check_n_fft(n_fft)
    n_chroma = _check_n_chroma(n_chroma)
    if sample_rate <= 0:
        raise ValueError(f"`sample_rate` must be positive (Hz). Received: sample_rate={sample_rate}")
    if octwidth is not None and not octwidth > 0:
        raise ValueError(f"`octwidth` must be > 0 (octaves), or None. Received: octwidth={octwidth!r}")
    # Every bin of the full (two-sided) FFT but DC, in chroma units above A0 / 2^4.
    frequencies = np.arange(1, n_fft) * (float(sample_rate) / n_fft)
    a4 = _A440 * 2.0 ** (tuning / n_chroma)
    positions = n_chroma * np.log2(frequencies / (a4 / 16.0))
    # DC gets a made-up position 1.5 octaves below the first bin, so its bump is broad.
    positions = np.concatenate([[positions[0] - 1.5 * n_chroma], positions])
    widths = np.concatenate([np.maximum(np.diff(positions), 1.0), [1.0]])

    half = np.round(n_chroma / 2.0)
    distance = positions[None, :] - np.arange(n_chroma, dtype=np.float64)[:, None]
    # Wrap distances into [-half, half) around the pitch-class circle.
    distance = np.remainder(distance + half + 10 * n_chroma, n_chroma) - half
    weights = np.exp(-0.5 * (2.0 * distance / widths[None, :]) ** 2)

    if norm is not None:
        column_norms = np.linalg.norm(weights, ord=norm, axis=0, keepdims=True)
        weights = weights / np.where(column_norms > np.finfo(weights.dtype).tiny, column_norms, 1.0)
    if octwidth is not None:
        octaves = positions / n_chroma
        weights *= np.exp(-0.5 * ((octaves - ctroct) / octwidth) ** 2)[None, :]
    if base_c:
        weights = np.roll(weights, -3 * (n_chroma // 12), axis=0)
    return weights[:, : 1 + n_fft // 2]


def pitch_class_folding(frequencies, n_chroma=12, f_ref=_A440):
    """Fold bins of known centre frequency onto pitch classes (C first).

    Each bin goes wholly to the class nearest its centre frequency in equal
    temperament tuned to `f_ref` (A4); a bin exactly half-way between two
    classes (a quarter tone with `n_chroma=12`) is split 0.5 / 0.5 between them.

    Args:
        frequencies: array of shape `(n_bins,)`, in Hz, all > 0 — for example
            :func:`mirzoo.dsp.log_frequencies`.
        n_chroma: classes per octave (a multiple of 12).
        f_ref: frequency of A4 in Hz.

    Returns:
        float64 array of shape `(n_chroma, n_bins)` whose columns sum to 1.
    """
    n_chroma = _check_n_chroma(n_chroma)
    frequencies = np.asarray(frequencies, dtype=np.float64)
    if frequencies.ndim != 1 or np.any(frequencies <= 0):
        raise ValueError("`frequencies` must be a 1-D array of positive frequencies in Hz.")
    steps_from_c = n_chroma * np.log2(frequencies / f_ref) + _A_FROM_C * (n_chroma // 12)
    below = np.floor(steps_from_c)
    halfway = np.abs(steps_from_c - below - 0.5) < 1e-6
    nearest = np.where(halfway | (steps_from_c - below >= 0.5), below + 1, below).astype(np.int64)
    folding = np.zeros((n_chroma, len(frequencies)))
    columns = np.arange(len(frequencies))
    np.add.at(folding, (np.mod(nearest, n_chroma), columns), np.where(halfway, 0.5, 1.0))
    np.add.at(folding, (np.mod(below.astype(np.int64), n_chroma), columns), np.where(halfway, 0.5, 0.0))
    return folding
