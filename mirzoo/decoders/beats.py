"""Beat tracking with a dynamic Bayesian network: a beat activation curve → beat times, as madmom's
`DBNBeatTrackingProcessor` (offline: Viterbi decoding; :class:`OnlineBeatTracker`: the forward algorithm).

The model is the efficient state space of Krebs, Böck & Widmer ("An Efficient State Space Model for Joint Tempo
and Meter Tracking", ISMIR 2015) with the observation model of Böck, Krebs & Widmer ("A Multi-Model Approach to
Beat Tracking Considering Heterogeneous Music Styles", ISMIR 2014). Each modelled tempo is a beat interval of `τ`
frames and owns a chain of `τ` states, one per frame position inside the beat; the chain advances one position per
frame with probability 1, and only from the last position of a chain may the tracker jump to the first position of
any chain (a tempo change), with probability `∝ exp(-λ |τ_to / τ_from - 1|)`. The first `1 / observation_lambda` of
each beat are "beat" states, whose density is the activation `a`; all others have `(1 - a) / (observation_lambda - 1)`.

Decoding exploits that structure: a state that is not the first of its chain has a single predecessor, so a frame
costs one shift of the score vector plus a `(tempi × tempi)` choice for the first states, and only those first
states need back-pointers. The arithmetic follows madmom's (operands in the same order, ties to the lowest state,
float32 activations through float32 logarithms), so the decoded paths, hence the beats, are identical.

The same building blocks, stacked once per beat of a bar, make the downbeat tracker (:mod:`.downbeats`).
"""

import bisect

import numpy as np

from mirzoo.decoders import _checks


def tempo_intervals(frame_rate, min_bpm, max_bpm, num_tempi=None):
    """The modelled beat intervals, in frames (madmom's `BeatStateSpace`).

    Every integer interval from `round(60 * frame_rate / max_bpm)` to `round(60 * frame_rate / min_bpm)`, or, when
    `num_tempi` is smaller than that count, about `num_tempi` log-spaced ones (more log-spaced points are drawn
    until `num_tempi` distinct integers remain after rounding).

    Returns:
        int64 array `(tempi,)`, ascending.
    """
    shortest = 60.0 * frame_rate / max_bpm
    longest = 60.0 * frame_rate / min_bpm
    intervals = np.arange(np.round(shortest), np.round(longest) + 1)
    if num_tempi is not None and num_tempi < len(intervals):
        points = num_tempi
        intervals = np.empty(0)
        while len(intervals) < num_tempi:
            intervals = np.unique(np.round(np.logspace(np.log2(shortest), np.log2(longest), points, base=2)))
            points += 1
    intervals = intervals.astype(np.int64)
    if len(intervals) == 0 or intervals[0] < 1:
        raise ValueError(f"max_bpm={max_bpm} at frame_rate={frame_rate} makes the shortest beat interval "
                         f"{shortest:.3g} frames, which rounds to less than one frame; lower max_bpm or use more "
                         f"frames per second.")
    return intervals


def tempo_change_probabilities(intervals, transition_lambda):
    """`(from, to)` probabilities of moving from one beat interval to the next (rows sum to 1).

    `exp(-transition_lambda * |τ_to / τ_from - 1|)`, values at or below the float64 spacing at 1 set to 0, rows
    normalised — computed as madmom computes it, so that the decoders' scores match madmom's to the last bit.
    """
    intervals = intervals.astype(np.float64)
    probabilities = np.exp(-transition_lambda * np.abs(intervals / intervals[:, np.newaxis] - 1.0))
    probabilities[probabilities <= np.spacing(1)] = 0
    return probabilities / np.sum(probabilities, axis=1)[:, np.newaxis]


