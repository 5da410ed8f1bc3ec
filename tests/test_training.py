"""mirzoo.train: single device, MirroredStrategy, multi-worker, and resuming after SIGKILL (CPU only)."""

import hashlib
import json
import os
import pathlib
import signal
import socket
import subprocess
import sys
import time

import keras
import numpy as np
import pytest

import mirzoo
from mirzoo import checkpoints
from mirzoo.cli import main
from mirzoo.data import read_manifest
from mirzoo.testing import write_tagging_corpus

pytestmark = pytest.mark.skipif(keras.backend.backend() != "tensorflow", reason="training uses tf.distribute")


@pytest.fixture(scope="module")
def corpus(tmp_path_factory):
    return write_tagging_corpus(tmp_path_factory.mktemp("corpus"), n_clips=32, seed=0)


def python(code, env=None, timeout=300):
    return subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=timeout,
                          env={**os.environ, "TF_CPP_MIN_LOG_LEVEL": "2", **(env or {})})


def test_single_device_learns_and_saves_a_preset(corpus, tmp_path):
    train_manifest, validation_manifest = corpus
    result = mirzoo.train("conv1d_tagger", train_manifest, tmp_path / "run", validation_manifest=validation_manifest,
                          epochs=6, batch_size=8, learning_rate=3e-3, verbose=0)
    losses = result.history["loss"]
    assert result.epochs == 6 and len(losses) == 6 and losses[-1] < 0.7 * losses[0]
    saved = json.load(open(tmp_path / "run" / "metrics.json"))
    assert saved["metrics"]["epochs"] == 6 and "validation_loss" in saved["metrics"]
    model = mirzoo.load(result.preset_dir)
    assert model.preset.metrics == result.metrics
    assert os.listdir(tmp_path / "run" / "logs"), "TensorBoard logs"


def test_cli_trains_crnn_tagger_end_to_end(corpus, tmp_path, capsys):
    train_manifest, validation_manifest = corpus
    code = main(["train", "crnn_tagger", "--train", train_manifest, "--validation", validation_manifest,
                 "--out", str(tmp_path / "crnn"), "--epochs", "2", "--batch-size", "8", "--no-progress"])
    assert code == 0
    summary = json.loads(capsys.readouterr().out.strip().splitlines()[-1])
    assert summary["epochs"] == 2
    model = mirzoo.load(summary["preset"])
    assert model.preset.arch == "crnn_tagger" and model.output_shape == (None, 12)


def test_fine_tuning_musicnn_trains_its_taggram_on_clip_labels(tmp_path):
    # musicnn answers a dict (a taggram over 3 s patches, and embeddings); clip labels describe its mean over
    # patches, which is what mirzoo.predict reports as the clip's scores.
    train_manifest, _ = write_tagging_corpus(tmp_path / "clips", n_clips=20, seed=1)
    result = mirzoo.train("musicnn.mtt", train_manifest, tmp_path / "run", epochs=3, batch_size=8,
                          weights="default", verbose=0)
    assert result.epochs == 3
    tuned, original = mirzoo.load(result.preset_dir), mirzoo.load("musicnn.mtt")
    assert set(tuned.output) == {"taggram", "embedding"} and tuned.preset.labels == original.preset.labels
    # The original model does not tell these clips' sustained harmonic tones ("piano") from the others;
    # three epochs on their clip labels teach it to.
    entries = read_manifest(train_manifest)
    column = tuned.preset.labels.index("piano")
    gaps = {}
    for name, model in (("original", original), ("tuned", tuned)):
        scores = {entry.audio: mirzoo.predict(model, entry.audio).scores[column] for entry in entries}
        with_piano = [scores[e.audio] for e in entries if "piano" in e.labels]
        without = [scores[e.audio] for e in entries if "piano" not in e.labels]
        gaps[name] = np.mean(with_piano) - np.mean(without)
    assert gaps["original"] < 0.05 and gaps["tuned"] > 0.2, gaps


