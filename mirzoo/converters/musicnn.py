"""Convert the TF1 checkpoints shipped in the `musicnn` 0.1.0 wheel into mirzoo preset directories.

musicnn's checkpoints are name-based TF1 checkpoints (`<model dir>/.index` and
`.data-00000-of-00001`), readable with `tf.compat.v1.train.NewCheckpointReader`
without running any of musicnn's TF1 code. Each model variable is copied into the
Keras layer that plays its role (the maps below); the conversion refuses to finish
unless every checkpoint variable is used exactly once and every Keras weight is
filled. The result is an ordinary preset directory (`<arch>.weights.h5`,
`preset.json` with the file's SHA-256, `SHA256SUMS`) in the user cache, which
`mirzoo.load` reads from then on, the hash checked on every load. Where the cache is, and
how concurrent conversions share it, is `mirzoo.converters.cache`'s business.
"""

import importlib.util
import os

import numpy as np

from mirzoo.converters.cache import cached_or_convert, install_converted
from mirzoo.tensorflow_support import require_tensorflow

INSTALL_COMMAND = "pip install --no-deps musicnn==0.1.0"

# Preset name → model folder inside the musicnn package.
CHECKPOINTS = {
    "musicnn.mtt": "MTT_musicnn",
    "musicnn.msd": "MSD_musicnn",
    "musicnn_vgg.mtt": "MTT_vgg",
    "musicnn_vgg.msd": "MSD_vgg",
}

# Adam's slots and its bias-correction powers: training state, not part of the model.
OPTIMIZER_SUFFIXES = ("/Adam", "/Adam_1")
OPTIMIZER_VARIABLES = ("beta1_power", "beta2_power")

# Variables of one Keras layer, in the order of `layer.weights`.
LAYER_KINDS = {
    "batch_norm": ("gamma", "beta", "moving_mean", "moving_variance"),
    "conv": ("kernel", "bias"),
    # A TF1 Conv2D whose kernel spans the whole feature axis of a (time, features, 1) input is a Conv1D over
    # time: its HWIO kernel [k, features, 1, filters] becomes [k, features, filters].
    "conv_as_1d": ("kernel", "bias"),
    "dense": ("kernel", "bias"),
}

# Keras layer name → (checkpoint variable scope, kind), per architecture. The scopes follow tf.layers'
# creation order in musicnn/models.py.
VARIABLE_MAPS = {
    "musicnn": {
        "input_norm": ("batch_normalization", "batch_norm"),
        "timbral_38_conv": ("conv2d", "conv"),
        "timbral_38_norm": ("batch_normalization_1", "batch_norm"),
        "timbral_67_conv": ("conv2d_1", "conv"),
        "timbral_67_norm": ("batch_normalization_2", "batch_norm"),
        "temporal_128_conv": ("conv2d_2", "conv"),
        "temporal_128_norm": ("batch_normalization_3", "batch_norm"),
        "temporal_64_conv": ("conv2d_3", "conv"),
        "temporal_64_norm": ("batch_normalization_4", "batch_norm"),
        "temporal_32_conv": ("conv2d_4", "conv"),
        "temporal_32_norm": ("batch_normalization_5", "batch_norm"),
        "midend_1_conv": ("conv2d_5", "conv_as_1d"),
        "midend_1_norm": ("batch_normalization_6", "batch_norm"),
        "midend_2_conv": ("conv2d_6", "conv_as_1d"),
        "midend_2_norm": ("batch_normalization_7", "batch_norm"),
        "midend_3_conv": ("conv2d_7", "conv_as_1d"),
        "midend_3_norm": ("batch_normalization_8", "batch_norm"),
        "pooled_norm": ("batch_normalization_9", "batch_norm"),
        "penultimate_dense": ("dense", "dense"),
        "penultimate_norm": ("batch_normalization_10", "batch_norm"),
        "head": ("dense_1", "dense"),
    },
    "musicnn_vgg": {
        "input_norm": ("batch_normalization", "batch_norm"),
        **{f"block_{i}_conv": (f"{i}CNN", "conv") for i in range(1, 6)},
        **{f"block_{i}_norm": (f"batch_normalization_{i}", "batch_norm") for i in range(1, 6)},
        "head": ("dense", "dense"),
    },
}


