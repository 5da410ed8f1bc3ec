"""Argument checks shared by the decoders: each raises a ValueError that names the argument and the value."""

import math
import numbers

import numpy as np


def real_number(name, value, minimum=None, maximum=None, what="number"):
    """`value` as a Python float, if it is a finite real number in `[minimum, maximum]`.

    `what` names the quantity in the message, e.g. "number of seconds".
    """
    bounds = "" if minimum is None and maximum is None else (
        f" >= {minimum}" if maximum is None else f" <= {maximum}" if minimum is None else
        f" in [{minimum}, {maximum}]")
    if isinstance(value, bool) or not isinstance(value, numbers.Real) or not math.isfinite(value) \
            or (minimum is not None and value < minimum) or (maximum is not None and value > maximum):
        raise ValueError(f"{name} must be a finite {what}{bounds}; received {value!r}.")
    return float(value)


def frame_rate(value):
    """`value` as a Python float, if it is a finite number of frames per second > 0."""
    if isinstance(value, bool) or not isinstance(value, numbers.Real) or not math.isfinite(value) or value <= 0:
        raise ValueError(f"frame_rate must be a finite number of frames per second > 0; received {value!r}.")
    return float(value)


def integer(name, value, minimum):
    """`value` as a Python int, if it is an integer >= `minimum`."""
    if isinstance(value, bool) or not isinstance(value, numbers.Integral) or value < minimum:
        raise ValueError(f"{name} must be an integer >= {minimum}; received {value!r}.")
    return int(value)


def real_array(name, values, ndim=None):
    """`values` as a finite array of real numbers (of `ndim` dimensions, when given); floating dtypes are kept
    (madmom computes float32 activations and CRFs in float32), other real dtypes become float64."""
    array = np.asarray(values)
    if array.dtype.kind not in "biuf":
        raise ValueError(f"{name} must be real numbers; received dtype {array.dtype}.")
    if ndim is not None and array.ndim != ndim:
        raise ValueError(f"{name} must have {ndim} dimension{'s' if ndim > 1 else ''}; received shape {array.shape}.")
    if array.dtype.kind != "f":
        array = array.astype(np.float64)
    if not np.all(np.isfinite(array)):
        raise ValueError(f"{name} contain NaN or infinite values.")
    return array


def activations(values, columns=None, probabilities=False, allow_empty=False):
    """Finite real activations as an array, `(frames,)` (`columns=None`; `(frames, 1)` accepted) or
    `(frames, columns)`; floating dtypes are kept, since madmom computes float32 activations in float32.

    Args:
        probabilities: every value must be in [0, 1].
        allow_empty: accept 0 frames (a block of a stream) instead of refusing them.
    """
    array = np.asarray(values)
    if columns is None:
        if array.ndim == 2 and array.shape[1] == 1:
            array = array[:, 0]
        if array.ndim != 1:
            raise ValueError(f"activations must be one curve of shape (frames,) or (frames, 1); received shape "
                             f"{array.shape}.")
    elif array.ndim != 2 or array.shape[1] != columns:
        raise ValueError(f"activations must have shape (frames, {columns}); received shape {array.shape}.")
    array = real_array("activations", array)
    if len(array) == 0 and not allow_empty:
        raise ValueError("activations are empty (0 frames); there is nothing to decode.")
    if probabilities and array.size and (array.min() < 0 or array.max() > 1):
        raise ValueError(f"activations must be probabilities in [0, 1]; received values from {array.min()} to "
                         f"{array.max()}.")
    return array