def test_mirrored_strategy_on_two_logical_cpus(corpus, tmp_path):
    train_manifest, _ = corpus
    code = f"""
import tensorflow as tf
cpu = tf.config.list_physical_devices("CPU")[0]
tf.config.set_logical_device_configuration(cpu, [tf.config.LogicalDeviceConfiguration()] * 2)
import mirzoo
from mirzoo.data import from_manifest
strategy = mirzoo.training.make_strategy("mirrored")
print("replicas", strategy.num_replicas_in_sync)
data = from_manifest({train_manifest!r}, mirzoo.get_preset("conv1d_tagger"), batch_size=8)
parts = strategy.experimental_local_results(next(iter(strategy.experimental_distribute_dataset(data)))[0])
print("per replica", [int(p.shape[0]) for p in parts])
result = mirzoo.train("conv1d_tagger", {train_manifest!r}, {str(tmp_path / "mirrored")!r}, epochs=5, batch_size=8,
                      learning_rate=3e-3, strategy="mirrored", verbose=0)
print("losses", result.history["loss"])
"""
    result = python(code)
    assert result.returncode == 0, result.stderr[-3000:]
    lines = dict(line.split(" ", 1) for line in result.stdout.splitlines() if " " in line)
    assert lines["replicas"] == "2" and lines["per"] == "replica [4, 4]"
    losses = json.loads(lines["losses"])
    assert losses[-1] < 0.8 * losses[0]


def free_port():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def test_multi_worker_on_two_local_processes(corpus, tmp_path):
    train_manifest, _ = corpus
    ports = [free_port(), free_port()]
    cluster = {"worker": [f"127.0.0.1:{port}" for port in ports]}
    out = str(tmp_path / "multi")
    code = f"""
import mirzoo
result = mirzoo.train("conv1d_tagger", {train_manifest!r}, {out!r}, epochs=2, batch_size=8, strategy="multiworker",
                      verbose=0)
print("epochs", result.epochs)
"""
    processes = [
        subprocess.Popen([sys.executable, "-c", code], stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
                         env={**os.environ, "TF_CPP_MIN_LOG_LEVEL": "2",
                              "TF_CONFIG": json.dumps({"cluster": cluster, "task": {"type": "worker", "index": i}})})
        for i in range(2)
    ]
    try:
        outputs = [p.communicate(timeout=300) for p in processes]
    finally:
        for p in processes:
            p.kill()
    for process, (stdout, stderr) in zip(processes, outputs):
        assert process.returncode == 0, stderr[-3000:]
        assert "epochs 2" in stdout
    chief = mirzoo.load(os.path.join(out, "preset"))
    worker = mirzoo.load(os.path.join(out, "worker-1-preset"))
    for a, b in zip(chief.get_weights(), worker.get_weights()):
        np.testing.assert_array_equal(a, b)
    initial = mirzoo.build("conv1d_tagger")
    assert any(not np.allclose(a, b) for a, b in zip(chief.get_weights(), initial.get_weights()))


def test_sigkill_mid_training_resumes_and_never_leaves_a_broken_checkpoint(corpus, tmp_path):
    train_manifest, _ = corpus
    out = tmp_path / "killed"
    command = [sys.executable, "-m", "mirzoo", "train", "conv1d_tagger", "--train", train_manifest, "--out", str(out),
               "--epochs", "8", "--batch-size", "4", "--no-progress"]
    env = {**os.environ, "TF_CPP_MIN_LOG_LEVEL": "2"}
    kills = 0
    rng = np.random.default_rng(0)
    for attempt in range(3):
        process = subprocess.Popen(command, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, env=env)
        reached = (checkpoints.read_state(out / "checkpoints") or {"epoch": 0})["epoch"] + 1
        deadline = time.monotonic() + 240
        while time.monotonic() < deadline and process.poll() is None:
            state = checkpoints.read_state(out / "checkpoints")
            if state and state["epoch"] >= reached:
                break
            time.sleep(0.05)
        time.sleep(rng.uniform(0.0, 1.5))  # somewhere in the next epoch, possibly while it writes
        if process.poll() is None:
            process.send_signal(signal.SIGKILL)
            kills += 1
        process.wait()
        state = checkpoints.read_state(out / "checkpoints")
        model = mirzoo.build("conv1d_tagger")
        model.compile(optimizer="adam", loss="binary_crossentropy")
        assert checkpoints.restore(model, out / "checkpoints") == state["epoch"]  # loads, and is complete
        # A kill between a rename and state.json may leave complete, unreferenced last-* files (and temporaries).
        leftovers = [name for name in os.listdir(out / "checkpoints") if ".tmp-" not in name]
        assert {"state.json", "best.weights.h5", state["last"]} <= set(leftovers)
        for orphan in set(leftovers) - {"state.json", "best.weights.h5", state["last"]}:
            assert orphan.startswith("last-")
            model.load_weights(out / "checkpoints" / orphan)  # complete, never half-written
    assert kills >= 1
    finished = subprocess.run(command, capture_output=True, text=True, env=env, timeout=300)
    assert finished.returncode == 0, finished.stderr[-3000:]
    assert json.loads(finished.stdout.strip().splitlines()[-1])["epochs"] == 8
    final = checkpoints.read_state(out / "checkpoints")
    assert final["epoch"] == 8
    assert sorted(os.listdir(out / "checkpoints")) == sorted({"state.json", "best.weights.h5", final["last"]})


