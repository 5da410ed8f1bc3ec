"""Decibel scaling with a per-example dynamic range (librosa.power_to_db)."""

import functools
import math
import numbers

import keras
from keras import ops

from mirzoo.layers.base import AudioLayer
from mirzoo.layers.checks import FLOAT32_MAX, FLOAT32_TINY, check_positive_float32, is_finite_number

# Below it the scale 20 / power times a log10 range of float32 (about 76.5 decades) overflows float32.
MIN_POWER = 1e-30


@keras.saving.register_keras_serializable(package="mirzoo")
class MagnitudeToDecibel(AudioLayer):
    """Convert a power (or magnitude) spectrogram to decibels, clip by example.

    `dB = 20 / power * log10(max(x, amin)) - 20 / power * log10(max(ref, amin))`
    (exactly 0 where `max(x, amin) == max(ref, amin)`, silence included),
    then, when `top_db` is set, values below each example's own maximum minus
    `top_db` are raised to it. The maximum is taken over every axis but the
    batch axis of that one example, so a clip's output never depends on the
    clips batched with it (unlike `keras.layers.MelSpectrogram`).

    With `power=2.0` this is `librosa.power_to_db(x, ref, amin, top_db)`;
    with `power=1.0` it is `librosa.amplitude_to_db(x, ref, amin, top_db)`
    (then use an `amin` on the magnitude scale, e.g. 1e-5).

    Args:
        ref: reference value (0 dB), > 0 and at most 3.4028235e+38 (the largest
            float32), or `"max"` for each example's maximum.
        amin: floor applied to the input and to `ref`, between 1.1754944e-38 and
            3.4028235e+38 (the normal float32 range: a smaller floor is subnormal
            or 0 in float32, and silence could give -inf dB).
        top_db: dynamic range in dB (> 0) kept below each example's peak; `None`
            (or inf) keeps everything.
        power: the exponent the input magnitude carries (2 = power, 1 = magnitude),
            between 1e-30 and 3.4028235e+38 (below 1e-30 the scale `20 / power`
            makes dB values overflow float32).

    Every parameter that float32 cannot hold is refused, so finite input gives
    finite output.

    Input / output shape: `(batch, ...)`, unchanged; a batch of 0 examples gives
    an empty output.
    """

    def __init__(self, ref=1.0, amin=1e-10, top_db=80.0, power=2.0, **kwargs):
        super().__init__(**kwargs)
        if ref != "max" and not (is_finite_number(ref) and ref > 0):
            raise ValueError(f'`ref` must be a finite number > 0 or "max". Received: ref={ref!r}')
        if ref != "max" and ref > FLOAT32_MAX:
            raise ValueError(
                f"`ref` must be at most {FLOAT32_MAX:.8g}, the largest float32; larger values overflow to inf. "
                f"Received: ref={ref!r}"
            )
        # top_db=inf is allowed: it keeps everything, as None does.
        if top_db is not None and (isinstance(top_db, bool) or not isinstance(top_db, numbers.Real) or not top_db > 0):
            raise ValueError(f"`top_db` must be a number of dB > 0, or None. Received: top_db={top_db!r}")
        self.ref = ref if ref == "max" else float(ref)
        self.amin = check_positive_float32("amin", amin)
        if self.amin < FLOAT32_TINY:
            raise ValueError(
                f"`amin` must be at least {FLOAT32_TINY:.8g}, the smallest normal float32; a smaller floor is "
                "subnormal or 0 in float32 (flushed to 0 on some hardware), and silence gives -inf dB. "
                f"Received: amin={amin!r}"
            )
        self.top_db = None if top_db is None else float(top_db)
        self.power = check_positive_float32("power", power)
        if self.power < MIN_POWER:
            raise ValueError(
                f"`power` must be at least {MIN_POWER:g} for decibels: the scale 20 / power would make dB values "
                f"overflow float32. Received: power={power!r}"
            )

    def call(self, x):
        scale = 20.0 / self.power
        example_axes = tuple(range(1, len(x.shape)))
        # `initial` makes the maxima of an empty batch empty too; TensorFlow's `max` refuses an empty tensor.
        example_max = functools.partial(ops.max, axis=example_axes, keepdims=True, initial=-math.inf)
        floored = ops.maximum(x, self.amin)
        db = scale * ops.log10(floored)
        if self.ref != 1.0:
            ref = example_max(x) if self.ref == "max" else ops.convert_to_tensor(self.ref, x.dtype)
            floored_ref = ops.maximum(ref, self.amin)
            db = db - scale * ops.log10(floored_ref)
            # float32 log10 rounds differently on its vectorised and scalar paths (which one an element takes
            # depends on the tensor's size), so x == ref could give +-1e-5 dB instead of 0: silence would depend
            # on the batch. An element at the reference level is 0 dB exactly.
            db = ops.where(floored == floored_ref, ops.zeros_like(db), db)
        if self.top_db is not None:
            db = ops.maximum(db, example_max(db) - self.top_db)
        return db

    def compute_output_shape(self, input_shape):
        return tuple(input_shape)

    def get_config(self):
        config = super().get_config()
        config.update(ref=self.ref, amin=self.amin, top_db=self.top_db, power=self.power)
        return config
