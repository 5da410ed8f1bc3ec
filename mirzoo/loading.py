"""`build` a fresh model from a preset, or `load` one with its weights."""

import dataclasses
import inspect
import json
import os
import warnings

from mirzoo.models.frontend import frame_rate_of
from mirzoo.presets import PRESET_FILE, WEIGHTS_SUFFIX, InvalidPresetError, read_preset
from mirzoo.registry import (  # noqa: F401  (preset_directory, resolve_preset, UnsupportedFileError: loading's API)
    UnknownModelError,
    UnsupportedFileError,
    get_builder,
    get_preset,
    get_weights_directory,
    preset_directory,
    refuse_file,
    resolve_preset,
)
from mirzoo.weights_store import (
    WeightsMismatchError,
    check_weights_fit,
    packaged_weights_dir,
    read_contract,
    verify_weights,
    write_contract,
)

_PRESET_FIELDS = ("labels", "sample_rate", "clip_seconds")
# The fields that decide what a converted model computes; the descriptive ones (metrics, notes …) may change.
_FUNCTIONAL_FIELDS = ("arch", "task", "sample_rate", "clip_seconds", "frame_rate", "labels", "frontend", "arch_config")
HEAD_LAYER = "head"


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
    builder = get_builder(preset.arch)
    try:
        inspect.signature(builder).bind(preset, **preset.arch_config)
    except TypeError as error:
        valid = [parameter for parameter in inspect.signature(builder).parameters if parameter != "preset"]
        raise InvalidPresetError(
            f"Preset {preset.name}: arch_config {sorted(preset.arch_config)} does not fit architecture "
            f"{preset.arch} ({error}); its parameters are {valid}."
        ) from error
    model = builder(preset, **preset.arch_config)
    model.preset = preset
    return model


_SAVE_AGAIN = "restore it or save the preset again"


def _weights_path(preset, directory, weights):
    """The weights file to load, the SHA-256 it must have (None when the user names a file), and the remedy
    for a mismatch. `directory`: the preset folder `preset` was read from, or None."""
    if weights != "default":
        path = os.fspath(weights)
        if os.path.isdir(path):
            directory_preset = read_preset(path)
            if directory_preset.weights is None:
                raise ValueError(f"{path}: the preset declares no weights file.")
            return os.path.join(path, directory_preset.weights.file), directory_preset.weights.sha256, _SAVE_AGAIN
        if not path.endswith(WEIGHTS_SUFFIX):
            refuse_file(path, f"a {WEIGHTS_SUFFIX} file (from mirzoo.save_preset or model.save_weights) or a "
                               "preset directory")
        return path, None, None
    if preset.weights is None:
        raise ValueError(
            f"Preset {preset.name} has no trained weights yet. Use mirzoo.build({preset.name!r}) for a fresh "
            "model, or pass weights=PATH."
        )
    if directory is not None:
        return os.path.join(directory, preset.weights.file), preset.weights.sha256, _SAVE_AGAIN
    # A registered preset: the SHA-256 declared in code, whatever the folder's preset.json says.
    directory = os.path.join(packaged_weights_dir(), preset.name)
    return os.path.join(directory, preset.weights.file), preset.weights.sha256, "reinstall mirzoo"


def _functional(preset):
    """The fields that decide what the model computes, as JSON would hold them (tuples as lists)."""
    return json.loads(json.dumps({field: getattr(preset, field) for field in _FUNCTIONAL_FIELDS}))


def _contract(preset):
    """What trained weights are for: `_functional` but a frame model's `clip_seconds` (only `predict`'s chunk) and
    the architecture's `speeds` (the views it averages, :mod:`mirzoo.models.speeds`: the same weights score each)."""
    contract = _functional(preset)
    if preset.task == "frames":
        del contract["clip_seconds"]
    contract["arch_config"].pop("speeds", None)
    return contract


def _check_contract(path, preset, directory):
    """Refuse weights whose stored contract differs from `preset` (read from the folder `directory`, or None):
    a `preset.json` edited after training, or weights trained for other labels, rates or front-end settings
    that happen to have the same shapes."""
    stored = read_contract(path)
    if stored is None:  # written before contracts were stored, or by model.save_weights
        return
    expected = _contract(preset)
    differing = [f"{field} (preset: {expected.get(field)!r}; weights: {stored.get(field)!r})"
                 for field in sorted(set(expected) | set(stored)) if expected.get(field) != stored.get(field)]
    if not differing:
        return
    message = f"these weights were trained for another {preset.name}: " + "; ".join(differing) + "."
    if directory is not None:
        raise InvalidPresetError(f"{os.path.join(directory, PRESET_FILE)} disagrees with {path}: {message} "
                                 f"Restore preset.json, or train again.")
    raise WeightsMismatchError(f"{path}: {message}")