class BarStateSpace:
    """The states of a bar of `beats` beats: per beat, one chain of `τ` states per modelled interval `τ`.

    States are numbered beat by beat, and within a beat interval by interval, position by position, so that every
    state but the first of a chain follows the state numbered one lower. `beats=1` is the beat tracker's space.

    Attributes:
        intervals: `(tempi,)` beat intervals, frames.
        num_states: `beats * sum(intervals)`.
        positions: `(num_states,)` position in the bar, in beats: `b + j / τ` for position `j` of beat `b`.
        first_states, last_states: `(beats, tempi)` the first and last state of each chain.
        observation_classes: `(num_states,)` which density a state uses: 0 non-beat, 1 beat, 2 downbeat (only
            with `downbeats=True`; otherwise the bar's first beat is a beat like the others).
        transitions: `(tempi, tempi)` tempo change probabilities from the last state of a chain of beat `b - 1`
            (rows) to the first state of a chain of beat `b` (columns); beat 0 follows the bar's last beat.
    """

    def __init__(self, intervals, beats, transition_lambda, observation_lambda, downbeats=False):
        self.intervals = np.asarray(intervals, dtype=np.int64)
        self.beats = beats
        per_beat = int(self.intervals.sum())
        self.num_states = beats * per_beat
        chain_starts = np.concatenate([[0], np.cumsum(self.intervals)[:-1]])
        self.first_states = chain_starts + per_beat * np.arange(beats)[:, np.newaxis]
        self.last_states = self.first_states + self.intervals - 1
        beat_positions = np.concatenate([np.linspace(0, 1, interval, endpoint=False) for interval in self.intervals])
        self.positions = np.concatenate([beat_positions + beat for beat in range(beats)])
        border = 1.0 / observation_lambda
        self.observation_classes = np.zeros(self.num_states, dtype=np.intp)
        self.observation_classes[self.positions % 1 < border] = 1
        if downbeats:
            self.observation_classes[self.positions < border] = 2
        self.transitions = tempo_change_probabilities(self.intervals, transition_lambda)
        # The last states that feed the first states of beat b: those of beat b - 1.
        self.preceding_last_states = np.roll(self.last_states, 1, axis=0)


def viterbi(spaces, log_densities):
    """The most likely state path of each HMM (log-domain Viterbi, uniform initial distribution), as madmom's
    `HiddenMarkovModel.viterbi`; several state spaces sharing tempi and transitions are decoded in one pass.

    Memory: besides the `(frames, classes)` densities, one back-pointer per chain (`beats * tempi` of them, one
    byte each up to 256 tempi) per frame and space — 82 bytes per frame for the default beat tracker, 29.5 MB for
    an hour at 100 fps — and the `(frames,)` path; the score vectors are `num_states` float64 each, two of them.

    Args:
        spaces: :class:`BarStateSpace` objects with the same intervals and transitions (e.g. bars of 3 and 4).
        log_densities: `(frames, classes)` float64 log densities, columns indexed by `observation_classes`.

    Returns:
        One `(path, log_probability)` per space: path `(frames,)` int64 state indices, or None when every path has
        probability 0 (madmom then warns and returns an empty path).
    """
    frames = len(log_densities)
    tempi = spaces[0].first_states.shape[1]
    for space in spaces[1:]:
        if not (np.array_equal(space.intervals, spaces[0].intervals)
                and np.array_equal(space.transitions, spaces[0].transitions)):
            raise ValueError("spaces decoded together must share their intervals and tempo transitions.")
    # One score vector for all spaces: each space's states in a slice, its chains as rows of the chain arrays.
    offsets = np.cumsum([0] + [space.num_states for space in spaces])
    chain_rows = np.cumsum([0] + [space.beats for space in spaces])
    first_states = np.concatenate([space.first_states + offset for space, offset in zip(spaces, offsets)])
    preceding = np.concatenate([space.preceding_last_states + offset for space, offset in zip(spaces, offsets)])
    classes = np.concatenate([space.observation_classes for space in spaces])
    first_classes = classes[first_states[:, 0]]  # every chain starts in a (down)beat state
    # (Down)beat states after the first of their chain: all other non-first states use the non-beat density.
    is_first = np.zeros(len(classes), dtype=bool)
    is_first[first_states] = True
    inner_beat_states = np.flatnonzero((classes > 0) & ~is_first)
    inner_beat_classes = classes[inner_beat_states]
    with np.errstate(divide="ignore"):
        log_transitions = np.log(spaces[0].transitions).T  # (to, from); impossible changes are -inf
    chains = first_states.size
    chain_base = np.arange(chains) * tempi
    back_pointers = np.empty((frames,) + first_states.shape, dtype=np.uint8 if tempi <= 256 else np.uint16)
    scores = np.concatenate([np.log(np.full(space.num_states, 1.0 / space.num_states)) for space in spaces])
    new_scores = np.empty_like(scores)
    for frame in range(frames):
        densities = log_densities[frame]
        # Into a first state: (score of a last state + log transition) + density, the best over the preceding
        # beat's chains; adding the density before the choice keeps madmom's tie-break (the lowest state).
        candidates = scores[preceding][:, np.newaxis, :] + log_transitions
        candidates += densities[first_classes][:, np.newaxis, np.newaxis]
        choice = candidates.argmax(axis=2)
        back_pointers[frame] = choice
        # Every other state: its single predecessor's score + density (madmom adds a log transition of 0.0).
        np.add(scores[:-1], densities[0], out=new_scores[1:])
        new_scores[inner_beat_states] = scores[inner_beat_states - 1] + densities.take(inner_beat_classes)
        new_scores[first_states] = candidates.reshape(-1).take(chain_base + choice.reshape(-1)).reshape(choice.shape)
        scores, new_scores = new_scores, scores
    results = []
    for index, space in enumerate(spaces):
        space_scores = scores[offsets[index]:offsets[index + 1]]
        state = int(np.argmax(space_scores))
        log_probability = float(space_scores[state])
        path = None if log_probability == -np.inf else _backtrack(
            space, back_pointers[:, chain_rows[index]:chain_rows[index + 1]], state)
        results.append((path, log_probability))
    return results


