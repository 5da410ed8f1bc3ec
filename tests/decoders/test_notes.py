"""track_notes against madmom's ADSRNoteTrackingProcessor on synthetic piano-CNN activations (madmom as the oracle),
and on activations of exact 0s and 1s whose Viterbi path is forced, traced by hand (no madmom needed)."""

import warnings

import numpy as np
import pytest

from mirzoo.decoders import track_notes


def piano_activations(frames, seed, notes=40, noise=0.1, first_at_zero=False, repeats=False, dtype=np.float32):
    """`(frames, 88, 3)` activations [note, onset, offset] like madmom's piano CNN: per note a rising onset peak
    of 1–3 frames, a note activation that decays while it sounds, an offset bump at its end; uniform noise.

    `first_at_zero` starts a note at frame 0; `repeats` re-strikes some notes while they still sound."""
    rng = np.random.default_rng(seed)
    activations = noise * rng.random((frames, 88, 3))
    for index in range(notes):
        pitch = int(rng.integers(88))
        onset = 0 if first_at_zero and index == 0 else int(rng.integers(frames - 5))
        length = int(rng.integers(4, 80))
        offset = min(onset + length, frames)
        level = rng.uniform(0.55, 1.0)
        sounding = activations[onset:offset, pitch, 0]
        sounding[:] = np.maximum(sounding, level * np.exp(-np.arange(offset - onset) / rng.uniform(20, 200)))
        attack = int(rng.integers(1, 4))
        activations[onset:onset + attack, pitch, 1] = np.maximum(activations[onset:onset + attack, pitch, 1],
                                                                 rng.uniform(0.4, 1.0, min(attack, frames - onset)))
        activations[max(offset - 2, 0):offset, pitch, 2] += rng.uniform(0.2, 0.8)
        if repeats and rng.random() < 0.5 and offset - onset > 20:
            activations[onset + 15, pitch, 1] = rng.uniform(0.6, 1.0)
    return np.clip(activations, 0, 1).astype(dtype)


def madmom_notes(activations, fps=50, **parameters):
    """madmom's notes as mirzoo's rows [onset, offset, pitch] (madmom gives [onset, pitch, duration])."""
    from madmom.features.notes import ADSRNoteTrackingProcessor

    with warnings.catch_warnings():
        warnings.simplefilter("ignore", RuntimeWarning)  # "-inf log probability" for pitches no path explains
        notes = ADSRNoteTrackingProcessor(fps=fps, **parameters)(activations)
    return np.stack([notes[:, 0], notes[:, 0] + notes[:, 2], notes[:, 1]], axis=1)


@pytest.mark.parametrize("curve, parameters", [
    ({}, {}),
    ({"notes": 120, "noise": 0.3}, {}),
    ({"first_at_zero": True, "repeats": True}, {}),  # a note sounding at frame 0 shifts madmom's pairing
    ({"dtype": np.float64}, {}),
    ({"repeats": True}, {"complete": False}),
    ({"notes": 80, "noise": 0.25}, {"onset_threshold": 0.3, "note_threshold": 0.7}),
    # A release of 3 frames: madmom's candidate stops before the last inner release state, so with `complete` it
    # keeps (almost) no note; without, many.
    ({"notes": 80}, {"onset_prob": 0.6, "note_prob": 0.9, "offset_prob": 0.3, "release_length": 0.06,
                     "complete": False}),
    ({"notes": 80}, {"attack_length": 0.0, "decay_length": 0.1, "pitch_offset": 0, "complete": False}),
    ({"notes": 80}, {"attack_length": 0.1, "decay_length": 0.0}),
])
def test_synthetic_activations_give_madmoms_notes(madmom, curve, parameters):
    activations = piano_activations(1500, seed=len(str(curve)) + len(str(parameters)), **curve)
    expected = madmom_notes(activations, **parameters)
    assert len(expected) > 10
    notes = track_notes(activations, **parameters)
    assert notes.dtype == np.float64
    np.testing.assert_array_equal(notes, expected)


def test_other_frame_rates_give_madmoms_notes(madmom):
    activations = piano_activations(3000, seed=7, notes=60)
    np.testing.assert_array_equal(track_notes(activations, 100.0, attack_length=0.03, release_length=0.03),
                                  madmom_notes(activations, fps=100, attack_length=0.03, release_length=0.03))


def test_uniform_random_activations_give_madmoms_notes(madmom):
    activations = np.random.default_rng(3).random((400, 88, 3)).astype(np.float32)
    np.testing.assert_array_equal(track_notes(activations), madmom_notes(activations))


