"""mirzoo: a Keras 3 model zoo for music information retrieval, front ends in the graph."""

from importlib.metadata import PackageNotFoundError, version

try:
    import keras  # noqa: F401  (fail here, with advice, rather than deep inside a submodule)
except ModuleNotFoundError as error:
    missing = (error.name or "").split(".")[0]
    if missing == "tensorflow":
        raise ImportError(
            "Keras is set to the TensorFlow backend, but TensorFlow is not installed. Install mirzoo with it: "
            "`pip install 'mirzoo[tensorflow]'` (or `'mirzoo[tensorflow-cpu]'` for the CPU-only build), "
            "or select an installed backend with KERAS_BACKEND=jax or KERAS_BACKEND=torch."
        ) from error
    if missing in ("jax", "torch"):
        raise ImportError(
            f"KERAS_BACKEND selects {missing!r}, which is not installed: `pip install {missing}` "
            "or select another backend (the default is tensorflow)."
        ) from error
    raise

from mirzoo import audio, dsp, layers
from mirzoo.audio import AudioError
from mirzoo.checkpoints import CheckpointError
from mirzoo.export import export
from mirzoo.inference import FramesResult, TaggingResult, predict
from mirzoo.loading import UnsupportedFileError, build, load, save_preset
from mirzoo.presets import InvalidPresetError, PresetConfig
from mirzoo.registry import UnknownModelError, get_preset, list_models
from mirzoo.training import train
from mirzoo.weights_store import CorruptWeightsError, WeightsIntegrityError, WeightsMismatchError

try:
    __version__ = version("mirzoo")
except PackageNotFoundError:  # a source checkout that was never installed
    __version__ = "0+unknown"

__all__ = [
    "AudioError",
    "CheckpointError",
    "CorruptWeightsError",
    "FramesResult",
    "InvalidPresetError",
    "PresetConfig",
    "TaggingResult",
    "UnknownModelError",
    "UnsupportedFileError",
    "WeightsIntegrityError",
    "WeightsMismatchError",
    "__version__",
    "audio",
    "build",
    "dsp",
    "export",
    "get_preset",
    "layers",
    "list_models",
    "load",
    "predict",
    "save_preset",
    "train",
]