def _backtrack(space, back_pointers, state):
    """The path ending in `state`: chains are walked back in one step each, jumping at their first states."""
    frames = len(back_pointers)
    tempi = space.first_states.shape[1]
    chain_starts = space.first_states.ravel()
    starts = chain_starts.tolist()
    path = np.empty(frames, dtype=np.int64)
    frame = frames - 1
    while True:
        chain = bisect.bisect_right(starts, state) - 1
        start = frame - (state - starts[chain])  # the frame at which this chain was at its first state
        if start <= 0:
            path[:frame + 1] = np.arange(state - frame, state + 1)
            return path
        path[start:frame + 1] = np.arange(starts[chain], state + 1)
        beat, tempo = divmod(chain, tempi)
        state = int(space.preceding_last_states[beat, back_pointers[start, beat, tempo]])
        frame = start - 1


def _beat_log_densities(activations, observation_lambda):
    """`(frames, 2)` float64 log densities [non-beat, beat] of a beat activation curve.

    Computed in the activations' dtype, then widened, as madmom does (float32 activations: float32 logarithms).
    """
    log_densities = np.empty((len(activations), 2))
    with np.errstate(divide="ignore"):
        log_densities[:, 0] = np.log((1.0 - activations) / (observation_lambda - 1))
        log_densities[:, 1] = np.log(activations)
    return log_densities


def _main_segment(activations, threshold):
    """`(segment, first)`: the activations from the first to the last frame where any column is `>= threshold`,
    and the index of its first frame (madmom's `threshold_activations`).

    As in madmom, when frame 0 is the only frame that reaches the threshold, the segment is empty.
    """
    frames = np.nonzero(activations >= threshold)[0]
    if not frames.any():
        return activations[:0], 0
    return activations[frames.min():frames.max() + 1], int(frames.min())


def _beat_ranges(space, path):
    """`(starts, ends)` of the runs of frames whose path state is a beat (or downbeat) state."""
    in_beat = np.concatenate([[False], space.observation_classes[path] >= 1, [False]])
    edges = np.flatnonzero(in_beat[1:] != in_beat[:-1])
    return edges[::2], edges[1::2]


def _check_tempo_model(frame_rate, min_bpm, max_bpm, num_tempi, transition_lambda, observation_lambda):
    """The checked model arguments `(frame_rate, min_bpm, max_bpm, num_tempi, transition_lambda,
    observation_lambda)`, as Python numbers."""
    frame_rate = _checks.frame_rate(frame_rate)
    min_bpm = _checks.real_number("min_bpm", min_bpm, minimum=0, what="tempo in beats per minute")
    max_bpm = _checks.real_number("max_bpm", max_bpm, minimum=0, what="tempo in beats per minute")
    if min_bpm <= 0 or min_bpm > max_bpm:
        raise ValueError(f"the tempo range must satisfy 0 < min_bpm <= max_bpm; received min_bpm={min_bpm}, "
                         f"max_bpm={max_bpm}.")
    if num_tempi is not None:
        num_tempi = _checks.integer("num_tempi", num_tempi, minimum=1)
    transition_lambda = _checks.real_number("transition_lambda", transition_lambda, minimum=0)
    observation_lambda = _checks.integer("observation_lambda", observation_lambda, minimum=2)
    return frame_rate, min_bpm, max_bpm, num_tempi, transition_lambda, observation_lambda


