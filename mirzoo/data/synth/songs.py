"""Random songs as note lists: progressions, bass, chords, melody, drums; exact labels follow from them."""

import dataclasses

import numpy as np

# General MIDI program families (0-based program numbers), as the label contract defines them.
FAMILIES = {
    "piano": range(0, 8),
    "chromatic_percussion": range(8, 16),
    "organ": range(16, 24),
    "guitar": range(24, 32),
    "bass": range(32, 40),
    "strings": list(range(40, 47)) + list(range(48, 52)),
    "voice": range(52, 55),
    "brass": range(56, 64),
    "reed": range(64, 72),
    "pipe": range(72, 80),
    "synth": range(80, 96),
}
VOICE_PROGRAMS = range(52, 55)
DRUMS = "drums"

MAJOR = (0, 2, 4, 5, 7, 9, 11)
MINOR = (0, 2, 3, 5, 7, 8, 10)
PROGRESSIONS = ((0, 4, 5, 3), (0, 5, 3, 4), (0, 3, 4, 4), (5, 3, 0, 4), (0, 3, 0, 4), (1, 4, 0, 0), (0, 6, 5, 4))
# Programs each role draws from (family diversity for the taggers; strings are sustained, etc.).
CHORD_PROGRAMS = [p for family in ("piano", "organ", "guitar", "strings", "synth", "chromatic_percussion", "brass")
                  for p in FAMILIES[family] if p not in (55,)]
BASS_PROGRAMS = list(FAMILIES["bass"]) + [0, 32, 42, 43, 58, 70]
MELODY_PROGRAMS = [p for family in ("piano", "chromatic_percussion", "organ", "guitar", "strings", "brass", "reed",
                                    "pipe", "synth") for p in FAMILIES[family]]
# GM percussion keys: kick, snare, closed hat, open hat, ride, crash, low/high tom.
KICK, SNARE, HAT, OPEN_HAT, RIDE, CRASH, TOM_LOW, TOM_HIGH = 36, 38, 42, 46, 51, 49, 45, 50


@dataclasses.dataclass
class Note:
    pitch: int
    start: float  # seconds
    end: float  # seconds
    velocity: int


@dataclasses.dataclass
class Part:
    """One instrument: a GM program (or the drum kit), its notes, and whether a singer performs it."""

    name: str
    program: int
    notes: list
    is_drum: bool = False
    sung: bool = False


@dataclasses.dataclass
class Song:
    """A clip's notes. `tempo` (beats per minute), `key` (tonic pitch class) and `minor` are
    `None` for excerpts of corpus works, which do not track them."""

    seed: int
    tempo: float | None
    key: int | None
    minor: bool | None
    parts: list
    seconds: float


def family_of(program, is_drum=False):
    if is_drum:
        return DRUMS
    for family, programs in FAMILIES.items():
        if program in programs:
            return family
    return None


def _humanise(rng, time, amount=0.012):
    return max(0.0, time + rng.normal(0.0, amount))


