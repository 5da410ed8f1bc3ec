"""Pad a spectrogram with frames before and after it (zeros, or copies of the first and last frame)."""

import keras
from keras import ops

from mirzoo.layers.base import AudioLayer
from mirzoo.layers.checks import check_choice, check_spectrogram

FRAME_PADDINGS = ("edge", "zeros")


@keras.saving.register_keras_serializable(package="mirzoo")
class PadFrames(AudioLayer):
    """Add `before` frames at the start and `after` at the end of the time axis.

    A convolution over `k` frames then gives one output per input frame (madmom's
    onset CNN repeats 7 edge frames on each side, its piano CNN 5; its chord CNN
    adds 11 frames of zeros).

    Args:
        before, after: frames to add, >= 0.
        mode: `"edge"` (repeat the first / last frame) or `"zeros"`.

    Input shape: `(batch, frames, bins[, channels])`.
    Output shape: `(batch, before + frames + after, bins[, channels])`.
    """

    def __init__(self, before, after, mode="edge", **kwargs):
        super().__init__(**kwargs)
        for name, value in (("before", before), ("after", after)):
            if isinstance(value, bool) or not isinstance(value, int) or value < 0:
                raise ValueError(f"`{name}` must be an integer >= 0 (frames). Received: {name}={value!r}")
        self.before, self.after = before, after
        self.mode = check_choice("mode", mode, FRAME_PADDINGS)

    def call(self, x):
        check_spectrogram(x, "PadFrames")
        widths = [(0, 0), (self.before, self.after)] + [(0, 0)] * (len(x.shape) - 2)
        if self.mode == "zeros":
            return ops.pad(x, widths)
        frames = ops.shape(x)[1]
        indices = ops.clip(ops.arange(-self.before, frames + self.after, dtype="int32"), 0, frames - 1)
        return ops.take(x, indices, axis=1)

    def compute_output_shape(self, input_shape):
        frames = None if input_shape[1] is None else input_shape[1] + self.before + self.after
        return (input_shape[0], frames) + tuple(input_shape[2:])

    def get_config(self):
        config = super().get_config()
        config.update(before=self.before, after=self.after, mode=self.mode)
        return config
