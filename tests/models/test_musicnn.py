"""musicnn ports without the musicnn package: architecture, patching, chunked prediction, conversion and its errors.

Shapes and counts come from musicnn.md (measured on the original): the parameter counts, the checkpoint
variable names and shapes, and the patch arithmetic `patches = (1 + samples // 256) // 187`. Parity
with the original's outputs is in test_musicnn_parity.py.
"""

import json
import os
import subprocess
import sys
import threading

import keras
import numpy as np
import pytest
import soundfile

import mirzoo
from mirzoo.cli import main
from mirzoo.converters import musicnn as convert
from mirzoo.converters.cache import CACHE_ENV, cache_root, is_converted
from mirzoo.models.musicnn.patches import MergePatches, PadToLength, SplitPatches
from mirzoo.testing import TestCase, harmonic_test_signal
from mirzoo.weights_store import WeightsIntegrityError

NAMES = ("musicnn.mtt", "musicnn.msd", "musicnn_vgg.mtt", "musicnn_vgg.msd")
PATCH = 187 * 256  # samples between patch starts
ONE_PATCH = 186 * 256  # fewest samples with 187 frames (center=True)

# The checkpoints' model variables (musicnn.md §4): scope → shape of its kernel or of each BN vector.
BN = ("gamma", "beta", "moving_mean", "moving_variance")
MUSICNN_VARIABLES = {
    **{f"batch_normalization{suffix}/{v}": (size,) for suffix, size in (
        ("", 1), ("_1", 204), ("_2", 204), ("_3", 51), ("_4", 51), ("_5", 51), ("_6", 64), ("_7", 64), ("_8", 64),
        ("_9", 1506), ("_10", 200)) for v in BN},
    "conv2d/kernel": (7, 38, 1, 204), "conv2d/bias": (204,),
    "conv2d_1/kernel": (7, 67, 1, 204), "conv2d_1/bias": (204,),
    "conv2d_2/kernel": (128, 1, 1, 51), "conv2d_2/bias": (51,),
    "conv2d_3/kernel": (64, 1, 1, 51), "conv2d_3/bias": (51,),
    "conv2d_4/kernel": (32, 1, 1, 51), "conv2d_4/bias": (51,),
    "conv2d_5/kernel": (7, 561, 1, 64), "conv2d_5/bias": (64,),
    "conv2d_6/kernel": (7, 64, 1, 64), "conv2d_6/bias": (64,),
    "conv2d_7/kernel": (7, 64, 1, 64), "conv2d_7/bias": (64,),
    "dense/kernel": (1506, 200), "dense/bias": (200,),
    "dense_1/kernel": (200, 50), "dense_1/bias": (50,),
}
VGG_VARIABLES = {
    **{f"batch_normalization{suffix}/{v}": (size,) for suffix, size in (
        ("", 1), ("_1", 128), ("_2", 128), ("_3", 128), ("_4", 128), ("_5", 128)) for v in BN},
    "1CNN/kernel": (3, 3, 1, 128), "1CNN/bias": (128,),
    **{f"{i}CNN/kernel": (3, 3, 128, 128) for i in range(2, 6)},
    **{f"{i}CNN/bias": (128,) for i in range(2, 6)},
    "dense/kernel": (256, 50), "dense/bias": (50,),
}
CHECKPOINT_VARIABLES = {"musicnn": MUSICNN_VARIABLES, "musicnn_vgg": VGG_VARIABLES}


def clip(seconds_or_samples, seed=0):
    samples = seconds_or_samples if isinstance(seconds_or_samples, int) else int(seconds_or_samples * 16000)
    return harmonic_test_signal(16000, samples / 16000, seed=seed)[:samples]


def write_checkpoint(folder, variables):
    """A name-based TF1 checkpoint `folder/` (`.index`, `.data-*`), as musicnn's, written with SaveV2."""
    tf = pytest.importorskip("tensorflow")
    os.makedirs(folder, exist_ok=True)
    names = sorted(variables)
    tf.raw_ops.SaveV2(prefix=os.path.join(folder, ""), tensor_names=names, shape_and_slices=[""] * len(names),
                      tensors=[tf.constant(variables[name]) for name in names])
    return folder


