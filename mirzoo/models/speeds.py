"""Test-time speed averaging for frame models: one network applied to the waveform as it is and played faster or
slower (pitch and tempo together, resampled in the graph), its frame scores read back at the original frames and
averaged. A network trained with speed perturbation (`mirzoo train --speed`) scores each view a little differently;
their mean is a small ensemble that costs inference time, not weights.
"""

import fractions

import keras
from keras import ops

from mirzoo.layers import Resample
from mirzoo.layers.checks import check_positive_number, is_finite_number

# Speeds are played as a ratio of small integers (the resampler's up and down factors).
MAX_SPEED_DENOMINATOR = 100


def speed_ratio(speed):
    """`(numerator, denominator)` of `speed` as the nearest ratio with a denominator of at most
    MAX_SPEED_DENOMINATOR (1.25 → (5, 4)).

    Raises:
        ValueError: a speed that is not a number in [0.5, 2].
    """
    if not is_finite_number(speed) or not 0.5 <= speed <= 2.0:
        raise ValueError(f"a speed is a number in [0.5, 2] (1: as recorded); received {speed!r}.")
    ratio = fractions.Fraction(speed).limit_denominator(MAX_SPEED_DENOMINATOR)
    return ratio.numerator, ratio.denominator


def check_speeds(speeds):
    """`speeds` as a tuple of floats: distinct speeds in [0.5, 2] (see :func:`speed_ratio`), 1.0 (the audio as
    recorded) among them.

    Raises:
        ValueError: a sequence without 1.0, a repeated speed or one :func:`speed_ratio` refuses.
    """
    speeds = tuple(speeds) if isinstance(speeds, (list, tuple)) else (speeds,)
    ratios = [speed_ratio(speed) for speed in speeds]
    if (1, 1) not in ratios:
        raise ValueError(f"speeds must include 1.0, the audio as recorded; received {speeds!r}.")
    if len(set(ratios)) != len(ratios):
        raise ValueError(f"speeds must be distinct; received {speeds!r}.")
    return tuple(float(speed) for speed in speeds)


@keras.saving.register_keras_serializable(package="mirzoo")
class StretchedFrames(keras.layers.Layer):
    """Frame scores of audio played `speed` times as fast, read at the frames of the audio as recorded.

    Frame `k` of the recording (centred at sample `k · hop`) is heard at frame `k / speed` of the played audio:
    the output is the input linearly interpolated there, the last input frame standing for any later one.

    Args:
        speed: the playing speed of the scored audio, > 0.

    Call arguments: `[scores, reference]`: `scores` `(batch, played_frames, channels)`, `reference`
    `(batch, frames, ...)` whose frame count the output takes.

    Output shape: `(batch, frames, channels)`.
    """

    def __init__(self, speed, **kwargs):
        super().__init__(**kwargs)
        self.speed = check_positive_number("speed", speed)

    def call(self, inputs):
        scores, reference = inputs
        frames, played = ops.shape(reference)[1], ops.shape(scores)[1]
        position = ops.arange(frames, dtype="float32") / self.speed
        before = ops.minimum(ops.cast(ops.floor(position), "int32"), played - 1)
        after = ops.minimum(before + 1, played - 1)
        weight = ops.reshape(ops.minimum(position - ops.cast(before, "float32"), 1.0), (1, -1, 1))
        weight = ops.cast(weight, scores.dtype)
        return ops.take(scores, before, axis=1) * (1 - weight) + ops.take(scores, after, axis=1) * weight

    def compute_output_shape(self, input_shapes):
        scores, reference = input_shapes
        return (scores[0], reference[1], scores[2])

    def get_config(self):
        config = super().get_config()
        config.update(speed=self.speed)
        return config


def average_over_speeds(waveform, network, speeds):
    """The mean of `network`'s frame scores over `waveform` played at each of `speeds`, at the recording's frames.

    Args:
        waveform: the model's `(batch, samples)` input tensor.
        network: a callable from a `(batch, samples)` waveform to `(batch, frames, channels)` scores, applying the
            same layers (and weights) on every call, whose frame `k` is centred at sample `k · hop`.
        speeds: see :func:`check_speeds`; `(1.0,)` is the network alone.

    Returns:
        `(batch, frames, channels)` scores, `frames` those of the waveform as recorded.
    """
    speeds = check_speeds(speeds)
    recorded = network(waveform)
    if speeds == (1.0,):
        return recorded
    views = []
    for numerator, denominator in (speed_ratio(speed) for speed in speeds):
        if numerator == denominator:
            views.append(recorded)
            continue
        # Played `numerator / denominator` times as fast: `denominator` samples for every `numerator`.
        played = Resample(numerator, denominator, name=f"played_at_{numerator}_{denominator}")(waveform)
        views.append(StretchedFrames(numerator / denominator, name=f"frames_at_{numerator}_{denominator}")(
            [network(played), recorded]))
    return keras.layers.Average(name="speed_average")(views)