def test_thresholds_compare_in_the_activations_dtype(madmom):
    # float32(0.7) < 0.7 in float64, but equal in float32: madmom keeps a note whose maximum is float32(0.7).
    activations = piano_activations(1000, seed=11, notes=30)
    activations[..., 0] = np.minimum(activations[..., 0], np.float32(0.7))
    expected = madmom_notes(activations, note_threshold=0.7)
    assert len(expected) > 5
    np.testing.assert_array_equal(track_notes(activations, note_threshold=0.7), expected)


def test_no_notes(madmom):
    for activations in (np.zeros((200, 88, 3), np.float32), piano_activations(500, seed=1, notes=0, noise=0.3)):
        assert len(madmom_notes(activations)) == 0
        assert track_notes(activations).shape == (0, 3)


def test_pitches_without_a_possible_path_have_no_notes(madmom):
    # Onset 1 and note 0 throughout: silence (1 - onset) and decay (note) are impossible, so after the attack
    # states every path of these pitches has probability 0 (madmom warns and decodes nothing for them).
    activations = piano_activations(600, seed=5, notes=60)
    activations[:, 10:20, 0] = 0
    activations[:, 10:20, 1] = 1
    expected = madmom_notes(activations)
    assert len(expected) > 10 and not np.any((expected[:, 2] >= 31) & (expected[:, 2] < 41))
    np.testing.assert_array_equal(track_notes(activations), expected)


def test_a_forced_path_gives_the_hand_traced_notes():
    # Exact 0/1 activations leave one path with non-zero probability until the decay (then the note path beats
    # staying silent); with the defaults at 50 fps: attack states 1-2, decay 3-4, sustain 5, release 6.
    activations = np.zeros((60, 88, 3), np.float32)
    for pitch, onset, last_sustain in ((40, 10, 29), (3, 10, 20), (60, 5, 40)):
        activations[onset:onset + 2, pitch, 1] = 1  # frames in the two attack states
        activations[onset + 2:last_sustain + 1, pitch, 0] = 1  # decay and sustain
        activations[last_sustain + 1, pitch, 2] = 1  # the release frame
    # madmom's convention: a note runs from its first attack frame to its last sustain frame, exclusive.
    expected = [[5 / 50, 5 / 50 + 35 / 50, 81], [10 / 50, 10 / 50 + 10 / 50, 24], [10 / 50, 10 / 50 + 19 / 50, 61]]
    np.testing.assert_array_equal(track_notes(activations), expected)
    assert track_notes(activations, pitch_offset=0)[:, 2].tolist() == [60, 3, 40]
    # A note shorter than attack + decay is no note.
    activations[:] = 0
    activations[10:12, 50, 1] = 1
    activations[12:14, 50, 0] = 1
    activations[14, 50, 2] = 1
    assert track_notes(activations).shape == (0, 3)


@pytest.mark.parametrize("activations, parameters, message", [
    (np.zeros((10, 88)), {}, r"shape \(frames, pitches, 3\).* received shape \(10, 88\)"),
    (np.zeros((10, 88, 2)), {}, r"received shape \(10, 88, 2\)"),
    (np.zeros((10, 0, 3)), {}, r"received shape \(10, 0, 3\)"),
    (np.zeros((0, 88, 3)), {}, r"empty \(0 frames\)"),
    (np.full((10, 88, 3), np.nan), {}, "NaN or infinite"),
    (np.full((10, 88, 3), 1.5), {}, r"probabilities in \[0, 1\]"),
    (np.zeros((10, 88, 3)), {"frame_rate": 0}, "frame_rate"),
    (np.zeros((10, 88, 3)), {"onset_prob": 1.2}, r"onset_prob must be a finite probability in \[0, 1\]"),
    (np.zeros((10, 88, 3)), {"onset_prob": 0, "note_prob": 0, "offset_prob": 0}, "all 0"),
    (np.zeros((10, 88, 3)), {"attack_length": -0.1}, "attack_length must be a finite number of seconds >= 0"),
    (np.zeros((10, 88, 3)), {"release_length": 0.01}, "at least one frame"),
    (np.zeros((10, 88, 3)), {"note_threshold": 2}, r"note_threshold must be a finite number in \[0, 1\]"),
    (np.zeros((10, 88, 3)), {"pitch_offset": 20.5}, "pitch_offset must be an integer >= 0"),
])
def test_bad_input_is_refused_with_a_specific_message(activations, parameters, message):
    with pytest.raises(ValueError, match=message):
        track_notes(activations, **parameters)
