"""The catalogue of architectures and their presets, addressed as `arch` or `arch.tag`.

Each architecture is a package `mirzoo.models.<arch>` exposing `build(preset,
**arch_config)` and `PRESETS` (its first preset is the default tag). The
catalogue is assembled on first use, not at import.
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
)


class UnknownModelError(ValueError):
    """A name that is neither a registered architecture nor a registered preset."""


@functools.cache
def _catalogue():
    builders, presets, defaults = {}, {}, {}
    for arch in ARCHITECTURES:
        module = importlib.import_module(f"mirzoo.models.{arch}")
        builders[arch] = module.build
        for preset in module.PRESETS:
            if preset.arch != arch:
                raise RuntimeError(f"Preset {preset.name} is registered under {arch} but names arch {preset.arch}.")
            if preset.name in presets:
                raise RuntimeError(f"Preset name {preset.name} is registered twice.")
            presets[preset.name] = preset
        defaults[arch] = module.PRESETS[0].name
    return builders, presets, defaults


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
    _, presets, defaults = _catalogue()
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