class MusicnnNotInstalledError(ImportError):
    """The `musicnn` package, whose checkpoints the presets are converted from, is not installed."""


class CheckpointMismatchError(ValueError):
    """A checkpoint that is missing, unreadable, or does not fit the architecture exactly."""


def musicnn_package_dir():
    """The installed `musicnn` package's folder, found without importing it (its TF1 code would run)."""
    spec = importlib.util.find_spec("musicnn")
    if spec is None or not spec.submodule_search_locations:
        raise MusicnnNotInstalledError(
            "The musicnn presets are converted from the checkpoints in the musicnn 0.1.0 package, which is not "
            f"installed. Install it without its outdated pins: {INSTALL_COMMAND}"
        )
    return list(spec.submodule_search_locations)[0]


def checkpoint_prefix(name, checkpoint_dir=None):
    """The TF1 checkpoint prefix of preset `name`: `<model folder>/` (the files are `.index`, `.data-*`).

    Args:
        name: a musicnn preset name, e.g. `"musicnn.mtt"`.
        checkpoint_dir: the model folder (e.g. a copy of musicnn's `MTT_musicnn/`); default: the
            installed musicnn package's folder for `name`.
    """
    if name not in CHECKPOINTS:
        raise ValueError(f"No musicnn checkpoint for {name!r}; converted presets: {', '.join(CHECKPOINTS)}.")
    folder = os.path.join(musicnn_package_dir(), CHECKPOINTS[name]) if checkpoint_dir is None else checkpoint_dir
    return os.path.join(os.fspath(folder), "")


def read_checkpoint(prefix):
    """The model variables of a name-based TF1 checkpoint: `{name: float32 array}`, optimizer state left out.

    Raises:
        CheckpointMismatchError: no `<prefix>.index`, or TensorFlow cannot read the checkpoint.
    """
    tf = require_tensorflow("Converting musicnn checkpoints")
    if not os.path.isfile(prefix + ".index"):
        raise CheckpointMismatchError(
            f"{prefix}: not a TF1 checkpoint (no {prefix}.index). Pass the model folder of musicnn 0.1.0 "
            f"(e.g. .../musicnn/MTT_musicnn), or install the package: {INSTALL_COMMAND}"
        )
    try:
        reader = tf.compat.v1.train.NewCheckpointReader(prefix)
        names = [name for name in reader.get_variable_to_shape_map()
                 if not name.endswith(OPTIMIZER_SUFFIXES) and name not in OPTIMIZER_VARIABLES]
        return {name: np.asarray(reader.get_tensor(name), dtype=np.float32) for name in names}
    except tf.errors.OpError as error:
        raise CheckpointMismatchError(f"{prefix}: unreadable TF1 checkpoint ({error.message}).") from error


def _keras_value(tensor, kind, variable, name):
    """The checkpoint tensor in the layout of the Keras variable it fills."""
    if kind == "conv_as_1d" and tensor.ndim == 4 and tensor.shape[2] == 1:
        tensor = tensor[:, :, 0, :]
    if tuple(tensor.shape) != tuple(variable.shape):
        raise CheckpointMismatchError(
            f"Checkpoint variable {name} has shape {tuple(tensor.shape)}, but Keras weight {variable.path} needs "
            f"{tuple(variable.shape)}."
        )
    return tensor


