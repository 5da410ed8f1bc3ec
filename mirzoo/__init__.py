"""mirzoo: a Keras 3 model zoo for music information retrieval, front ends in the graph."""

from importlib.metadata import PackageNotFoundError, version

try:
    import keras  # noqa: F401  (fail here, with advice, rather than deep inside a submodule)
except ModuleNotFoundError as error:
    if error.name in ("tensorflow", "jax", "torch"):
        raise ImportError(
            f"Keras is set to the {error.name!r} backend, which is not installed. Install mirzoo with TensorFlow "
            "(`pip install 'mirzoo[tensorflow]'`, or `'mirzoo[tensorflow-cpu]'` for the CPU-only build), "
            "or select an installed backend with the KERAS_BACKEND environment variable."
        ) from error
    raise

from mirzoo import dsp, layers

try:
    __version__ = version("mirzoo")
except PackageNotFoundError:  # a source checkout that was never installed
    __version__ = "0+unknown"

__all__ = ["__version__", "dsp", "layers"]
