"""TensorFlow for the features that need it (tf.data, tf.distribute, SavedModel export), with an actionable error
without it."""

import importlib.util

INSTALL_TENSORFLOW = "pip install 'mirzoo[tensorflow-cpu]' (or 'mirzoo[tensorflow]' for the GPU build)"


def require_tensorflow(feature):
    """Import and return `tensorflow`, or raise an ImportError naming `feature` and the extra to install."""
    try:
        import tensorflow
    except ImportError as error:
        raise ImportError(f"{feature} needs TensorFlow: {INSTALL_TENSORFLOW}.") from error
    return tensorflow


def check_tensorflow_installed(feature, reason):
    """Raise `require_tensorflow`'s ImportError, with `reason` added, when TensorFlow is not installed.

    Looks for the package without importing it: under the JAX or PyTorch backend the TensorFlow work is done
    in a subprocess, and this process never loads TensorFlow.
    """
    if importlib.util.find_spec("tensorflow") is None:
        raise ImportError(f"{feature} needs TensorFlow ({reason}): {INSTALL_TENSORFLOW}.")
