"""The analysis SavedModel (`export_analysis`): every head's outputs equal `mirzoo.predict`'s activations, the
example client decodes them as `mirzoo.predict` does, only core ops are used, bad input is refused, and the
in-graph resampler follows soxr (the oracle `mirzoo.predict` resamples with)."""

import importlib.util
import json
import os
import re

import keras
import numpy as np
import pytest
import soundfile

import mirzoo
from mirzoo.converters.musicnn import INSTALL_COMMAND
from mirzoo.exporting import saved_model_op_types, unregistered_ops
from mirzoo.exporting_analysis import ANALYSIS_FILE, ANALYSIS_HEADS, DEFAULT_ANALYSIS_HEADS, export_analysis
from mirzoo.testing.signals import rhythmic_test_signal

pytestmark = pytest.mark.skipif(keras.backend.backend() != "tensorflow", reason="SavedModel export is TensorFlow's")
tf = pytest.importorskip("tensorflow")

RATE = 44100
SMALL_HEADS = ("key", "chords", "beats", "onsets")
ALL_HEADS = (*DEFAULT_ANALYSIS_HEADS, "notes")
needs_musicnn = pytest.mark.skipif(importlib.util.find_spec("musicnn") is None,
                                   reason=f"musicnn is not installed ({INSTALL_COMMAND})")

# Largest difference to mirzoo.predict's activations, measured on `signal`: 0 for the convolutional heads (predict
# runs them on the same whole 12 s); 3.6e-7 for the downbeat network, whose recurrence predict runs in NumPy and the
# SavedModel in a TensorFlow while loop; 1.1e-4 for the tags and 2.6e-4 for the taggram, from the in-graph resampler
# against soxr (5.6e-4 at most for seeds 0-3).
TOLERANCES = {"key": 1e-6, "chords": 1e-6, "onsets": 1e-6, "notes": 1e-6, "beats": 1e-5, "tags": 1e-3}


@pytest.fixture(scope="module")
def client(serving_example):
    return serving_example("analysis_client")


@pytest.fixture(scope="module")
def signal():
    return rhythmic_test_signal(RATE, 12.0, seed=3)


@pytest.fixture(scope="module")
def predicted(signal):
    """head → mirzoo.predict's result on `signal`, computed once."""
    cache = {}

    def result(head):
        if head not in cache:
            cache[head] = mirzoo.predict(ANALYSIS_HEADS[head], signal, sample_rate=RATE)
        return cache[head]

    return result


@pytest.fixture(scope="module")
def small(madmom, tmp_path_factory, signal):
    """(path, outputs on `signal`, serving_default) of an export with the key, chord, downbeat and onset heads."""
    path = export_analysis(tmp_path_factory.mktemp("serving") / "analysis", SMALL_HEADS)
    serve = tf.saved_model.load(path).signatures["serving_default"]
    return path, {name: value.numpy() for name, value in serve(waveform=tf.constant(signal[None])).items()}, serve


def expected_outputs(head, result):
    """`{output name: array}` that `result` (mirzoo.predict's, for `head`) says the SavedModel must return."""
    if head == "key":
        return {"key_probabilities": result.probabilities}
    if head == "tags":
        return {"tags_scores": result.scores, "tags_taggram": result.taggram}
    return {f"{head}_{'features' if head == 'chords' else 'activations'}": result.activations}


def check_outputs(outputs, heads, predicted):
    assert sorted(outputs) == sorted(name for head in heads for name in expected_outputs(head, predicted(head)))
    for head in heads:
        for name, value in expected_outputs(head, predicted(head)).items():
            assert outputs[name].dtype == np.float32 and outputs[name].shape == (1, *value.shape), name
            np.testing.assert_allclose(outputs[name][0], value, rtol=0, atol=TOLERANCES[head], err_msg=name)


def check_decoded(decoded, heads, predicted):
    """The client's decoding equals mirzoo.predict's events."""
    for head in heads:
        result = predicted(head)
        if head == "key":
            assert decoded[head] == {"key": result.key, "probability": pytest.approx(result.probability, abs=1e-6)}
        elif head == "tags":
            assert [label for label, _ in decoded[head]["tags"][:5]] == [label for label, _ in result.top(5)]
        else:
            mine = {key: value.tolist() if isinstance(value, np.ndarray) else value
                    for key, value in decoded[head].items()}
            if "chords" in mine:
                mine["chords"] = [list(chord) for chord in mine["chords"]]
            assert mine == result.events(), head


