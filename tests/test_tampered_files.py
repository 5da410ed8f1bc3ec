"""Files a user hands mirzoo, damaged or swapped: each is refused with a specific error that names the file.

Measured the way trusted loaders are: a SHA-256 per weights file (as `keras.utils.get_file(file_hash=...)`),
`.keras` archives only under Keras `safe_mode`, arrays read without pickle, nothing fetched. Every case
works on a copy (under tmp_path) of a shipped preset in weights/, never on weights/ itself.
"""

import json
import os
import pickle
import re
import shutil
import socket

import keras
import numpy as np
import pytest

import mirzoo
from mirzoo import checkpoints
from mirzoo.checkpoints import CheckpointError
from mirzoo.data import read_frame_labels, read_manifest
from mirzoo.loading import UnsupportedFileError
from mirzoo.presets import InvalidPresetError, WeightsFile, read_preset, sha256_of, write_preset
from mirzoo.testing import TestCase
from mirzoo.weights_store import (
    CorruptWeightsError,
    WeightsIntegrityError,
    WeightsMismatchError,
    packaged_weights_dir,
    read_contract,
)

SHIPPED = sorted(name for name in os.listdir(packaged_weights_dir()) if os.path.isfile(
    os.path.join(packaged_weights_dir(), name, "preset.json")))
CONV1D = "conv1d_tagger.synth"
CONV1D_WEIGHTS = "conv1d_tagger.weights.h5"
# The shapes a conv1d_tagger.synth model expects follow from its preset (conv_1 kernel: kernel_size x n_mels x filters).
_CONV1D_ARCH = mirzoo.get_preset(CONV1D).arch_config
KERNEL_SIZE, FILTERS, UNITS = _CONV1D_ARCH["kernel_size"], _CONV1D_ARCH["filters"], _CONV1D_ARCH["units"]
N_MELS = mirzoo.get_preset(CONV1D).frontend["n_mels"]


def copy_shipped(tmp_path, name, target=None):
    """A copy of the shipped preset folder `name`, safe to damage."""
    return shutil.copytree(os.path.join(packaged_weights_dir(), name), tmp_path / (target or name))


def edit_preset(directory, **changes):
    """Rewrite `directory/preset.json` with top-level fields replaced (a value of None removes the field)."""
    path = directory / "preset.json"
    data = json.loads(path.read_text())
    for key, value in changes.items():
        if value is None:
            data.pop(key, None)
        else:
            data[key] = value
    path.write_text(json.dumps(data))
    return data


def rehash(directory, file_name):
    """Declare `file_name`'s current SHA-256 in preset.json, as someone "fixing" a mismatch by hand would."""
    edit_preset(directory, weights={"file": file_name, "sha256": sha256_of(directory / file_name)})


# --- weights files -------------------------------------------------------------------------------------------------

