"""Where the project's own trained weights are, and loading them with their hash checked."""

import importlib.resources
import os

from mirzoo.presets import sha256_of


class WeightsIntegrityError(ValueError):
    """A weights file whose SHA-256 differs from the one its preset declares."""


def packaged_weights_dir():
    """The `weights/` folder: inside the installed package, or beside the package in a source checkout."""
    try:
        return os.fspath(importlib.resources.files("mirzoo.weights"))
    except ModuleNotFoundError:
        # A source checkout imported from its root (e.g. by the test runner): weights/ sits beside mirzoo/.
        return os.path.join(os.path.dirname(os.path.dirname(os.path.abspath(__file__))), "weights")


def verify_weights(path, expected_sha256):
    """Raise :class:`WeightsIntegrityError` unless `path` hashes to `expected_sha256`."""
    if not os.path.isfile(path):
        raise FileNotFoundError(f"{path}: weights file not found.")
    actual = sha256_of(path)
    if actual != expected_sha256.lower():
        raise WeightsIntegrityError(
            f"{path}: SHA-256 mismatch: expected {expected_sha256.lower()}, got {actual}. "
            "The file is corrupt or was replaced; reinstall mirzoo or retrain the preset."
        )