def test_outputs_equal_predict(small, predicted):
    check_outputs(small[1], SMALL_HEADS, predicted)


def test_client_decodes_as_predict_does(small, predicted, client):
    path, outputs, _ = small
    analysis = client.read_analysis(os.path.join(path, "assets"))
    check_decoded(client.decode(outputs, analysis), SMALL_HEADS, predicted)
    # The same outputs, as TF Serving's REST API would answer them (columnar JSON), decode the same.
    response = json.loads(json.dumps({"outputs": {name: value.tolist() for name, value in outputs.items()}}))
    check_decoded(client.decode(client.outputs_from_rest(response, analysis), analysis), SMALL_HEADS, predicted)
    body = client.rest_request_body(np.zeros((1, 3), np.float32))
    assert body == {"signature_name": "serving_default", "inputs": {"waveform": [[0.0, 0.0, 0.0]]}}
    # A signature with one output answers it bare, without its name.
    key_only = {"heads": {"key": analysis["heads"]["key"]}}
    probabilities = outputs["key_probabilities"]
    bare = client.outputs_from_rest({"outputs": probabilities.tolist()}, key_only)
    np.testing.assert_array_equal(bare["key_probabilities"], probabilities)


def test_client_script_prints_the_analysis(small, predicted, client, signal, tmp_path, capsys):
    path = small[0]
    soundfile.write(tmp_path / "clip.wav", signal, RATE, subtype="FLOAT")
    client.main([str(tmp_path / "clip.wav"), "--saved-model", path])
    lines = capsys.readouterr().out.splitlines()
    chords = ", ".join(f"{c.start:.1f}-{c.end:.1f} s {c.label}" for c in predicted("chords").chords)
    assert lines[:2] == [f"key: {predicted('key').key} ({predicted('key').probability:.2f})", f"chords: {chords}"]
    beats = predicted("beats")
    assert lines[2] == "beats (position in bar): " + " ".join(f"{t:.2f}({int(p)})" for t, p in beats.downbeats)
    assert lines[3:] == [f"tempo: {beats.tempo:.1f} bpm",
                         f"onsets ({len(predicted('onsets').onsets)}): " + " ".join(
                             f"{t:.2f}" for t in predicted("onsets").onsets)]


def test_assets_carry_what_a_client_needs(small):
    path = small[0]
    with open(os.path.join(path, "assets", ANALYSIS_FILE), encoding="utf-8") as handle:
        analysis = json.load(handle)
    assert list(analysis["heads"]) == list(SMALL_HEADS)
    assert analysis["input"] == {"name": "waveform", "dtype": "float32", "shape": ["batch", "samples"],
                                 "sample_rate": RATE, "min_samples": analysis["input"]["min_samples"]}
    for head, spec in analysis["heads"].items():
        model = mirzoo.load(ANALYSIS_HEADS[head])
        preset = json.loads(json.dumps(model.preset.to_dict()))
        assert spec["preset"] == preset["name"] and spec["labels"] == preset["labels"]
        assert spec["frame_rate"] == preset["frame_rate"] and spec["decoder"] == preset["decoder"]
        assert spec["license"] == preset["license"]
        if head == "chords":  # the CRF's float32 parameters, exactly
            for name, value in model.get_layer("crf").parameters().items():
                np.testing.assert_array_equal(np.asarray(spec["crf"][name], np.float32), value)
        else:
            assert "crf" not in spec


def test_only_core_ops_and_one_signature(small):
    path = small[0]
    assert unregistered_ops(path) == []
    assert {"RFFT", "Conv2D"} <= saved_model_op_types(path)
    assert list(tf.saved_model.load(path).signatures) == ["serving_default"]
    assert not any("optimizer" in name.lower() for name, _ in tf.train.list_variables(f"{path}/variables/variables"))


def test_fewest_samples_are_those_predict_needs(small):
    path, _, serve = small
    with open(os.path.join(path, "assets", ANALYSIS_FILE), encoding="utf-8") as handle:
        minimum = json.load(handle)["input"]["min_samples"]
    quiet = 0.1 * rhythmic_test_signal(RATE, minimum / RATE, seed=1)
    with pytest.raises(mirzoo.AudioError, match="needs more than"):
        mirzoo.predict(ANALYSIS_HEADS["key"], quiet[:-1], sample_rate=RATE)
    with pytest.raises(tf.errors.InvalidArgumentError, match=f"at least {minimum} samples .* key head"):
        serve(waveform=tf.constant(quiet[None, :-1]))
    expected = mirzoo.predict(ANALYSIS_HEADS["key"], quiet, sample_rate=RATE).probabilities
    np.testing.assert_allclose(serve(waveform=tf.constant(quiet[None]))["key_probabilities"][0], expected, atol=1e-6)


