"""Chord recognition decoding: frame features → chord segments, with the linear-chain conditional random field of
madmom's `DeepChromaChordRecognitionProcessor` (Korzeniowski & Widmer, "Feature Learning for Chord Recognition: The
Deep Chroma Extractor", ISMIR 2016) and `CRFChordRecognitionProcessor` (Korzeniowski & Widmer, "A Fully
Convolutional Deep Auditory Model for Musical Chord Recognition", MLSP 2016).

The CRF scores a label sequence `y_0 … y_{N-1}` of observations `x_i` as

    max_k (π[k] + A[k, y_0]) + Σ_i (c[y_i] + x_i · W[:, y_i]) + Σ_{i>0} A[y_{i-1}, y_i] + τ[y_{N-1}],

i.e. as madmom decodes it: `π` is the score of a virtual label before frame 0, so frame 0 also receives a transition
(madmom's docstring puts `π` on `y_0` instead; its code, which this module follows, does not). The arithmetic runs
in madmom's order and dtypes (float32 parameters stay float32), so the decoded labels are identical.
"""

from typing import NamedTuple

import numpy as np

from mirzoo.decoders import _checks

_ROOTS = ("A", "A#", "B", "C", "C#", "D", "D#", "E", "F", "F#", "G", "G#")

# madmom's class ids (`majmin_targets_to_chord_labels`): 0–11 major and 12–23 minor chords on the roots from A,
# 24 no chord.
MAJMIN_LABELS = tuple(f"{root}:maj" for root in _ROOTS) + tuple(f"{root}:min" for root in _ROOTS) + ("N",)

_CRF_KEYS = ("weights", "bias", "transitions", "initial", "final")


class Chord(NamedTuple):
    """A chord segment.

    Attributes:
        start: seconds.
        end: seconds (exclusive: the start of the next segment, or one frame after the last frame).
        label: chord label, e.g. "A:min" or "N" (no chord).
    """

    start: float
    end: float
    label: str


def crf_viterbi(observations, weights, bias, transitions, initial, final):
    """The most likely label sequence of a linear-chain CRF, as madmom's `ConditionalRandomField.process`.

    Per frame `i` the best score of ending in label `y` is `c[y] + x_i · W[:, y] + max_k (v[k] + A[k, y])`, where
    `v` is the previous frame's scores (`π` before frame 0); the final scores get `τ`, and the path is traced back
    from their maximum. Ties go to the lowest label, as in madmom. Cost: `frames × classes²` additions.

    Args:
        observations: `(frames, features)` observations `x` (e.g. deep chroma vectors or CNN chord features).
        weights: `(features, classes)` observation potentials `W` (madmom's `W`).
        bias: `(classes,)` label bias `c`.
        transitions: `(classes, classes)` transition potentials `A`, rows "from", columns "to".
        initial: `(classes,)` initial potential `π` (the score of the virtual label before frame 0).
        final: `(classes,)` final potential `τ` (added to the last frame's scores).

    Returns:
        int64 array `(frames,)` of label ids in `[0, classes)`.

    Raises:
        ValueError: arrays of the wrong rank or of shapes that disagree, no frames or no classes, values that are
            not finite or not real.
    """
    observations = _checks.real_array("observations", observations, 2)
    weights = _checks.real_array("weights", weights, 2)
    bias, initial, final = (_checks.real_array(name, values, 1) for name, values in (
        ("bias", bias), ("initial", initial), ("final", final)))
    transitions = _checks.real_array("transitions", transitions, 2)
    frames, features = observations.shape
    classes = len(initial)
    if frames == 0:
        raise ValueError("observations are empty (0 frames); there is nothing to decode.")
    if classes == 0:
        raise ValueError("initial is empty: the CRF must have at least one class.")
    if weights.shape != (features, classes):
        raise ValueError(f"weights must have shape (features, classes) = ({features}, {classes}) for {features}-"
                         f"dimensional observations and {classes} classes; received shape {weights.shape}.")
    for name, array, shape in (("bias", bias, (classes,)), ("final", final, (classes,)),
                               ("transitions", transitions, (classes, classes))):
        if array.shape != shape:
            raise ValueError(f"{name} must have shape {shape} for {classes} classes (the length of initial); "
                             f"received shape {array.shape}.")

    back_pointers = np.empty((frames, classes), dtype=np.intp)
    columns = np.arange(classes)
    scores = initial.copy()
    for frame in range(frames):
        candidates = transitions + scores[:, np.newaxis]  # (from, to)
        best = candidates.argmax(axis=0)  # the first maximum: the lowest label, as madmom's np.argmax
        back_pointers[frame] = best
        # madmom's operand order and promotion: c + x·W (one row at a time, as madmom's np.dot) + best transition
        scores = bias + np.dot(observations[frame], weights) + candidates[best, columns]
    scores = scores + final
    path = np.empty(frames, dtype=np.int64)
    label = int(np.argmax(scores))
    for frame in range(frames - 1, -1, -1):
        path[frame] = label
        label = back_pointers[frame, label]
    return path


def decode_chords(observations, crf, frame_rate, labels=MAJMIN_LABELS):
    """Chord segments from frame observations: :func:`crf_viterbi`, then runs of equal labels merged — the output of
    madmom's `DeepChromaChordRecognitionProcessor` (deep chroma, 12 features) or `CRFChordRecognitionProcessor`
    (CNN chord features, 128 features), both at 10 frames per second.

    Frame `i` starts at `i * (1 / frame_rate)` seconds (madmom's product, so the times are bit-identical); a segment
    ends where the next one starts, the last one at its last frame's start plus `1 / frame_rate`.

    Args:
        observations: `(frames, features)` observations.
        crf: mapping with the CRF parameters `"weights"` `(features, classes)`, `"bias"` `(classes,)`,
            `"transitions"` `(classes, classes)`, `"initial"` `(classes,)` and `"final"` `(classes,)` (madmom's
            `W`, `c`, `A`, `π`, `τ`); see :func:`crf_viterbi`.
        frame_rate: frames per second of the observations (> 0).
        labels: the label of each class id, `classes` strings; default :data:`MAJMIN_LABELS`.

    Returns:
        List of :class:`Chord` in time order, covering `[0, frames / frame_rate)` without gaps; consecutive
        segments have different labels.

    Raises:
        ValueError: a `crf` without one of the keys, a label count other than the number of classes, a frame rate
            that is not a finite positive number, and everything :func:`crf_viterbi` refuses.
    """
    missing = [key for key in _CRF_KEYS if key not in crf]
    if missing:
        raise ValueError(f"crf must have the keys {list(_CRF_KEYS)}; missing {missing}.")
    frame_rate = _checks.frame_rate(frame_rate)
    labels = tuple(labels)
    classes = len(np.asarray(crf["initial"]))
    if len(labels) != classes:
        raise ValueError(f"labels must name each of the CRF's {classes} classes; received {len(labels)} labels.")
    path = crf_viterbi(observations, **{key: crf[key] for key in _CRF_KEYS})
    seconds_per_frame = 1.0 / frame_rate
    frame_labels = [labels[label] for label in path.tolist()]
    starts = [0] + [frame for frame in range(1, len(frame_labels)) if frame_labels[frame] != frame_labels[frame - 1]]
    times = [frame * seconds_per_frame for frame in starts]
    times.append((len(frame_labels) - 1) * seconds_per_frame + seconds_per_frame)
    return [Chord(times[index], times[index + 1], frame_labels[frame]) for index, frame in enumerate(starts)]