def _cached_conversion(preset, directory):
    """`preset` with the weights of its converted copy in `directory`, refusing a copy that describes another
    model (an edited `preset.json`, or one converted for an older definition of the preset)."""
    cached = read_preset(directory)
    registered, found = _functional(preset), _functional(cached)
    differing = [field for field in _FUNCTIONAL_FIELDS if registered[field] != found[field]]
    if differing or cached.name != preset.name or cached.weights is None:
        raise InvalidPresetError(
            f"{os.path.join(directory, PRESET_FILE)}: the cached conversion of {preset.name} disagrees with the "
            f"registered preset (fields {differing or ['name', 'weights']}). Delete {directory} and load "
            f"{preset.name} again to convert it anew."
        )
    return preset.replace(weights=cached.weights)


def _build_for(preset, directory):
    """`build(preset)`; a preset read from the folder `directory` (or None) that cannot be built is an error
    naming its preset.json."""
    try:
        return build(preset)
    except ValueError as error:  # an unknown architecture, parameters a layer refuses …
        if directory is not None:
            raise InvalidPresetError(f"{os.path.join(directory, PRESET_FILE)}: {error}") from error
        raise


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

    Files are only read, never fetched: `preset.json` as JSON, weights as HDF5
    arrays (no pickle, no code); `.keras` archives are refused.

    Raises:
        WeightsIntegrityError: the file's SHA-256 is not the declared one (names
            the file, the expected and the actual hash).
        CorruptWeightsError: the weights file is truncated or not HDF5.
        WeightsMismatchError: the weights are for another architecture, label
            count or front end (names the weights that differ).
        InvalidPresetError: a `preset.json` that is malformed, points outside its
            folder, or does not fit the architecture.
        UnsupportedFileError: a `.keras` archive or another file where a preset
            directory or a `.weights.h5` file is expected.
        ValueError: the preset has no weights.
    """
    preset = resolve_preset(name)
    if weights is None:
        return build(preset, num_classes=num_classes)
    # Ported presets (musicnn): converted once into the user cache.
    converted = get_weights_directory(preset) if weights == "default" and preset.weights is None else None
    if converted is not None:
        preset, directory = _cached_conversion(preset, converted), converted
        path, expected_sha256 = os.path.join(converted, preset.weights.file), preset.weights.sha256
        remedy = f"delete {converted} and load {preset.name} again to convert it anew"
    else:
        directory = preset_directory(name)
        path, expected_sha256, remedy = _weights_path(preset, directory, weights)
    if expected_sha256 is not None:
        verify_weights(path, expected_sha256, remedy)
    elif not os.path.isfile(path):
        raise FileNotFoundError(f"{path}: weights file not found.")
    model = _build_for(preset, directory)
    check_weights_fit(path, model, preset.name)
    _check_contract(path, preset, directory)
    try:
        with warnings.catch_warnings():
            # Keras only warns when parts of a file do not match and leaves those layers random: refuse instead.
            warnings.filterwarnings("error", category=UserWarning, module="keras")
            model.load_weights(path)
    except (ValueError, KeyError, OSError, UserWarning) as error:
        raise WeightsMismatchError(f"{path}: these weights do not fit {preset.name} ({error}).") from error
    if num_classes is None:
        return model
    fine_tune = build(preset, num_classes=num_classes)
    for layer in fine_tune.layers:
        if layer.name != HEAD_LAYER and layer.weights:
            layer.set_weights(model.get_layer(layer.name).get_weights())
    return fine_tune


def save_preset(model, directory, metrics=None):
    """Write `model`'s weights and preset into `directory`, the form `load(directory)` reads.

    Writes `<arch>.weights.h5` (which also records the preset fields its weights
    compute with, so that `load` refuses a `preset.json` edited to say otherwise),
    `preset.json` (with the file's SHA-256) and a `SHA256SUMS` line for the weights.

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
    write_contract(path, _contract(preset))
    digest = sha256_of(path)
    preset = dataclasses.replace(preset, weights=WeightsFile(file_name, digest),
                                 metrics=dict(metrics) if metrics is not None else preset.metrics)
    write_preset(preset, directory)
    with open(os.path.join(directory, "SHA256SUMS"), "w", encoding="utf-8") as handle:
        handle.write(f"{digest}  {file_name}\n")
    return preset
