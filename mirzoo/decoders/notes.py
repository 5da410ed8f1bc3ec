"""Piano note tracking: note/onset/offset activations per pitch → notes, as madmom's `ADSRNoteTrackingProcessor`
(Kelz, Böck & Widmer, "Deep Polyphonic ADSR Piano Note Transcription", ICASSP 2019).

Each pitch is decoded on its own with a small hidden Markov model of a note's envelope: silence (state 0), then
attack, decay, sustain and release states, numbered in that order. A note passes through a chain of `attack` attack
states (density: the onset activation; each may fall back to silence), a chain of `decay` decay states (the note
activation; likewise), then the single sustain state (the note activation), where it stays as long as it sounds,
restarts (a repeated note: back to the first attack state) or moves on to the release chain of `release` states:
the inner ones use the note activation and may go back to sustain, the last one uses the offset activation and
returns to silence. Silence has the density `1 - onset`.

The state space has a handful of states (7 with the defaults), so the Viterbi decoding runs all pitches at once: per
frame, each state's predecessors (an index array padded to the largest in-degree) are scored in one NumPy
expression. The arithmetic repeats madmom's Cython Viterbi (`madmom/ml/hmm.pyx`): `(previous score + log transition)
+ log density` in float64, ties to the lowest predecessor state, the final state the first maximum, a pitch whose
every path has probability 0 decoded as no path. So the state paths, hence the notes, are identical.
"""

import numpy as np

from mirzoo.decoders import _checks


class _ADSRModel:
    """madmom's `ADSRStateSpace`, `ADSRTransitionModel` and `ADSRObservationModel` as arrays.

    Attributes:
        attack, release: the first attack state and the (last) release state; the note states are
            `attack .. release - 1`.
        num_states: `release + 1`.
        predecessors: `(num_states, max_in)` the states that may precede each state, ascending (madmom's sparse
            order), padded with state 0.
        log_transitions: `(num_states, max_in)` float64 log probabilities of those transitions; `-inf` for padding
            (and for transitions madmom keeps with probability 0).
        density_columns: `(num_states,)` the density each state uses: 0 silence (`1 - onset`), 1 attack (onset),
            2 decay and sustain (note), 3 release (offset).
    """

    def __init__(self, attack_frames, decay_frames, release_frames, onset_prob, note_prob, offset_prob):
        silence = 0
        self.attack = attack = 1
        decay = attack + attack_frames
        sustain = decay + decay_frames
        self.release = release = sustain + release_frames
        self.num_states = release + 1
        # (from, to, probability), madmom's list; the note goes back to silence after its release (end_prob 1).
        transitions = [(silence, silence, 1.0 - onset_prob), (silence, attack, onset_prob)]
        transitions += [edge for state in range(attack, decay)
                        for edge in ((state, silence, 1.0 - onset_prob), (state, state + 1, onset_prob))]
        transitions += [edge for state in range(decay, sustain)
                        for edge in ((state, silence, 1.0 - note_prob), (state, state + 1, note_prob))]
        total = onset_prob + note_prob + offset_prob
        transitions += [(sustain, sustain, note_prob / total), (sustain, attack, onset_prob / total),
                        (sustain, sustain + 1, offset_prob / total)]
        transitions += [edge for state in range(sustain + 1, release)
                        for edge in ((state, sustain, offset_prob), (state, state + 1, 1.0 - offset_prob))]
        transitions += [(release, silence, 1.0), (release, release, 0.0)]
        # Repeated (from, to) pairs are summed and probability-0 transitions kept, as madmom's CSR conversion does.
        probabilities = {}
        for source, target, probability in transitions:
            probabilities[target, source] = probabilities.get((target, source), 0.0) + probability
        incoming = [sorted((source, probability) for (target, source), probability in probabilities.items()
                           if target == state) for state in range(self.num_states)]
        max_in = max(len(edges) for edges in incoming)
        self.predecessors = np.zeros((self.num_states, max_in), dtype=np.intp)
        transition_probabilities = np.zeros((self.num_states, max_in))
        for state, edges in enumerate(incoming):
            self.predecessors[state, :len(edges)] = [source for source, _ in edges]
            transition_probabilities[state, :len(edges)] = [probability for _, probability in edges]
        with np.errstate(divide="ignore"):
            self.log_transitions = np.log(transition_probabilities)
        self.density_columns = np.zeros(self.num_states, dtype=np.intp)
        self.density_columns[attack:] = 1
        self.density_columns[decay:] = 2  # assigned in madmom's order, so overlapping phases resolve alike
        self.density_columns[release:] = 3


def _log_densities(activations):
    """`(frames, 4, pitches)` float64 log densities [silence, attack, decay/sustain, release] of `(frames, pitches,
    3)` activations [note, onset, offset]; `1 - onset` is computed in the activations' dtype, as madmom does."""
    densities = np.empty((len(activations), 4, activations.shape[1]))
    densities[:, 0] = 1.0 - activations[..., 1]
    densities[:, 1] = activations[..., 1]
    densities[:, 2] = activations[..., 0]
    densities[:, 3] = activations[..., 2]
    with np.errstate(divide="ignore"):
        return np.log(densities)