@pytest.mark.parametrize("shape, bad, message", [
    ((1, RATE * 2), np.nan, "NaN or infinite"),
    ((1, RATE * 2), np.inf, "NaN or infinite"),
    ((1, RATE * 2), 1e6, r"waveform must lie in \[-1, 1\]"),
    ((RATE * 2,), None, re.escape("expects waveform float32 [batch, samples]")),
    ((1, 1, RATE * 2), None, re.escape("expects waveform float32 [batch, samples]")),
    ((1, 0), None, "waveform has no samples"),
], ids=["NaN", "inf", "peak", "rank 1", "rank 3", "empty"])
def test_bad_input_is_refused(small, shape, bad, message):
    serve = small[2]
    waveform = np.zeros(shape, np.float32)
    if bad is not None:
        waveform[0, 100] = bad
    with pytest.raises(tf.errors.InvalidArgumentError, match=message):
        serve(waveform=tf.constant(waveform))
    assert serve(waveform=tf.zeros((1, RATE * 2)))["key_probabilities"].shape == (1, 24)  # it still serves


@pytest.mark.slow
@needs_musicnn
def test_every_head_equals_predict(madmom, tmp_path, signal, predicted, client):
    """All default heads and the optional piano transcription in one SavedModel."""
    path = export_analysis(tmp_path / "analysis", ALL_HEADS)
    assert unregistered_ops(path) == []
    serve = tf.saved_model.load(path).signatures["serving_default"]
    outputs = {name: value.numpy() for name, value in serve(waveform=tf.constant(signal[None])).items()}
    check_outputs(outputs, ALL_HEADS, predicted)
    analysis = client.read_analysis(os.path.join(path, "assets"))
    tags = analysis["heads"]["tags"]
    assert tags["patch_seconds"] == 187 * 256 / 16000 and tags["sample_rate"] == 16000
    assert tags["resampled_from"] == RATE and "resampled_from" not in analysis["heads"]["key"]
    check_decoded(client.decode(outputs, analysis), ALL_HEADS, predicted)


@pytest.mark.parametrize("heads, error, message", [
    ((), ValueError, "at least one head"),
    (("key", "tempo"), ValueError, r"Unknown analysis heads \['tempo'\]"),
    ("key", TypeError, "received the string 'key'"),
    ({"Key": "cnn_key.madmom"}, ValueError, "received 'Key'"),
    ({"tags": "crnn_tagger"}, ValueError, "fixed windows with a hop"),
])
def test_export_refuses_bad_heads(tmp_path, heads, error, message):
    with pytest.raises(error, match=message):
        export_analysis(tmp_path / "analysis", heads)
    assert not (tmp_path / "analysis").exists()


def test_an_existing_version_is_never_overwritten(tmp_path):
    (tmp_path / "analysis" / "3").mkdir(parents=True)
    with pytest.raises(FileExistsError, match="version 3 exists"):
        export_analysis(tmp_path / "analysis", ("key",), version=3)


def test_cli_exports_the_heads_it_is_asked_for(madmom, tmp_path, capsys):
    from mirzoo.cli import main

    assert main(["export-analysis", str(tmp_path / "analysis"), "--tasks", "key,chords",
                 "--model", "chords=cnn_chords.madmom"]) == 0
    printed = json.loads(capsys.readouterr().out)
    assert printed["heads"] == {"key": "cnn_key.madmom", "chords": "cnn_chords.madmom"}
    assert printed["unregistered_ops"] == [] and printed["saved_model"] == str(tmp_path / "analysis" / "1")
    with open(tmp_path / "analysis" / "1" / "assets" / ANALYSIS_FILE, encoding="utf-8") as handle:
        assert set(json.load(handle)["heads"]) == {"key", "chords"}
    assert main(["export-analysis", str(tmp_path / "other"), "--tasks", "key,mood"]) == 2
    assert "Unknown analysis task(s) ['mood']" in capsys.readouterr().err
    assert main(["export-analysis", str(tmp_path / "other"), "--tasks", "key", "--model", "key=cnn_onsets.madmom"]) == 2
    assert "cnn_onsets.madmom cannot answer 'key'" in capsys.readouterr().err
    assert not (tmp_path / "other").exists()
