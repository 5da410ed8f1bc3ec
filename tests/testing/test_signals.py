"""The ground truth of mirzoo.testing.signals describes the audio it makes: harmony of the rhythmic clips, the
notes of the piano piece."""

import re

import numpy as np
import pytest

from mirzoo.testing.signals import (
    piano_test_notes,
    piano_test_signal,
    rhythmic_test_annotations,
    rhythmic_test_harmony,
    rhythmic_test_notes,
)

# madmom/features/key.py KEY_LABELS, madmom 0.17.post1: the spelling rhythmic_test_harmony follows.
MADMOM_KEY_LABELS = ["A major", "Bb major", "B major", "C major", "Db major", "D major", "Eb major", "E major",
                     "F major", "F# major", "G major", "Ab major", "A minor", "Bb minor", "B minor", "C minor",
                     "C# minor", "D minor", "D# minor", "E minor", "F minor", "F# minor", "G minor", "G# minor"]
PITCH_CLASSES = {"C": 0, "C#": 1, "Db": 1, "D": 2, "D#": 3, "Eb": 3, "E": 4, "F": 5, "F#": 6, "G": 7, "G#": 8,
                 "Ab": 8, "A": 9, "A#": 10, "Bb": 10, "B": 11}
# Scales and triads in semitones above the tonic / root (music theory, not the generator's tables); minor: the
# natural minor and the major seventh of harmonic minor, which a major dominant chord (V) brings.
SCALES = {"major": {0, 2, 4, 5, 7, 9, 11}, "minor": {0, 2, 3, 5, 7, 8, 10, 11}}
TRIADS = {"maj": {0, 4, 7}, "min": {0, 3, 7}}
RHYTHMS = [
    {"seconds": 12.0},
    {"seconds": 12.0, "bpm": 96.0, "beats_per_bar": 3, "seed": 1},
    {"seconds": 9.3, "bpm": 104.0, "drums": False, "seed": 2, "first_beat": 0.0},
    {"seconds": 7.0, "bpm": 150.0, "beats_per_bar": 5, "seed": 5, "first_beat": 0.6},
] + [{"seconds": 8.0, "bpm": 90.0 + 7 * seed, "seed": seed} for seed in range(6, 18)]


@pytest.mark.parametrize("arguments", RHYTHMS)
def test_harmony_has_one_chord_per_bar_covering_the_clip(arguments):
    harmony = rhythmic_test_harmony(**arguments)
    annotations = rhythmic_test_annotations(**arguments)
    starts, ends, labels = zip(*harmony.chords)
    assert starts[0] == 0.0 and ends[-1] == arguments["seconds"] and starts[1:] == ends[:-1]
    assert all(start < end for start, end in zip(starts, ends))
    first_beat = arguments.get("first_beat", 0.25)
    if first_beat > 0:
        assert harmony.chords[0] == (0.0, first_beat, "N")
        starts, labels = starts[1:], labels[1:]
    np.testing.assert_allclose(starts, annotations.downbeats)  # a chord per bar, from each downbeat
    assert all(re.fullmatch(r"[A-G]#?:(maj|min)", label) for label in labels)


@pytest.mark.parametrize("arguments", RHYTHMS)
def test_harmony_key_and_chords_are_what_the_notes_play(arguments):
    harmony = rhythmic_test_harmony(**arguments)
    notes = rhythmic_test_notes(**arguments)
    assert harmony.key in MADMOM_KEY_LABELS
    tonic_name, mode = harmony.key.split()
    tonic = PITCH_CLASSES[tonic_name]
    assert {(pitch - tonic) % 12 for pitch in notes.pitches} <= SCALES[mode]  # every note is in the key
    segments = [chord for chord in harmony.chords if chord[2] != "N"]
    root_name, quality = segments[0][2].split(":")
    assert (PITCH_CLASSES[root_name], quality) == (tonic, mode[:3])  # the progression starts on the tonic
    for start, end, label in segments:
        root_name, quality = label.split(":")
        sounding = (notes.onsets >= start - 1e-9) & (notes.onsets < end - 1e-9) & (notes.parts != "melody")
        assert {(pitch - PITCH_CLASSES[root_name]) % 12 for pitch in notes.pitches[sounding]} == TRIADS[quality]


