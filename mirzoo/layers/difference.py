"""Positive spectral difference: how much each bin rose since `frames` frames before."""

import keras
from keras import ops

from mirzoo.layers.base import AudioLayer
from mirzoo.layers.checks import check_positive_int, check_spectrogram


@keras.saving.register_keras_serializable(package="mirzoo")
class PositiveDifference(AudioLayer):
    """`[S, max(S[t] - S[t - frames], 0)]`: the spectrogram with its half-wave rectified difference stacked on.

    The first `frames` frames, which have no predecessor, get a difference of 0
    (madmom's `SpectrogramDifference` with `positive_diffs=True`, `stack_diffs=np.hstack`).
    This is not :class:`Delta`, a regression over neighbouring frames.

    Args:
        frames: the lag in frames, >= 1.

    Input shape: `(batch, frames, bins)`.
    Output shape: `(batch, frames, 2 · bins)`: the input, then its difference.
    """

    def __init__(self, frames=1, **kwargs):
        super().__init__(**kwargs)
        self.frames = check_positive_int("frames", frames)

    def call(self, x):
        check_spectrogram(x, "PositiveDifference")
        if len(x.shape) != 3:
            raise ValueError(f"PositiveDifference expects (batch, frames, bins). Received shape {tuple(x.shape)}.")
        # Each frame minus itself for the first `frames` (a difference of 0), then minus the frame `frames` back.
        count = ops.shape(x)[1]
        previous = ops.take(x, ops.maximum(ops.arange(count, dtype="int32") - self.frames, 0), axis=1)
        first = ops.expand_dims(ops.expand_dims(ops.arange(count, dtype="int32") < self.frames, 0), -1)
        previous = ops.where(first, x, previous)
        return ops.concatenate([x, ops.relu(x - previous)], axis=-1)

    def compute_output_shape(self, input_shape):
        bins = None if input_shape[2] is None else 2 * input_shape[2]
        return (input_shape[0], input_shape[1], bins)

    def get_config(self):
        config = super().get_config()
        config.update(frames=self.frames)
        return config
