"""Analysis windows: periodic (scipy.signal.get_window(..., fftbins=True) semantics), and the symmetric Hann of
`np.hanning` that madmom frames with."""

import numpy as np


def _cosine_sum(coefficients):
    def window(length):
        phase = 2.0 * np.pi * np.arange(length) / length
        return sum(((-1) ** k) * a * np.cos(k * phase) for k, a in enumerate(coefficients))

    return window


WINDOWS = {
    "hann": _cosine_sum((0.5, 0.5)),
    "hamming": _cosine_sum((0.54, 0.46)),
    "blackman": _cosine_sum((0.42, 0.5, 0.08)),
    "boxcar": np.ones,
    # np.hanning: 0.5 - 0.5·cos(2πn / (N - 1)), zero at both ends (madmom's STFT window).
    "hann_symmetric": np.hanning,
}


def get_window(window, win_length, n_fft=None):
    """A window, optionally zero-padded to `n_fft` around its centre.

    Args:
        window: one of `WINDOWS`: `"hann"`, `"hamming"`, `"blackman"`, `"boxcar"` (periodic) or
            `"hann_symmetric"` (`np.hanning`, madmom's).
        win_length: window length in samples.
        n_fft: if given (>= `win_length`), pad with zeros on both sides to this
            length, the extra sample on the right (librosa.util.pad_center).

    Returns:
        float64 array of shape `(win_length,)`, or `(n_fft,)` when padded.
    """
    if window not in WINDOWS:
        raise ValueError(f"`window` must be one of {sorted(WINDOWS)}. Received: window={window!r}")
    if not isinstance(win_length, (int, np.integer)) or win_length < 1:
        raise ValueError(f"`win_length` must be a positive integer (samples). Received: win_length={win_length!r}")
    values = np.asarray(WINDOWS[window](int(win_length)), dtype=np.float64)
    if n_fft is None:
        return values
    if n_fft < win_length:
        raise ValueError(
            f"`win_length` must not exceed `n_fft`. Received: win_length={win_length}, n_fft={n_fft}"
        )
    left = (n_fft - win_length) // 2
    return np.pad(values, (left, n_fft - win_length - left))
