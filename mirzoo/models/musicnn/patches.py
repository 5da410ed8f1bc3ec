"""musicnn's patching of a whole-file spectrogram, as layers: pad to one patch, cut patches, regroup outputs.

musicnn scores a recording patch by patch: the log-mel spectrogram of the whole
file is cut into non-overlapping patches of `patch_frames` frames and the
frames left after the last whole patch are dropped. These layers do that inside
the graph by folding the patches into the batch axis, so that the per-patch
network is made of ordinary Keras layers, and unfold the per-patch outputs again.
"""

import keras
from keras import ops

from mirzoo.layers.checks import check_positive_int


def frame_span(frontend):
    """Where STFT frame `j` reads, for a preset's front-end parameters.

    Returns:
        `(offset, n_fft)`: frame `j` covers samples `[j·hop − offset, j·hop − offset + n_fft)`;
        `offset` is `n_fft // 2` when frames are centred (the default), else 0.
    """
    n_fft = frontend["n_fft"]
    return (n_fft // 2 if frontend.get("center", True) else 0), n_fft


def one_patch_samples(frontend, patch_frames):
    """The fewest samples that give `patch_frames` STFT frames, i.e. one whole patch."""
    offset, n_fft = frame_span(frontend)
    return n_fft - 2 * offset + (patch_frames - 1) * frontend["hop_length"]


@keras.saving.register_keras_serializable(package="mirzoo")
class PadToLength(keras.layers.Layer):
    """Zero-pad audio at its end to at least `min_samples`; longer audio passes unchanged.

    musicnn crashes on audio shorter than one patch; the ports pad such audio
    with silence to exactly one patch instead, as mirzoo's other taggers pad a
    short clip to one window.

    Args:
        min_samples: the shortest output length, in samples.

    Input shape: `(batch, samples)`. Output shape: `(batch, max(samples, min_samples))`.
    """

    def __init__(self, min_samples, **kwargs):
        super().__init__(**kwargs)
        self.min_samples = check_positive_int("min_samples", min_samples)

    def call(self, waveform):
        samples = ops.shape(waveform)[1]
        if isinstance(samples, int):
            missing = max(0, self.min_samples - samples)
        else:
            missing = ops.maximum(self.min_samples - samples, 0)
        return ops.pad(waveform, [[0, 0], [0, missing]])

    def compute_output_shape(self, input_shape):
        samples = input_shape[1]
        return (input_shape[0], None if samples is None else max(samples, self.min_samples)) + tuple(input_shape[2:])

    def get_config(self):
        config = super().get_config()
        config.update(min_samples=self.min_samples)
        return config


@keras.saving.register_keras_serializable(package="mirzoo")
class SplitPatches(keras.layers.Layer):
    """Cut spectrograms into non-overlapping patches and fold them into the batch axis.

    Patch `k` of clip `b` holds frames `[k·patch_frames, (k+1)·patch_frames)` of that
    clip and becomes row `b·patches + k` of the output; the `frames mod patch_frames`
    frames after the last whole patch are dropped (as musicnn drops them).

    Args:
        patch_frames: frames per patch (musicnn: 187, i.e. 2.992 s at 16 kHz, hop 256).

    Input shape: `(batch, frames, bins)` with `frames >= patch_frames`.
    Output shape: `(batch · patches, patch_frames, bins)`, `patches = frames // patch_frames`.
    """

    def __init__(self, patch_frames, **kwargs):
        super().__init__(**kwargs)
        self.patch_frames = check_positive_int("patch_frames", patch_frames)

    def call(self, spectrogram):
        if len(spectrogram.shape) != 3:
            raise ValueError(
                f"SplitPatches expects (batch, frames, bins); received shape {tuple(spectrogram.shape)}."
            )
        frames = ops.shape(spectrogram)[1]
        bins = spectrogram.shape[2] if spectrogram.shape[2] is not None else ops.shape(spectrogram)[2]
        whole = spectrogram[:, : (frames // self.patch_frames) * self.patch_frames]
        return ops.reshape(whole, (-1, self.patch_frames, bins))

    def compute_output_shape(self, input_shape):
        batch, frames = input_shape[0], input_shape[1]
        rows = None if batch is None or frames is None else batch * (frames // self.patch_frames)
        return (rows, self.patch_frames, input_shape[2])

    def get_config(self):
        config = super().get_config()
        config.update(patch_frames=self.patch_frames)
        return config


@keras.saving.register_keras_serializable(package="mirzoo")
class MergePatches(keras.layers.Layer):
    """Unfold per-patch outputs from the batch axis: the inverse of `SplitPatches`.

    Called on `[per_patch, reference]`, where `reference` is any tensor whose
    axis 0 is the original batch: the spectrogram that was split, so that the
    layers from the spectrogram on form a model of their own.

    Input shapes: `(batch · patches, *features)` and `(batch, ...)`.
    Output shape: `(batch, patches, *features)`.
    """

    def call(self, inputs):
        per_patch, reference = inputs
        features = tuple(per_patch.shape[1:])
        if any(size is None for size in features):
            raise ValueError(f"MergePatches needs static feature dimensions; received shape {tuple(per_patch.shape)}.")
        return ops.reshape(per_patch, (ops.shape(reference)[0], -1) + features)

    def compute_output_shape(self, input_shape):
        per_patch, reference = input_shape
        return (reference[0], None) + tuple(per_patch[1:])