def fake_variables(arch, seed=0, **changes):
    """Random tensors with the checkpoint's names and shapes, plus Adam's slots (to be ignored)."""
    rng = np.random.default_rng(seed)
    variables = {name: (0.1 * rng.standard_normal(shape)).astype(np.float32)
                 for name, shape in CHECKPOINT_VARIABLES[arch].items()}
    for name in list(variables):
        if name.endswith("moving_variance"):
            variables[name] = np.abs(variables[name]) + 0.5
        variables[f"{name}/Adam"] = variables[f"{name}/Adam_1"] = np.zeros_like(variables[name])
    variables["beta1_power"] = variables["beta2_power"] = np.float32(0.9)
    variables.update(changes)
    return {name: value for name, value in variables.items() if value is not None}


@pytest.fixture
def fake_musicnn(tmp_path, monkeypatch):
    """A stand-in for the installed musicnn package (random checkpoints) and an empty cache."""
    package = tmp_path / "musicnn"
    for name, folder in convert.CHECKPOINTS.items():
        write_checkpoint(package / folder, fake_variables(mirzoo.get_preset(name).arch))
    monkeypatch.setattr(convert, "musicnn_package_dir", lambda: str(package))
    monkeypatch.setenv(CACHE_ENV, str(tmp_path / "cache"))
    return package


@pytest.mark.parametrize("name, parameters, trainable, embedding", [
    ("musicnn.mtt", 792_079, 787_159, 200), ("musicnn_vgg.mtt", 607_030, 605_748, 256)])
def test_architecture_matches_the_original(name, parameters, trainable, embedding):
    model = mirzoo.build(name)
    assert model.count_params() == parameters
    assert sum(int(np.prod(w.shape)) for w in model.trainable_weights) == trainable
    shapes = {key: tuple(tensor.shape) for key, tensor in model.output.items()}
    assert shapes == {"taggram": (None, None, 50), "embedding": (None, None, embedding)}
    norms = [layer for layer in model.layers if isinstance(layer, keras.layers.BatchNormalization)]
    assert norms and all(layer.epsilon == 1e-3 for layer in norms)


@pytest.mark.parametrize("samples, patches", [
    (20_000, 1), (ONE_PATCH - 1, 1), (ONE_PATCH, 1), (PATCH + ONE_PATCH - 1, 1), (PATCH + ONE_PATCH, 2),
    (480_000, 10), (160_000, 3)])
def test_patches_are_whole_file_patches_like_the_original(samples, patches):
    model = mirzoo.build("musicnn_vgg.msd")
    outputs = model.predict(clip(samples)[None], verbose=0)
    assert outputs["taggram"].shape == (1, patches, 50) and outputs["embedding"].shape == (1, patches, 256)


def test_audio_shorter_than_one_patch_is_zero_padded_to_one():
    model = mirzoo.build("musicnn.mtt")
    short = clip(30_000)
    padded = np.pad(short, (0, ONE_PATCH - len(short)))
    got, want = model.predict(short[None], verbose=0), model.predict(padded[None], verbose=0)
    np.testing.assert_allclose(got["taggram"], want["taggram"], atol=1e-6)
    np.testing.assert_allclose(got["embedding"], want["embedding"], atol=1e-5)


def test_patches_of_a_batch_do_not_mix():
    model = mirzoo.build("musicnn.mtt")
    audio = np.stack([clip(2 * PATCH, seed=0), clip(2 * PATCH, seed=1) * 0.1])
    together = model.predict(audio, verbose=0)["taggram"]
    for index in range(2):
        np.testing.assert_allclose(model.predict(audio[index : index + 1], verbose=0)["taggram"][0],
                                   together[index], atol=1e-6)


class TestPatchLayers(TestCase):
    def test_split_patches_order_and_dropped_tail(self):
        frames = np.arange(2 * 9 * 3, dtype="float32").reshape(2, 9, 3)  # two clips, 9 frames, 3 bins
        out = self.run_layer_test(SplitPatches, {"patch_frames": 4}, frames, expected_output_shape=(4, 4, 3),
                                  variable_length=False)
        np.testing.assert_array_equal(out, np.stack([frames[0, :4], frames[0, 4:8], frames[1, :4], frames[1, 4:8]]))

    def test_merge_patches_inverts_split(self):
        per_patch = np.arange(6 * 5, dtype="float32").reshape(6, 5)
        reference = np.zeros((2, 7), "float32")
        out = np.asarray(MergePatches()([per_patch, reference]))
        np.testing.assert_array_equal(out, per_patch.reshape(2, 3, 5))
        self.run_serialization_test(MergePatches())

    def test_pad_to_length(self):
        short = np.ones((2, 5), "float32")
        out = self.run_layer_test(PadToLength, {"min_samples": 8}, short, expected_output_shape=(2, 8),
                                  variable_length=False)
        np.testing.assert_array_equal(out, np.concatenate([short, np.zeros((2, 3), "float32")], axis=1))
        long = np.ones((1, 11), "float32")
        np.testing.assert_array_equal(np.asarray(PadToLength(8)(long)), long)

    @pytest.mark.parametrize("layer, kwargs", [(SplitPatches, {"patch_frames": 0}),
                                               (PadToLength, {"min_samples": -3})])
    def test_bad_arguments(self, layer, kwargs):
        with pytest.raises(ValueError, match="must be a positive integer"):
            layer(**kwargs)

    def test_split_patches_rejects_a_wrong_rank(self):
        with pytest.raises(ValueError, match=r"expects \(batch, frames, bins\)"):
            SplitPatches(4)(np.zeros((2, 9), "float32"))


