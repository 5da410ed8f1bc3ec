"""The common parent of mirzoo's signal-processing layers."""

import keras


class AudioLayer(keras.layers.Layer):
    """A layer that computes in float32 unless told otherwise.

    FFTs, filterbanks and logarithms lose too much in float16, so these layers
    default to `dtype="float32"` instead of following a global mixed-precision
    policy; Keras casts their output for the float16 layers that follow.
    """

    def __init__(self, **kwargs):
        kwargs.setdefault("dtype", "float32")
        super().__init__(**kwargs)
