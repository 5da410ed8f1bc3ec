"""Stack each frame with its neighbours, for frame-wise dense or convolutional models."""

import keras
from keras import ops

from mirzoo.layers.base import AudioLayer
from mirzoo.layers.checks import check_choice, check_spectrogram

CONTEXT_PADDINGS = ("edge", "zeros")


@keras.saving.register_keras_serializable(package="mirzoo")
class FrameContext(AudioLayer):
    """Give every frame a window of `±context` neighbouring frames.

    The output has one window per input frame; frames beyond the edges repeat
    the first or last frame (`padding="edge"`) or are zeros (`padding="zeros"`,
    as madmom's deep chroma extractor frames its spectrogram).

    Args:
        context: frames on each side, >= 0; the window holds `2 · context + 1`.
        padding: `"edge"` or `"zeros"`.

    Input shape: `(batch, frames, bins[, channels])`.
    Output shape: `(batch, frames, 2 · context + 1, bins[, channels])`; entry
    `[:, t, j]` is frame `t + j - context`, or the padding outside `[0, frames)`.
    """

    def __init__(self, context=7, padding="edge", **kwargs):
        super().__init__(**kwargs)
        if isinstance(context, bool) or not isinstance(context, int) or context < 0:
            raise ValueError(f"`context` must be an integer >= 0 (frames). Received: context={context!r}")
        self.context = context
        self.padding = check_choice("padding", padding, CONTEXT_PADDINGS)

    def call(self, x):
        check_spectrogram(x, "FrameContext")
        frames = ops.shape(x)[1]
        offsets = ops.arange(-self.context, self.context + 1, dtype="int32")
        if self.padding == "zeros":  # frame t of the padded input is frame t - context of x
            widths = [(0, 0), (self.context, self.context)] + [(0, 0)] * (len(x.shape) - 2)
            x = ops.pad(x, widths)
            offsets = offsets + self.context
        indices = ops.expand_dims(ops.arange(frames, dtype="int32"), 1) + ops.expand_dims(offsets, 0)
        if self.padding == "edge":
            indices = ops.clip(indices, 0, frames - 1)
        return ops.take(x, indices, axis=1)

    def compute_output_shape(self, input_shape):
        return (input_shape[0], input_shape[1], 2 * self.context + 1) + tuple(input_shape[2:])

    def get_config(self):
        config = super().get_config()
        config.update(context=self.context, padding=self.padding)
        return config
