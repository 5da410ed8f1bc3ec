"""Segments of constant activity: which labels are on, from when to when (singing voice, pitch classes)."""

import dataclasses
import math

import numpy as np

# A `"segments"` decoder's default: shorter segments are absorbed by their neighbour (a 1-frame flicker is not a
# sung phrase or a chord).
MIN_SEGMENT_SECONDS = 0.25


@dataclasses.dataclass(frozen=True)
class Segment:
    """A stretch of time in which the same labels are active.

    Attributes:
        start: seconds.
        end: seconds (exclusive: the start of the first frame after the segment).
        labels: the active labels, in label order; empty where none is.
    """

    start: float
    end: float
    labels: tuple

    @property
    def duration(self):
        return self.end - self.start


def active_segments(activations, frame_rate, labels, threshold=0.5, min_seconds=0.0):
    """Split frame activations into segments in which the same set of labels is at or above `threshold`.

    A frame's active set is the labels whose activation is `>= threshold`. Runs of frames with the same
    set become segments; a run shorter than `min_seconds` is absorbed into the segment before it (the
    first run into the one after it), which merges neighbours that become equal. Frame `k` covers
    `[k / frame_rate, (k + 1) / frame_rate)` seconds.

    Args:
        activations: `(frames, n_labels)` scores, or `(frames,)` for one label.
        frame_rate: frames per second (> 0).
        labels: `n_labels` names, in column order.
        threshold: a label is active at a frame when its activation is at least this.
        min_seconds: shortest segment kept as its own, in seconds (0 keeps every run).

    Returns:
        List of :class:`Segment`, in time order, covering `[0, frames / frame_rate)` without gaps; empty for
        no frames.

    Raises:
        ValueError: activations that are not finite or not 1-D/2-D, a column count other than
            `len(labels)`, a frame rate that is not a finite positive number, a negative `min_seconds`.
    """
    activations = np.asarray(activations, dtype=np.float64)
    if activations.ndim == 1:
        activations = activations[:, None]
    if activations.ndim != 2 or activations.shape[1] != len(labels):
        raise ValueError(f"activations must be (frames, {len(labels)}) for {len(labels)} labels; "
                         f"received shape {activations.shape}.")
    if not np.all(np.isfinite(activations)):
        raise ValueError("activations contain NaN or infinite values.")
    if not (isinstance(frame_rate, (int, float, np.number)) and math.isfinite(frame_rate) and frame_rate > 0):
        raise ValueError(f"frame_rate must be a finite number of frames per second > 0; received {frame_rate!r}.")
    if not min_seconds >= 0:
        raise ValueError(f"min_seconds must be >= 0; received {min_seconds!r}.")
    if len(activations) == 0:
        return []
    active = activations >= threshold
    # Run boundaries: frames whose active set differs from the previous frame's.
    changes = np.flatnonzero(np.any(active[1:] != active[:-1], axis=1)) + 1
    starts = np.concatenate([[0], changes])
    ends = np.concatenate([changes, [len(active)]])
    runs = [[int(start), int(end), tuple(np.flatnonzero(active[start]))] for start, end in zip(starts, ends)]
    min_frames = min_seconds * frame_rate
    merged = []
    for run in runs:
        if merged and (run[1] - run[0] < min_frames or run[2] == merged[-1][2]):
            merged[-1][1] = run[1]  # too short (absorbed by the one before) or the same labels again
        elif merged and merged[-1][1] - merged[-1][0] < min_frames and len(merged) == 1:
            merged[-1] = [merged[-1][0], run[1], run[2]]  # a too-short first run is absorbed by this one
        else:
            merged.append(run)
    return [Segment(start / frame_rate, end / frame_rate, tuple(labels[i] for i in indices))
            for start, end, indices in merged]


def segment_parameters(threshold=0.5, min_seconds=MIN_SEGMENT_SECONDS):
    """A `"segments"` decoder's parameters, checked: `{"threshold": float, "min_seconds": float}`.

    Args:
        threshold: activation at or above which a label is active, in (0, 1].
        min_seconds: shortest segment kept as its own, in seconds (>= 0).

    Raises:
        ValueError: a threshold outside (0, 1] or a negative or non-finite `min_seconds`.
    """
    numeric = (int, float, np.number)
    if isinstance(threshold, bool) or not isinstance(threshold, numeric) or not 0 < threshold <= 1:
        raise ValueError(f"threshold must be a number in (0, 1]; received {threshold!r}.")
    if (isinstance(min_seconds, bool) or not isinstance(min_seconds, numeric) or not math.isfinite(min_seconds)
            or min_seconds < 0):
        raise ValueError(f"min_seconds must be a finite number of seconds >= 0; received {min_seconds!r}.")
    return {"threshold": float(threshold), "min_seconds": float(min_seconds)}