def assign_checkpoint(model, variables, variable_map):
    """Copy checkpoint variables into `model`'s layers, one-to-one, or raise.

    Args:
        model: the Keras model (e.g. from `mirzoo.build`).
        variables: `{checkpoint name: array}` from :func:`read_checkpoint`.
        variable_map: `{keras layer name: (checkpoint scope, kind)}`, kinds in `LAYER_KINDS`.

    Raises:
        CheckpointMismatchError: a mapped variable is missing or has the wrong shape, a checkpoint variable
            is left unused, or a Keras weight is left unfilled.
    """
    filled, used, missing = set(), set(), []
    for layer_name, (scope, kind) in variable_map.items():
        layer = model.get_layer(layer_name)
        suffixes = LAYER_KINDS[kind]
        if len(layer.weights) != len(suffixes):
            raise CheckpointMismatchError(
                f"Keras layer {layer_name} has {len(layer.weights)} weights; {scope} provides {len(suffixes)}."
            )
        for variable, suffix in zip(layer.weights, suffixes):
            name = f"{scope}/{suffix}"
            if name not in variables:
                missing.append(name)
                continue
            if name in used:
                raise CheckpointMismatchError(f"Checkpoint variable {name} is mapped twice.")
            variable.assign(_keras_value(variables[name], kind, variable, name))
            used.add(name)
            filled.add(id(variable))
    if missing:
        raise CheckpointMismatchError(f"The checkpoint lacks {len(missing)} variables: {', '.join(missing)}.")
    unused = sorted(set(variables) - used)
    if unused:
        raise CheckpointMismatchError(f"Checkpoint variables not used by {model.name}: {', '.join(unused)}.")
    unfilled = [variable.path for variable in model.weights if id(variable) not in filled]
    if unfilled:
        raise CheckpointMismatchError(f"Keras weights left unfilled by the checkpoint: {', '.join(unfilled)}.")


def convert(name, checkpoint_dir=None, cache_dir=None):
    """Convert musicnn's checkpoint for preset `name` into a preset directory in the cache.

    Args:
        name: `"musicnn.mtt"`, `"musicnn.msd"`, `"musicnn_vgg.mtt"` or `"musicnn_vgg.msd"`.
        checkpoint_dir: the musicnn model folder to read (default: from the installed package).
        cache_dir: the cache folder (default: `$MIRZOO_CACHE`, else `~/.cache/mirzoo`).

    Returns:
        The preset directory, `<cache>/<name>/`; an existing one is replaced. It appears complete or not
        at all (written beside it, then renamed under the cache's lock for `name`, so concurrent
        conversions do not trip over each other).

    Raises:
        MusicnnNotInstalledError: no `checkpoint_dir` and musicnn is not installed.
        CheckpointMismatchError: the checkpoint is missing, unreadable or does not fit.
    """
    from mirzoo.loading import build, save_preset
    from mirzoo.registry import get_preset

    preset = get_preset(name)
    prefix = checkpoint_prefix(preset.name, checkpoint_dir)
    model = build(preset)
    assign_checkpoint(model, read_checkpoint(prefix), VARIABLE_MAPS[preset.arch])
    return install_converted(preset.name, lambda staging: save_preset(model, staging), cache_dir)


def weights_directory(preset, cache_dir=None):
    """The preset directory holding `preset`'s converted weights: from the cache, converted on first use.

    This is what `mirzoo.load("musicnn.mtt")` calls; `mirzoo.load` then checks the SHA-256 recorded in
    that directory's `preset.json`. Safe to call from several threads or processes at once on a fresh
    cache: one converts, the others wait for it and read its result.

    Args:
        preset: a registered musicnn `PresetConfig`.
        cache_dir: as :func:`convert`.
    """
    from mirzoo.registry import get_preset

    if preset.name not in CHECKPOINTS or preset != get_preset(preset.name):
        raise ValueError(
            f"Converted musicnn weights exist for the registered presets only ({', '.join(CHECKPOINTS)}); "
            f"{preset.name!r} differs from them. Use mirzoo.build for a fresh model."
        )
    return cached_or_convert(preset.name, lambda: convert(preset.name, cache_dir=cache_dir), cache_dir)