def generate_song(seed, seconds=15.0, sung=False):
    """A random song of `seconds` (notes past the end are cut), deterministic in `seed`.

    Args:
        seed: the song's identity.
        seconds: length in seconds.
        sung: the melody is meant for a singer (its program is then a placeholder
            voice program; the renderer sings it).

    Returns:
        A :class:`Song`.
    """
    rng = np.random.default_rng(seed)
    tempo = float(rng.uniform(70, 150))
    beat = 60.0 / tempo
    key = int(rng.integers(0, 12))
    minor = bool(rng.random() < 0.35)
    scale = MINOR if minor else MAJOR
    progression = PROGRESSIONS[rng.integers(len(PROGRESSIONS))]
    bars = int(np.ceil(seconds / (4 * beat)))
    degree_of_bar = [progression[bar % len(progression)] for bar in range(bars)]

    def chord_pitches(degree, octave):
        root = 12 * octave + key
        return [root + scale[(degree + step) % 7] + 12 * ((degree + step) // 7) for step in (0, 2, 4)]

    parts = []
    density = rng.random()
    # Chords: sustained or rhythmic, on one program.
    if rng.random() < 0.9:
        program = int(rng.choice(CHORD_PROGRAMS))
        notes = []
        rhythmic = rng.random() < 0.5
        for bar, degree in enumerate(degree_of_bar):
            onsets = [0, 1, 2, 3] if rhythmic else [0]
            length = beat if rhythmic else 4 * beat
            for onset in onsets:
                start = _humanise(rng, (4 * bar + onset) * beat)
                for pitch in chord_pitches(degree, 4 + int(rng.integers(0, 2))):
                    notes.append(Note(pitch, start, start + 0.95 * length, int(rng.integers(55, 90))))
        parts.append(Part("chords", program, notes))
    # Bass: root notes, on beats or half notes.
    if rng.random() < 0.85:
        program = int(rng.choice(BASS_PROGRAMS))
        notes = []
        step = 1 if rng.random() < 0.5 else 2
        for bar, degree in enumerate(degree_of_bar):
            for onset in range(0, 4, step):
                start = _humanise(rng, (4 * bar + onset) * beat)
                pitch = 12 * 2 + key + scale[degree % 7] + (7 if onset == 2 and rng.random() < 0.3 else 0)
                notes.append(Note(pitch, start, start + 0.9 * step * beat, int(rng.integers(70, 100))))
        parts.append(Part("bass", program, notes))
    # Melody: scale steps over the chords, quarter and eighth notes with rests.
    if sung or rng.random() < 0.8:
        program = int(rng.choice(VOICE_PROGRAMS)) if sung else int(rng.choice(MELODY_PROGRAMS))
        notes = []
        position = 0.0
        index = int(rng.integers(7, 12))
        while position < bars * 4:
            length = float(rng.choice([0.5, 1.0, 1.0, 2.0] if sung else [0.5, 0.5, 1.0, 2.0]))
            if rng.random() < 0.15 + 0.2 * (1 - density):
                position += length
                continue
            index = int(np.clip(index + rng.integers(-2, 3), 3, 16))
            pitch = 12 * 4 + key + scale[index % 7] + 12 * (index // 7)
            start = _humanise(rng, position * beat)
            notes.append(Note(pitch, start, start + 0.92 * length * beat, int(rng.integers(70, 110))))
            position += length
        parts.append(Part("melody", program, notes, sung=sung))
    # Drums on the GM percussion channel.
    if rng.random() < 0.6:
        notes = []
        hat = HAT if rng.random() < 0.7 else RIDE
        for bar in range(bars):
            for eighth in range(8):
                time = (4 * bar + eighth / 2) * beat
                if eighth in (0, 4) or (eighth == 6 and rng.random() < 0.3):
                    notes.append(Note(KICK, _humanise(rng, time, 0.005), time + 0.1, int(rng.integers(90, 120))))
                if eighth in (2, 6):
                    notes.append(Note(SNARE, _humanise(rng, time, 0.005), time + 0.1, int(rng.integers(80, 115))))
                notes.append(Note(hat, _humanise(rng, time, 0.005), time + 0.08, int(rng.integers(50, 85))))
            if bar % 4 == 0:
                notes.append(Note(CRASH, 4 * bar * beat, 4 * bar * beat + 0.5, 90))
        parts.append(Part("drums", 0, notes, is_drum=True))
    for part in parts:
        part.notes = [dataclasses.replace(n, end=min(n.end, seconds)) for n in part.notes if n.start < seconds - 0.05]
    return Song(seed, tempo, key, minor, [p for p in parts if p.notes], seconds)


def instrumental_twin(song, seed):
    """The same song with its sung melody played on a random non-voice instrument."""
    rng = np.random.default_rng(seed)
    parts = [dataclasses.replace(p, program=int(rng.choice(MELODY_PROGRAMS)), sung=False) if p.sung else p
             for p in song.parts]
    return dataclasses.replace(song, parts=parts)
