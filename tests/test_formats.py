"""The files MIR tools read: MIREX .lab (mir_eval reads it back) and standard MIDI (mido reads it back)."""

import mido
import mir_eval
import numpy as np
import pytest

from mirzoo.formats import lab_lines, note_lines, write_lab, write_midi


def test_lab_round_trips_through_mir_eval(tmp_path):
    chords = [(0.0, 1.5, "N"), (1.5, 3.25, "A:min"), (3.25, 4.0, "F#:maj")]
    write_lab(tmp_path / "x.lab", chords)
    intervals, labels = mir_eval.io.load_labeled_intervals(str(tmp_path / "x.lab"), delimiter="\t")
    np.testing.assert_array_equal(intervals, [[0.0, 1.5], [1.5, 3.25], [3.25, 4.0]])
    assert labels == ["N", "A:min", "F#:maj"] and lab_lines(chords)[1] == "1.500000\t3.250000\tA:min"


def test_midi_holds_the_notes_at_tick_resolution(tmp_path):
    notes = np.array([[0.5, 1.0, 60], [0.5, 0.75, 64], [0.9, 2.0, 67], [1.0, 1.2, 60]])  # 60 repeats at 1.0 s
    write_midi(tmp_path / "x.mid", notes)
    midi = mido.MidiFile(tmp_path / "x.mid")
    assert midi.type == 0 and midi.ticks_per_beat == 480
    now, starts, found = 0.0, {}, []
    for message in midi:
        now += message.time
        if message.type == "note_on" and message.velocity:
            starts[message.note] = now
        elif message.type == "note_off":
            found.append((starts.pop(message.note), now, message.note))
    found = np.array(found)
    found, notes = (rows[np.lexsort((rows[:, 2], rows[:, 0]))] for rows in (found, notes))
    np.testing.assert_allclose(found, notes, atol=1 / 960)
    assert note_lines(notes)[1] == "0.500000\t0.750000\t64"


@pytest.mark.parametrize("notes, message", [
    ([[0.0, 1.0, 128]], "MIDI pitches lie in 0-127"),
    ([[1.0, 0.5, 60]], "offsets >= their onsets"),
    ([[-0.1, 0.5, 60]], "onsets >= 0"),
    ([[0.0, np.nan, 60]], "NaN"),
])
def test_bad_notes_are_refused(tmp_path, notes, message):
    with pytest.raises(ValueError, match=message):
        write_midi(tmp_path / "x.mid", notes)
    assert not (tmp_path / "x.mid").exists()


def test_a_note_overlapped_by_the_next_of_its_pitch_is_released_where_that_one_starts(tmp_path):
    write_midi(tmp_path / "x.mid", [[0.0, 2.0, 60], [1.0, 1.5, 60], [0.5, 3.0, 64]])
    now, starts, found = 0.0, {}, []
    for message in mido.MidiFile(tmp_path / "x.mid"):
        now += message.time
        if message.type == "note_on" and message.velocity:
            assert message.note not in starts, "a key pressed again before its release"
            starts[message.note] = now
        elif message.type == "note_off":
            found.append((starts.pop(message.note), now, message.note))
    np.testing.assert_allclose(sorted(found), [[0.0, 1.0, 60], [0.5, 3.0, 64], [1.0, 1.5, 60]], atol=1e-9)
