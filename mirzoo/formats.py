"""Results as the files MIR tools read: MIREX chord `.lab`, standard MIDI files, and event lists.

- `.lab` (MIREX, Harte syntax): `start<TAB>end<TAB>label` per line, seconds; read by mir_eval
  (`mir_eval.io.load_labeled_intervals`), Sonic Visualiser and chord tools.
- MIDI: a type-0 standard MIDI file written with mido (`pip install "mirzoo[madmom]"` brings it): one
  track, 120 BPM, 480 ticks per beat, note-on/off pairs on channel 0; read by any MIDI library.
- Events: a time per line (onsets, beats), `time<TAB>beat` for downbeats, `onset<TAB>offset<TAB>pitch` for
  notes: what madmom writes and mir_eval reads.
"""

import numpy as np

MIDI_TICKS_PER_BEAT = 480
MIDI_TEMPO = 500_000  # microseconds per beat: 120 BPM
MIDI_VELOCITY = 100  # madmom's transcriber reports no loudness


def write_lines(path, lines):
    """Write `lines` to a text file, each ended by a newline."""
    with open(path, "w", encoding="utf-8") as handle:
        handle.writelines(line + "\n" for line in lines)


def event_lines(events):
    """A time per line (6 decimals) for `(events,)` times; `time<TAB>beat position` for `(beats, 2)` rows
    `[time, position in the bar]` (madmom's downbeat format)."""
    events = np.asarray(events)
    if events.ndim == 2:
        return [f"{time:.6f}\t{int(position)}" for time, position in events]
    return [f"{time:.6f}" for time in events]


def lab_lines(chords):
    """`start<TAB>end<TAB>label` lines (6 decimals) for `(start, end, label)` segments."""
    return [f"{start:.6f}\t{end:.6f}\t{label}" for start, end, label in chords]


def write_lab(path, chords):
    """Write chord segments `(start, end, label)` (seconds) as a MIREX `.lab` file."""
    write_lines(path, lab_lines(chords))


def note_lines(notes):
    """`onset<TAB>offset<TAB>MIDI pitch` lines for `(notes, 3)` rows `[onset s, offset s, pitch]`."""
    return [f"{onset:.6f}\t{offset:.6f}\t{int(round(pitch))}" for onset, offset, pitch in np.asarray(notes)]


def _mido():
    try:
        import mido
    except ImportError as error:
        raise ImportError('Writing MIDI files needs mido: pip install "mirzoo[madmom]" (or pip install mido).') \
            from error
    return mido


def write_midi(path, notes, velocity=MIDI_VELOCITY):
    """Write `(notes, 3)` rows `[onset s, offset s, MIDI pitch]` as a standard MIDI file (type 0, 120 BPM).

    Times are rounded to the nearest tick (1/960 s); a note is at least one tick long, and a note overlapped by the
    next note of its pitch is released where that one starts (a MIDI key sounds once at a time).

    Raises:
        ValueError: pitches outside 0–127, negative times, or offsets before onsets.
    """
    mido = _mido()
    notes = np.asarray(notes, dtype=np.float64).reshape(-1, 3)
    if not np.all(np.isfinite(notes)):
        raise ValueError("Notes hold NaN or infinite values.")
    onsets, offsets, pitches = notes.T
    if np.any(onsets < 0) or np.any(offsets < onsets):
        raise ValueError("Notes need onsets >= 0 and offsets >= their onsets.")
    if np.any((pitches < 0) | (pitches > 127)):
        raise ValueError(f"MIDI pitches lie in 0-127; received {pitches.min():g} to {pitches.max():g}.")
    ticks_per_second = MIDI_TICKS_PER_BEAT * 1_000_000 / MIDI_TEMPO
    starts = np.round(onsets * ticks_per_second).astype(np.int64)
    stops = np.maximum(starts + 1, np.round(offsets * ticks_per_second).astype(np.int64))
    # A key sounds once at a time in MIDI: a note is released where the next note of its pitch starts.
    order = np.lexsort((starts, pitches))
    same_pitch = pitches[order][1:] == pitches[order][:-1]
    earlier, later = order[:-1][same_pitch], order[1:][same_pitch]
    stops[earlier] = np.minimum(stops[earlier], np.maximum(starts[earlier] + 1, starts[later]))
    events = []  # (tick, order, message): note-offs before note-ons at the same tick
    for start, stop, pitch in zip(starts.tolist(), stops.tolist(), pitches):
        events.append((start, 1, mido.Message("note_on", note=int(round(pitch)), velocity=velocity)))
        events.append((stop, 0, mido.Message("note_off", note=int(round(pitch)), velocity=0)))
    track = mido.MidiTrack([mido.MetaMessage("set_tempo", tempo=MIDI_TEMPO, time=0)])
    now = 0
    for tick, _, message in sorted(events, key=lambda event: event[:2]):
        track.append(message.copy(time=tick - now))
        now = tick
    track.append(mido.MetaMessage("end_of_track", time=0))
    midi = mido.MidiFile(type=0, ticks_per_beat=MIDI_TICKS_PER_BEAT)
    midi.tracks.append(track)
    midi.save(path)