@pytest.mark.parametrize("name", SHIPPED)
def test_one_flipped_byte_names_the_file_and_both_digests(tmp_path, name):
    directory = copy_shipped(tmp_path, name)
    weights = directory / read_preset(directory).weights.file
    data = bytearray(weights.read_bytes())
    data[len(data) // 2] ^= 0x01
    weights.write_bytes(bytes(data))
    declared = mirzoo.get_preset(name).weights.sha256  # the copy's preset.json declares the same digest as code
    with pytest.raises(WeightsIntegrityError, match=f"{weights.name}: SHA-256 mismatch: expected {declared}, got "
                                                    f"{sha256_of(weights)}"):
        mirzoo.load(str(directory))


def test_a_registered_name_checks_the_digest_declared_in_code(tmp_path, monkeypatch):
    # A tampered packaged folder whose preset.json was updated to match: loading by name still refuses it.
    copy_shipped(tmp_path, CONV1D)
    directory = tmp_path / CONV1D
    with open(directory / CONV1D_WEIGHTS, "ab") as handle:
        handle.write(b"\0")
    rehash(directory, CONV1D_WEIGHTS)
    monkeypatch.setattr("mirzoo.loading.packaged_weights_dir", lambda: str(tmp_path))
    with pytest.raises(WeightsIntegrityError, match=f"expected {mirzoo.get_preset(CONV1D).weights.sha256}.*"
                                                    "reinstall mirzoo"):
        mirzoo.load("conv1d_tagger")


def test_a_truncated_weights_file_in_a_preset_fails_its_hash(tmp_path):
    directory = copy_shipped(tmp_path, CONV1D)
    weights = directory / CONV1D_WEIGHTS
    weights.write_bytes(weights.read_bytes()[:1000])
    with pytest.raises(WeightsIntegrityError, match=f"{CONV1D_WEIGHTS}: SHA-256 mismatch.*restore it or save the "
                                                    "preset again"):
        mirzoo.load(str(directory))


def test_a_truncated_weights_file_named_directly_is_corrupt_not_a_mismatch(tmp_path):
    source = copy_shipped(tmp_path, CONV1D) / CONV1D_WEIGHTS
    truncated = tmp_path / "truncated.weights.h5"
    truncated.write_bytes(source.read_bytes()[: source.stat().st_size // 2])
    with pytest.raises(CorruptWeightsError, match="truncated.weights.h5: not a readable .weights.h5 file; it is "
                                                  "truncated, damaged or of another format .*truncated file"):
        mirzoo.load("conv1d_tagger", weights=str(truncated))


def test_a_file_that_is_not_hdf5_is_corrupt(tmp_path):
    bogus = tmp_path / "bogus.weights.h5"
    bogus.write_text("not HDF5")
    with pytest.raises(CorruptWeightsError, match="bogus.weights.h5: not a readable .weights.h5 file"):
        mirzoo.load("conv1d_tagger", weights=str(bogus))


def test_weights_swapped_from_another_architecture_fail_the_hash(tmp_path):
    directory = copy_shipped(tmp_path, CONV1D)
    shutil.copyfile(os.path.join(packaged_weights_dir(), "crnn_tagger.synth", "crnn_tagger.weights.h5"),
                    directory / CONV1D_WEIGHTS)
    with pytest.raises(WeightsIntegrityError, match=f"{CONV1D_WEIGHTS}: SHA-256 mismatch"):
        mirzoo.load(str(directory))


def test_weights_swapped_from_another_architecture_and_rehashed_do_not_fit(tmp_path):
    directory = copy_shipped(tmp_path, CONV1D)
    shutil.copyfile(os.path.join(packaged_weights_dir(), "crnn_tagger.synth", "crnn_tagger.weights.h5"),
                    directory / CONV1D_WEIGHTS)
    rehash(directory, CONV1D_WEIGHTS)
    with pytest.raises(WeightsMismatchError, match=rf"{CONV1D_WEIGHTS}: these weights do not fit {CONV1D}: the "
                                                   rf"file holds 36 arrays, the model 12.*in the file: conv_1/kernel "
                                                   rf"\({KERNEL_SIZE}, {N_MELS}, {FILTERS}\)"):
        mirzoo.load(str(directory))


def test_frame_model_weights_swapped_between_singing_voice_architectures_do_not_fit(tmp_path):
    directory = copy_shipped(tmp_path, "conv2d_singing_voice.synth")
    shutil.copyfile(
        os.path.join(packaged_weights_dir(), "bilstm_singing_voice.synth", "bilstm_singing_voice.weights.h5"),
        directory / "conv2d_singing_voice.weights.h5")
    rehash(directory, "conv2d_singing_voice.weights.h5")
    with pytest.raises(WeightsMismatchError, match="these weights do not fit conv2d_singing_voice.synth"):
        mirzoo.load(str(directory))


def test_weights_of_the_same_architecture_with_another_label_count_do_not_fit(tmp_path):
    three_labels = mirzoo.save_preset(mirzoo.build("conv1d_tagger", num_classes=3), tmp_path / "three")
    directory = copy_shipped(tmp_path, CONV1D)
    shutil.copyfile(tmp_path / "three" / three_labels.weights.file, directory / CONV1D_WEIGHTS)
    rehash(directory, CONV1D_WEIGHTS)
    with pytest.raises(WeightsMismatchError, match=r"do not fit conv1d_tagger.synth.*no array of their shape in the "
                                                   rf"file: head/kernel \({UNITS}, 12\), head/bias \(12,\); arrays in "
                                                   rf"the file the model has no place for: \(3,\), \({UNITS}, 3\)"):
        mirzoo.load(str(directory))


# --- preset.json ---------------------------------------------------------------------------------------------------

def test_preset_json_with_another_n_mels_than_its_weights(tmp_path):
    directory = copy_shipped(tmp_path, CONV1D)
    frontend = json.loads((directory / "preset.json").read_text())["frontend"]
    edit_preset(directory, frontend=dict(frontend, n_mels=64))
    with pytest.raises(WeightsMismatchError, match=r"do not fit conv1d_tagger.synth.*input_norm/gamma \(64,\)"):
        mirzoo.load(str(directory))


def test_preset_json_with_another_label_count_than_its_weights(tmp_path):
    directory = copy_shipped(tmp_path, CONV1D)
    labels = json.loads((directory / "preset.json").read_text())["labels"]
    edit_preset(directory, labels=labels[:-1])
    with pytest.raises(WeightsMismatchError, match=rf"head/kernel \({UNITS}, 11\)"):
        mirzoo.load(str(directory))


@pytest.mark.parametrize("name", SHIPPED)
def test_every_shipped_weights_file_records_the_contract_of_its_registered_preset(name):
    """The oracle is the registered preset in code: its sample rate, labels, front end and body."""
    preset = mirzoo.get_preset(name)
    stored = read_contract(os.path.join(packaged_weights_dir(), name, preset.weights.file))
    assert stored["sample_rate"] == preset.sample_rate and stored["labels"] == list(preset.labels)
    assert stored["frontend"] == json.loads(json.dumps(preset.frontend))
    # The views a model averages (`speeds`) use the same weights: they are not part of the contract.
    body = {key: value for key, value in preset.arch_config.items() if key != "speeds"}
    assert stored["arch"] == preset.arch and stored["arch_config"] == json.loads(json.dumps(body))


@pytest.mark.parametrize("field, change, shown", [
    ("sample_rate", lambda value: 22050, "sample_rate (preset: 22050; weights: 16000)"),
    ("labels", lambda value: [value[1], value[0], *value[2:]], "labels (preset: ['"),
    ("frontend", lambda value: dict(value, f_max=4000.0), "frontend (preset: {"),
    ("clip_seconds", lambda value: 5.0, "clip_seconds (preset: 5.0; weights: 3.0)"),
])
def test_preset_json_edited_to_another_contract_than_its_weights_were_trained_for(tmp_path, field, change, shown):
    """Same shapes, other meaning (a rate, swapped label names, a band edge): only the stored contract tells."""
    directory = copy_shipped(tmp_path, CONV1D)
    edit_preset(directory, **{field: change(json.loads((directory / "preset.json").read_text())[field])})
    with pytest.raises(InvalidPresetError, match=rf"preset.json disagrees with .*{CONV1D_WEIGHTS}: these weights were "
                                                 rf"trained for another conv1d_tagger.synth: {re.escape(shown)}"):
        mirzoo.load(str(directory))


def test_preset_json_edited_to_average_other_speeds_loads_the_same_weights(tmp_path):
    """`speeds` (test-time views of one network) is not part of what the weights were trained for."""
    name = "conv2d_singing_voice.synth"
    directory = copy_shipped(tmp_path, name)
    arch_config = json.loads((directory / "preset.json").read_text())["arch_config"]
    edit_preset(directory, arch_config=dict(arch_config, speeds=[1.0, 1.25]))
    edited, shipped = mirzoo.load(str(directory)), mirzoo.load(name)
    assert edited.preset.arch_config["speeds"] == [1.0, 1.25] and "speeds" not in shipped.preset.arch_config
    assert all(np.array_equal(a, b) for a, b in zip(edited.get_weights(), shipped.get_weights()))
    assert edited.get_layer("frames_at_5_4") is not None


def test_descriptive_fields_of_preset_json_may_be_edited(tmp_path):
    directory = copy_shipped(tmp_path, CONV1D)
    edit_preset(directory, metrics={"my_test_set_auc": 0.5}, notes="fine-tuned at home", license="CC0")
    assert mirzoo.load(str(directory)).preset.metrics == {"my_test_set_auc": 0.5}


def test_weights_of_the_same_shapes_trained_for_other_labels_do_not_fit(tmp_path):
    relabelled = mirzoo.build(CONV1D, labels=[f"tag_{index}" for index in range(12)])
    mirzoo.save_preset(relabelled, tmp_path / "relabelled")
    with pytest.raises(WeightsMismatchError, match=r"these weights were trained for another conv1d_tagger.synth: "
                                                   r"labels \(preset: \['piano'"):
        mirzoo.load(CONV1D, weights=str(tmp_path / "relabelled" / CONV1D_WEIGHTS))


def test_weights_written_without_a_contract_still_load(tmp_path):
    """model.save_weights files (and presets saved before contracts) carry none: only their shapes are checked."""
    model = mirzoo.build(CONV1D)
    path = str(tmp_path / CONV1D_WEIGHTS)
    model.save_weights(path)
    assert read_contract(path) is None
    loaded = mirzoo.load(CONV1D, weights=path)
    assert all(np.array_equal(a, b) for a, b in zip(loaded.get_weights(), model.get_weights()))


def test_preset_json_naming_another_architecture_with_this_ones_parameters(tmp_path):
    directory = copy_shipped(tmp_path, CONV1D)
    edit_preset(directory, arch="crnn_tagger", name="crnn_tagger.synth")
    with pytest.raises(InvalidPresetError, match=r"preset.json: Preset crnn_tagger.synth: arch_config \[.*'kernel_size'"
                                                 r".*\] does not fit architecture crnn_tagger.*its parameters are"):
        mirzoo.load(str(directory))


def test_preset_json_of_another_architecture_over_these_weights(tmp_path):
    directory = copy_shipped(tmp_path, CONV1D)
    crnn = json.loads(open(os.path.join(packaged_weights_dir(), "crnn_tagger.synth", "preset.json")).read())
    (directory / "preset.json").write_text(json.dumps(dict(crnn, weights=edit_preset(directory)["weights"])))
    with pytest.raises(WeightsMismatchError, match="these weights do not fit crnn_tagger.synth"):
        mirzoo.load(str(directory))


def test_preset_json_naming_an_unregistered_architecture(tmp_path):
    directory = copy_shipped(tmp_path, CONV1D)
    edit_preset(directory, arch="resnet", name="resnet.synth")
    with pytest.raises(InvalidPresetError, match="preset.json: Unknown architecture 'resnet'. Valid: .*crnn_tagger"):
        mirzoo.load(str(directory))


def test_preset_json_with_an_unknown_front_end_parameter(tmp_path):
    directory = copy_shipped(tmp_path, CONV1D)
    frontend = json.loads((directory / "preset.json").read_text())["frontend"]
    edit_preset(directory, frontend=dict(frontend, postprocess="import os"))
    with pytest.raises(InvalidPresetError, match="preset.json: Unrecognized keyword arguments passed to "
                                                 "MelSpectrogram: {'postprocess'"):
        mirzoo.load(str(directory))


def test_preset_json_with_a_front_end_value_the_layer_refuses(tmp_path):
    directory = copy_shipped(tmp_path, CONV1D)
    frontend = json.loads((directory / "preset.json").read_text())["frontend"]
    edit_preset(directory, frontend=dict(frontend, window="kaiser"))
    with pytest.raises(InvalidPresetError, match="preset.json: `window` must be one of .*Received: window='kaiser'"):
        mirzoo.load(str(directory))


def test_preset_json_with_unknown_keys(tmp_path):
    directory = copy_shipped(tmp_path, CONV1D)
    edit_preset(directory, on_load="import os")
    with pytest.raises(InvalidPresetError, match=r"preset.json: not a valid preset file \(Unknown preset fields "
                                                 r"\['on_load'\]"):
        mirzoo.load(str(directory))


def test_preset_json_that_is_not_json(tmp_path):
    directory = copy_shipped(tmp_path, CONV1D)
    path = directory / "preset.json"
    path.write_text(path.read_text()[:200])
    with pytest.raises(InvalidPresetError, match=r"preset.json: not a valid preset file \(.*line"):
        mirzoo.load(str(directory))


def test_preset_json_that_is_not_an_object(tmp_path):
    directory = copy_shipped(tmp_path, CONV1D)
    (directory / "preset.json").write_text("[1, 2]")
    with pytest.raises(InvalidPresetError, match="preset.json: not a valid preset file .*JSON object; received a list"):
        mirzoo.load(str(directory))


@pytest.mark.parametrize("field", ["arch", "labels", "sample_rate", "frontend"])
def test_preset_json_with_a_missing_field(tmp_path, field):
    directory = copy_shipped(tmp_path, CONV1D)
    edit_preset(directory, **{field: None})
    with pytest.raises(InvalidPresetError, match=rf"preset.json: not a valid preset file \(Missing preset fields "
                                                 rf"\['{field}'\]"):
        mirzoo.load(str(directory))


@pytest.mark.parametrize("field, value, message", [
    ("labels", "piano", "labels must be a list of strings"),
    ("labels", [1, 2], "labels must be a list of strings"),
    ("labels", ["piano"] * 12, r"labels must be distinct; \['piano'\]"),
    ("sample_rate", "16000", "sample_rate must be an integer number of Hz between 1,000 and 1,000,000"),
    ("sample_rate", -16000, "sample_rate must be an integer number of Hz"),
    ("sample_rate", 100_000_000_000, "sample_rate must be an integer number of Hz"),
    ("clip_seconds", 0, "clip_seconds must be a finite positive number"),
    ("clip_seconds", float("inf"), "clip_seconds must be a finite positive number; received inf"),
    ("clip_seconds", 1e-9, "clip_seconds=1e-09 is shorter than one sample at 16000 Hz"),
    ("arch_config", [], "arch_config must be a mapping"),
    ("weights", {"file": CONV1D_WEIGHTS}, "weights must be"),
    ("weights", {"file": CONV1D_WEIGHTS, "sha256": "abc"}, "weights.sha256 must be 64 hex digits"),
])
def test_preset_json_with_a_value_of_the_wrong_kind(tmp_path, field, value, message):
    directory = copy_shipped(tmp_path, CONV1D)
    edit_preset(directory, **{field: value})
    with pytest.raises(InvalidPresetError, match=f"preset.json: not a valid preset file .*{message}"):
        mirzoo.load(str(directory))


@pytest.mark.parametrize("escape", ["../outside.weights.h5", "{absolute}", "sub/../../outside.weights.h5",
                                    "..\\outside.weights.h5", "outside.keras"])
def test_a_weights_file_outside_the_preset_folder_is_refused(tmp_path, escape):
    directory = copy_shipped(tmp_path, CONV1D)
    outside = tmp_path / "outside.weights.h5"  # a valid file with the right hash: only the path is wrong
    shutil.copyfile(directory / CONV1D_WEIGHTS, outside)
    file = escape.format(absolute=str(outside))
    edit_preset(directory, weights={"file": file, "sha256": sha256_of(outside)})
    with pytest.raises(InvalidPresetError, match=r"weights.file must be a file name ending in .weights.h5 inside the "
                                                 r"preset directory, without folders; received"):
        mirzoo.load(str(directory))


def test_a_cached_conversion_whose_preset_json_was_edited_is_refused(tmp_path, monkeypatch):
    # The musicnn presets are converted into the user cache; a cached preset.json that no longer describes the
    # registered model (edited, or converted for an older definition) must not be loaded under its name.
    monkeypatch.setenv("MIRZOO_CACHE", str(tmp_path))
    registered = mirzoo.get_preset("musicnn.mtt")
    edited = registered.replace(labels=tuple(reversed(registered.labels)),
                                weights=WeightsFile("musicnn.weights.h5", "0" * 64))
    write_preset(edited, tmp_path / "musicnn.mtt")
    with pytest.raises(InvalidPresetError, match=r"musicnn.mtt.preset.json: the cached conversion of musicnn.mtt "
                                                 r"disagrees with the registered preset \(fields \['labels'\]\)\. "
                                                 r"Delete .*musicnn.mtt and load musicnn.mtt again"):
        mirzoo.load("musicnn.mtt")


# --- .keras archives -----------------------------------------------------------------------------------------------

@pytest.fixture
def lambda_archive(tmp_path):
    """A .keras file whose Lambda layer would create `ran` if its code were ever executed on load."""
    ran = tmp_path / "ran"
    inputs = keras.Input((4,))
    # eval: the lambda's code must hold the path as a constant, since Keras stores the bytecode, not the closure.
    side_effect = eval(f"lambda x: (open({str(ran)!r}, 'w').close(), x)[1]")
    model = keras.Model(inputs, keras.layers.Lambda(side_effect)(inputs))
    path = tmp_path / "lambda.keras"
    model.save(path)
    ran.unlink(missing_ok=True)  # building the model above ran it once
    return path, ran, model


def test_a_keras_archive_is_not_a_preset(lambda_archive):
    path, ran, _ = lambda_archive
    with pytest.raises(UnsupportedFileError, match=r"lambda.keras: a .keras archive is a whole Keras model.*mirzoo "
                                                   r"does not open it.*keras.saving.load_model\(path, "
                                                   r"safe_mode=True\)"):
        mirzoo.load(str(path))
    assert not ran.exists()


def test_a_keras_archive_is_not_a_weights_file(lambda_archive):
    path, ran, _ = lambda_archive
    with pytest.raises(UnsupportedFileError, match=r"lambda.keras: a .keras archive .*Expected a .weights.h5 file"):
        mirzoo.load("conv1d_tagger", weights=str(path))
    assert not ran.exists()


def test_a_lambda_in_a_keras_archive_is_refused_under_safe_mode(lambda_archive):
    path, ran, model = lambda_archive
    with pytest.raises(ValueError, match="deserialization of a `Lambda` layer.*safe_mode=False"):
        keras.saving.load_model(path, safe_mode=True)
    assert not ran.exists()
    # mirzoo's own .keras round trip (the saving helper of its test case) loads with safe_mode=True too.
    with pytest.raises(ValueError, match="deserialization of a `Lambda` layer"):
        TestCase().run_model_saving_test(model, np.zeros((1, 4), "float32"))


def test_other_weights_formats_are_refused_by_name(tmp_path):
    legacy = tmp_path / "model.h5"
    shutil.copyfile(os.path.join(packaged_weights_dir(), CONV1D, CONV1D_WEIGHTS), legacy)
    with pytest.raises(UnsupportedFileError, match="model.h5: expected a .weights.h5 file"):
        mirzoo.load("conv1d_tagger", weights=str(legacy))


# --- frame-label arrays and manifests ------------------------------------------------------------------------------

class _Unpickled:
    """Unpickling this creates the file `path`: proof of whether a loader unpickled anything."""

    def __init__(self, path):
        self.path = path

    def __reduce__(self):
        return open, (self.path, "w")


def test_a_pickled_object_array_of_frame_labels_is_refused(tmp_path):
    ran = tmp_path / "ran"
    labels = tmp_path / "a.npy"
    np.save(labels, np.array([_Unpickled(str(ran))], dtype=object), allow_pickle=True)
    with pytest.raises(ValueError, match="a.npy: not a numeric .*Object arrays cannot be loaded when "
                                         "allow_pickle=False"):
        read_frame_labels(str(labels))
    assert not ran.exists()


def test_a_pickle_or_npz_named_npy_is_refused(tmp_path):
    ran = tmp_path / "ran"
    pickled = tmp_path / "pickled.npy"
    pickled.write_bytes(pickle.dumps(_Unpickled(str(ran))))
    with pytest.raises(ValueError, match="pickled.npy: not a numeric .*magic string"):
        read_frame_labels(str(pickled))
    assert not ran.exists()
    archive = tmp_path / "archive.npy"
    with open(archive, "wb") as handle:
        np.savez(handle, labels=np.zeros((3, 2)))
    with pytest.raises(ValueError, match="archive.npy: not a numeric .*magic string"):
        read_frame_labels(str(archive))


def test_a_truncated_npy_of_frame_labels_is_refused(tmp_path):
    labels = tmp_path / "a.npy"
    np.save(labels, np.zeros((100, 2), np.float32))
    labels.write_bytes(labels.read_bytes()[:200])
    with pytest.raises(ValueError, match="a.npy: not a numeric .*could only read"):
        read_frame_labels(str(labels))


def test_a_jsonl_manifest_row_that_is_not_an_object(tmp_path):
    manifest = tmp_path / "train.jsonl"
    manifest.write_text('["a.wav", "piano"]\n')
    with pytest.raises(ValueError, match="train.jsonl:1: a row is a JSON object; got list"):
        read_manifest(manifest)


# --- training checkpoints ------------------------------------------------------------------------------------------

def test_a_truncated_checkpoint_state_is_refused_before_anything_is_deleted(tmp_path):
    (tmp_path / "last-3.weights.h5").write_bytes(b"x")
    (tmp_path / "state.json").write_text('{"epoch": 3, "last": "last-')
    with pytest.raises(CheckpointError, match=r"state.json: not a valid checkpoint state .*delete .* to train from "
                                              r"scratch"):
        checkpoints.Checkpoints(str(tmp_path))
    assert (tmp_path / "last-3.weights.h5").exists()


@pytest.mark.parametrize("state", [
    {"epoch": 3, "last": "../victim.weights.h5", "best": 0.5},
    {"epoch": 3, "last": "last-2.weights.h5", "best": 0.5},
    {"epoch": "3", "last": "last-3.weights.h5", "best": 0.5},
    {"epoch": 3, "last": "last-3.weights.h5", "best": "0.5"},
    {"last": "last-3.weights.h5"},
    [3, "last-3.weights.h5"],
])
def test_a_tampered_checkpoint_state_is_refused_and_deletes_nothing_outside(tmp_path, state):
    folder = tmp_path / "checkpoints"
    folder.mkdir()
    victim = tmp_path / "victim.weights.h5"
    victim.write_bytes(b"keep me")
    (folder / "state.json").write_text(json.dumps(state))
    with pytest.raises(CheckpointError, match="state.json: inconsistent checkpoint state"):
        checkpoints.Checkpoints(str(folder))
    with pytest.raises(CheckpointError, match="state.json: inconsistent checkpoint state"):
        checkpoints.restore(keras.Sequential([keras.Input((1,)), keras.layers.Dense(1)]), str(folder))
    assert victim.read_bytes() == b"keep me"


def test_a_truncated_checkpoint_weights_file_is_refused(tmp_path):
    model = mirzoo.build("conv1d_tagger")
    model.compile(optimizer="adam", loss="binary_crossentropy")
    (tmp_path / "state.json").write_text(json.dumps({"epoch": 2, "last": "last-2.weights.h5", "best": None}))
    shutil.copyfile(os.path.join(packaged_weights_dir(), CONV1D, CONV1D_WEIGHTS), tmp_path / "last-2.weights.h5")
    weights = tmp_path / "last-2.weights.h5"
    weights.write_bytes(weights.read_bytes()[:5000])
    with pytest.raises(CheckpointError, match="last-2.weights.h5: cannot resume from this checkpoint; it is "
                                              "truncated or does not fit the model"):
        checkpoints.restore(model, str(tmp_path))


# --- nothing fetched, nothing unpickled ----------------------------------------------------------------------------

def test_loading_works_offline_and_unpickles_nothing(tmp_path, monkeypatch):
    """A guard, not a mock: any attempt to open a connection or unpickle during loading fails the test."""
    attempts = []

    def refuse(what):
        def refused(*args, **kwargs):
            attempts.append(what)
            raise AssertionError(f"mirzoo tried to {what} while loading")
        return refused

    monkeypatch.setattr(socket.socket, "connect", refuse("open a network connection"))
    monkeypatch.setattr(socket.socket, "connect_ex", refuse("open a network connection"))
    monkeypatch.setattr(socket, "create_connection", refuse("open a network connection"))
    monkeypatch.setattr(socket, "getaddrinfo", refuse("resolve a host name"))
    monkeypatch.setattr(pickle, "load", refuse("unpickle"))
    monkeypatch.setattr(pickle, "loads", refuse("unpickle"))
    for name in SHIPPED:
        model = mirzoo.load(name)
        assert model.preset.name == name
    assert mirzoo.load(str(copy_shipped(tmp_path, CONV1D))).preset.name == CONV1D
    np.save(tmp_path / "a.npy", np.ones((3, 2), np.float32))
    np.testing.assert_array_equal(read_frame_labels(str(tmp_path / "a.npy")), np.ones((3, 2), np.float32))
    assert attempts == []
