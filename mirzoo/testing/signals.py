"""Deterministic test audio with music-like structure."""

import dataclasses

import numpy as np


def _pink_noise(n, rng):
    """Unit-RMS noise with a 1/f power spectrum."""
    spectrum = np.fft.rfft(rng.standard_normal(n))
    spectrum /= np.sqrt(np.maximum(np.arange(len(spectrum)), 1.0))
    noise = np.fft.irfft(spectrum, n)
    return noise / np.sqrt(np.mean(noise**2))


def harmonic_test_signal(sample_rate, seconds, seed=0, channels=None):
    """Notes with harmonics and vibrato over a pink-noise floor, plus a silent stretch.

    Spans a wide dynamic range (loud notes, a noise floor about 40 dB below
    them like a room or mix would leave, digital silence) so that log-scaled
    comparisons exercise both the peaks and the `amin` / `top_db` floors.

    Args:
        sample_rate: Hz.
        seconds: duration.
        seed: seed of the note choice and noise.
        channels: `None` for shape `(samples,)`, else `(samples, channels)`
            with a different gain and noise per channel.

    Returns:
        float32 array in [-1, 1].
    """
    rng = np.random.default_rng(seed)
    n = int(round(sample_rate * seconds))
    t = np.arange(n) / sample_rate

    def one_channel():
        y = 0.01 * _pink_noise(n, rng)
        note_length = max(1, n // 6)
        for start in range(0, n, note_length):
            f0 = 110.0 * 2 ** (rng.integers(0, 36) / 12)
            segment = slice(start, min(n, start + note_length))
            envelope = np.exp(-3.0 * (t[segment] - t[start]))
            vibrato = 1 + 0.003 * np.sin(2 * np.pi * 5 * t[segment])
            for harmonic in range(1, 8):
                if harmonic * f0 < sample_rate / 2:
                    y[segment] += 0.3 / harmonic * envelope * np.sin(2 * np.pi * harmonic * f0 * vibrato * t[segment])
        y[n // 2 : n // 2 + n // 10] = 0.0
        return y / max(1.0, np.abs(y).max())

    if channels is None:
        return one_channel().astype(np.float32)
    return np.stack([one_channel() * (0.5 + 0.5 * rng.random()) for _ in range(channels)], axis=-1).astype(np.float32)


@dataclasses.dataclass(frozen=True)
class RhythmicAnnotations:
    """Ground truth of `rhythmic_test_signal`: where its beats, bars and notes start, in seconds.

    Attributes:
        beats: `(B,)` beat times, increasing.
        beat_numbers: `(B,)` int, position of each beat in its bar, 1 for a downbeat (madmom's
            `[time, beat_number]` convention).
        downbeats: `(D,)` times of the beats numbered 1.
        onsets: `(O,)` times where at least one note or drum hit starts, increasing, without duplicates.
    """

    beats: np.ndarray
    beat_numbers: np.ndarray
    downbeats: np.ndarray
    onsets: np.ndarray


@dataclasses.dataclass(frozen=True)
class _Note:
    eighth: int  # position on the eighth-note grid, counted from the first beat
    instrument: str
    velocity: float
    midi: int = 0
    eighths: int = 1  # length in eighths, until the instrument's next note


# Chord progressions, one chord per bar: (root in semitones above the key's tonic, triad quality).
_PROGRESSIONS = {
    "major": (((0, "maj"), (7, "maj"), (9, "min"), (5, "maj")),
              ((0, "maj"), (9, "min"), (5, "maj"), (7, "maj")),
              ((0, "maj"), (5, "maj"), (7, "maj"), (5, "maj"))),
    "minor": (((0, "min"), (8, "maj"), (3, "maj"), (10, "maj")),
              ((0, "min"), (5, "min"), (10, "maj"), (3, "maj")),
              ((0, "min"), (8, "maj"), (5, "min"), (7, "maj"))),
}
_TRIADS = {"maj": (0, 4, 7), "min": (0, 3, 7)}
_SCALES = {"major": (0, 2, 4, 5, 7, 9, 11), "minor": (0, 2, 3, 5, 7, 8, 10)}


def _validate_rhythm(seconds, bpm, beats_per_bar, first_beat):
    if not seconds > 0:
        raise ValueError(f"seconds must be > 0, got {seconds!r}")
    if not 20 <= bpm <= 400:
        raise ValueError(f"bpm must be in [20, 400], got {bpm!r}")
    if not isinstance(beats_per_bar, (int, np.integer)) or isinstance(beats_per_bar, bool) or beats_per_bar < 2:
        raise ValueError(f"beats_per_bar must be an integer >= 2, got {beats_per_bar!r}")
    if not 0 <= first_beat < seconds:
        raise ValueError(f"first_beat must be in [0, seconds={seconds!r}), got {first_beat!r}")


def _in_octave(midi, low):
    """`midi` moved by octaves into [low, low + 12)."""
    return low + (midi - low) % 12


def _arrangement(seconds, bpm, beats_per_bar, drums, seed, first_beat):
    """The notes of a rhythmic test clip on the eighth-note grid; depends on no sample rate.

    Returns:
        (notes, eighth, harmony): a list of `_Note`, the length of an eighth note in seconds, and
        `(mode, tonic, progression)`: "major" or "minor", the tonic's MIDI number and the `_PROGRESSIONS`
        entry played, one chord per bar from the first.
    """
    _validate_rhythm(seconds, bpm, beats_per_bar, first_beat)
    rng = np.random.default_rng(seed)
    eighth = 30.0 / bpm
    eighths_per_bar = 2 * beats_per_bar
    num_eighths = int(np.ceil((seconds - first_beat) / eighth))
    num_bars = int(np.ceil(num_eighths / eighths_per_bar))
    mode = ("major", "minor")[rng.integers(2)]
    tonic = 45 + int(rng.integers(12))  # A2 .. G#3
    progression = _PROGRESSIONS[mode][rng.integers(len(_PROGRESSIONS[mode]))]

    drum_rng = np.random.default_rng((seed, 2))  # its own stream: the pitched parts do not depend on `drums`

    def velocity(position, rng=rng):
        """Accents: downbeat > other beats > off-beats, each varied by a few percent."""
        accent = 1.0 if position == 0 else 0.85 if position % 2 == 0 else 0.7
        return float(accent * np.clip(1 + 0.08 * rng.standard_normal(), 0.8, 1.2))

    # One rhythm per part for the whole clip, so the bar repeats; positions are eighths in the bar. The chords
    # sound on every beat, so the pulse is clear without drums too.
    middle = [beats_per_bar] if beats_per_bar % 2 == 0 and beats_per_bar >= 4 else []
    bass_rhythm = sorted({0, *middle, *[2 * b for b in range(1, beats_per_bar) if rng.random() < 0.3]}
                         | ({eighths_per_bar - 1} if rng.random() < 0.5 else set()))
    chord_rhythm = list(range(0, eighths_per_bar, 2))
    kicks = [0, *middle]
    snares = [2 * b for b in range(1, beats_per_bar) if 2 * b not in kicks]

    notes = []
    for bar in range(num_bars):
        root, quality = progression[bar % len(progression)]
        chord = [tonic + root + interval for interval in _TRIADS[quality]]
        scale = [tonic + step for step in _SCALES[mode]]
        for parts in (bass_rhythm, chord_rhythm):
            for index, position in enumerate(parts):
                following = parts[index + 1] if index + 1 < len(parts) else eighths_per_bar + parts[0]
                start = bar * eighths_per_bar + position
                if parts is bass_rhythm:
                    pitch = _in_octave(chord[0] + (7 if position == eighths_per_bar - 1 else 0), 36)
                    notes.append(_Note(start, "bass", velocity(position), pitch, following - position))
                else:
                    for pitch in chord:
                        notes.append(_Note(start, "chord", velocity(position), _in_octave(pitch, 55),
                                           following - position))
        melody = [position for position in range(eighths_per_bar)
                  if position == 0 or rng.random() < (0.6 if position % 2 == 0 else 0.25)]
        for index, position in enumerate(melody):
            following = melody[index + 1] if index + 1 < len(melody) else eighths_per_bar
            tones = chord if position % 2 == 0 else scale
            pitch = _in_octave(int(tones[rng.integers(len(tones))]), 67)
            notes.append(_Note(bar * eighths_per_bar + position, "melody", velocity(position), pitch,
                               following - position))
        if drums:
            for position in range(eighths_per_bar):
                start = bar * eighths_per_bar + position
                if position in kicks:
                    notes.append(_Note(start, "kick", velocity(position, drum_rng)))
                if position in snares:
                    notes.append(_Note(start, "snare", velocity(position, drum_rng)))
                open_hat = position == eighths_per_bar - 1 and bar % 4 == 3
                notes.append(_Note(start, "open_hat" if open_hat else "hat", velocity(position, drum_rng)))
    return [note for note in notes if note.eighth < num_eighths], eighth, (mode, tonic, progression)


def rhythmic_test_annotations(seconds, bpm=120.0, beats_per_bar=4, drums=True, seed=0, first_beat=0.25):
    """The beats, downbeats and note onsets of `rhythmic_test_signal` called with the same arguments.

    Takes no sample rate: the arrangement, and so the ground truth, is the same at every rate.

    Returns:
        `RhythmicAnnotations`, in seconds; only events that start before `seconds`.
    """
    notes, eighth, _ = _arrangement(seconds, bpm, beats_per_bar, drums, seed, first_beat)
    num_beats = int(np.ceil((seconds - first_beat) / (2 * eighth)))
    beats = first_beat + 2 * eighth * np.arange(num_beats)
    beat_numbers = np.arange(num_beats) % beats_per_bar + 1
    onsets = first_beat + eighth * np.unique([note.eighth for note in notes])
    return RhythmicAnnotations(beats=beats, beat_numbers=beat_numbers, downbeats=beats[beat_numbers == 1],
                               onsets=onsets)


@dataclasses.dataclass(frozen=True)
class RhythmicNotes:
    """The pitched notes of `rhythmic_test_signal`, in seconds (drum hits have no pitch and are left out).

    Attributes:
        onsets: `(N,)` start times, non-decreasing (notes of one onset in the order the generator adds them).
        offsets: `(N,)` end of each note's written length (the start of its part's next note), cut at `seconds`.
            The tone decays over that length and a 20 ms release follows it.
        pitches: `(N,)` int, MIDI note numbers (pitch class: `pitches % 12`, 0 = C).
        parts: `(N,)` str, `"bass"`, `"chord"` or `"melody"`.
    """

    onsets: np.ndarray
    offsets: np.ndarray
    pitches: np.ndarray
    parts: np.ndarray


def rhythmic_test_notes(seconds, bpm=120.0, beats_per_bar=4, drums=True, seed=0, first_beat=0.25):
    """The pitched notes of `rhythmic_test_signal` called with the same arguments (e.g. for chroma ground truth).

    Takes no sample rate: the arrangement is the same at every rate. The notes do not depend on `drums`.

    Returns:
        `RhythmicNotes`; only notes that start before `seconds`.
    """
    notes, eighth, _ = _arrangement(seconds, bpm, beats_per_bar, drums, seed, first_beat)
    notes = sorted((note for note in notes if note.instrument in _VOICES), key=lambda note: note.eighth)
    onsets = first_beat + eighth * np.array([note.eighth for note in notes], dtype=np.float64)
    lengths = eighth * np.array([note.eighths for note in notes], dtype=np.float64)
    return RhythmicNotes(onsets=onsets, offsets=np.minimum(onsets + lengths, seconds),
                         pitches=np.array([note.midi for note in notes], dtype=np.int64),
                         parts=np.array([note.instrument for note in notes], dtype=str))


# Pitch-class names from A up, as madmom spells them: its KEY_LABELS (madmom/features/key.py) use flats for the
# major keys but sharps for C#, D#, G# minor; its chord labels (`majmin_targets_to_chord_labels`,
# madmom/features/chords.py) use sharps only.
_MAJOR_KEY_NAMES = ("A", "Bb", "B", "C", "Db", "D", "Eb", "E", "F", "F#", "G", "Ab")
_MINOR_KEY_NAMES = ("A", "Bb", "B", "C", "C#", "D", "D#", "E", "F", "F#", "G", "G#")
_CHORD_ROOT_NAMES = ("A", "A#", "B", "C", "C#", "D", "D#", "E", "F", "F#", "G", "G#")


def _from_a(midi):
    """Pitch class of a MIDI note counted from A (A = 0, as madmom's key and chord classes count)."""
    return (midi - 9) % 12


@dataclasses.dataclass(frozen=True)
class RhythmicHarmony:
    """The key and chords of `rhythmic_test_signal`, spelled as madmom's key and chord recognisers spell them.

    Attributes:
        key: `"<tonic> <mode>"`, one of madmom's `KEY_LABELS`, e.g. `"A minor"`, `"Bb major"`, `"C# minor"`.
        chords: list of `(start, end, label)`: seconds and a MIREX (Harte) major/minor label with madmom's root
            spelling (`"A:min"`, `"F#:maj"`), one per bar from the first downbeat, the last ending at the
            clip's end; before the first downbeat (if it is after 0), `(0.0, first_beat, "N")`. The segments
            are contiguous and cover `[0, seconds]`.
    """

    key: str
    chords: list


def rhythmic_test_harmony(seconds, bpm=120.0, beats_per_bar=4, drums=True, seed=0, first_beat=0.25):
    """The key and per-bar chords of `rhythmic_test_signal` called with the same arguments.

    Takes no sample rate: the arrangement is the same at every rate. Each bar's bass, chord part and the
    melody's on-beat notes play that bar's triad; the melody's off-beat notes are tones of the key's scale.

    Returns:
        `RhythmicHarmony`.
    """
    _, eighth, (mode, tonic, progression) = _arrangement(seconds, bpm, beats_per_bar, drums, seed, first_beat)
    names = _MAJOR_KEY_NAMES if mode == "major" else _MINOR_KEY_NAMES
    bar = 2 * beats_per_bar * eighth
    num_bars = int(np.ceil(int(np.ceil((seconds - first_beat) / eighth)) / (2 * beats_per_bar)))
    chords = [(0.0, float(first_beat), "N")] if first_beat > 0 else []
    for index in range(num_bars):
        root, quality = progression[index % len(progression)]
        start, end = first_beat + index * bar, min(first_beat + (index + 1) * bar, seconds)
        chords.append((float(start), float(end), f"{_CHORD_ROOT_NAMES[_from_a(tonic + root)]}:{quality}"))
    return RhythmicHarmony(key=f"{names[_from_a(tonic)]} {mode}", chords=chords)


def _add(y, start, sound):
    """Mix `sound` into `y` from sample `start` on, cut at the end of `y`."""
    length = min(len(sound), len(y) - start)
    y[start : start + length] += sound[:length]


def _pitched(sample_rate, midi, seconds, harmonics, rolloff, decay, inharmonicity=0.0):
    """A decaying harmonic tone of peak about 1: `harmonics` partials with amplitude h**-rolloff.

    Higher partials decay faster (by sqrt(h)), as on a plucked or struck string; a 5 ms attack and a
    20 ms release at `seconds` avoid clicks.
    """
    release = 0.02
    t = np.arange(round((seconds + release) * sample_rate)) / sample_rate
    f0 = 440.0 * 2 ** ((midi - 69) / 12)
    tone = np.zeros_like(t)
    amplitudes = 0.0
    for h in range(1, harmonics + 1):
        frequency = h * f0 * np.sqrt(1 + inharmonicity * h * h)
        if frequency >= min(0.45 * sample_rate, 12000.0):
            break
        amplitude = h**-rolloff
        tone += amplitude * np.exp(-t * np.sqrt(h) / decay) * np.sin(2 * np.pi * frequency * t)
        amplitudes += amplitude
    envelope = np.minimum(1.0, t / 0.005) * np.clip((seconds + release - t) / release, 0.0, 1.0)
    return tone * envelope / amplitudes


def _drum(sample_rate, instrument, noise_rng):
    """One drum hit of peak about 1."""
    if instrument == "kick":  # a sine falling from 150 to 50 Hz, and a 2 ms click
        t = np.arange(int(0.5 * sample_rate)) / sample_rate
        phase = 2 * np.pi * (50 * t + 100 * 0.03 * (1 - np.exp(-t / 0.03)))
        hit = np.sin(phase) * np.exp(-t / 0.25)
        click = int(0.002 * sample_rate)
        hit[:click] += 0.3 * noise_rng.standard_normal(click) * np.linspace(1, 0, click)
        return hit
    if instrument == "snare":  # noise and a 185 / 330 Hz body
        t = np.arange(int(0.35 * sample_rate)) / sample_rate
        noise = np.diff(noise_rng.standard_normal(len(t) + 1)) / 2
        body = np.sin(2 * np.pi * 185 * t) + 0.5 * np.sin(2 * np.pi * 330 * t)
        return 0.7 * noise * np.exp(-t / 0.1) + 0.5 * body * np.exp(-t / 0.05)
    # hi-hats: doubly differentiated noise (a steep high-pass), short when closed
    length = 0.3 if instrument == "open_hat" else 0.08
    t = np.arange(int(length * sample_rate)) / sample_rate
    noise = np.diff(noise_rng.standard_normal(len(t) + 2), n=2) / 4
    return noise * np.exp(-t / (0.12 if instrument == "open_hat" else 0.02))


# Per part: (mix gain, harmonics, rolloff, decay in seconds, inharmonicity); drums: mix gain only.
_VOICES = {
    "bass": (0.45, 10, 1.3, 0.5, 0.0),
    "chord": (0.16, 14, 1.2, 0.7, 2e-4),
    "melody": (0.28, 6, 1.8, 1.2, 0.0),
}
_DRUM_GAINS = {"kick": 0.9, "snare": 0.55, "hat": 0.2, "open_hat": 0.2}


def rhythmic_test_signal(sample_rate, seconds, bpm=120.0, beats_per_bar=4, drums=True, seed=0, first_beat=0.25):
    """Music-like test audio with a clear pulse: bass, chords and a melody on a beat grid, optionally drums.

    A key and mode, a four-chord progression (one chord per bar, a change at every bar) and a rhythm per
    part are drawn from `seed`; every note starts on the eighth-note grid. The bass and a struck-string
    chord part have harmonics and decaying envelopes, a soft lead plays chord tones on beats and scale
    tones between them. With `drums`, a kick plays on beat 1 (and on the middle beat of an even-length
    bar: 1 and 3 in 4/4), a snare on the other beats (2 and 4 in 4/4, 2 and 3 in 3/4) and a hi-hat on
    every eighth (open on the last eighth of every fourth bar). Velocities vary by a few percent and
    accent the beats. No swing. `rhythmic_test_annotations` returns the ground truth (beats, bars, onsets),
    `rhythmic_test_notes` its pitched notes and `rhythmic_test_harmony` its key and chords.

    Args:
        sample_rate: Hz.
        seconds: duration; notes still sounding at the end are cut, with a 20 ms fade-out.
        bpm: tempo, beats per minute.
        beats_per_bar: beats in a bar, e.g. 4 for 4/4 or 3 for 3/4.
        drums: whether the drum kit plays.
        seed: seed of the arrangement (key, progression, rhythms, melody, velocities) and of the drum noise.
        first_beat: time of the first downbeat in seconds; silence before it.

    Returns:
        `(round(sample_rate * seconds),)` float32 in [-1, 1], peak 0.9.
    """
    if not sample_rate > 0:
        raise ValueError(f"sample_rate must be > 0, got {sample_rate!r}")
    notes, eighth, _ = _arrangement(seconds, bpm, beats_per_bar, drums, seed, first_beat)
    noise_rng = np.random.default_rng((seed, 1))
    y = np.zeros(round(sample_rate * seconds))
    for note in notes:
        start = round((first_beat + note.eighth * eighth) * sample_rate)
        if note.instrument in _VOICES:
            gain, harmonics, rolloff, decay, inharmonicity = _VOICES[note.instrument]
            sound = _pitched(sample_rate, note.midi, note.eighths * eighth, harmonics, rolloff, decay, inharmonicity)
        else:
            gain, sound = _DRUM_GAINS[note.instrument], _drum(sample_rate, note.instrument, noise_rng)
        _add(y, start, gain * note.velocity * sound)
    fade = min(len(y), int(0.02 * sample_rate))
    y[len(y) - fade :] *= np.linspace(1.0, 0.0, fade)
    return (0.9 * y / max(np.abs(y).max(), 1e-12)).astype(np.float32)


@dataclasses.dataclass(frozen=True)
class PianoNotes:
    """The notes of `piano_test_signal`, as a MIDI file of the piece would list them.

    Attributes:
        onsets: `(N,)` float64 seconds, when each hammer strikes; non-decreasing (ties by pitch).
        offsets: `(N,)` float64 seconds, when each key is released: the damper stops the string over the 20 ms
            that follow. Always after the onset, and before the next onset of the same pitch.
        pitches: `(N,)` int64 MIDI note numbers in [36, 96].
        velocities: `(N,)` int64 MIDI velocities in [1, 127]; a note's amplitude is `(velocity / 127) ** 2` times
            the loudest one's, and its tone is brighter the harder it is struck.
    """

    onsets: np.ndarray
    offsets: np.ndarray
    pitches: np.ndarray
    velocities: np.ndarray


# Left-hand patterns, one drawn per bar: block chords, a broken chord in eighths, a repeated staccato chord.
_PIANO_ACCOMPANIMENTS = ("block", "broken", "repeated")
# Melody rhythms, one drawn per bar: (position, length) in eighths of a 4/4 bar, and whether the note repeats the
# previous one's pitch (other notes repeat it by chance).
_PIANO_RHYTHMS = (((0, 2, False), (2, 2, False), (4, 2, False), (6, 2, False)),
                  ((0, 3, False), (3, 1, False), (4, 2, False), (6, 1, False), (7, 1, False)),
                  ((0, 6, False), (6, 2, False)),
                  ((0, 1, False), (1, 1, True), (2, 1, True), (3, 1, False), (4, 4, False)),
                  ((0, 4, False), (4, 1, False), (5, 1, False), (6, 1, False), (7, 1, False)))
_PIANO_MAX_VOICES = 6
_PIANO_RESTRIKE_GAP = 0.06  # seconds between a key's release and its next strike


def _piano_arrangement(seconds, seed):
    """The notes of a piano test piece: `[(onset, offset, midi, velocity)]` sorted by onset, then pitch."""
    if not seconds > 1.0:
        raise ValueError(f"seconds must be > 1 (the piece has 0.5 s of silence before it and 0.25 s after), "
                         f"got {seconds!r}")
    rng = np.random.default_rng(seed)
    beat = 60.0 / rng.uniform(84.0, 108.0)
    eighth = beat / 2
    mode = ("major", "minor")[rng.integers(2)]
    tonic = 48 + int(rng.integers(12))
    progression = _PROGRESSIONS[mode][rng.integers(len(_PROGRESSIONS[mode]))]
    scale = sorted(pitch for pitch in range(36, 97) if (pitch - tonic) % 12 in _SCALES[mode])
    begin, end = 0.5, seconds - 0.25  # the last release ends 20 ms after `end`

    candidates = []  # (onset, offset, midi, velocity) in the order of priority when too many voices sound

    def add(onset, length, pitch, velocity):
        if onset < end - 0.1:
            candidates.append((onset, min(onset + length, end), int(pitch), int(np.clip(round(velocity), 1, 127))))

    lowest, highest = scale.index(min(p for p in scale if p >= 62)), scale.index(max(p for p in scale if p <= 86))
    melody = scale.index(_in_octave(tonic, 67))  # an index into `scale`
    bar = 0
    while begin + 8 * bar * eighth < end - 0.1:
        t0 = begin + 8 * bar * eighth
        root, quality = progression[bar % len(progression)]
        triad = [tonic + root + interval for interval in _TRIADS[quality]]
        dynamic = 50 + 45 * rng.random()  # the bar's loudness, as MIDI velocity

        def velocity(accent, dynamic=dynamic):
            return dynamic * accent * (1 + 0.1 * rng.standard_normal())

        # Left hand: the root held through the bar, and the triad in the octave above.
        add(t0, 8 * eighth * 0.97, _in_octave(triad[0], 36), velocity(1.05))
        voicing = sorted(_in_octave(pitch, 50) for pitch in triad)
        accompaniment = _PIANO_ACCOMPANIMENTS[rng.integers(len(_PIANO_ACCOMPANIMENTS))]
        if accompaniment == "block":
            for position in (0, 4):
                for pitch in voicing:
                    add(t0 + position * eighth, 3.6 * eighth, pitch, velocity(0.85))
        elif accompaniment == "broken":
            for position, pitch in enumerate([voicing[0], voicing[2], voicing[1], voicing[2]] * 2):
                add(t0 + position * eighth, 0.9 * eighth, pitch, velocity(0.8 if position % 2 == 0 else 0.65))
        else:
            for position in range(2, 8, 2):
                for pitch in voicing:
                    add(t0 + position * eighth, 0.45 * eighth, pitch, velocity(0.7))
        # Right hand: a melody walking the scale in 62..86 with chord tones on the beats, some repeated notes,
        # a third or sixth below it on the downbeat, and now and then an octave doubling up to 96.
        rhythm = _PIANO_RHYTHMS[rng.integers(len(_PIANO_RHYTHMS))]
        for position, length, repeat in rhythm:
            if not (repeat or position > 0 and rng.random() < 0.15):
                melody = int(np.clip(melody + rng.integers(-2, 3), lowest, highest))
                if position % 2 == 0:  # a chord tone on the beat: the nearest one at or above
                    while (scale[melody] - triad[0]) % 12 not in _TRIADS[quality] and melody < highest:
                        melody += 1
            pitch = scale[melody]
            onset = t0 + position * eighth
            legato = 0.97 if length >= 4 else rng.uniform(0.6, 0.95)
            add(onset, length * eighth * legato, pitch, velocity(1.15 if position == 0 else 1.0))
            if position == 0 and rng.random() < 0.5:
                add(onset, length * eighth * legato, scale[max(melody - int(rng.choice([2, 5])), 0)], velocity(0.8))
            if length <= 2 and pitch + 12 <= 96 and rng.random() < 0.15:
                add(onset, length * eighth * legato, pitch + 12, velocity(0.75))
        bar += 1

    # A key cannot sound twice: an earlier note of the pitch is released before the next strike (or the strike
    # is dropped when that would leave it too short); a strike that would make more than six voices is dropped.
    notes = []
    for onset, offset, pitch, velocity in sorted(candidates, key=lambda note: note[0]):
        sounding = [note for note in notes if note[0] <= onset < note[1]]
        if len(sounding) >= _PIANO_MAX_VOICES:
            continue
        same = [index for index, note in enumerate(notes) if note[2] == pitch and note[1] > onset - _PIANO_RESTRIKE_GAP]
        if same:
            previous = notes[same[-1]]
            if onset - _PIANO_RESTRIKE_GAP - previous[0] < _PIANO_RESTRIKE_GAP:
                continue
            notes[same[-1]] = (previous[0], onset - _PIANO_RESTRIKE_GAP, *previous[2:])
        notes.append((onset, offset, pitch, velocity))
    return sorted(notes, key=lambda note: (note[0], note[2]))


def piano_test_notes(seconds, seed=0):
    """The notes of `piano_test_signal` called with the same arguments (e.g. for transcription ground truth).

    Takes no sample rate: the piece is the same at every rate.

    Returns:
        `PianoNotes`.
    """
    notes = _piano_arrangement(seconds, seed)
    onsets, offsets, pitches, velocities = (np.array(column) for column in zip(*notes))
    return PianoNotes(onsets=onsets.astype(np.float64), offsets=offsets.astype(np.float64),
                      pitches=pitches.astype(np.int64), velocities=velocities.astype(np.int64))


def _piano_tone(sample_rate, midi, seconds, velocity):
    """One piano-like note of peak about `(velocity / 127) ** 2`, released after `seconds`.

    Stiff-string partials `h * f0 * sqrt(1 + B h^2)` with B rising from about 1.3e-4 at C2 to 2e-3 at C7, a
    decay from about 5 s (C2) to 0.5 s (C7) that is faster for higher partials, and more high partials the
    harder the key is struck.
    """
    strength = velocity / 127
    inharmonicity = 4e-4 * 2 ** (0.8 * (midi - 60) / 12)
    decay = 3.0 * 2 ** (-(midi - 48) / 18)
    return strength**2 * _pitched(sample_rate, midi, seconds, 40, 2.0 - 0.9 * strength, decay, inharmonicity)


def piano_test_signal(sample_rate, seconds, seed=0):
    """A deterministic piano-like piece, for transcription tests; `piano_test_notes` returns its notes.

    Two hands in 4/4 at 84..108 bpm in a key, mode and four-chord progression drawn from `seed` (one chord per
    bar): a bass note held through each bar, block, broken or repeated staccato chords above it, and a melody
    with held, repeated and ornamented notes, some doubled at the third, sixth or octave; 1 to 6 notes sound at
    once, MIDI 36..96, velocities varied per bar, per beat and per note. Every note is an inharmonic, decaying
    piano-like tone (`_piano_tone`): 5 ms attack, exponential decay, a 20 ms release from the key's release.
    No soundfont, no files, no reverberation, no sustain pedal.

    Args:
        sample_rate: Hz.
        seconds: duration, > 1; silence for the first 0.5 s and the last 0.23 s.
        seed: seed of the piece (tempo, key, chords, patterns, melody, velocities).

    Returns:
        `(round(sample_rate * seconds),)` float32, peak 0.9.
    """
    if not sample_rate > 0:
        raise ValueError(f"sample_rate must be > 0, got {sample_rate!r}")
    y = np.zeros(round(sample_rate * seconds))
    for onset, offset, pitch, velocity in _piano_arrangement(seconds, seed):
        _add(y, round(onset * sample_rate), _piano_tone(sample_rate, pitch, offset - onset, velocity))
    return (0.9 * y / max(np.abs(y).max(), 1e-12)).astype(np.float32)
