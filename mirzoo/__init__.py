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
from mirzoo.export import export
from mirzoo.inference import FramesResult, TaggingResult, predict
from mirzoo.loading import build, load, save_preset
from mirzoo.presets import PresetConfig
from mirzoo.registry import get_preset, list_models
from mirzoo.training import train

try:
    __version__ = version("mirzoo")
except PackageNotFoundError:  # a source checkout that was never installed
    __version__ = "0+unknown"

__all__ = [
    "FramesResult",
    "PresetConfig",
    "TaggingResult",
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
