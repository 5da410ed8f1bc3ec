"""Input checks shared by the layers: clear errors instead of failures deep in a backend.

Shape and dtype checks run whenever the static shape is known, including while
a functional model is being built. Value checks (NaN, inf) need concrete
values, so they run only on eager calls; a compiled graph (`model.predict`,
`tf.function`, `jax.jit`) cannot raise a Python error on values, and
`mirzoo.audio` validates decoded audio before it reaches one.
"""

import math
import numbers

import keras
import numpy as np
from keras import ops

# The layers compute in float32 (see `AudioLayer`): a parameter that float32 cannot hold becomes inf there.
FLOAT32_MAX = float(np.finfo(np.float32).max)  # 3.4028235e+38
FLOAT32_TINY = float(np.finfo(np.float32).tiny)  # 1.1754944e-38, the smallest normal float32


def values_are_concrete(x):
    """True when `x` holds actual values (eager tensor or array), not a trace."""
    if isinstance(x, keras.KerasTensor):
        return False
    backend = keras.backend.backend()
    if backend == "tensorflow":
        import tensorflow as tf

        return tf.executing_eagerly()
    if backend == "jax":
        import jax

        return not isinstance(x, jax.core.Tracer)
    return True


def check_float_dtype(x, layer_name):
    dtype = keras.backend.standardize_dtype(x.dtype)
    if "float" not in dtype:
        raise ValueError(
            f"{layer_name} expects floating-point audio scaled to [-1, 1]. Received dtype {dtype}. "
            "Convert integer PCM first, e.g. `x.astype('float32') / 32768` for int16."
        )


def check_finite(x, layer_name):
    if values_are_concrete(x) and not bool(ops.convert_to_numpy(ops.all(ops.isfinite(x)))):
        raise ValueError(f"{layer_name} received NaN or infinite values; every sample must be finite.")


def check_waveform_shape(shape, layer_name, min_samples=1):
    """Validate the shape of a waveform batch `(batch, samples)` or `(batch, samples, channels)`.

    Raises:
        ValueError: wrong rank, a channels axis that is not last, or fewer than
            `min_samples` samples.
    """
    shape = tuple(shape)
    if len(shape) not in (2, 3):
        raise ValueError(
            f"{layer_name} expects audio of shape (batch, samples) or (batch, samples, channels). "
            f"Received rank {len(shape)} with shape {shape}."
            + (" Add a batch axis, e.g. `x[None]`." if len(shape) == 1 else "")
        )
    if len(shape) == 3 and shape[1] is not None and shape[2] is not None and shape[2] > shape[1]:
        raise ValueError(
            f"{layer_name} expects channels last: (batch, samples, channels). Received shape {shape}, which has "
            f"more channels ({shape[2]}) than samples ({shape[1]}): it looks like (batch, channels, samples). "
            "Transpose it with `ops.transpose(x, (0, 2, 1))`."
        )
    samples = shape[1]
    if samples is not None and samples == 0:
        raise ValueError(f"{layer_name} received empty audio (0 samples), shape {shape}.")
    if samples is not None and samples < min_samples:
        raise ValueError(
            f"{layer_name} needs at least {min_samples} samples (one frame). Received {samples} samples, "
            f"shape {shape}. Pad the audio or use center=True."
        )


def check_waveform(x, layer_name, min_samples=1):
    """Validate a waveform batch: :func:`check_waveform_shape`, a float dtype, finite values (eagerly)."""
    check_waveform_shape(x.shape, layer_name, min_samples)
    check_float_dtype(x, layer_name)
    check_finite(x, layer_name)


def check_spectrogram(x, layer_name, bins=None):
    """Validate a time-major spectrogram batch `(batch, frames, bins[, channels])`."""
    shape = tuple(x.shape)
    if len(shape) not in (3, 4):
        raise ValueError(
            f"{layer_name} expects a spectrogram of shape (batch, frames, bins) or (batch, frames, bins, channels). "
            f"Received rank {len(shape)} with shape {shape}."
        )
    if bins is not None and shape[2] is not None and shape[2] != bins:
        raise ValueError(
            f"{layer_name} expects {bins} frequency bins on axis 2. Received shape {shape}. "
            "Check that n_fft (and sample_rate) match the STFT feeding this layer."
        )
    check_float_dtype(x, layer_name)


def check_positive_int(name, value):
    """Return `value` as an int (Python or NumPy integers), or raise a ValueError naming it."""
    if isinstance(value, (bool, np.bool_)) or not isinstance(value, numbers.Integral) or value <= 0:
        raise ValueError(f"`{name}` must be a positive integer. Received: {name}={value!r}")
    return int(value)


def is_finite_number(value):
    """True for a finite real number (Python or NumPy), False for bools, strings, None, NaN and ±inf."""
    return isinstance(value, numbers.Real) and not isinstance(value, bool) and math.isfinite(value)


def check_positive_number(name, value):
    """Return `value` as a float, or raise a ValueError naming it unless it is a finite number > 0."""
    if not is_finite_number(value) or value <= 0:
        raise ValueError(f"`{name}` must be a finite number > 0. Received: {name}={value!r}")
    return float(value)


def check_float32_number(name, value):
    """Return `value` as a float, or raise a ValueError naming it unless it is finite in float32.

    A float64 such as 1e39 is finite but overflows to inf when the layer casts it to float32.
    """
    if not is_finite_number(value) or abs(value) > FLOAT32_MAX:
        raise ValueError(
            f"`{name}` must be a finite number that float32 can hold (|{name}| <= {FLOAT32_MAX:.8g}). "
            f"Received: {name}={value!r}"
        )
    return float(value)


def check_positive_float32(name, value):
    """:func:`check_positive_number`, and at most the largest float32 (3.4028235e+38)."""
    number = check_positive_number(name, value)
    if number > FLOAT32_MAX:
        raise ValueError(
            f"`{name}` must be at most {FLOAT32_MAX:.8g}, the largest float32; larger values overflow to inf. "
            f"Received: {name}={value!r}"
        )
    return number


def check_choice(name, value, choices):
    if value not in choices:
        raise ValueError(f"`{name}` must be one of {choices}. Received: {name}={value!r}")
    return value
