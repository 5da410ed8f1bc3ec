"""Where the project's own trained weights are, and checking a weights file before Keras reads it.

A weights file is read only as HDF5 arrays (no pickle, no code): its SHA-256 is
checked against the one its preset declares, then its arrays are compared with
the model's weights, so a corrupt or mismatched file fails with a message that
names it instead of deep inside h5py or Keras.

Files written by `mirzoo.save_preset` also carry their contract: the preset
fields that decide what the weights compute (sample rate, labels, front end …),
as JSON in an HDF5 attribute. The SHA-256 covers it, so a `preset.json` edited
to say something else than its weights were trained for is caught on load.
"""

import collections
import importlib.resources
import json
import os

from mirzoo.presets import sha256_of

# Groups of a Keras `.weights.h5` file that hold training state, not the model's weights.
TRAINING_STATE_GROUPS = ("optimizer",)
# Root attribute of a `.weights.h5` file holding the contract its weights were trained for.
CONTRACT_ATTRIBUTE = "mirzoo_contract"


class WeightsIntegrityError(ValueError):
    """A weights file whose SHA-256 differs from the one its preset declares."""


class CorruptWeightsError(ValueError):
    """A weights file that HDF5 cannot read: truncated, damaged, or not a `.weights.h5` file at all."""


class WeightsMismatchError(ValueError):
    """A readable weights file whose arrays do not fit the model it is loaded into."""


def packaged_weights_dir():
    """The `weights/` folder: inside the installed package, or beside the package in a source checkout."""
    try:
        return os.fspath(importlib.resources.files("mirzoo.weights"))
    except ModuleNotFoundError:
        # A source checkout imported from its root (e.g. by the test runner): weights/ sits beside mirzoo/.
        return os.path.join(os.path.dirname(os.path.dirname(os.path.abspath(__file__))), "weights")


def verify_weights(path, expected_sha256, remedy="reinstall mirzoo or retrain the preset"):
    """Raise :class:`WeightsIntegrityError` unless `path` hashes to `expected_sha256`.

    Args:
        path: the weights file.
        expected_sha256: hex digest the preset declares.
        remedy: what the user should do about a mismatch, appended to the message.
    """
    if not os.path.isfile(path):
        raise FileNotFoundError(f"{path}: weights file not found.")
    actual = sha256_of(path)
    if actual != expected_sha256.lower():
        raise WeightsIntegrityError(
            f"{path}: SHA-256 mismatch: expected {expected_sha256.lower()}, got {actual}. "
            f"The file is corrupt or was replaced; {remedy}."
        )


def weight_shapes(path):
    """`{dataset path: shape}` of the model arrays in a Keras `.weights.h5` file (training state left out).

    Raises:
        CorruptWeightsError: HDF5 cannot open or walk the file (names the file and h5py's reason).
    """
    import h5py

    shapes = {}

    def collect(name, item):
        if isinstance(item, h5py.Dataset) and name.split("/", 1)[0] not in TRAINING_STATE_GROUPS:
            shapes[name] = tuple(item.shape)

    try:
        with h5py.File(path, "r") as handle:
            handle.visititems(collect)
    except (OSError, RuntimeError, KeyError, ValueError) as error:
        raise CorruptWeightsError(
            f"{path}: not a readable .weights.h5 file; it is truncated, damaged or of another format ({error})."
        ) from error
    return shapes


def write_contract(path, contract):
    """Store `contract` (a JSON-able dict) in the weights file at `path`."""
    import h5py

    with h5py.File(path, "r+") as handle:
        handle.attrs[CONTRACT_ATTRIBUTE] = json.dumps(contract, sort_keys=True)


def read_contract(path):
    """The contract :func:`write_contract` stored in `path`, or `None` for a file written without one.

    Raises:
        CorruptWeightsError: the file cannot be read, or its contract is not a JSON object.
    """
    import h5py

    try:
        with h5py.File(path, "r") as handle:
            text = handle.attrs.get(CONTRACT_ATTRIBUTE)
    except (OSError, RuntimeError, KeyError, ValueError) as error:
        raise CorruptWeightsError(f"{path}: not a readable .weights.h5 file ({error}).") from error
    if text is None:
        return None
    try:
        contract = json.loads(text.decode() if isinstance(text, bytes) else str(text))
    except ValueError as error:
        raise CorruptWeightsError(f"{path}: its {CONTRACT_ATTRIBUTE} attribute is not JSON ({error}).") from error
    if not isinstance(contract, dict):
        raise CorruptWeightsError(f"{path}: its {CONTRACT_ATTRIBUTE} attribute is not a JSON object.")
    return contract


def check_weights_fit(path, model, preset_name):
    """Raise :class:`WeightsMismatchError` unless the file holds exactly the shapes of `model.weights`.

    Keras matches arrays to layers by position; comparing the multisets of shapes first
    turns a file for another architecture or label count into an error that says which
    weights differ, rather than Keras's warning about "nested containers".
    """
    in_file = collections.Counter(weight_shapes(path).values())
    in_model = collections.Counter(tuple(weight.shape) for weight in model.weights)
    if in_file == in_model:
        return
    unmatched = in_model - in_file
    missing = []
    for weight in model.weights:
        shape = tuple(weight.shape)
        if unmatched[shape] > 0:
            unmatched[shape] -= 1
            missing.append(f"{weight.path} {shape}")
    extra = [str(shape) for shape, count in sorted((in_file - in_model).items()) for _ in range(count)]
    raise WeightsMismatchError(
        f"{path}: these weights do not fit {preset_name}: the file holds {sum(in_file.values())} arrays, the model "
        f"{sum(in_model.values())}. Model weights with no array of their shape in the file: {_listing(missing)}; "
        f"arrays in the file the model has no place for: {_listing(extra)}. The file belongs to another "
        "architecture, label count or front end."
    )


def _listing(items, most=6):
    if not items:
        return "none"
    more = f" and {len(items) - most} more" if len(items) > most else ""
    return ", ".join(items[:most]) + more