def track_beats(activations, frame_rate, min_bpm=55.0, max_bpm=215.0, num_tempi=None, transition_lambda=100.0,
                observation_lambda=16, threshold=0.0, correct=True):
    """Beat times from a beat activation curve: madmom's `DBNBeatTrackingProcessor(fps=frame_rate)`, offline.

    The most likely path through the tempo/beat-position state space (module docstring) is decoded with Viterbi.
    With `correct`, each run of frames the path spends in beat states yields one beat at the run's frame of highest
    activation; without, the frames where the beat position wraps around (local minima of the position) that are
    in beat states. With `threshold > 0`, only the frames from the first to the last activation `>= threshold`
    are decoded.

    Returns no beats, as madmom does, when the (thresholded) activations are all 0, when no path has a non-zero
    probability (e.g. activations of exactly 0 and 1 that no tempo can explain) or when the path stays in state 0.

    Cost: about `num_states` (5617 with the defaults at 100 fps) float64 operations times a dozen per frame, in
    NumPy calls per frame; memory about 100 bytes per frame (82 one-byte back-pointers, the log densities, the
    path), i.e. 36 MB for an hour at 100 fps, plus the activations.

    Args:
        activations: `(frames,)` or `(frames, 1)` beat probabilities in [0, 1] (e.g. an RNN's sigmoid output).
        frame_rate: frames per second (> 0).
        min_bpm, max_bpm: the tempo range, beats per minute.
        num_tempi: number of modelled tempi, log-spaced; None: every integer beat interval in frames.
        transition_lambda: λ of the exponential tempo change distribution (>= 0; higher: steadier tempo).
        observation_lambda: the first `1 / observation_lambda` of each beat are beat states (integer >= 2).
        threshold: decode only the segment between the first and last activations `>= threshold` (0: all).
        correct: place each beat on the activation peak inside its beat-state run.

    Returns:
        float64 array `(beats,)` of beat times in seconds, ascending.

    Raises:
        ValueError: activations that are empty, not finite, not one curve or outside [0, 1]; a frame rate that is
            not a finite positive number; an empty or inverted tempo range, or one whose shortest beat is under a
            frame; a negative `transition_lambda`; an `observation_lambda` or `num_tempi` that is not a
            positive integer (>= 2 for `observation_lambda`); a threshold outside [0, 1].
    """
    activations = _checks.activations(activations, probabilities=True)
    frame_rate, min_bpm, max_bpm, num_tempi, transition_lambda, observation_lambda = _check_tempo_model(
        frame_rate, min_bpm, max_bpm, num_tempi, transition_lambda, observation_lambda)
    threshold = _checks.real_number("threshold", threshold, minimum=0, maximum=1)
    space = BarStateSpace(tempo_intervals(frame_rate, min_bpm, max_bpm, num_tempi), 1, transition_lambda,
                          observation_lambda)
    first = 0
    if threshold:
        activations, first = _main_segment(activations, threshold)
    if not activations.any():
        return np.empty(0)
    [(path, _)] = viterbi([space], _beat_log_densities(activations, observation_lambda))
    if path is None or not path.any():
        return np.empty(0)
    if correct:
        beats = [start + int(np.argmax(activations[start:end])) for start, end in zip(*_beat_ranges(space, path))]
        beats = np.array(beats, dtype=np.int64)
    else:
        positions = space.positions[path]
        wraps = np.flatnonzero((positions < np.roll(positions, 1)) & (positions < np.roll(positions, -1)))
        beats = wraps[space.observation_classes[path[wraps]] == 1]
    return (beats + first) / frame_rate


