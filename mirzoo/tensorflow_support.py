"""TensorFlow for the features that need it (tf.data, tf.distribute), with an actionable error without it."""


def require_tensorflow(feature):
    """Import and return `tensorflow`, or raise an ImportError naming `feature` and the extra to install."""
    try:
        import tensorflow
    except ImportError as error:
        raise ImportError(
            f"{feature} needs TensorFlow: pip install 'mirzoo[tensorflow-cpu]' (or 'mirzoo[tensorflow]' for the GPU "
            "build)."
        ) from error
    return tensorflow
