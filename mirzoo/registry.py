"""The catalogue of architectures and their presets, addressed as `arch` or `arch.tag`.

Each architecture is a package `mirzoo.models.<arch>` exposing `build(preset,
**arch_config)` and `PRESETS` (its first preset is the default tag). An
architecture whose weights are converted from another package instead of
shipped also exposes `weights_directory(preset)` (see :func:`get_weights_directory`).
The catalogue is assembled on first use, not at import.
"""

import fnmatch
import functools
import importlib

ARCHITECTURES = (
    "bilstm_singing_voice",
    "conv1d_tagger",
    "conv2d_singing_voice",
    "crnn_tagger",
    "dnn_chroma",
    "musicnn",
    "musicnn_vgg",
)


class UnknownModelError(ValueError):
    """A name that is neither a registered architecture nor a registered preset."""


@functools.cache
def _catalogue():
    builders, presets, defaults, converters = {}, {}, {}, {}
    for arch in ARCHITECTURES:
        module = importlib.import_module(f"mirzoo.models.{arch}")
        builders[arch] = module.build
        converters[arch] = getattr(module, "weights_directory", None)
        for preset in module.PRESETS:
            if preset.arch != arch:
                raise RuntimeError(f"Preset {preset.name} is registered under {arch} but names arch {preset.arch}.")
            if preset.name in presets:
                raise RuntimeError(f"Preset name {preset.name} is registered twice.")
            presets[preset.name] = preset
        defaults[arch] = module.PRESETS[0].name
    return builders, presets, defaults, converters


def list_models(pattern=None):
    """Sorted preset names (`arch.tag`), optionally filtered by a shell-style pattern such as `"crnn*"`."""
    names = sorted(_catalogue()[1])
    if pattern is None:
        return names
    return [name for name in names if fnmatch.fnmatchcase(name, pattern) or fnmatch.fnmatchcase(name.split(".")[0],
                                                                                                pattern)]


def get_preset(name):
    """The :class:`~mirzoo.presets.PresetConfig` of `arch.tag`, or of `arch`'s default tag.

    Raises:
        UnknownModelError: listing every valid name.
    """
    _, presets, defaults, _ = _catalogue()
    resolved = defaults.get(name, name)
    if resolved not in presets:
        raise UnknownModelError(
            f"Unknown model {name!r}. Valid names: {', '.join(sorted(defaults))} (default tags) or "
            f"{', '.join(sorted(presets))}."
        )
    return presets[resolved]


def get_builder(arch):
    """The architecture's `build(preset, **arch_config)` function."""
    builders = _catalogue()[0]
    if arch not in builders:
        raise UnknownModelError(f"Unknown architecture {arch!r}. Valid: {', '.join(sorted(builders))}.")
    return builders[arch]


def get_weights_directory(preset):
    """The preset directory with `preset`'s converted weights, or `None` when its architecture converts none.

    For architectures ported from another package (musicnn), this converts that
    package's checkpoint into the user cache on first use and returns the cached
    directory afterwards.
    """
    converter = _catalogue()[3].get(preset.arch)
    return None if converter is None else converter(preset)


def has_converted_weights(preset):
    """True when `preset`'s weights are converted from another package on first use (musicnn's)."""
    return _catalogue()[3].get(preset.arch) is not None