def estimate_tempo(beat_times):
    """Tempo from beat times: 60 / the median interval between consecutive beats, in beats per minute.

    Args:
        beat_times: `(beats,)` beat times in seconds, strictly increasing (e.g. from :func:`track_beats`).

    Returns:
        The tempo in BPM as a float; NaN with fewer than 2 beats (no interval to measure — a quiet or very short
        excerpt, not an error).

    Raises:
        ValueError: beat times that are not 1-D, not finite or not strictly increasing.
    """
    times = np.asarray(beat_times)
    if times.dtype.kind not in "biuf" or times.ndim != 1:
        raise ValueError(f"beat_times must be a 1-D array of times in seconds; received shape {times.shape}, "
                         f"dtype {times.dtype}.")
    beat_times = times.astype(np.float64)
    if not np.all(np.isfinite(beat_times)):
        raise ValueError("beat_times contain NaN or infinite values.")
    intervals = np.diff(beat_times)
    if np.any(intervals <= 0):
        raise ValueError("beat_times must be strictly increasing.")
    if len(intervals) == 0:
        return float("nan")
    return float(60.0 / np.median(intervals))


class OnlineBeatTracker:
    """Causal beat tracking, block by block: madmom's `DBNBeatTrackingProcessor(online=True)` fed frame by frame
    (`process_online(..., reset=False)`).

    Each frame updates the forward probabilities of the state space of :func:`track_beats` (normalised to sum 1,
    as madmom does); the frame is a beat when its most probable state is a beat state and it comes at least
    `60 / max_bpm` seconds after the last reported beat (the first beat is also at least that long after time 0).
    State carries across :meth:`process` calls, so any split of a stream gives the same beats.

    madmom's `threshold` and `correct` do not apply to online tracking (madmom ignores them), so they are not
    arguments here.

    Args:
        frame_rate, min_bpm, max_bpm, num_tempi, transition_lambda, observation_lambda: as for :func:`track_beats`.

    Example:
        >>> tracker = OnlineBeatTracker(100)
        >>> for block in blocks:                    # doctest: +SKIP
        ...     for time in tracker.process(block):  # beat times (s) found in this block
        ...         print(time)
    """

    def __init__(self, frame_rate, min_bpm=55.0, max_bpm=215.0, num_tempi=None, transition_lambda=100.0,
                 observation_lambda=16):
        (self.frame_rate, self.min_bpm, self.max_bpm, self.num_tempi, self.transition_lambda,
         self.observation_lambda) = _check_tempo_model(frame_rate, min_bpm, max_bpm, num_tempi, transition_lambda,
                                                      observation_lambda)
        self._space = BarStateSpace(tempo_intervals(self.frame_rate, self.min_bpm, self.max_bpm, self.num_tempi), 1,
                                    self.transition_lambda, self.observation_lambda)
        self.reset()

    def reset(self):
        """Forget the stream: uniform state probabilities, time 0, no beat yet."""
        self._forward = np.full(self._space.num_states, 1.0 / self._space.num_states)
        self._frames = 0
        self._last_beat = 0.0

    @property
    def frames_seen(self):
        """Frames processed since construction or the last :meth:`reset`."""
        return self._frames

    def process(self, activations):
        """Advance by a block of frames.

        Args:
            activations: `(frames,)` or `(frames, 1)` beat probabilities in [0, 1] of the next frames of the
                stream (a scalar is one frame; an empty block is allowed).

        Returns:
            float64 array of the beat times (s, since the start of the stream) detected in this block.

        Raises:
            ValueError: activations that are not finite, not one curve or outside [0, 1].
        """
        activations = _checks.activations(np.atleast_1d(activations), probabilities=True,
                                          allow_empty=True)
        space = self._space
        with np.errstate(under="ignore"):
            densities = np.exp(_beat_log_densities(activations, self.observation_lambda))
        first_states, last_states = space.first_states[0], space.last_states[0]
        min_interval = 60.0 / self.max_bpm
        forward, new = self._forward, np.empty_like(self._forward)
        beats = []
        for frame in range(len(activations)):
            # madmom sums each first state's predecessors in state order, one by one: accumulate, not dot/matmul.
            into_first = np.add.accumulate(forward[last_states][:, np.newaxis] * space.transitions, axis=0)[-1]
            new[1:] = forward[:-1]
            new[first_states] = into_first
            new *= densities[frame].take(space.observation_classes)
            with np.errstate(divide="ignore", invalid="ignore"):
                new *= 1.0 / np.add.accumulate(new)[-1]  # sequential sum, as madmom's normalisation
            forward, new = new, forward
            if space.observation_classes[np.argmax(forward)] == 1:
                time = (self._frames + frame) / self.frame_rate
                if time >= self._last_beat + min_interval:
                    self._last_beat = time
                    beats.append(time)
        self._forward = forward
        self._frames += len(activations)
        return np.array(beats, dtype=np.float64)
