"""`build` a fresh model from a preset, or `load` one with its weights."""

import dataclasses
import os
import warnings

from mirzoo.models.frontend import frame_rate_of
from mirzoo.presets import PresetConfig, read_preset
from mirzoo.registry import get_builder, get_preset, get_weights_directory
from mirzoo.weights_store import packaged_weights_dir, verify_weights

_PRESET_FIELDS = ("labels", "sample_rate", "clip_seconds")
HEAD_LAYER = "head"


def resolve_preset(name_or_preset):
    """A `PresetConfig` from a preset object, a preset directory, or a registered name."""
    if isinstance(name_or_preset, PresetConfig):
        return name_or_preset
    if isinstance(name_or_preset, (str, os.PathLike)) and os.path.isdir(name_or_preset):
        return read_preset(name_or_preset)
    return get_preset(os.fspath(name_or_preset))


def apply_overrides(preset, num_classes=None, **overrides):
    """A copy of `preset` with architecture, front-end or contract fields replaced.

    Keys of `preset.arch_config` change the body, keys of `preset.frontend` the
    front end, and `labels`, `sample_rate`, `clip_seconds` the contract;
    `num_classes=K` replaces the labels by `class_0 … class_{K-1}`.
    """
    arch_config, frontend, fields = dict(preset.arch_config), dict(preset.frontend), {}
    for key, value in overrides.items():
        if key in arch_config:
            arch_config[key] = value
        elif key in frontend and key != "kind":
            frontend[key] = value
        elif key in _PRESET_FIELDS:
            fields[key] = value
        else:
            valid = sorted(set(arch_config) | (set(frontend) - {"kind"}) | set(_PRESET_FIELDS) | {"num_classes"})
            raise ValueError(f"Unknown override {key!r} for {preset.name}. Valid: {', '.join(valid)}.")
    if num_classes is not None:
        if isinstance(num_classes, bool) or not isinstance(num_classes, int) or num_classes < 1:
            raise ValueError(f"`num_classes` must be a positive integer; received {num_classes!r}.")
        fields["labels"] = tuple(f"class_{index}" for index in range(num_classes))
    changed = dataclasses.replace(preset, arch_config=arch_config, frontend=frontend, **fields)
    if changed.task == "frames":
        changed = dataclasses.replace(changed, frame_rate=frame_rate_of(changed))
    return changed


def build(name, num_classes=None, **overrides):
    """A freshly initialised model for a preset.

    Args:
        name: `"arch"`, `"arch.tag"`, a preset directory, or a `PresetConfig`.
        num_classes: replace the labels by `K` generic ones.
        **overrides: architecture or front-end parameters, or `labels`,
            `sample_rate`, `clip_seconds` (see :func:`apply_overrides`).

    Returns:
        A `keras.Model` from waveform `(batch, samples)` at `model.preset.sample_rate`
        to scores; its `preset` attribute is the (overridden) `PresetConfig`.
    """
    preset = apply_overrides(resolve_preset(name), num_classes=num_classes, **overrides)
    model = get_builder(preset.arch)(preset, **preset.arch_config)
    model.preset = preset
    return model


def _weights_path(preset, source, weights):
    """The weights file to load and the SHA-256 it must have (None when the user names a file)."""
    if weights != "default":
        path = os.fspath(weights)
        if os.path.isdir(path):
            directory_preset = read_preset(path)
            if directory_preset.weights is None:
                raise ValueError(f"{path}: the preset declares no weights file.")
            return os.path.join(path, directory_preset.weights.file), directory_preset.weights.sha256
        return path, None
    if preset.weights is None:
        raise ValueError(
            f"Preset {preset.name} has no trained weights yet. Use mirzoo.build({preset.name!r}) for a fresh "
            "model, or pass weights=PATH."
        )
    directory = source if isinstance(source, (str, os.PathLike)) and os.path.isdir(source) else os.path.join(
        packaged_weights_dir(), preset.name)
    return os.path.join(directory, preset.weights.file), preset.weights.sha256


def load(name, weights="default", num_classes=None):
    """A model with weights, ready for `predict` and `fit`.

    Works inside a `tf.distribute` strategy scope: variables are created in the
    caller's scope.

    Args:
        name: `"arch"`, `"arch.tag"` or a preset directory (with `preset.json`).
        weights: `"default"` (the preset's own file, its SHA-256 checked on every
            load), `None` (random initialisation, like :func:`build`), a
            `.weights.h5` path, or a preset directory. For presets ported from
            another package (musicnn), `"default"` converts that package's
            checkpoint into the user cache on first use and loads it from there.
        num_classes: keep the trained body and put a freshly initialised head
            with `K` outputs on it, for fine-tuning.

    Returns:
        A `keras.Model`; `model.preset` describes it.

    Raises:
        WeightsIntegrityError: the file's SHA-256 is not the declared one (names
            the file, the expected and the actual hash).
        ValueError: the preset has no weights, or they do not fit the architecture.
    """
    preset = resolve_preset(name)
    if weights is None:
        return build(preset, num_classes=num_classes)
    if weights == "default" and preset.weights is None:
        converted = get_weights_directory(preset)  # ported presets: converted once into the user cache
        if converted is not None:
            return load(converted, num_classes=num_classes)
    path, expected_sha256 = _weights_path(preset, name, weights)
    if expected_sha256 is not None:
        verify_weights(path, expected_sha256)
    elif not os.path.isfile(path):
        raise FileNotFoundError(f"{path}: weights file not found.")
    model = build(preset)
    try:
        with warnings.catch_warnings():
            # Keras only warns when parts of a file do not match and leaves those layers random: refuse instead.
            warnings.filterwarnings("error", category=UserWarning, module="keras")
            model.load_weights(path)
    except (ValueError, KeyError, OSError, UserWarning) as error:
        raise ValueError(f"{path}: these weights do not fit {preset.name} ({error}).") from error
    if num_classes is None:
        return model
    fine_tune = build(preset, num_classes=num_classes)
    for layer in fine_tune.layers:
        if layer.name != HEAD_LAYER and layer.weights:
            layer.set_weights(model.get_layer(layer.name).get_weights())
    return fine_tune


def save_preset(model, directory, metrics=None):
    """Write `model`'s weights and preset into `directory`, the form `load(directory)` reads.

    Writes `<arch>.weights.h5`, `preset.json` (with the file's SHA-256) and a
    `SHA256SUMS` line for the weights.

    Args:
        model: a model from `build` / `load` (it carries `model.preset`).
        directory: target folder (created if needed).
        metrics: optional measured results recorded in the preset.

    Returns:
        The `PresetConfig` that was written.
    """
    from mirzoo.presets import WeightsFile, sha256_of, write_preset

    preset = getattr(model, "preset", None)
    if preset is None:
        raise ValueError("This model carries no preset: build it with mirzoo.build or mirzoo.load.")
    os.makedirs(directory, exist_ok=True)
    file_name = f"{preset.arch}.weights.h5"
    path = os.path.join(directory, file_name)
    # The weights alone: a compiled model's file would also hold its optimizer state (3x the size for Adam).
    if getattr(model, "optimizer", None) is not None:
        bare = build(preset)
        bare.set_weights(model.get_weights())
        model = bare
    model.save_weights(path)
    digest = sha256_of(path)
    preset = dataclasses.replace(preset, weights=WeightsFile(file_name, digest),
                                 metrics=dict(metrics) if metrics is not None else preset.metrics)
    write_preset(preset, directory)
    with open(os.path.join(directory, "SHA256SUMS"), "w", encoding="utf-8") as handle:
        handle.write(f"{digest}  {file_name}\n")
    return preset
