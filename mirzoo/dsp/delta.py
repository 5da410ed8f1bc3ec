"""Savitzky-Golay derivative kernels for delta features (librosa.feature.delta)."""

import math

import numpy as np


def delta_kernel(width=9, order=1):
    """Weights of the local polynomial fit that estimates the `order`-th derivative.

    A polynomial of degree `order` is fitted by least squares to `width`
    consecutive frames; its `order`-th derivative is constant over the window
    and equals `kernel @ frames`. librosa's `mode="interp"` fits the same
    polynomial to the first and last windows, so the outermost
    `width // 2` frames on each side repeat their nearest interior value.

    Args:
        width: odd window length in frames, >= 3.
        order: derivative order, >= 1 and < width.

    Returns:
        float64 array of shape `(width,)`, oldest frame first.
    """
    if not isinstance(width, (int, np.integer)) or width < 3 or width % 2 == 0:
        raise ValueError(f"`width` must be an odd integer >= 3 (frames). Received: width={width!r}")
    if not isinstance(order, (int, np.integer)) or not 1 <= order < width:
        raise ValueError(f"`order` must be an integer in [1, width). Received: order={order!r}, width={width}")
    offsets = np.arange(width) - width // 2
    vandermonde = offsets[:, None] ** np.arange(order + 1)[None, :]
    return math.factorial(order) * np.linalg.pinv(vandermonde)[order]