def test_the_same_seed_twice_gives_identical_weights_and_another_seed_does_not(corpus, tmp_path):
    """Once in this process, once through the CLI in a fresh one: bit for bit the same (CPU)."""
    train_manifest, validation_manifest = corpus
    arguments = dict(epochs=2, batch_size=8, seed=3, mix=0.5)

    def in_process(name, **changes):
        result = mirzoo.train("conv1d_tagger", train_manifest, tmp_path / name, validation_manifest=validation_manifest,
                              verbose=0, **{**arguments, **changes})
        return mirzoo.load(result.preset_dir).get_weights()

    first = in_process("first")
    cli = subprocess.run([sys.executable, "-m", "mirzoo", "train", "conv1d_tagger", "--train", train_manifest,
                          "--validation", validation_manifest, "--out", str(tmp_path / "again"), "--epochs", "2",
                          "--batch-size", "8", "--seed", "3", "--mix", "0.5", "--no-progress"],
                         capture_output=True, text=True, timeout=300, env={**os.environ, "TF_CPP_MIN_LOG_LEVEL": "2"})
    assert cli.returncode == 0, cli.stderr[-3000:]
    again = mirzoo.load(str(tmp_path / "again" / "preset")).get_weights()
    for a, b in zip(first, again, strict=True):
        np.testing.assert_array_equal(a, b)
    other = in_process("other", seed=4)
    assert any(not np.array_equal(a, b) for a, b in zip(first, other))


def test_resuming_with_another_validation_manifest_picks_the_best_among_its_own_epochs(corpus, tmp_path):
    """The old best was judged on other data: the saved preset must come from the resumed run's epochs."""
    train_manifest, validation_manifest = corpus
    rows = open(validation_manifest, encoding="utf-8").read().splitlines(keepends=True)
    # Beside the original: its relative audio paths resolve from the manifest's folder.
    other = pathlib.Path(validation_manifest).with_name("validation_resumed_with_fewer_clips.csv")
    other.write_text("".join(rows[:-2]), encoding="utf-8")  # header and all but the last two clips
    run = tmp_path / "run"
    arguments = dict(batch_size=8, learning_rate=3e-3, verbose=0)
    mirzoo.train("conv1d_tagger", train_manifest, run, validation_manifest=validation_manifest, epochs=1, **arguments)
    with pytest.warns(UserWarning, match="measured on other validation data"):
        result = mirzoo.train("conv1d_tagger", train_manifest, run, validation_manifest=str(other), epochs=2,
                              **arguments)
    state = checkpoints.read_state(run / "checkpoints")
    assert state["measured_on"] == f"sha256:{hashlib.sha256(other.read_bytes()).hexdigest()}"
    assert state["best"] == pytest.approx(result.history["val_loss"][-1])  # the one epoch judged on `other`
    saved, last = mirzoo.load(result.preset_dir), mirzoo.build("conv1d_tagger")
    last.compile(optimizer="adam", loss="binary_crossentropy")
    checkpoints.restore(last, run / "checkpoints")
    assert all(np.array_equal(a, b) for a, b in zip(saved.get_weights(), last.get_weights()))
