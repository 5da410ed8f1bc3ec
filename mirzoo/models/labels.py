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

PITCH_CLASSES = ("C", "C#", "D", "D#", "E", "F", "F#", "G", "G#", "A", "A#", "B")

VOICE = ("voice",)
