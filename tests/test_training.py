"""mirzoo.train: single device, MirroredStrategy, multi-worker, and resuming after SIGKILL (CPU only)."""

import hashlib
import importlib.util
import json
import os
import pathlib
import signal
import socket
import subprocess
import sys
import time
import warnings

import keras
import numpy as np
import pytest

import mirzoo
from mirzoo import checkpoints
from mirzoo.cli import main
from mirzoo.data import ManifestEntry, SkippedAudioWarning, read_manifest
from mirzoo.testing import write_tagging_corpus, write_voice_pairs

pytestmark = pytest.mark.skipif(keras.backend.backend() != "tensorflow", reason="training uses tf.distribute")
# musicnn's presets convert the checkpoints of the installed musicnn package.
needs_musicnn = pytest.mark.skipif(importlib.util.find_spec("musicnn") is None,
                                   reason="musicnn is not installed (pip install --no-deps musicnn==0.1.0)")


@pytest.fixture(scope="module")
def corpus(tmp_path_factory):
    return write_tagging_corpus(tmp_path_factory.mktemp("corpus"), n_clips=32, seed=0)


def python(code, env=None, timeout=300):
    return subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=timeout,
                          env={**os.environ, "TF_CPP_MIN_LOG_LEVEL": "2", **(env or {})})


def file_record(path):
    return {"path": os.path.abspath(path), "sha256": hashlib.sha256(pathlib.Path(path).read_bytes()).hexdigest()}


def test_single_device_learns_and_saves_a_preset_named_after_its_run(corpus, tmp_path):
    train_manifest, validation_manifest = corpus
    run = tmp_path / "my run.2"
    result = mirzoo.train("conv1d_tagger", train_manifest, run, validation_manifest=validation_manifest,
                          epochs=6, batch_size=8, verbose=0)
    losses = result.history["loss"]
    assert result.epochs == 6 and len(losses) == 6 and losses[-1] < 0.7 * losses[0]
    saved = json.loads((run / "metrics.json").read_text())
    assert saved["metrics"]["epochs"] == 6 and "validation_loss" in saved["metrics"]
    model = mirzoo.load(result.preset_dir)
    assert model.preset.metrics == result.metrics
    assert os.listdir(run / "logs"), "TensorBoard logs"
    # Its own name, notes and origin: nothing of the shipped conv1d_tagger.synth's description is left.
    shipped = mirzoo.get_preset("conv1d_tagger")
    assert model.preset.name == "conv1d_tagger.my_run_2"
    assert model.preset.notes.startswith("Trained with mirzoo.train from conv1d_tagger.synth, freshly initialised, "
                                         "for 6 epochs on ")
    assert model.preset.license == "" and model.preset.paper == shipped.paper
    assert model.preset.training == {
        "base_preset": "conv1d_tagger.synth", "base_weights": None,
        "train_manifest": file_record(train_manifest), "validation_manifest": file_record(validation_manifest),
        "epochs": 6, "seed": 0, "batch_size": 8, "learning_rates": [[1, 1e-3]], "crop_seconds": None, "mix": 0.0,
        "speed": 1.0, "remix": 0.0, "mixed_precision": False, "keep": "best", "early_stopping_patience": None,
    }


def test_bfloat16_mixed_precision_learns_and_leaves_the_global_policy_alone(corpus, tmp_path):
    train_manifest, _ = corpus
    result = mirzoo.train("conv1d_tagger", train_manifest, tmp_path / "run", epochs=6, batch_size=8,
                          mixed_precision="bfloat16", verbose=0)
    losses = result.history["loss"]
    assert losses[-1] < 0.7 * losses[0]
    assert keras.mixed_precision.global_policy().name == "float32"
    model = mirzoo.load(result.preset_dir)
    assert model.preset.training["mixed_precision"] == "bfloat16"
    assert {weight.dtype for weight in model.weights} == {"float32"}


