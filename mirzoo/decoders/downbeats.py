"""Downbeat tracking with a dynamic Bayesian network: beat and downbeat activations → beats with their position in
the bar, as madmom's `DBNDownBeatTrackingProcessor` (Böck, Krebs & Widmer, "Joint Beat and Downbeat Tracking with
Recurrent Neural Networks", ISMIR 2016).

One HMM per candidate bar length: the beat tracker's state space (:mod:`.beats`) stacked once per beat of the bar,
tempo changes allowed at every beat boundary. The first beat of the bar observes the downbeat activation, the other
beats the beat activation, everything else `(1 - beat - downbeat) / (observation_lambda - 1)`. Each HMM is decoded
with Viterbi, and the one whose best path is most likely gives the beats.
"""

import numpy as np

from mirzoo.decoders import _checks
from mirzoo.decoders.beats import (
    BarStateSpace,
    _beat_ranges,
    _check_tempo_model,
    _main_segment,
    tempo_intervals,
    viterbi,
)

# Sums of beat and downbeat probabilities up to this far above 1 are float rounding (e.g. of a float32 softmax):
# they leave no probability for "no beat", which madmom's NaN log density gives too.
_SUM_TOLERANCE = 1e-6


def _log_densities(activations, observation_lambda):
    """`(frames, 3)` float64 log densities [non-beat, beat, downbeat], in the activations' dtype then widened."""
    log_densities = np.empty((len(activations), 3))
    with np.errstate(divide="ignore"):
        no_beat = (1.0 - np.sum(activations, axis=1)) / (observation_lambda - 1)
        log_densities[:, 0] = np.log(np.maximum(no_beat, 0))
        log_densities[:, 1] = np.log(activations[:, 0])
        log_densities[:, 2] = np.log(activations[:, 1])
    return log_densities


def track_downbeats(activations, frame_rate, beats_per_bar=(3, 4), min_bpm=55.0, max_bpm=215.0, num_tempi=60,
                    transition_lambda=100.0, observation_lambda=16, threshold=0.05, correct=True):
    """Beats and their position in the bar: madmom's `DBNDownBeatTrackingProcessor(beats_per_bar, fps=frame_rate)`.

    Only the frames from the first to the last where either activation is `>= threshold` are decoded. For each
    bar length in `beats_per_bar` a bar HMM is decoded with Viterbi; the most likely one (the first on a tie)
    wins. With `correct`, each run of frames its path spends in beat states yields one beat at the frame whose beat
    or downbeat activation is highest; without, a beat is where the path's beat number changes.

    Returns no beats, as madmom does, when the thresholded activations are all 0, or no path has a non-zero
    probability.

    Cost: per frame and bar length, about `num_states` float64 operations times a dozen (11 157 states for 3 beats,
    14 876 for 4, with the defaults at 100 fps); memory per frame `sum(beats_per_bar) * tempi` one-byte
    back-pointers (420 bytes for (3, 4) with 60 tempi: 151 MB for an hour at 100 fps, all bar lengths held until
    the best is known), plus the log densities and the path.

    Args:
        activations: `(frames, 2)` probabilities [beat, downbeat], each in [0, 1] with a sum of at most 1 (e.g.
            the beat and downbeat columns of a 3-class softmax).
        frame_rate: frames per second (> 0).
        beats_per_bar: the bar lengths to try, in beats (integers >= 1, at least one).
        min_bpm, max_bpm: the tempo range, beats per minute.
        num_tempi: number of modelled tempi, log-spaced; None: every integer beat interval in frames.
        transition_lambda: λ of the exponential tempo change distribution (>= 0; higher: steadier tempo).
        observation_lambda: the first `1 / observation_lambda` of each beat are beat states (integer >= 2).
        threshold: decode only the segment between the first and last activations `>= threshold` (0: all).
        correct: place each beat on the activation peak inside its beat-state run.

    Returns:
        float64 array `(beats, 2)`: `[time in seconds, beat position in the bar (1 = downbeat)]` per beat.

    Raises:
        ValueError: activations that are empty, not finite, not `(frames, 2)`, outside [0, 1] or summing to more
            than 1; a frame rate that is not a finite positive number; an empty or invalid `beats_per_bar`; an
            inverted tempo range, or one whose shortest beat is under a frame; a negative
            `transition_lambda`; an `observation_lambda` or `num_tempi` that is not a positive integer (>= 2 for
            `observation_lambda`); a threshold outside [0, 1].
    """
    activations = _checks.activations(activations, columns=2, probabilities=True)
    if np.max(np.sum(activations, axis=1)) > 1 + _SUM_TOLERANCE:
        row = int(np.argmax(np.sum(activations, axis=1)))
        raise ValueError(f"beat and downbeat activations must sum to at most 1 per frame (they are two classes of "
                         f"one distribution); frame {row} sums to {float(np.sum(activations[row]))}.")
    frame_rate, min_bpm, max_bpm, num_tempi, transition_lambda, observation_lambda = _check_tempo_model(
        frame_rate, min_bpm, max_bpm, num_tempi, transition_lambda, observation_lambda)
    if isinstance(beats_per_bar, (int, np.integer)):
        beats_per_bar = (beats_per_bar,)
    beats_per_bar = [_checks.integer("each of beats_per_bar", beats, minimum=1) for beats in beats_per_bar]
    if not beats_per_bar:
        raise ValueError("beats_per_bar must name at least one bar length; received none.")
    threshold = _checks.real_number("threshold", threshold, minimum=0, maximum=1)
    intervals = tempo_intervals(frame_rate, min_bpm, max_bpm, num_tempi)

    first = 0
    if threshold:
        activations, first = _main_segment(activations, threshold)
    if not activations.any():
        return np.empty((0, 2))
    spaces = [BarStateSpace(intervals, beats, transition_lambda, observation_lambda, downbeats=True)
              for beats in beats_per_bar]
    decoded = viterbi(spaces, _log_densities(activations, observation_lambda))
    # The most likely bar length; the first listed on a tie (madmom's argmax).
    best = int(np.argmax([log_probability for _, log_probability in decoded]))
    space, (path, _) = spaces[best], decoded[best]
    if path is None:
        return np.empty((0, 2))
    beat_numbers = space.positions[path].astype(np.int64) + 1
    if correct:
        starts, ends = _beat_ranges(space, path)
        # The peak of either column: the flat argmax over (frames, 2), halved, is the frame.
        beats = np.array([start + int(np.argmax(activations[start:end])) // 2 for start, end in zip(starts, ends)],
                         dtype=np.int64)
    else:
        beats = np.flatnonzero(np.diff(beat_numbers)) + 1
    return np.stack([(beats + first) / frame_rate, beat_numbers[beats]], axis=1).astype(np.float64)