def _viterbi(model, activations, block=1024):
    """The most likely state path of every pitch: `(paths, valid)`, `paths` `(frames, pitches)` states, `valid`
    `(pitches,)` False where every path has probability 0 (madmom then returns no path).

    Arrays are laid out `(states, ..., pitches)`, so that each step gathers and reduces rows of pitches; the log
    densities are computed `block` frames at a time.
    """
    frames, pitches = activations.shape[:2]
    predecessors, columns = model.predecessors, model.density_columns
    log_transitions = model.log_transitions[:, :, np.newaxis]
    back_pointers = np.empty((frames, model.num_states, pitches), dtype=np.uint8)  # slots of `predecessors`
    scores = np.log(np.full((model.num_states, pitches), 1.0 / model.num_states))  # uniform initial distribution
    for start in range(0, frames, block):
        log_densities = _log_densities(activations[start:start + block]).take(columns, axis=1)[:, :, np.newaxis]
        for offset, frame_densities in enumerate(log_densities):
            candidates = scores.take(predecessors, axis=0)  # (states, max_in, pitches)
            candidates += log_transitions
            candidates += frame_densities
            back_pointers[start + offset] = candidates.argmax(axis=1)  # the first maximum: the lowest predecessor
            scores = np.maximum.reduce(candidates, axis=1)
    rows = np.arange(pitches)
    states = scores.argmax(axis=0)
    valid = scores[states, rows] > -np.inf
    paths = np.empty((frames, pitches), dtype=np.min_scalar_type(model.num_states - 1))
    for frame in range(frames - 1, -1, -1):
        paths[frame] = states
        states = predecessors[states, back_pointers[frame, states, rows]]
    return paths, valid


def _note_candidates(in_note, valid):
    """`(onsets, offsets, pitches)` int64 arrays of madmom's note candidates, by pitch, then time.

    `in_note` `(frames, pitches)` marks the frames whose state is a note state after the first attack state. As
    madmom does per pitch: the frames `t` where `in_note[t + 1] != in_note[t]`, with `frames` appended when their
    count is odd, paired in order as (onset, offset); pitches that are not `valid` have none.
    """
    frames, num_pitches = in_note.shape
    pitches, changes = np.nonzero((in_note[1:] != in_note[:-1]).T & valid[:, np.newaxis])
    unpaired = np.flatnonzero(np.bincount(pitches, minlength=num_pitches) % 2)
    pitches = np.concatenate([pitches, unpaired]).astype(np.int64)
    changes = np.concatenate([changes, np.full(len(unpaired), frames)]).astype(np.int64)
    order = np.lexsort((changes, pitches))
    pitches, changes = pitches[order], changes[order]
    return changes[0::2], changes[1::2], pitches[0::2]


def _interval_reduce(ufunc, values, onsets, offsets, pitches):
    """`ufunc` (np.maximum, np.logical_or) over `values[onset:offset, pitch]` of each interval, in one `reduceat`:
    the intervals of a pitch are disjoint and ascending, so their bounds, pitch by pitch, ascend in the flattened
    `(pitches, frames)` values."""
    frames = len(values)
    flat = np.append(values.T.ravel(), values.dtype.type(0))  # room for the bound one past the last frame
    bounds = np.stack([pitches * frames + onsets, pitches * frames + offsets], axis=1).ravel()
    return ufunc.reduceat(flat, bounds)[0::2]