@pytest.mark.parametrize("samples", [20_000, 3 * PATCH - 200, 7 * PATCH + 5_000])
@pytest.mark.parametrize("batch_size", [1, 3])
def test_chunked_prediction_equals_the_whole_file(samples, batch_size, tmp_path):
    model = mirzoo.build("musicnn.msd")
    audio = clip(samples, seed=2)
    whole = model.predict(audio[None], verbose=0)["taggram"][0]
    path = tmp_path / "clip.wav"
    soundfile.write(path, audio, 16000, subtype="FLOAT")
    for result in (mirzoo.predict(model, audio, sample_rate=16000, batch_size=batch_size),
                   mirzoo.predict(model, str(path), batch_size=batch_size)):
        np.testing.assert_allclose(result.taggram, whole, atol=1e-6)
        np.testing.assert_allclose(result.scores, whole.mean(axis=0), atol=1e-6)
        np.testing.assert_allclose(result.window_times, np.arange(len(whole)) * 2.992)
        assert result.window_seconds == pytest.approx(2.992) and result.duration == pytest.approx(samples / 16000)


def test_predict_refuses_a_hop_for_patch_taggers():
    with pytest.raises(ValueError, match="non-overlapping 2.992 s patches.*no hop"):
        mirzoo.predict(mirzoo.build("musicnn.mtt"), clip(1.0), sample_rate=16000, hop_seconds=1.0)


def test_presets_record_the_original():
    mtt, msd = mirzoo.get_preset("musicnn"), mirzoo.get_preset("musicnn.msd")
    assert mtt.name == "musicnn.mtt" and mirzoo.get_preset("musicnn_vgg").name == "musicnn_vgg.mtt"
    assert mtt.labels[:3] == ("guitar", "classical", "slow") and mtt.labels[-1] == "choral"
    assert {"Mellow", "Hip-Hop", "Progressive rock", "House"} <= set(msd.labels) and len(msd.labels) == 50
    assert mtt.metrics["test_roc_auc"] == 0.9067 and "not measured by mirzoo" in mtt.metrics["source"]
    assert mirzoo.get_preset("musicnn_vgg.msd").metrics["test_pr_auc"] == 0.2819
    for name in NAMES:
        preset = mirzoo.get_preset(name)
        assert preset.license.startswith("ISC") and "Pons" in preset.paper and preset.weights is None
        assert preset.sample_rate == 16000 and preset.frontend["log_multiplier"] == 10000.0


def test_load_without_musicnn_says_how_to_install_it(monkeypatch, tmp_path):
    monkeypatch.setattr(convert.importlib.util, "find_spec", lambda name: None)
    monkeypatch.setenv(CACHE_ENV, str(tmp_path))
    with pytest.raises(ImportError, match=r"pip install --no-deps musicnn==0\.1\.0"):
        mirzoo.load("musicnn.mtt")
    assert main(["predict", "musicnn.mtt", "nothing.wav"]) == 2


