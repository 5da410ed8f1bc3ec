"""Magnitude (or power) of a complex spectrogram given as `(real, imag)`."""

import keras
from keras import ops

from mirzoo.layers.base import AudioLayer
from mirzoo.layers.checks import check_positive_float32, check_spectrogram


@keras.saving.register_keras_serializable(package="mirzoo")
class Magnitude(AudioLayer):
    """`|X| ** power` from the `(real, imag)` pair that `STFT` returns.

    `power=2.0` (a power spectrogram) is computed as `real² + imag²` with no
    square root, which is both exact and the fastest form; `power=1.0` gives the
    magnitude.

    Args:
        power: exponent > 0 applied to the magnitude, at most 3.4028235e+38
            (the largest float32).

    Input: a pair of tensors `(batch, frames, bins[, channels])`.
    Output: one tensor of the same shape, >= 0.
    """

    def __init__(self, power=1.0, **kwargs):
        super().__init__(**kwargs)
        self.power = check_positive_float32("power", power)

    def call(self, inputs):
        if not isinstance(inputs, (tuple, list)) or len(inputs) != 2:
            raise ValueError(
                "Magnitude expects the pair (real, imag) returned by STFT. "
                f"Received: {type(inputs).__name__} of length {len(inputs) if hasattr(inputs, '__len__') else '?'}"
            )
        real, imag = inputs
        check_spectrogram(real, "Magnitude")
        power = ops.square(real) + ops.square(imag)
        if self.power == 2.0:
            return power
        if self.power == 1.0:
            return ops.sqrt(power)
        return ops.power(power, self.power / 2.0)

    def compute_output_shape(self, input_shape):
        return tuple(input_shape[0])

    def get_config(self):
        config = super().get_config()
        config.update(power=self.power)
        return config