def track_notes(activations, frame_rate=50.0, onset_prob=0.8, note_prob=0.8, offset_prob=0.5, attack_length=0.04,
                decay_length=0.04, release_length=0.02, complete=True, onset_threshold=0.5, note_threshold=0.5,
                pitch_offset=21):
    """Notes from piano note activations: madmom's `ADSRNoteTrackingProcessor(fps=frame_rate, ...)`.

    Each pitch's most likely path through the ADSR model (module docstring) is decoded with Viterbi. Each run of
    frames in the states after the first attack state and before the release state gives a candidate, taken as
    madmom takes it: from the frame before the run (where the path is normally in the first attack state) to the
    run's last frame, exclusive. A candidate is kept when (with `complete`) it visits every state from the first
    attack state up to the final release state (exclusive), and its note and onset activations reach
    `note_threshold` and `onset_threshold`. Phase lengths in frames are `int(seconds * frame_rate)` (truncated, as
    madmom).

    madmom pairs the starts and ends of runs from the first change of the path, so a note already sounding at
    frame 0 shifts the pairing of that pitch's later runs; this function does the same, to give madmom's notes.

    Cost: per frame, half a dozen NumPy operations on `pitches × states × max in-degree` (88 × 7 × 6 with the
    defaults) float64 values; memory one back-pointer byte per pitch and state and one path byte per pitch per
    frame (7 MB for 3 minutes at 50 fps), besides the activations.

    Args:
        activations: `(frames, pitches, 3)` probabilities in [0, 1] — madmom's `CNNPianoNoteProcessor` layout:
            channel 0 the note (sounding) activation, 1 the onset, 2 the offset; 88 pitches from MIDI 21 for a
            piano.
        frame_rate: frames per second (> 0); madmom's piano CNN runs at 50.
        onset_prob: probability to enter (and go on through) the attack phase; from sustain, a new note's share.
        note_prob: probability to go on through the decay phase; from sustain, the share of staying.
        offset_prob: from sustain, the share of releasing; in a release phase longer than a frame, the
            probability to go back to sustain. From sustain the three probabilities are normalised by their sum.
        attack_length, decay_length: minimum attack and decay durations, seconds (>= 0).
        release_length: release duration, seconds; at least one frame.
        complete: keep only the notes that pass through every attack, decay, sustain and inner release state
            within their frames. madmom's frames end before the run's last frame, which is the last inner release
            state when the release lasts 2 frames or more: such notes then pass only if they went back to sustain.
        onset_threshold, note_threshold: a note's highest onset and note activation must reach these.
        pitch_offset: MIDI pitch of the activations' first pitch (21: A0, the piano's lowest key).

    Returns:
        float64 array `(notes, 3)` of rows `[onset seconds, offset seconds, MIDI pitch]`, sorted by onset, then
        pitch (madmom's order); the offset is madmom's onset plus its duration. `(0, 3)` when there is no note.

    Raises:
        ValueError: activations that are empty, not finite, outside [0, 1] or not `(frames, pitches, 3)`; a frame
            rate that is not a finite positive number; probabilities outside [0, 1] or onset, note and offset
            probabilities that are all 0; negative lengths, or a release shorter than one frame; thresholds
            outside [0, 1]; a `pitch_offset` that is not an integer >= 0.
    """
    array = np.asarray(activations)
    if array.ndim != 3 or array.shape[2] != 3 or array.shape[1] == 0:
        raise ValueError(f"activations must have shape (frames, pitches, 3) (channels: note, onset, offset; 88 "
                         f"pitches for a piano); received shape {array.shape}.")
    activations = _checks.activations(array.reshape(len(array), array.shape[1] * 3), columns=array.shape[1] * 3,
                                      probabilities=True).reshape(array.shape)
    frame_rate = _checks.frame_rate(frame_rate)
    onset_prob, note_prob, offset_prob = (_checks.real_number(name, value, minimum=0, maximum=1, what="probability")
                                          for name, value in (("onset_prob", onset_prob), ("note_prob", note_prob),
                                                              ("offset_prob", offset_prob)))
    if onset_prob + note_prob + offset_prob == 0:
        raise ValueError("onset_prob, note_prob and offset_prob are all 0; the sustain state needs at least one "
                         "way to go on.")
    attack_length, decay_length, release_length = (
        _checks.real_number(name, value, minimum=0, what="number of seconds") for name, value in (
            ("attack_length", attack_length), ("decay_length", decay_length), ("release_length", release_length)))
    attack_frames, decay_frames, release_frames = (
        int(length * frame_rate) for length in (attack_length, decay_length, release_length))
    if release_frames < 1:
        raise ValueError(f"release_length must last at least one frame (1 / frame_rate = {1 / frame_rate:.4g} s); "
                         f"received {release_length} s at {frame_rate} frames per second.")
    onset_threshold, note_threshold = (_checks.real_number(name, value, minimum=0, maximum=1) for name, value in (
        ("onset_threshold", onset_threshold), ("note_threshold", note_threshold)))
    pitch_offset = _checks.integer("pitch_offset", pitch_offset, minimum=0)

    model = _ADSRModel(attack_frames, decay_frames, release_frames, onset_prob, note_prob, offset_prob)
    paths, valid = _viterbi(model, activations)
    onsets, offsets, pitches = _note_candidates((paths > model.attack) & (paths < model.release), valid)
    if len(onsets):
        keep = np.ones(len(onsets), dtype=bool)
        if complete:
            for state in range(model.attack, model.release):
                keep &= _interval_reduce(np.logical_or, paths == state, onsets, offsets, pitches)
        # `~(maximum < threshold)`: madmom's test, in the activations' dtype
        keep &= ~(_interval_reduce(np.maximum, activations[..., 0], onsets, offsets, pitches) < note_threshold)
        keep &= ~(_interval_reduce(np.maximum, activations[..., 1], onsets, offsets, pitches) < onset_threshold)
        onsets, offsets, pitches = onsets[keep], offsets[keep], pitches[keep]
    order = np.lexsort((pitches, onsets))
    onsets, offsets, pitches = onsets[order], offsets[order], pitches[order]
    onset_times = onsets / frame_rate
    return np.stack([onset_times, onset_times + (offsets - onsets) / frame_rate,
                     (pitches + pitch_offset).astype(np.float64)], axis=1)