def test_load_converts_once_then_reads_the_cache(fake_musicnn, monkeypatch, tmp_path):
    model = mirzoo.load("musicnn_vgg.mtt")
    cached = tmp_path / "cache" / "musicnn_vgg.mtt"
    preset = json.loads((cached / "preset.json").read_text())
    assert preset["weights"]["file"] == "musicnn_vgg.weights.h5" and model.preset.weights is not None
    written = fake_variables("musicnn_vgg")
    np.testing.assert_array_equal(model.get_layer("head").get_weights()[0], written["dense/kernel"])
    np.testing.assert_array_equal(model.get_layer("input_norm").get_weights()[3],
                                  written["batch_normalization/moving_variance"])

    def no_conversion(*args, **kwargs):
        raise AssertionError("converted again")

    monkeypatch.setattr(convert, "convert", no_conversion)
    again = mirzoo.load("musicnn_vgg.mtt", num_classes=3)  # from the cache, with a fresh head
    assert tuple(again.output["taggram"].shape) == (None, None, 3)
    np.testing.assert_array_equal(again.get_layer("block_5_conv").get_weights()[0],
                                  model.get_layer("block_5_conv").get_weights()[0])
    weights = cached / "musicnn_vgg.weights.h5"
    weights.write_bytes(weights.read_bytes()[:-10] + b"0123456789")
    with pytest.raises(WeightsIntegrityError, match="SHA-256 mismatch"):
        mirzoo.load("musicnn_vgg.mtt")


def test_convert_musicnn_layout(fake_musicnn, tmp_path):
    directory = convert.convert("musicnn.msd", cache_dir=tmp_path / "elsewhere")
    assert directory == str(tmp_path / "elsewhere" / "musicnn.msd")
    model = mirzoo.load(directory)
    written = fake_variables("musicnn")
    # The mid-end's TF1 Conv2D kernels [7, C, 1, 64] are Conv1D kernels [7, C, 64].
    np.testing.assert_array_equal(model.get_layer("midend_1_conv").get_weights()[0],
                                  written["conv2d_5/kernel"][:, :, 0])
    np.testing.assert_array_equal(model.get_layer("head").get_weights()[1], written["dense_1/bias"])


@pytest.mark.parametrize("changes, message", [
    ({"dense_1/bias": None}, "lacks 1 variables: dense_1/bias"),
    ({"conv2d_9/kernel": np.zeros((1, 1), np.float32)}, "not used by musicnn: conv2d_9/kernel"),
    ({"dense/kernel": np.zeros((1506, 100), np.float32)}, r"dense/kernel has shape \(1506, 100\)"),
])
def test_convert_refuses_a_checkpoint_that_does_not_fit(changes, message, tmp_path):
    folder = write_checkpoint(tmp_path / "MTT_musicnn", fake_variables("musicnn", **changes))
    with pytest.raises(convert.CheckpointMismatchError, match=message):
        convert.convert("musicnn.mtt", checkpoint_dir=folder, cache_dir=tmp_path / "cache")
    assert not os.path.exists(tmp_path / "cache" / "musicnn.mtt")


def test_convert_refuses_another_architectures_checkpoint(tmp_path):
    folder = write_checkpoint(tmp_path / "MTT_vgg", fake_variables("musicnn_vgg"))
    with pytest.raises(convert.CheckpointMismatchError, match=r"has shape \(128,\), but .* needs \(204,\)"):
        convert.convert("musicnn.mtt", checkpoint_dir=folder, cache_dir=tmp_path / "cache")


def test_convert_refuses_a_missing_or_corrupt_checkpoint(tmp_path):
    with pytest.raises(convert.CheckpointMismatchError, match=r"not a TF1 checkpoint \(no .*\.index\)"):
        convert.convert("musicnn.mtt", checkpoint_dir=tmp_path / "nothing", cache_dir=tmp_path / "cache")
    corrupt = tmp_path / "corrupt"
    corrupt.mkdir()
    (corrupt / ".index").write_bytes(b"not a checkpoint")
    with pytest.raises(convert.CheckpointMismatchError, match="unreadable TF1 checkpoint"):
        convert.convert("musicnn.mtt", checkpoint_dir=corrupt, cache_dir=tmp_path / "cache")
    with pytest.raises(ValueError, match="No musicnn checkpoint for 'crnn_tagger.synth'"):
        convert.convert("crnn_tagger.synth", checkpoint_dir=corrupt, cache_dir=tmp_path / "cache")


def test_cache_location(monkeypatch, tmp_path):
    monkeypatch.delenv(CACHE_ENV, raising=False)
    assert cache_root() == os.path.join(os.path.expanduser("~"), ".cache", "mirzoo")
    monkeypatch.setenv(CACHE_ENV, str(tmp_path))
    assert cache_root() == str(tmp_path) and cache_root(tmp_path / "x") == str(tmp_path / "x")


def test_list_marks_converted_weights(capsys):
    assert main(["list", "musicnn*"]) == 0
    rows = [line.split() for line in capsys.readouterr().out.splitlines()[1:]]
    assert [row[0] for row in rows] == sorted(NAMES)
    assert all(row[-1] == "converted" and "patches" in row for row in rows)