@pytest.mark.parametrize("value", ["float8", "mixed_bfloat16", 1])
def test_unknown_mixed_precision_is_refused_before_training(corpus, tmp_path, value):
    train_manifest, _ = corpus
    with pytest.raises(ValueError, match="mixed_precision must be False, True, 'float16' or 'bfloat16'"):
        mirzoo.train("conv1d_tagger", train_manifest, tmp_path / "run", epochs=1, mixed_precision=value)
    assert not (tmp_path / "run").exists()


@pytest.mark.parametrize("option, value, message", [("speed", 3.0, "`speed` is the largest speed-up factor"),
                                                      ("mix", 1.5, "`mix` is a probability"),
                                                      ("remix", -1, "`remix` is a probability")])
def test_bad_augmentation_is_refused_before_a_model_is_built_or_a_file_read(tmp_path, option, value, message):
    """Neither the model nor the manifest exists: the augmentation's error must come first."""
    with pytest.raises(ValueError, match=message):
        mirzoo.train("no_such_model", tmp_path / "missing.csv", tmp_path / "run", epochs=1, **{option: value})
    assert not (tmp_path / "run").exists()


def test_an_epoch_is_one_step_per_full_batch_and_keras_has_nothing_to_warn_about(corpus, tmp_path):
    """With a dataset of unknown length, Keras 3 ends each epoch by running out of data: it warns, and takes one more
    optimizer step on an empty batch that also halves the logged loss. It warned too that `shuffle` is ignored."""
    train_manifest, validation_manifest = corpus
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        mirzoo.train("conv1d_tagger", train_manifest, tmp_path / "run", validation_manifest=validation_manifest,
                     epochs=2, batch_size=8, verbose=0)
    from_keras = [f"{w.category.__name__}: {w.message}" for w in caught
                  if issubclass(w.category, UserWarning) and f"{os.sep}keras{os.sep}" in w.filename]
    assert from_keras == []
    model = mirzoo.build("conv1d_tagger")
    model.compile(optimizer="adam", loss="binary_crossentropy")
    checkpoints.restore(model, tmp_path / "run" / "checkpoints")
    assert int(model.optimizer.iterations) == 2 * (len(read_manifest(train_manifest)) // 8)


def test_cli_mixed_precision_names_its_dtype_and_means_float16_alone(capsys):
    from mirzoo.cli import build_parser

    command = ["train", "crnn_tagger", "--train", "train.csv", "--out", "run"]
    parse = build_parser().parse_args
    assert parse(command).mixed_precision is False
    assert parse(command + ["--mixed-precision"]).mixed_precision == "float16"
    assert parse(command + ["--mixed-precision", "bfloat16"]).mixed_precision == "bfloat16"
    with pytest.raises(SystemExit):
        parse(command + ["--mixed-precision", "float8"])
    assert "invalid choice: 'float8'" in capsys.readouterr().err


def test_keep_last_saves_the_last_epoch_and_a_finished_run_saves_again_with_the_other(corpus, tmp_path):
    """Each preset holds the weights it says: its validation loss is the one its epoch logged. Asking a finished run
    for the other weights saves its preset again from the checkpoints, without training."""
    train_manifest, validation_manifest = corpus
    run = tmp_path / "run"
    # A rate this high makes the run diverge: its last epoch is not its best.
    arguments = {"validation_manifest": validation_manifest, "epochs": 3, "batch_size": 8, "learning_rate": 0.1,
                 "verbose": 0}
    last = mirzoo.train("conv1d_tagger", train_manifest, run, keep="last", **arguments)
    losses = last.history["val_loss"]
    assert min(losses) < 0.5 * losses[-1]
    assert last.metrics["validation_loss"] == pytest.approx(losses[-1], rel=1e-5)
    assert mirzoo.load(last.preset_dir).preset.training["keep"] == "last"
    best = mirzoo.train("conv1d_tagger", train_manifest, run, keep="best", **arguments)
    assert best.history == last.history and best.epochs == 3
    assert best.metrics["validation_loss"] == pytest.approx(min(losses), rel=1e-5)
    assert mirzoo.load(best.preset_dir).preset.training["keep"] == "best"
    with pytest.raises(ValueError, match="keep must be 'best' or 'last'; got 'first'"):
        mirzoo.train("conv1d_tagger", train_manifest, run, keep="first", **arguments)


def test_cli_keep_chooses_the_saved_epoch(capsys):
    from mirzoo.cli import build_parser

    command = ["train", "crnn_tagger", "--train", "train.csv", "--out", "run"]
    parse = build_parser().parse_args
    assert parse(command).keep == "best" and parse(command + ["--keep", "last"]).keep == "last"
    with pytest.raises(SystemExit):
        parse(command + ["--keep", "first"])
    assert "invalid choice: 'first'" in capsys.readouterr().err


def test_cli_trains_crnn_tagger_end_to_end(corpus, tmp_path, capsys):
    train_manifest, validation_manifest = corpus
    code = main(["train", "crnn_tagger.synth", "--train", train_manifest, "--validation", validation_manifest,
                 "--out", str(tmp_path / "crnn"), "--epochs", "2", "--batch-size", "8", "--no-progress"])
    assert code == 0
    summary = json.loads(capsys.readouterr().out.strip().splitlines()[-1])
    assert summary["epochs"] == 2
    model = mirzoo.load(summary["preset"])
    assert model.preset.arch == "crnn_tagger" and model.output_shape == (None, 12)


@needs_musicnn
def test_fine_tuning_musicnn_trains_its_taggram_on_clip_labels(tmp_path, monkeypatch):
    # musicnn answers a dict (a taggram over 3 s patches, and embeddings); clip labels describe its mean over
    # patches, which is what mirzoo.predict reports as the clip's scores.
    monkeypatch.setenv("MIRZOO_CACHE", str(tmp_path / "cache"))  # its own conversion, not whatever the user has
    train_manifest, _ = write_tagging_corpus(tmp_path / "clips", n_clips=20, seed=1)
    result = mirzoo.train("musicnn.mtt", train_manifest, tmp_path / "run", epochs=3, batch_size=5, learning_rate=3e-3,
                          weights="default", verbose=0)
    assert result.epochs == 3
    tuned, original = mirzoo.load(result.preset_dir), mirzoo.load("musicnn.mtt")
    assert set(tuned.output) == {"taggram", "embedding"} and tuned.preset.labels == original.preset.labels
    converted = tmp_path / "cache" / "musicnn.mtt" / "musicnn.weights.h5"
    assert tuned.preset.training["base_weights"] == {
        "weights": "default", "sha256": hashlib.sha256(converted.read_bytes()).hexdigest()}
    assert tuned.preset.name == "musicnn.run" and tuned.preset.license == original.preset.license
    # The original model does not tell these clips' sustained harmonic tones ("piano") from the others;
    # three epochs on their clip labels teach it to (gaps of 0.45 to 1.00 over seeds 0 to 11).
    entries = read_manifest(train_manifest)
    column = tuned.preset.labels.index("piano")
    gaps = {}
    for name, model in (("original", original), ("tuned", tuned)):
        scores = {entry.audio: mirzoo.predict(model, entry.audio).scores[column] for entry in entries}
        with_piano = [scores[e.audio] for e in entries if "piano" in e.labels]
        without = [scores[e.audio] for e in entries if "piano" not in e.labels]
        gaps[name] = np.mean(with_piano) - np.mean(without)
    assert gaps["original"] < 0.05 and gaps["tuned"] > 0.2, gaps


@needs_musicnn
def test_converting_musicnn_on_first_use_does_not_change_what_the_seed_trains(tmp_path):
    """The conversion builds a model, drawing random numbers: done after seeding, it shifted dropout's seeds, so a
    run on a fresh cache trained other weights than the same run on a warm one (the fine-tuning test above failed
    in CI when it was the first to load musicnn.mtt). In a process of its own, with TensorFlow's oneDNN kernels
    off (on, they leave about one musicnn run in ten differing in its last bits) and one inter-op thread: on a
    machine with many cores, ops running side by side make every musicnn run differ by up to 0.7 % (measured with
    16 inter-op threads on this project's machine; CI failed on 0.55 %), where the conversion's shift is 4.2 %."""
    train_manifest, _ = write_tagging_corpus(tmp_path / "clips", n_clips=8, seed=2)
    code = f"""
import numpy as np
import mirzoo

def weights(run):
    result = mirzoo.train("musicnn.mtt", {train_manifest!r}, {str(tmp_path)!r} + "/" + run, epochs=1, batch_size=3,
                          weights="default", verbose=0)
    return mirzoo.load(result.preset_dir).get_weights()

cold = weights("cold")  # converts musicnn's checkpoint into the empty cache first
warm = weights("warm")
print("largest relative difference", max(float(np.max(np.abs(a - b)) / (np.max(np.abs(a)) or 1.0))
                                         for a, b in zip(cold, warm, strict=True)))
"""
    result = python(code, env={"MIRZOO_CACHE": str(tmp_path / "cache"), "TF_ENABLE_ONEDNN_OPTS": "0",
                               "TF_NUM_INTEROP_THREADS": "1"})
    assert result.returncode == 0, result.stderr[-3000:]
    assert (tmp_path / "cache" / "musicnn.mtt" / "preset.json").is_file()
    assert float(result.stdout.splitlines()[-1].split()[-1]) == 0.0, result.stdout


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
    arguments = dict(epochs=2, batch_size=8, seed=3, mix=0.5, speed=1.2)

    def in_process(name, **changes):
        result = mirzoo.train("conv1d_tagger", train_manifest, tmp_path / name, validation_manifest=validation_manifest,
                              verbose=0, **{**arguments, **changes})
        return mirzoo.load(result.preset_dir).get_weights()

    first = in_process("first")
    cli = subprocess.run([sys.executable, "-m", "mirzoo", "train", "conv1d_tagger", "--train", train_manifest,
                          "--validation", validation_manifest, "--out", str(tmp_path / "again"), "--epochs", "2",
                          "--batch-size", "8", "--seed", "3", "--mix", "0.5", "--speed", "1.2",
                          "--no-progress"],
                         capture_output=True, text=True, timeout=300, env={**os.environ, "TF_CPP_MIN_LOG_LEVEL": "2"})
    assert cli.returncode == 0, cli.stderr[-3000:]
    again = mirzoo.load(str(tmp_path / "again" / "preset")).get_weights()
    for a, b in zip(first, again, strict=True):
        np.testing.assert_array_equal(a, b)
    other = in_process("other", seed=4)
    assert any(not np.array_equal(a, b) for a, b in zip(first, other))


def test_remixing_trains_a_voice_detector_from_the_command_line_as_in_process(tmp_path):
    """`--remix` reaches the pipeline: the CLI's run equals the same run in this process bit for bit, and the same
    run without remixing trains other weights."""
    manifest = write_voice_pairs(tmp_path / "pairs", n_pairs=4, seconds=3.0)
    arguments = dict(epochs=1, batch_size=4, crop_seconds=1.0, remix=1.0)

    def in_process(name, **changes):
        result = mirzoo.train("conv2d_singing_voice", manifest, tmp_path / name, verbose=0,
                              **{**arguments, **changes})
        return mirzoo.load(result.preset_dir)

    cli = subprocess.run([sys.executable, "-m", "mirzoo", "train", "conv2d_singing_voice", "--train", manifest,
                          "--out", str(tmp_path / "cli"), "--epochs", "1", "--batch-size", "4", "--crop-seconds", "1",
                          "--remix", "1", "--no-progress"],
                         capture_output=True, text=True, timeout=300, env={**os.environ, "TF_CPP_MIN_LOG_LEVEL": "2"})
    assert cli.returncode == 0, cli.stderr[-3000:]
    from_cli = mirzoo.load(str(tmp_path / "cli" / "preset"))
    assert from_cli.preset.training["remix"] == 1.0
    remixed, plain = in_process("remixed"), in_process("plain", remix=0.0)
    for a, b in zip(from_cli.get_weights(), remixed.get_weights(), strict=True):
        np.testing.assert_array_equal(a, b)
    assert any(not np.array_equal(a, b) for a, b in zip(remixed.get_weights(), plain.get_weights()))


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


def test_a_resumed_run_records_where_it_began_and_each_epochs_learning_rate(corpus, tmp_path):
    """Resuming restores the checkpoint, whatever weights the call names: the record keeps the run's start (and
    warns), and lists the learning rate of every stretch of epochs, not just the finishing call's."""
    train_manifest, validation_manifest = corpus
    arguments = dict(validation_manifest=validation_manifest, batch_size=8, verbose=0)
    first_start = mirzoo.train("conv1d_tagger", train_manifest, tmp_path / "first", epochs=1, **arguments)
    other_start = mirzoo.train("conv1d_tagger", train_manifest, tmp_path / "other", epochs=1, seed=1, **arguments)
    run = tmp_path / "run"
    mirzoo.train("conv1d_tagger", train_manifest, run, epochs=1, learning_rate=1e-3,
                 weights=first_start.preset_dir, **arguments)
    with pytest.warns(UserWarning, match=r"this run started from conv1d_tagger.synth with the weights .*first/preset "
                                         r"and goes on from its checkpoint"):
        mirzoo.train("conv1d_tagger", train_manifest, run, epochs=3, learning_rate=1e-4,
                     weights=other_start.preset_dir, **arguments)
    training = mirzoo.load(run / "preset").preset.training
    assert training["base_weights"] == {"weights": str(first_start.preset_dir),
                                        "sha256": mirzoo.load(first_start.preset_dir).preset.weights.sha256}
    assert training["learning_rates"] == [[1, 1e-3], [2, 1e-4]]
    assert json.loads((run / "metrics.json").read_text())["history"]["learning_rate"] == [1e-3, 1e-4, 1e-4]


def run_files(folder):
    return {str(path.relative_to(folder)): path.read_bytes() for path in sorted(folder.rglob("*")) if path.is_file()}


def test_resuming_keeps_the_whole_history_and_a_finished_run_is_left_as_it_is(corpus, tmp_path):
    train_manifest, validation_manifest = corpus
    run = tmp_path / "run"
    arguments = {"validation_manifest": validation_manifest, "batch_size": 8, "verbose": 0}
    first = mirzoo.train("conv1d_tagger", train_manifest, run, epochs=1, **arguments)
    resumed = mirzoo.train("conv1d_tagger", train_manifest, run, epochs=2, **arguments)
    saved = json.loads((run / "metrics.json").read_text())
    assert saved["history"] == resumed.history and saved["metrics"] == resumed.metrics
    assert set(resumed.history) == {"loss", "auc", "accuracy", "val_loss", "val_auc", "val_accuracy", "learning_rate"}
    for key, values in resumed.history.items():
        assert len(values) == 2 and values[0] == first.history[key][0], key
    assert resumed.metrics["train_loss"] == resumed.history["loss"][1]
    assert mirzoo.load(resumed.preset_dir).preset.training["epochs"] == 2

    before = run_files(run)
    with pytest.warns(UserWarning, match=r"run: already trained 2 epochs \(epochs=2\); nothing to do"):
        again = mirzoo.train("conv1d_tagger", train_manifest, run, epochs=2, **arguments)
    assert again == resumed
    assert run_files(run) == before, "a finished run is not rewritten, nor its logs appended to"

    # A run killed after its last checkpoint but before its results: the next call writes them, without training.
    (run / "metrics.json").unlink()
    with warnings.catch_warnings():
        warnings.simplefilter("error", UserWarning)
        finished = mirzoo.train("conv1d_tagger", train_manifest, run, epochs=2, **arguments)
    assert finished == resumed and (run / "metrics.json").read_bytes() == before["metrics.json"]
    checkpoint_files = {name: data for name, data in run_files(run).items() if name.startswith("checkpoints")}
    assert checkpoint_files == {name: data for name, data in before.items() if name.startswith("checkpoints")}


def test_the_default_batch_size_shrinks_to_a_small_manifest_with_a_warning(corpus, tmp_path):
    train_manifest, _ = corpus
    rows = pathlib.Path(train_manifest).read_text(encoding="utf-8").splitlines(keepends=True)
    # Beside the original, so its relative paths resolve: a header, 6 clips and one that is not there.
    small = pathlib.Path(train_manifest).with_name("six_usable_clips.csv")
    small.write_text("".join(rows[:7]) + "not_there.wav,piano\n", encoding="utf-8")
    with pytest.warns(UserWarning) as caught:  # through the command line, as the README's example runs it
        assert main(["train", "conv1d_tagger", "--train", str(small), "--out", str(tmp_path / "run"), "--epochs", "1",
                     "--no-progress"]) == 0
    result = mirzoo.train("conv1d_tagger", small, tmp_path / "run", epochs=1, verbose=0)  # finished: returns it
    messages = [str(w.message) for w in caught]
    assert "6 usable training clip(s), fewer than the default batch_size=16: training with batch_size=6." in messages
    assert any("not_there.wav: unusable audio, skipped" in message for message in messages)
    assert result.epochs == 1 and mirzoo.load(result.preset_dir).preset.training["batch_size"] == 6
    with pytest.warns(SkippedAudioWarning, match="not_there.wav"), \
            pytest.raises(ValueError, match=r"6 usable clip\(s\), fewer than batch_size=16: training drops the last"):
        mirzoo.train("conv1d_tagger", small, tmp_path / "explicit", epochs=1, batch_size=16, verbose=0)


def test_the_metrics_are_kerass_on_0_1_targets_and_count_soft_ones_as_expected_positives_and_negatives():
    from sklearn.metrics import roc_auc_score

    from mirzoo.training import SoftAUC, soft_binary_accuracy

    rng = np.random.default_rng(0)
    # Scores in distinct buckets of the 200 thresholds: Keras's interpolated AUC is then the exact trapezoid.
    scores = ((rng.permutation(199)[:120] + 0.5) / 199).reshape(40, 3).astype("float32")
    hard = (rng.uniform(size=(40, 3)) > 0.6).astype("float32")
    for multi_label in (True, False):
        ours, kerass = SoftAUC(multi_label=multi_label), keras.metrics.AUC(multi_label=multi_label)
        for batch in range(0, 40, 8):
            ours.update_state(hard[batch : batch + 8], scores[batch : batch + 8])
            kerass.update_state(hard[batch : batch + 8], scores[batch : batch + 8])
        assert float(ours.result()) == float(kerass.result())
    soft = rng.uniform(size=(40, 3)).astype("float32")
    ours = SoftAUC(multi_label=True)
    ours.update_state(soft, scores)
    # Oracle: each clip twice, as a positive weighing `soft` and as a negative weighing `1 - soft`; macro mean.
    expected = np.mean([roc_auc_score(np.r_[np.ones(40), np.zeros(40)], np.r_[scores[:, j], scores[:, j]],
                                      sample_weight=np.r_[soft[:, j], 1 - soft[:, j]]) for j in range(3)])
    assert float(ours.result()) == pytest.approx(expected, abs=1e-6)
    kerass = keras.metrics.AUC(multi_label=True)
    kerass.update_state(soft, scores)
    assert float(kerass.result()) == 0.0  # every soft target counts as a positive: no negatives
    accuracy = np.asarray(soft_binary_accuracy(soft, scores))
    np.testing.assert_allclose(accuracy, np.where(scores > 0.5, soft, 1 - soft), rtol=1e-6)
    np.testing.assert_array_equal(np.asarray(soft_binary_accuracy(hard, scores)),
                                  np.asarray(keras.metrics.binary_accuracy(hard, scores)))


def teacher_manifest(manifest, folder, soft_every=1):
    """`manifest`'s clips with a made-up teacher's scores (rows of 1 s) for every `soft_every`-th clip: around 0.8
    for the clip's labels, 0.15 for the others."""
    rng = np.random.default_rng(0)
    labels = mirzoo.get_preset("conv1d_tagger").labels
    entries = []
    for i, entry in enumerate(read_manifest(manifest)):
        if i % soft_every:
            entries.append(entry)
            continue
        table = rng.uniform(0.0, 0.3, size=(3, len(labels)))
        for label in entry.labels:
            table[:, labels.index(label)] = rng.uniform(0.6, 1.0, size=3)
        path = os.path.join(folder, f"teacher_{os.path.basename(manifest)}_{i}.npy")
        np.save(path, table.astype(np.float32))
        entries.append(ManifestEntry(entry.audio, frame_labels=path, frame_rate=1.0))
    return mirzoo.data.write_manifest(entries, os.path.join(folder, f"soft_{os.path.basename(manifest)}"))


def test_training_a_tagger_on_a_teachers_soft_labels(corpus, tmp_path):
    train_manifest, validation_manifest = corpus
    train_soft = teacher_manifest(train_manifest, tmp_path, soft_every=2)  # soft and clip labels, mixed
    validation_soft = teacher_manifest(validation_manifest, tmp_path)
    result = mirzoo.train("conv1d_tagger", train_soft, tmp_path / "student", validation_manifest=validation_soft,
                          epochs=2, batch_size=8, verbose=0)
    assert result.epochs == 2 and all(np.isfinite(result.history["loss"]))
    # Keras's own AUC and accuracy would say 0 here: every soft target a positive, none equal to a decision.
    assert 0 < result.metrics["validation_auc"] <= 1 and 0 < result.metrics["validation_accuracy"] <= 1
    student = mirzoo.load(result.preset_dir)
    assert student.preset.labels == mirzoo.get_preset("conv1d_tagger").labels
    assert student.preset.training["train_manifest"] == file_record(train_soft)


def test_soft_labels_beside_clip_labels_the_preset_does_not_have_are_refused(corpus, tmp_path):
    train_manifest, _ = corpus
    entries = read_manifest(teacher_manifest(train_manifest, tmp_path, soft_every=2))
    entries[1] = ManifestEntry(entries[1].audio, ("kazoo",))
    manifest = mirzoo.data.write_manifest(entries, tmp_path / "kazoo.jsonl")
    with pytest.raises(ValueError, match=r"rows with clip labels \['kazoo'\] that conv1d_tagger.synth does not have"):
        mirzoo.train("conv1d_tagger", manifest, tmp_path / "run", epochs=1, batch_size=8, verbose=0)


def test_a_compiled_model_with_the_soft_metrics_saves_and_loads(tmp_path):
    from mirzoo.training import default_compile

    model = default_compile(mirzoo.build("conv1d_tagger"))
    rng = np.random.default_rng(0)
    x, y = rng.uniform(-0.5, 0.5, (4, 48000)).astype("float32"), rng.uniform(size=(4, 12)).astype("float32")
    model.fit(x, y, verbose=0)
    model.save(tmp_path / "compiled.keras")
    loaded = keras.saving.load_model(tmp_path / "compiled.keras")  # the metrics are registered under "mirzoo"
    expected, again = model.evaluate(x, y, verbose=0, return_dict=True), loaded.evaluate(x, y, verbose=0,
                                                                                          return_dict=True)
    assert again == pytest.approx(expected, rel=1e-5)
