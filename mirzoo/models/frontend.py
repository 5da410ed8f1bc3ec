"""The in-graph front end a preset asks for, and the waveform input every model starts from."""

import keras

from mirzoo.layers import FilteredSpectrogram, LogFrequencySpectrogram, MelSpectrogram

# "filtered": madmom's front ends (bin-snapped filterbanks, several frame sizes, positive differences).
FRONT_END_KINDS = {"mel": MelSpectrogram, "logfreq": LogFrequencySpectrogram, "filtered": FilteredSpectrogram}


def waveform_input():
    """`keras.Input` for mono audio of any length: `(batch, samples)` float32, named "waveform"."""
    return keras.Input(shape=(None,), dtype="float32", name="waveform")


def build_frontend(preset):
    """The front-end layer described by `preset.frontend` at `preset.sample_rate`."""
    params = dict(preset.frontend)
    kind = params.pop("kind", None)
    if kind not in FRONT_END_KINDS:
        raise ValueError(f"Preset {preset.name}: frontend kind must be one of {sorted(FRONT_END_KINDS)}; got {kind!r}.")
    return FRONT_END_KINDS[kind](sample_rate=preset.sample_rate, name="frontend", **params)


def frame_rate_of(preset):
    """Frames per second the preset's front end produces."""
    return preset.sample_rate / preset.frontend["hop_length"]