def test_cli_predict_and_plot(fake_musicnn, tmp_path, capsys):
    path = tmp_path / "clip.wav"
    soundfile.write(path, clip(7.0), 16000, subtype="PCM_16")
    plot = tmp_path / "taggram.png"
    assert main(["predict", "musicnn_vgg.msd", str(path), "--format", "json", "--plot", str(plot),
                 "--no-progress"]) == 0
    result = json.loads(capsys.readouterr().out)
    assert len(result["taggram"]) == 2 and result["window_times"] == pytest.approx([0.0, 2.992])
    assert len(result["top"]) == 5 and result["window_seconds"] == pytest.approx(2.992)
    assert plot.stat().st_size > 0
    assert main(["predict", "musicnn_vgg.msd", str(path), "--hop", "1.5"]) == 2
    assert "no hop" in capsys.readouterr().err


# --- Concurrent first use: one conversion, every caller gets the complete folder ----------------------------------


def cache_entries(cache):
    """The cache folder's entries, its lock files aside: leftover temporary folders would show here."""
    return sorted(entry for entry in os.listdir(cache) if not entry.endswith(".lock"))


def in_threads(function, count=4):
    """Run `function(i)` in `count` threads released together; return the results, re-raise the first error."""
    barrier = threading.Barrier(count)
    results, errors = [None] * count, []

    def run(i):
        barrier.wait()
        try:
            results[i] = function(i)
        except BaseException as error:  # noqa: BLE001 - re-raised below, in the test's thread
            errors.append(error)

    threads = [threading.Thread(target=run, args=(i,)) for i in range(count)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    if errors:
        raise errors[0]
    return results


def test_concurrent_first_loads_convert_once(fake_musicnn, monkeypatch, tmp_path):
    conversions = []
    real_convert = convert.convert

    def counted(*args, **kwargs):
        conversions.append(args)
        return real_convert(*args, **kwargs)

    monkeypatch.setattr(convert, "convert", counted)
    models = in_threads(lambda i: mirzoo.load("musicnn.mtt"))
    assert len(conversions) == 1, "the threads that waited use the first one's conversion"
    written = fake_variables("musicnn")
    for model in models:
        np.testing.assert_array_equal(model.get_layer("head").get_weights()[1], written["dense_1/bias"])
    assert cache_entries(tmp_path / "cache") == ["musicnn.mtt"]


def test_concurrent_explicit_conversions_replace_each_other_whole(fake_musicnn, tmp_path):
    cache = tmp_path / "cache"
    directories = in_threads(lambda i: convert.convert("musicnn_vgg.mtt", cache_dir=cache))
    assert set(directories) == {str(cache / "musicnn_vgg.mtt")}
    assert cache_entries(cache) == ["musicnn_vgg.mtt"]  # no temporary or replaced folder left behind
    model = mirzoo.load(directories[0])  # complete: its SHA-256 matches
    np.testing.assert_array_equal(model.get_layer("head").get_weights()[0],
                                  fake_variables("musicnn_vgg")["dense/kernel"])


HOLD_THE_LOCK = """
import fcntl, os, sys, time
lock, finished, target = sys.argv[1:]
with open(lock, "a+b") as handle:
    fcntl.flock(handle.fileno(), fcntl.LOCK_EX)
    print("locked", flush=True)
    time.sleep(1.5)  # converting
    os.rename(finished, target)
"""


def test_first_use_waits_for_another_process_converting(fake_musicnn, monkeypatch, tmp_path):
    pytest.importorskip("fcntl")
    finished = convert.convert("musicnn_vgg.mtt", cache_dir=tmp_path / "elsewhere")
    cache = tmp_path / "cache"
    cache.mkdir()
    other = subprocess.Popen(
        [sys.executable, "-c", HOLD_THE_LOCK, str(cache / ".musicnn_vgg.mtt.lock"), finished,
         str(cache / "musicnn_vgg.mtt")],
        stdout=subprocess.PIPE, text=True,
    )
    try:
        assert other.stdout.readline().strip() == "locked"

        def no_conversion(*args, **kwargs):
            raise AssertionError("converted while another process was converting")

        monkeypatch.setattr(convert, "convert", no_conversion)
        directory = convert.weights_directory(mirzoo.get_preset("musicnn_vgg.mtt"))
    finally:
        assert other.wait(timeout=60) == 0
    assert directory == str(cache / "musicnn_vgg.mtt") and is_converted(directory)
    assert cache_entries(cache) == ["musicnn_vgg.mtt"]
