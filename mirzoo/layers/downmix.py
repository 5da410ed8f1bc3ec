"""Multichannel audio to mono."""

import keras
from keras import ops

from mirzoo.layers.base import AudioLayer
from mirzoo.layers.checks import check_waveform


@keras.saving.register_keras_serializable(package="mirzoo")
class Downmix(AudioLayer):
    """Average the channels: `(batch, samples, channels) → (batch, samples)`.

    Mono input `(batch, samples)` passes through unchanged.
    """

    def call(self, waveform):
        check_waveform(waveform, "Downmix")
        if len(waveform.shape) == 2:
            return waveform
        return ops.mean(waveform, axis=-1)

    def compute_output_shape(self, input_shape):
        return tuple(input_shape[:2])
