"""The common parent of mirzoo's signal-processing layers."""

import keras

HALF_PRECISION = ("float16", "bfloat16")


class AudioLayer(keras.layers.Layer):
    """A layer that computes in float32 (or float64), whatever the dtype policy asks.

    FFTs, filterbanks and logarithms lose too much in float16, and TensorFlow's
    STFT has no half-precision kernel, so these layers default to
    `dtype="float32"` instead of following a global mixed-precision policy, and
    an explicit half-precision `dtype` (`"float16"`, `"bfloat16"`,
    `"mixed_float16"`, `"mixed_bfloat16"`, or such a `DTypePolicy`) is computed
    in float32 too, as under a global policy; Keras casts their output for the
    float16 layers that follow. `dtype="float64"` is honoured.

    Raises:
        ValueError: a `dtype` that does not compute in floating point (e.g. `"int32"`).
    """

    def __init__(self, **kwargs):
        dtype = kwargs.get("dtype")
        if dtype is None:
            kwargs["dtype"] = "float32"
        else:
            compute_dtype = keras.dtype_policies.get(dtype).compute_dtype
            if compute_dtype in HALF_PRECISION:
                kwargs["dtype"] = "float32"
            elif "float" not in compute_dtype:
                raise ValueError(
                    f"{type(self).__name__} computes in floating point (float32 or float64). "
                    f"Received: dtype={dtype!r}, which computes in {compute_dtype}."
                )
        super().__init__(**kwargs)
