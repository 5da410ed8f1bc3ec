"""The catalogue of architectures and their presets, addressed as `arch` or `arch.tag`.

Each architecture is a package `mirzoo.models.<arch>` with a module `<arch>` defining `build(preset,
**arch_config)` and a module `<arch>_presets` defining `PRESETS` (its first preset is the default tag).
Presets are plain data: listing or resolving names imports no Keras; only `get_builder` imports the
architecture's module. An architecture whose weights are converted from another package instead of shipped
names its converter in `CONVERTERS` (by architecture, or by `arch.tag` when only some of its presets are
ported), a module under `mirzoo.converters` with `weights_directory(preset)` (see
:func:`get_weights_directory`). The catalogue is assembled on first use, not at import.

Names given as paths (`./runs/crnn/preset`) are resolved here too: :func:`resolve_preset` reads a preset
directory's `preset.json`.
"""

import difflib
import fnmatch
import functools
import importlib
import os

from mirzoo.presets import PresetConfig, read_preset

ARCHITECTURES = (
    "bilstm_singing_voice",
    "blstm_beats",
    "blstm_downbeats",
    "brnn_onsets",
    "cnn_chords",
    "cnn_key",
    "cnn_onsets",
    "cnn_piano",
    "conv1d_tagger",
    "conv2d_singing_voice",
    "crnn_tagger",
    "dnn_chroma",
    "lstm_beats",
    "musicnn",
    "musicnn_vgg",
)
# Architecture (or preset) → the converter module that makes its weights from another package on first use.
CONVERTERS = {
    "musicnn": "mirzoo.converters.musicnn",
    "musicnn_vgg": "mirzoo.converters.musicnn",
    "blstm_beats": "mirzoo.converters.madmom",
    "blstm_downbeats": "mirzoo.converters.madmom",
    "brnn_onsets": "mirzoo.converters.madmom",
    "cnn_chords": "mirzoo.converters.madmom",
    "cnn_key": "mirzoo.converters.madmom",
    "cnn_onsets": "mirzoo.converters.madmom",
    "cnn_piano": "mirzoo.converters.madmom",
    "dnn_chroma.madmom": "mirzoo.converters.madmom",
    "dnn_chroma.madmom_chords": "mirzoo.converters.madmom",
    "lstm_beats": "mirzoo.converters.madmom",
}


class UnknownModelError(ValueError):
    """A name that is neither a registered architecture nor a registered preset."""


class UnsupportedFileError(ValueError):
    """A file mirzoo does not open where a preset or weights are expected (a `.keras` archive, a legacy `.h5`)."""


@functools.cache
def _catalogue():
    presets, defaults = {}, {}
    for arch in ARCHITECTURES:
        module = importlib.import_module(f"mirzoo.models.{arch}.{arch}_presets")
        for preset in module.PRESETS:
            if preset.arch != arch:
                raise RuntimeError(f"Preset {preset.name} is registered under {arch} but names arch {preset.arch}.")
            if preset.name in presets:
                raise RuntimeError(f"Preset name {preset.name} is registered twice.")
            presets[preset.name] = preset
        defaults[arch] = module.PRESETS[0].name
    return presets, defaults


def list_models(pattern=None):
    """Sorted preset names (`arch.tag`), optionally filtered by a shell-style pattern such as `"crnn*"`."""
    names = sorted(_catalogue()[0])
    if pattern is None:
        return names
    return [name for name in names if fnmatch.fnmatchcase(name, pattern) or fnmatch.fnmatchcase(name.split(".")[0],
                                                                                                pattern)]


def get_preset(name):
    """The :class:`~mirzoo.presets.PresetConfig` of `arch.tag`, or of `arch`'s default tag.

    Raises:
        UnknownModelError: naming the closest registered names ("did you mean") and every valid name.
    """
    presets, defaults = _catalogue()
    resolved = defaults.get(name, name)
    if resolved not in presets:
        close, seen = [], set()
        for match in difflib.get_close_matches(str(name), sorted(defaults) + sorted(presets), n=6, cutoff=0.6):
            if defaults.get(match, match) not in seen:  # `crnn_tagger` and `crnn_tagger.synth` are one model
                seen.add(defaults.get(match, match))
                close.append(match)
        suggestion = f" Did you mean {' or '.join(repr(match) for match in close[:3])}?" if close else ""
        raise UnknownModelError(
            f"Unknown model {name!r}.{suggestion} Valid names: {', '.join(sorted(defaults))} (default tags) or "
            f"{', '.join(sorted(presets))}."
        )
    return presets[resolved]


def get_builder(arch):
    """The architecture's `build(preset, **arch_config)` function (imports Keras and the architecture)."""
    if arch not in ARCHITECTURES:
        raise UnknownModelError(f"Unknown architecture {arch!r}. Valid: {', '.join(sorted(ARCHITECTURES))}.")
    return importlib.import_module(f"mirzoo.models.{arch}.{arch}").build


def get_weights_directory(preset):
    """The preset directory with `preset`'s converted weights, or `None` when its architecture converts none.

    For presets ported from another package (musicnn, madmom), this converts that
    package's checkpoint into the user cache on first use and returns the cached
    directory afterwards.
    """
    converter = _converter_of(preset)
    return None if converter is None else importlib.import_module(converter).weights_directory(preset)


def _converter_of(preset):
    return CONVERTERS.get(preset.name, CONVERTERS.get(preset.arch))


def has_converted_weights(preset):
    """True when `preset`'s weights are converted from another package on first use (musicnn's, madmom's)."""
    return _converter_of(preset) is not None


def refuse_file(path, expected):
    if path.endswith(".keras"):
        raise UnsupportedFileError(
            f"{path}: a .keras archive is a whole Keras model whose config can name code to run; mirzoo does not "
            f"open it. Expected {expected}. If you trust the file, open it with "
            "keras.saving.load_model(path, safe_mode=True), which refuses Lambda layers and other arbitrary code."
        )
    raise UnsupportedFileError(f"{path}: expected {expected}.")


def preset_directory(name):
    """The folder `name` designates, or `None` when it is a preset object or a registered name.

    A registered name wins over a folder of that name in the working directory (`mirzoo train crnn_tagger
    --out crnn_tagger` makes one): write it as a path, `./crnn_tagger`, or pass a `pathlib.Path` to read the
    folder.
    """
    if not isinstance(name, (str, os.PathLike)) or not os.path.isdir(name):
        return None
    if isinstance(name, str) and not any(separator and separator in name for separator in (os.sep, os.altsep)):
        try:
            get_preset(name)
        except UnknownModelError:
            return name
        return None
    return os.fspath(name)


def resolve_preset(name_or_preset):
    """A `PresetConfig` from a preset object, a preset directory, or a registered name (see `preset_directory`).

    Raises:
        UnknownModelError: neither a registered name nor an existing path.
        UnsupportedFileError: the path is a file (e.g. a `.keras` archive), not a preset directory.
        InvalidPresetError: the directory's `preset.json` is malformed (names the file).
    """
    if isinstance(name_or_preset, PresetConfig):
        return name_or_preset
    directory = preset_directory(name_or_preset)
    if directory is not None:
        return read_preset(directory)
    path = os.fspath(name_or_preset)
    try:
        return get_preset(path)
    except UnknownModelError:
        if not os.path.isfile(path):
            raise
    refuse_file(path, "a registered model name or a preset directory (a folder with preset.json)")
