"""Excerpts of the music21 corpus's multi-part works (Bach chorales, Monteverdi madrigals, Palestrina, trecento).

A work is parsed once with music21 and cached as a MIDI file (`<cache>/<composer>__<file>.mid`; parsing
costs 0.1-2 CPU-s a work, reading the cache milliseconds). An excerpt takes `seconds` of the cached notes
from a seeded start, transposes them by -6..+5 semitones, scales the tempo by 0.8-1.25, humanises the
timing and gives every part a random General MIDI program (choir programs included: most of these works
are vocal; the lowest part may take a bass program), so its tags, chroma and voice labels follow from the
notes exactly as for generated songs. No drums.

Some encodings in the music21 corpus are licensed for non-commercial use only: the corpus stores the work
identifiers it used, never their audio in the repository.

Needs `music21` (parsing, once per work) and `mido` (reading the cache).
"""

import bisect
import os

import numpy as np

from mirzoo.data.synth.render import MELODIC_CHANNELS
from mirzoo.data.synth.songs import BASS_PROGRAMS, MELODY_PROGRAMS, VOICE_PROGRAMS, Note, Part, Song

COMPOSERS = ("bach", "monteverdi", "palestrina", "trecento")
# Score encodings (the corpus also holds roman-numeral analyses, `.rntxt`, which are not performances).
SCORE_SUFFIXES = (".mxl", ".xml", ".krn")
PART_PROGRAMS = list(MELODY_PROGRAMS) + list(VOICE_PROGRAMS)


def list_works(composers=COMPOSERS):
    """Identifiers (`"bach/bwv10.7.mxl"`: paths inside the music21 corpus) of the composers' scores, sorted."""
    from music21 import common, corpus

    root = common.getCorpusFilePath()
    works = set()
    for composer in composers:
        for path in corpus.getComposer(composer):
            if path.suffix in SCORE_SUFFIXES:
                works.add(path.relative_to(root).as_posix())
    return sorted(works)


def cached_midi(work, cache):
    """The MIDI file of `work` in the folder `cache`, parsed and written on first use.

    Returns:
        The path, or `None` when the work has fewer than two parts (it is not polyphony) or
        music21 cannot perform it (badly formed repeats, say); a `.skip` file holding the
        reason records that, so it is parsed only once.
    """
    from music21 import corpus
    from music21.exceptions21 import Music21Exception

    stem = os.path.join(cache, work.replace("/", "__"))
    if os.path.exists(stem + ".mid"):
        return stem + ".mid"
    if os.path.exists(stem + ".skip"):
        return None
    os.makedirs(cache, exist_ok=True)
    temporary = f"{stem}.{os.getpid()}.tmp.mid"
    try:
        score = corpus.parse(work)
        if not hasattr(score, "parts") or len(score.parts) < 2:
            raise Music21Exception("fewer than two parts")
        score.write("midi", fp=temporary)
    except Music21Exception as error:
        if os.path.exists(temporary):
            os.remove(temporary)
        with open(stem + ".skip", "w", encoding="utf-8") as handle:
            handle.write(f"{type(error).__name__}: {error}\n")
        return None
    os.replace(temporary, stem + ".mid")  # atomic: a killed build never leaves half a MIDI file
    return stem + ".mid"


def _seconds_at(tempo_changes, ticks_per_beat):
    """A function from absolute ticks to seconds, for `[(tick, microseconds per beat), ...]` sorted by tick."""
    ticks, seconds, tempos = [0], [0.0], [500000]  # MIDI's default: 120 beats per minute
    for tick, tempo in tempo_changes:
        seconds.append(seconds[-1] + (tick - ticks[-1]) * tempos[-1] / ticks_per_beat / 1e6)
        ticks.append(tick)
        tempos.append(tempo)

    def convert(tick):
        index = bisect.bisect_right(ticks, tick) - 1
        return seconds[index] + (tick - ticks[index]) * tempos[index] / ticks_per_beat / 1e6

    return convert


def read_parts(path):
    """The notes of each track of a MIDI file with notes, in seconds.

    Returns:
        A list of `(track name, [Note, ...])`, notes sorted by start; a note-on without a
        note-off ends with the track.
    """
    import mido

    midi = mido.MidiFile(path)
    tempo_changes = []
    tracks = []
    for track in midi.tracks:
        tick, name, events = 0, "", []
        for message in track:
            tick += message.time
            if message.type == "set_tempo":
                tempo_changes.append((tick, message.tempo))
            elif message.type == "track_name":
                name = message.name
            elif message.type in ("note_on", "note_off"):
                events.append((tick, message.type == "note_on" and message.velocity > 0, message.note,
                               message.velocity))
        tracks.append((name, events, tick))
    seconds = _seconds_at(sorted(tempo_changes), midi.ticks_per_beat)
    parts = []
    for name, events, last_tick in tracks:
        sounding, notes = {}, []
        for tick, is_on, pitch, velocity in events:
            if is_on:
                sounding.setdefault(pitch, []).append((tick, velocity))
            elif sounding.get(pitch):
                start, start_velocity = sounding[pitch].pop(0)
                notes.append(Note(pitch, seconds(start), seconds(tick), start_velocity))
        notes += [Note(pitch, seconds(start), seconds(last_tick), velocity)
                  for pitch, starts in sounding.items() for start, velocity in starts]
        if notes:
            parts.append((name, sorted(notes, key=lambda note: (note.start, note.pitch))))
    return parts


def excerpt(parts, seed, seconds=15.0):
    """A :class:`Song` of `seconds` from a work's `parts` (see `read_parts`), deterministic in `seed`.

    The excerpt starts at a random time of the (tempo-scaled) work, or at 0 when the
    work is shorter than `seconds`; notes that start before it are left out, notes past
    its end are cut. A work keeps at most its first `MELODIC_CHANNELS` parts.
    """
    parts = parts[:MELODIC_CHANNELS]
    rng = np.random.default_rng(seed)
    transpose = int(rng.integers(-6, 6))
    stretch = float(rng.uniform(0.8, 1.25))
    length = max(note.end for _, notes in parts for note in notes) * stretch
    start = float(rng.uniform(0.0, length - seconds)) if length > seconds else 0.0
    lowest = min(range(len(parts)), key=lambda i: np.mean([note.pitch for note in parts[i][1]]))
    song_parts = []
    for index, (name, notes) in enumerate(parts):
        pool = BASS_PROGRAMS if index == lowest and rng.random() < 0.5 else PART_PROGRAMS
        program = int(rng.choice(pool))
        loudness = int(rng.integers(60, 105))
        kept = []
        for note in notes:
            begin = note.start * stretch - start + rng.normal(0.0, 0.01)
            end = min(note.end * stretch - start, seconds)
            if begin < 0.0 or begin >= seconds - 0.05 or end <= begin:
                continue
            velocity = int(np.clip(loudness + rng.integers(-8, 9), 1, 127))
            kept.append(Note(int(np.clip(note.pitch + transpose, 0, 127)), float(begin), float(end), velocity))
        if kept:
            song_parts.append(Part(name or f"part{index + 1}", program, kept))
    return Song(seed=seed, tempo=None, key=None, minor=None, parts=song_parts, seconds=seconds)

