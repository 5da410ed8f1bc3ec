"""Logarithmic compression `log(1 + C·x)`."""

import math

import keras
from keras import ops

from mirzoo.layers.base import AudioLayer
from mirzoo.layers.checks import check_choice, check_positive_float32

LOG_BASES = ("e", "10")


@keras.saving.register_keras_serializable(package="mirzoo")
class LogCompression(AudioLayer):
    """`log_base(1 + multiplier · x)`, elementwise; 0 stays 0.

    Korzeniowski & Widmer's deep chroma front end uses `log(1 + x)`; musicnn
    uses `log10(1 + 10000 · x)` on a power mel spectrogram.

    Args:
        multiplier: C > 0, scales the input before the logarithm; at most
            3.4028235e+38, the largest float32 (the product C·x is computed in
            float32, so keep it below that too).
        base: `"e"` (natural) or `"10"`.

    Input / output shape: unchanged; input >= 0.
    """

    def __init__(self, multiplier=1.0, base="e", **kwargs):
        super().__init__(**kwargs)
        self.multiplier = check_positive_float32("multiplier", multiplier)
        self.base = check_choice("base", str(base), LOG_BASES)

    def call(self, x):
        scaled = x if self.multiplier == 1.0 else x * self.multiplier
        compressed = ops.log1p(scaled)
        return compressed if self.base == "e" else compressed * (1.0 / math.log(10.0))

    def compute_output_shape(self, input_shape):
        return tuple(input_shape)

    def get_config(self):
        config = super().get_config()
        config.update(multiplier=self.multiplier, base=self.base)
        return config


@keras.saving.register_keras_serializable(package="mirzoo")
class ShiftedLog(AudioLayer):
    """`log_base(multiplier · x + shift)`, elementwise, computed as written (madmom's `LogarithmicSpectrogram`).

    madmom's networks were trained on `log10(x + 1)` (deep chroma, beats, downbeats, key, chords),
    `log10(5x + 1)` (onset RNN) and `ln(x + 2.2e-16)` (onset CNN, a floor rather than a shift), evaluated
    in float32 just like this. Unlike :class:`LogCompression`, which uses `log1p`, this keeps madmom's rounding.

    Args:
        multiplier: C > 0 (at most the largest float32).
        shift: added after scaling, > 0 (at most the largest float32): 1 gives `log(1 + Cx)`, a tiny
            value a floor that keeps `log(0)` finite.
        base: `"e"` (natural) or `"10"`.

    Input / output shape: unchanged; input >= 0.
    """

    def __init__(self, multiplier=1.0, shift=1.0, base="10", **kwargs):
        super().__init__(**kwargs)
        self.multiplier = check_positive_float32("multiplier", multiplier)
        self.shift = check_positive_float32("shift", shift)
        self.base = check_choice("base", str(base), LOG_BASES)

    def call(self, x):
        scaled = x if self.multiplier == 1.0 else x * self.multiplier
        logarithm = ops.log(scaled + self.shift)
        return logarithm if self.base == "e" else logarithm / math.log(10.0)

    def compute_output_shape(self, input_shape):
        return tuple(input_shape)

    def get_config(self):
        config = super().get_config()
        config.update(multiplier=self.multiplier, shift=self.shift, base=self.base)
        return config