def test_harmony_is_spelled_as_madmom_spells_keys_and_chords(madmom):
    from madmom.features.chords import majmin_targets_to_chord_labels
    from madmom.features.key import KEY_LABELS

    assert KEY_LABELS == MADMOM_KEY_LABELS
    madmom_chords = set(majmin_targets_to_chord_labels(np.arange(25), fps=1)["label"])
    for arguments in RHYTHMS:
        harmony = rhythmic_test_harmony(**arguments)
        assert harmony.key in KEY_LABELS and {label for _, _, label in harmony.chords} <= madmom_chords


@pytest.mark.parametrize("seed", range(6))
def test_piano_notes_are_a_playable_polyphonic_piece(seed):
    seconds = 20.0
    notes = piano_test_notes(seconds, seed)
    count = len(notes.onsets)
    assert count > 80 and all(len(column) == count for column in vars(notes).values())
    assert notes.onsets.dtype == notes.offsets.dtype == np.float64
    assert notes.pitches.dtype == notes.velocities.dtype == np.int64
    assert notes.pitches.min() >= 36 and notes.pitches.max() <= 96 and np.ptp(notes.pitches) >= 40
    assert notes.velocities.min() >= 1 and notes.velocities.max() <= 127 and np.std(notes.velocities) > 8
    assert np.all(np.diff(notes.onsets) >= 0) and notes.onsets[0] >= 0.5
    assert np.all(notes.offsets > notes.onsets) and notes.offsets.max() <= seconds - 0.25
    durations = notes.offsets - notes.onsets
    assert durations.max() > 1.5 and durations.min() < 0.3  # held notes and short ones
    repeated = 0
    for pitch in np.unique(notes.pitches):
        same = notes.pitches == pitch
        assert np.all(notes.onsets[same][1:] >= notes.offsets[same][:-1])  # a key is released before it is struck
        repeated += np.sum(np.diff(notes.onsets[same]) < 0.5)
    assert repeated >= 3
    times = np.arange(0.5, seconds - 0.25, 0.01)
    voices = np.sum((notes.onsets[None] <= times[:, None]) & (times[:, None] < notes.offsets[None]), axis=1)
    assert voices.max() == 6 and np.mean(voices >= 1) > 0.9


def test_piano_signal_is_deterministic_and_sounds_only_between_strike_and_release():
    seconds, sample_rate = 6.0, 16000
    notes = piano_test_notes(seconds, seed=3)
    signal = piano_test_signal(sample_rate, seconds, seed=3)
    assert signal.dtype == np.float32 and signal.shape == (round(sample_rate * seconds),)
    assert np.abs(signal).max() == pytest.approx(0.9) and np.array_equal(signal, piano_test_signal(16000, 6.0, 3))
    assert not np.array_equal(signal, piano_test_signal(16000, 6.0, 4))
    first = round(notes.onsets.min() * sample_rate)
    last = round((notes.offsets.max() + 0.02) * sample_rate) + 1  # the 20 ms release after the key's release
    assert not np.any(signal[:first]) and not np.any(signal[last:]) and np.any(signal[first : first + 80])
    for onset in notes.onsets[notes.velocities > 60]:  # a sharp attack: louder 20 ms after a strike than before it
        start = round(onset * sample_rate)
        before = np.sqrt(np.mean(signal[start - 320 : start] ** 2))
        after = np.sqrt(np.mean(signal[start : start + 320] ** 2))
        assert after > before


def test_piano_notes_do_not_depend_on_the_sample_rate():
    low, high = piano_test_signal(8000, 4.0, seed=1), piano_test_signal(44100, 4.0, seed=1)
    assert len(low) == 32000 and len(high) == 176400
    envelope = [np.sqrt(np.mean(y.reshape(40, -1).astype(np.float64) ** 2, axis=1)) for y in (low, high)]
    assert np.corrcoef(*envelope)[0, 1] > 0.95


@pytest.mark.parametrize("call, message", [
    (lambda: piano_test_notes(1.0), "seconds must be > 1"),
    (lambda: piano_test_signal(0, 5.0), "sample_rate must be > 0"),
])
def test_piano_arguments_are_checked(call, message):
    with pytest.raises(ValueError, match=message):
        call()
