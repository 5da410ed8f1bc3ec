"""mirzoo: a Keras 3 model zoo for music information retrieval, front ends in the graph.

The public names are imported on first use (PEP 562), so `import mirzoo` and the command line's
`--help`, `list` and `info` do not pay for Keras and TensorFlow; `mirzoo.load`, `mirzoo.build` and the
other names that need Keras import it when first touched.
"""

import importlib
import importlib.util
from importlib.metadata import PackageNotFoundError, version

try:
    __version__ = version("mirzoo")
except PackageNotFoundError:  # a source checkout that was never installed
    __version__ = "0+unknown"

# Public name → the module that defines it (a module's own name: the module itself).
_PUBLIC = {
    "Analysis": "mirzoo.analysis",
    "Analyzer": "mirzoo.analysis",
    "AudioError": "mirzoo.audio",
    "BeatStream": "mirzoo.streaming",
    "CheckpointError": "mirzoo.checkpoints",
    "ClassificationResult": "mirzoo.inference",
    "CorruptWeightsError": "mirzoo.weights_store",
    "FramesResult": "mirzoo.inference",
    "InvalidPresetError": "mirzoo.presets",
    "PresetConfig": "mirzoo.presets",
    "TaggingResult": "mirzoo.inference",
    "UnknownModelError": "mirzoo.registry",
    "UnsupportedFileError": "mirzoo.registry",
    "WeightsIntegrityError": "mirzoo.weights_store",
    "WeightsMismatchError": "mirzoo.weights_store",
    "analyze": "mirzoo.analysis",
    "audio": "mirzoo.audio",
    "build": "mirzoo.loading",
    "data": "mirzoo.data",
    "decoders": "mirzoo.decoders",
    "dsp": "mirzoo.dsp",
    "export": "mirzoo.exporting",
    "get_preset": "mirzoo.registry",
    "layers": "mirzoo.layers",
    "list_models": "mirzoo.registry",
    "load": "mirzoo.loading",
    "predict": "mirzoo.inference",
    "save_preset": "mirzoo.loading",
    "train": "mirzoo.training",
}

__all__ = [
    "Analysis",
    "Analyzer",
    "AudioError",
    "BeatStream",
    "CheckpointError",
    "ClassificationResult",
    "CorruptWeightsError",
    "FramesResult",
    "InvalidPresetError",
    "PresetConfig",
    "TaggingResult",
    "UnknownModelError",
    "UnsupportedFileError",
    "WeightsIntegrityError",
    "WeightsMismatchError",
    "analyze",
    "audio",
    "build",
    "data",
    "decoders",
    "dsp",
    "export",
    "get_preset",
    "layers",
    "list_models",
    "load",
    "predict",
    "save_preset",
    "train",
    "__version__",
]


def _import(module_name):
    """Import `module_name`, turning a missing Keras backend into advice instead of a bare ModuleNotFoundError."""
    try:
        return importlib.import_module(module_name)
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


def __getattr__(name):
    module_name = _PUBLIC.get(name)
    if module_name is None:
        # A submodule not imported yet (`mirzoo.training.make_strategy`), as an eager package would have it.
        if name.startswith("_") or importlib.util.find_spec(f"mirzoo.{name}") is None:
            raise AttributeError(f"module 'mirzoo' has no attribute {name!r}")
        module_name = f"mirzoo.{name}"
    module = _import(module_name)
    value = module if module_name == f"mirzoo.{name}" else getattr(module, name)
    globals()[name] = value
    return value


def __dir__():
    return sorted(set(globals()) | set(_PUBLIC))
