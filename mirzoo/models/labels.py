"""Label vocabularies shared by the presets (their order is the output order)."""

# General MIDI program families (and sung vocals for "voice"), as the training corpus defines them.
INSTRUMENT_FAMILIES = (
    "piano",
    "chromatic_percussion",
    "organ",
    "guitar",
    "bass",
    "strings",
    "voice",
    "brass",
    "reed",
    "pipe",
    "synth",
    "drums",
)

# MagnaTagATune's top 50 tags in the output order of musicnn's checkpoints (musicnn/configuration.py), the case
# the original's; the distilled taggers share them.
MTT_LABELS = (
    "guitar", "classical", "slow", "techno", "strings", "drums", "electronic", "rock", "fast", "piano",
    "ambient", "beat", "violin", "vocal", "synth", "female", "indian", "opera", "male", "singing",
    "vocals", "no vocals", "harpsichord", "loud", "quiet", "flute", "woman", "male vocal", "no vocal", "pop",
    "soft", "sitar", "solo", "man", "classic", "choir", "voice", "new age", "dance", "male voice",
    "female vocal", "beats", "harp", "cello", "no voice", "weird", "country", "metal", "female voice", "choral",
)

PITCH_CLASSES = ("C", "C#", "D", "D#", "E", "F", "F#", "G", "G#", "A", "A#", "B")

VOICE = ("voice",)

# The 24 keys in the order (and spelling) of madmom's key CNN: majors from A, then minors from A.
KEYS = ("A major", "Bb major", "B major", "C major", "Db major", "D major", "Eb major", "E major", "F major",
        "F# major", "G major", "Ab major", "A minor", "Bb minor", "B minor", "C minor", "C# minor", "D minor",
        "D# minor", "E minor", "F minor", "F# minor", "G minor", "G# minor")



def note_name(midi):
    """A MIDI note number's name with sharps and octave, as librosa's `midi_to_note` writes it: 60 → `"C4"`."""
    return f"{PITCH_CLASSES[midi % 12]}{midi // 12 - 1}"


# The 88 piano keys, A0 (MIDI 21) to C8 (MIDI 108).
PIANO_KEYS = tuple(note_name(midi) for midi in range(21, 109))

# What madmom's piano transcriber reports per key and frame, in its output order.
PIANO_HEADS = ("note", "onset", "offset")
