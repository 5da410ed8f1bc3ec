import json
import os
import subprocess
import sys

import keras
import numpy as np
import pytest

import mirzoo
from mirzoo.testing import harmonic_test_signal
from mirzoo.weights_store import WeightsIntegrityError, packaged_weights_dir


@pytest.fixture(scope="module")
def trained_preset(tmp_path_factory):
    """A preset directory written by save_preset, standing in for project-trained weights."""
    directory = tmp_path_factory.mktemp("presets") / "conv1d"
    model = mirzoo.build("conv1d_tagger")
    mirzoo.save_preset(model, directory, metrics={"made_by": "test"})
    return str(directory), model


def audio(preset, seconds=3.0):
    return harmonic_test_signal(preset.sample_rate, seconds)[None]


def test_build_overrides():
    model = mirzoo.build("crnn_tagger", n_mels=64, gru_units=(16,), num_classes=5)
    assert model.preset.frontend["n_mels"] == 64 and model.preset.labels == tuple(f"class_{i}" for i in range(5))
    assert model.output_shape == (None, 5)
    assert model.get_layer("frontend").get_config()["n_mels"] == 64
    frames = mirzoo.build("dnn_chroma", hop_length=1100).preset
    assert frames.frame_rate == pytest.approx(22050 / 1100)


def test_build_rejects_unknown_override():
    with pytest.raises(ValueError, match="Unknown override 'depth'.*Valid:.*n_mels"):
        mirzoo.build("crnn_tagger", depth=3)


def test_load_round_trip_checks_the_hash(trained_preset):
    directory, original = trained_preset
    preset = json.load(open(os.path.join(directory, "preset.json")))
    assert preset["weights"]["sha256"] in open(os.path.join(directory, "SHA256SUMS")).read()
    assert preset["metrics"] == {"made_by": "test"}
    loaded = mirzoo.load(directory)
    x = audio(loaded.preset)
    np.testing.assert_allclose(loaded.predict(x, verbose=0), original.predict(x, verbose=0), atol=1e-6)


def test_tampered_weights_name_file_and_hashes(trained_preset, tmp_path):
    directory, _ = trained_preset
    tampered = tmp_path / "tampered"
    tampered.mkdir()
    for name in os.listdir(directory):
        (tampered / name).write_bytes(open(os.path.join(directory, name), "rb").read())
    weights = tampered / "conv1d_tagger.weights.h5"
    data = bytearray(weights.read_bytes())
    data[-100] ^= 0xFF
    weights.write_bytes(bytes(data))
    expected = json.load(open(tampered / "preset.json"))["weights"]["sha256"]
    with pytest.raises(WeightsIntegrityError, match=f"conv1d_tagger.weights.h5: SHA-256 mismatch: expected {expected}, "
                                                    "got [0-9a-f]{64}"):
        mirzoo.load(str(tampered))


def test_weights_for_another_architecture_are_refused(trained_preset):
    directory, _ = trained_preset
    with pytest.raises(ValueError, match="do not fit crnn_tagger.synth"):
        mirzoo.load("crnn_tagger.synth", weights=os.path.join(directory, "conv1d_tagger.weights.h5"))


def test_preset_without_weights_says_what_to_do():
    untrained = mirzoo.get_preset("crnn_tagger.synth").replace(weights=None)
    with pytest.raises(ValueError, match=r"has no trained weights yet.*mirzoo.build"):
        mirzoo.load(untrained)
    assert mirzoo.load("crnn_tagger.synth", weights=None).preset.name == "crnn_tagger.synth"


def test_shipped_weights_load_with_their_hash_checked():
    model = mirzoo.load("crnn_tagger.synth")
    assert model.preset.weights is not None and model.preset.metrics["test_macro_roc_auc"] > 0.5


def test_num_classes_keeps_the_body_and_replaces_the_head(trained_preset):
    directory, original = trained_preset
    tuned = mirzoo.load(directory, num_classes=3)
    assert tuned.output_shape == (None, 3) and len(tuned.preset.labels) == 3
    for layer in original.layers:
        if layer.weights and layer.name != "head":
            for a, b in zip(layer.get_weights(), tuned.get_layer(layer.name).get_weights()):
                np.testing.assert_array_equal(a, b)
    assert tuned.get_layer("head").get_weights()[0].shape[-1] == 3


def test_packaged_weights_dir_is_the_weights_folder():
    assert os.path.isfile(os.path.join(packaged_weights_dir(), "README.md"))


@pytest.mark.skipif(keras.backend.backend() != "tensorflow", reason="tf.distribute is TensorFlow's")
def test_load_inside_a_mirrored_strategy_scope(trained_preset):
    directory, _ = trained_preset
    code = f"""
import tensorflow as tf
cpu = tf.config.list_physical_devices("CPU")[0]
tf.config.set_logical_device_configuration(cpu, [tf.config.LogicalDeviceConfiguration()] * 2)
import numpy as np, mirzoo
strategy = tf.distribute.MirroredStrategy(["/cpu:0", "/cpu:1"])
with strategy.scope():
    model = mirzoo.load({directory!r})
    model.compile(optimizer="adam", loss="binary_crossentropy")
print("replicas", strategy.num_replicas_in_sync, type(model.weights[0].value).__name__)
x = np.random.default_rng(0).standard_normal((4, 48000)).astype("float32") * 0.1
model.fit(x, np.ones((4, 12), "float32"), batch_size=4, epochs=1, verbose=0)
print("fit ok")
"""
    result = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=300)
    assert result.returncode == 0, result.stderr[-3000:]
    assert "replicas 2" in result.stdout and "fit ok" in result.stdout


def test_saved_presets_hold_no_optimizer_state(tmp_path):
    import h5py

    model = mirzoo.build("conv1d_tagger")
    model.compile(optimizer="adam", loss="binary_crossentropy")
    model.fit(audio(model.preset).repeat(2, axis=0), np.zeros((2, 12), "float32"), verbose=0)
    preset = mirzoo.save_preset(model, tmp_path / "p")
    with h5py.File(tmp_path / "p" / preset.weights.file) as handle:
        assert "optimizer" not in handle
    reloaded = mirzoo.load(str(tmp_path / "p"))
    x = audio(model.preset)
    np.testing.assert_allclose(reloaded.predict(x, verbose=0), model.predict(x, verbose=0), atol=1e-6)


def test_a_registered_name_wins_over_a_folder_of_that_name(trained_preset, tmp_path, monkeypatch):
    """`mirzoo train conv1d_tagger --out conv1d_tagger` leaves such a folder; the name still means the registry's
    preset, and the folder is read when written as a path."""
    directory, _ = trained_preset
    monkeypatch.chdir(tmp_path)
    os.mkdir("conv1d_tagger")
    assert mirzoo.load("conv1d_tagger").preset == mirzoo.get_preset("conv1d_tagger")
    with pytest.raises(FileNotFoundError, match="not a preset directory"):
        mirzoo.load(os.path.join(".", "conv1d_tagger"))
    for name in os.listdir(directory):
        (tmp_path / "conv1d_tagger" / name).write_bytes(open(os.path.join(directory, name), "rb").read())
    assert mirzoo.load("conv1d_tagger").preset.metrics != {"made_by": "test"}
    for path in (os.path.join(".", "conv1d_tagger"), tmp_path / "conv1d_tagger"):
        assert mirzoo.load(path).preset.metrics == {"made_by": "test"}
