"""Every preset exports to a SavedModel that stock TensorFlow serves: op scan, saved_model_cli, a fresh process."""

import importlib.util
import io
import json
import os
import re
import shutil
import subprocess
import sys

import keras
import numpy as np
import pytest
import soundfile

import mirzoo
from mirzoo.exporting import export, next_version
from mirzoo.inference import patch_frames_of
from mirzoo.testing import harmonic_test_signal

pytestmark = pytest.mark.skipif(keras.backend.backend() != "tensorflow", reason="SavedModel export is TensorFlow's")
tf = pytest.importorskip("tensorflow")

FRESH_PROCESS = """
import json, sys
sys.modules["keras"] = None    # neither Keras nor mirzoo may be needed to serve
sys.modules["mirzoo"] = None
import numpy as np
import tensorflow as tf
from tensorflow.core.protobuf import saved_model_pb2
from tensorflow.python.framework import op_def_registry

path, inputs, out = sys.argv[1], np.load(sys.argv[2]), sys.argv[3]
wavs = [open(name, "rb").read() for name in sys.argv[4:]]
saved = saved_model_pb2.SavedModel()
saved.ParseFromString(open(path + "/saved_model.pb", "rb").read())
functions = {f.signature.name for g in saved.meta_graphs for f in g.graph_def.library.function}
ops = {n.op for g in saved.meta_graphs for n in g.graph_def.node}
ops |= {n.op for g in saved.meta_graphs for f in g.graph_def.library.function for n in f.node_def}
unregistered = sorted(op for op in ops - functions if op_def_registry.get(op) is None)
loaded = tf.saved_model.load(path)
waveform = loaded.signatures["serving_default"](waveform=tf.constant(inputs["waveform"]))
wav = loaded.signatures["serve_wav"](wav=tf.constant(wavs))
np.savez(out, **{f"waveform/{k}": v.numpy() for k, v in waveform.items()},
         **{f"wav/{k}": v.numpy() for k, v in wav.items()})
print(json.dumps({"ops": len(ops), "unregistered": unregistered, "outputs": sorted(waveform),
                  "wav_outputs": sorted(wav), "signatures": sorted(loaded.signatures)}))
"""


def padded_to_a_window(model, waveform):
    """What the SavedModel's tagger sees: a clip shorter than its window, zero-padded to one."""
    if model.preset.task != "tagging":
        return waveform
    return np.pad(waveform, [(0, 0), (0, max(model.preset.clip_samples - waveform.shape[1], 0))])


def clip_length_output(model):
    """serve_wav's int32 output of each clip's own length: "frames", "patches" (patch taggers) or None."""
    if patch_frames_of(model.preset):
        return "patches"
    return "frames" if model.preset.task == "frames" else None


def wav_bytes(audio, sample_rate, subtype="PCM_16"):
    buffer = io.BytesIO()
    soundfile.write(buffer, audio, sample_rate, format="WAV", subtype=subtype)
    return buffer.getvalue()


@pytest.fixture(scope="module")
def exported(tmp_path_factory):
    root = tmp_path_factory.mktemp("serving")
    models = {name: mirzoo.build(name) for name in mirzoo.list_models()}
    return {name: (model, export(model, root / name)) for name, model in models.items()}


@pytest.mark.parametrize("name", mirzoo.list_models())
def test_servable_in_a_fresh_process_without_keras(exported, name, tmp_path):
    model, path = exported[name]
    rate = model.preset.sample_rate
    waveform = np.stack([harmonic_test_signal(rate, 2.0, seed=s) for s in (0, 1)])
    pcm = np.round(waveform * 32767).astype(np.int16)
    np.savez(tmp_path / "inputs.npz", waveform=waveform)
    wavs = []
    for index, clip in enumerate(pcm):
        wavs.append(str(tmp_path / f"clip{index}.wav"))
        open(wavs[-1], "wb").write(wav_bytes(clip, rate))
    result = subprocess.run([sys.executable, "-c", FRESH_PROCESS, path, str(tmp_path / "inputs.npz"),
                             str(tmp_path / "out.npz"), *wavs], capture_output=True, text=True, timeout=300,
                            env={**os.environ, "TF_CPP_MIN_LOG_LEVEL": "2"})
    assert result.returncode == 0, result.stderr[-3000:]
    report = json.loads(result.stdout.strip().splitlines()[-1])
    assert report["unregistered"] == [] and report["ops"] > 10
    assert report["signatures"] == ["serve_wav", "serving_default"]
    out = np.load(tmp_path / "out.npz")
    for signature, audio in (("waveform", waveform), ("wav", pcm / 32768.0)):
        expected = model.predict(padded_to_a_window(model, audio), verbose=0)
        if patch_frames_of(model.preset):  # musicnn: the track mean of the taggram, and the taggram and embedding
            expected = {"scores": expected["taggram"].mean(axis=1), **expected}
        else:
            expected = {"scores": expected}
        assert report["outputs"] == sorted(expected)
        for key, value in expected.items():
            np.testing.assert_allclose(out[f"{signature}/{key}"], value, atol=1e-5)
    length = clip_length_output(model)  # serve_wav's per-clip frame / patch count, the Keras model's own
    assert report["wav_outputs"] == sorted([*expected, *([length] if length else [])])
    if length:
        timed = expected["taggram" if length == "patches" else "scores"]
        np.testing.assert_array_equal(out[f"wav/{length}"], [timed.shape[1]] * len(timed))
    assets = os.path.join(path, "assets")
    assert open(os.path.join(assets, "labels.txt")).read().split("\n")[:-1] == list(model.preset.labels)
    preset = json.load(open(os.path.join(assets, "preset.json")))
    assert preset["frame_rate"] == model.preset.frame_rate and preset["sample_rate"] == rate
    assert not any("optimizer" in name.lower() for name, _ in tf.train.list_variables(f"{path}/variables/variables"))


@pytest.mark.parametrize("name", ["crnn_tagger.synth", "dnn_chroma.synth"])
def test_saved_model_cli_run(exported, name, tmp_path):
    model, path = exported[name]
    waveform = harmonic_test_signal(model.preset.sample_rate, 1.5)[None]
    np.save(tmp_path / "x.npy", waveform)
    cli = shutil.which("saved_model_cli", path=os.path.dirname(sys.executable)) or "saved_model_cli"
    result = subprocess.run([cli, "run", "--dir", path, "--tag_set", "serve", "--signature_def", "serving_default",
                             "--inputs", f"waveform={tmp_path / 'x.npy'}", "--outdir", str(tmp_path / "out")],
                            capture_output=True, text=True, timeout=300,
                            env={**os.environ, "TF_CPP_MIN_LOG_LEVEL": "2"})
    assert result.returncode == 0, result.stderr[-3000:]
    np.testing.assert_allclose(np.load(tmp_path / "out" / "scores.npy"),
                               model.predict(padded_to_a_window(model, waveform), verbose=0), atol=1e-5)


@pytest.fixture(scope="module")
def tagger(exported):
    model, path = exported["conv1d_tagger.synth"]
    return model, tf.saved_model.load(path)


def test_serve_wav_stereo_is_downmixed(tagger):
    model, loaded = tagger
    stereo = harmonic_test_signal(16000, 2.0, channels=2)
    pcm = np.round(stereo * 32767).astype(np.int16)
    scores = loaded.signatures["serve_wav"](wav=tf.constant([wav_bytes(pcm, 16000)]))["scores"].numpy()
    expected = model.predict(padded_to_a_window(model, (pcm / 32768.0).mean(axis=1)[None]), verbose=0)
    np.testing.assert_allclose(scores, expected, atol=1e-5)


@pytest.mark.parametrize(
    "payload, message",
    [
        (b"", "Header mismatch|too short|WAV"),
        (b"RIFF\x24\x00\x00\x00WAVEgarbage", "Unexpected field|Bad|chunk"),
        (wav_bytes(np.zeros(16000, np.float32), 16000, "PCM_U8"), "16-bit"),
        (wav_bytes(np.zeros(16000, np.float32), 16000, "PCM_24"), "16-bit"),
        (wav_bytes(np.zeros(16000, np.float32), 16000, "FLOAT"), "format|16-bit|PCM"),
        (wav_bytes(np.zeros(16000, np.float32), 44100), "expects WAV audio at 16000 Hz"),
    ],
    ids=["empty", "corrupt", "8-bit", "24-bit", "float", "44.1 kHz"],
)
def test_serve_wav_refuses_what_it_cannot_decode(tagger, payload, message):
    _, loaded = tagger
    with pytest.raises(tf.errors.InvalidArgumentError, match=message):
        loaded.signatures["serve_wav"](wav=tf.constant([payload]))
    # The process and the loaded model survive: the next, good request works.
    good = wav_bytes(np.round(harmonic_test_signal(16000, 1.0) * 32767).astype(np.int16), 16000)
    assert loaded.signatures["serve_wav"](wav=tf.constant([good]))["scores"].shape == (1, 12)


@pytest.mark.parametrize("bad, message", [(np.nan, "NaN or infinite"), (np.inf, "NaN or infinite"),
                                          (1e19, r"waveform must lie in \[-1, 1\]; its peak is above 1000")])
def test_serving_default_refuses_non_finite_audio(tagger, bad, message):
    _, loaded = tagger
    audio = harmonic_test_signal(16000, 1.0)[None].copy()
    audio[0, 100] = bad
    with pytest.raises(tf.errors.InvalidArgumentError, match=message):
        loaded.signatures["serving_default"](waveform=tf.constant(audio))


def test_clip_scores_do_not_depend_on_the_batch(tagger):
    _, loaded = tagger
    clips = np.stack([harmonic_test_signal(16000, 3.0, seed=s) * g for s, g in ((0, 1.0), (1, 1e-3), (2, 0.5))])
    serve = loaded.signatures["serving_default"]
    together = serve(waveform=tf.constant(clips))["scores"].numpy()
    for index in range(3):
        alone = serve(waveform=tf.constant(clips[index : index + 1]))["scores"].numpy()
        np.testing.assert_allclose(alone[0], together[index], atol=1e-6)


def test_versions_count_up_and_are_never_overwritten(exported, tmp_path):
    model, _ = exported["conv1d_tagger.synth"]
    assert next_version(tmp_path / "none") == 1
    first = export(model, tmp_path / "m")
    (tmp_path / "m" / "7").mkdir()
    assert os.path.basename(first) == "1" and os.path.basename(export(model, tmp_path / "m")) == "8"
    with pytest.raises(FileExistsError, match="version 7 exists"):
        export(model, tmp_path / "m", version=7)
    assert sorted(os.listdir(tmp_path / "m")) == ["1", "7", "8"], "no staging folders left behind"


@pytest.fixture(scope="module")
def loaded_signatures(exported):
    """name → the exported model's signatures, each SavedModel loaded once."""
    cache = {}

    def signatures(name):
        if name not in cache:
            cache[name] = tf.saved_model.load(exported[name][1]).signatures
        return cache[name]

    return signatures


def pcm_clip(rate, seconds, seed):
    return np.round(harmonic_test_signal(rate, seconds, seed=seed) * 32767).astype(np.int16)


@pytest.mark.parametrize("name", ["conv1d_tagger.synth", "dnn_chroma.synth", "musicnn.mtt"])
def test_serve_wav_scores_each_clip_as_if_sent_alone(exported, loaded_signatures, name):
    model, _ = exported[name]
    rate = model.preset.sample_rate
    serve_wav = loaded_signatures(name)["serve_wav"]
    clips = [pcm_clip(rate, seconds, seed) for seconds, seed in ((3.0, 0), (10.0, 1), (0.5, 2))]
    together = {key: value.numpy() for key, value in serve_wav(wav=[wav_bytes(c, rate) for c in clips]).items()}
    length = clip_length_output(model)
    for index, clip in enumerate(clips):
        alone = {key: value.numpy()[0] for key, value in serve_wav(wav=[wav_bytes(clip, rate)]).items()}
        direct = keras.tree.map_structure(lambda t: np.asarray(t)[0],
                                          model(padded_to_a_window(model, clip[None] / 32768.0), training=False))
        direct = {"scores": direct["taggram"].mean(axis=0), **direct} if length == "patches" else {"scores": direct}
        if length:
            own = len(direct["taggram" if length == "patches" else "scores"])
            assert together[length][index] == alone[length] == own
        for key, value in direct.items():
            served = together[key][index]
            if served.ndim == 2:  # a time axis: the clip's own rows, then zeros up to the request's longest
                assert not served[len(value):].any()
                served = served[: len(value)]
            np.testing.assert_allclose(served, alone[key], rtol=0, atol=1e-6)
            np.testing.assert_allclose(served, value, rtol=0, atol=1e-5)


def test_serve_wav_refuses_an_empty_clip_in_any_request(tagger):
    _, loaded = tagger
    serve_wav = loaded.signatures["serve_wav"]
    empty, good = wav_bytes(np.zeros(0, np.int16), 16000), wav_bytes(pcm_clip(16000, 1.0, 0), 16000)
    for request in ([empty], [good, empty], [empty, good]):
        with pytest.raises(tf.errors.InvalidArgumentError, match="waveform has no samples"):
            serve_wav(wav=request)
    assert serve_wav(wav=[good])["scores"].shape == (1, 12)


@pytest.mark.parametrize("shape", [(16000,), (1, 1, 16000), ()], ids=["rank 1", "rank 3", "rank 0"])
def test_serving_default_refuses_a_rank_other_than_two(tagger, shape):
    _, loaded = tagger
    serve = loaded.signatures["serving_default"]
    with pytest.raises(tf.errors.InvalidArgumentError, match=re.escape("expects waveform float32 [batch, samples]")):
        serve(waveform=tf.zeros(shape))
    assert serve(waveform=tf.zeros((1, 16000)))["scores"].shape == (1, 12)


def test_next_version_counts_only_ascii_digit_folders(tmp_path):
    for name in ("3", "\u00b2", "\u0663", "12a", "latest"):  # "²" and Arabic-Indic 3 pass str.isdigit()
        (tmp_path / name).mkdir()
    assert next_version(tmp_path) == 4


@pytest.mark.parametrize("version", [1.5, True, 0, -1, "2"])
def test_export_refuses_a_version_that_is_not_a_positive_int(exported, tmp_path, version):
    model, _ = exported["conv1d_tagger.synth"]
    with pytest.raises(ValueError, match=re.escape(f"received {version!r}")):
        export(model, tmp_path / "m", version=version)
    assert not (tmp_path / "m").exists()


def test_a_failed_export_leaves_no_folder_behind(monkeypatch, tmp_path):
    def fail(*args):
        raise OSError("disk full")

    monkeypatch.setattr("mirzoo.exporting._asset_tables", fail)
    with pytest.raises(OSError, match="disk full"):
        export(mirzoo.build("conv1d_tagger"), tmp_path / "new" / "base")
    assert os.listdir(tmp_path) == []


OTHER_BACKEND = """
import json, os, sys
import keras
import mirzoo
from mirzoo.exporting import export

base = sys.argv[1]
model = mirzoo.load("crnn_tagger")
report = {"backend": keras.backend.backend(), "path": export(model, os.path.join(base, "served"))}
report["imported_tensorflow"] = "tensorflow" in sys.modules
try:
    export("no_such_model", os.path.join(base, "unknown"))
except mirzoo.UnknownModelError as error:  # raised in the TensorFlow process, re-raised here with its type
    report["unknown"] = str(error)
sys.modules["tensorflow"] = None  # as if TensorFlow were not installed
try:
    export(model, os.path.join(base, "no_tensorflow"))
except ImportError as error:
    report["no_tensorflow"] = str(error)
print(json.dumps(report))
"""


def served_scores(path, waveform):
    return tf.saved_model.load(path).signatures["serving_default"](waveform=tf.constant(waveform))["scores"].numpy()


@pytest.fixture(scope="module")
def trained_tagger():
    """The TensorFlow model that the other backends' exports must serve, and a clip for it."""
    model = mirzoo.load("crnn_tagger")
    return model, harmonic_test_signal(model.preset.sample_rate, 12.0)[None]


@pytest.mark.slow
@pytest.mark.parametrize("backend", ["jax", "torch"])
def test_export_on_another_backend_runs_in_tensorflow(backend, trained_tagger, tmp_path):
    if importlib.util.find_spec(backend) is None:
        pytest.skip(f"{backend} is not installed")
    model, waveform = trained_tagger
    result = subprocess.run([sys.executable, "-c", OTHER_BACKEND, str(tmp_path)], capture_output=True, text=True,
                            timeout=300, env={**os.environ, "KERAS_BACKEND": backend})
    assert result.returncode == 0, result.stderr[-3000:]
    report = json.loads(result.stdout.strip().splitlines()[-1])
    assert report["backend"] == backend and report["path"] == str(tmp_path / "served" / "1")
    assert not report["imported_tensorflow"], "the export ran in this process, not in a TensorFlow subprocess"
    np.testing.assert_allclose(served_scores(report["path"], waveform), model.predict(waveform, verbose=0),
                               rtol=0, atol=1e-5)
    # The model's own preset, not that of the copy handed to the TensorFlow process.
    own_preset = json.loads(json.dumps(model.preset.to_dict()))
    assert json.load(open(os.path.join(report["path"], "assets", "preset.json"))) == own_preset
    assert "'no_such_model'" in report["unknown"]
    assert report["no_tensorflow"] == (
        f"mirzoo.export (SavedModel) needs TensorFlow (on {backend}, it exports in a TensorFlow subprocess): "
        "pip install 'mirzoo[tensorflow-cpu]' (or 'mirzoo[tensorflow]' for the GPU build).")
    assert sorted(os.listdir(tmp_path)) == ["served"], "no folder left by the failed exports"


@pytest.mark.slow
def test_cli_export_on_jax(trained_tagger, tmp_path):
    if importlib.util.find_spec("jax") is None:
        pytest.skip("jax is not installed")
    model, waveform = trained_tagger
    cli = [sys.executable, "-m", "mirzoo", "export"]
    environment = {**os.environ, "KERAS_BACKEND": "jax"}
    result = subprocess.run([*cli, "crnn_tagger", str(tmp_path / "served")], capture_output=True, text=True,
                            timeout=300, env=environment)
    assert result.returncode == 0, result.stderr[-3000:]
    report = json.loads(result.stdout)
    assert report["saved_model"] == str(tmp_path / "served" / "1") and report["unregistered_ops"] == []
    np.testing.assert_allclose(served_scores(report["saved_model"], waveform), model.predict(waveform, verbose=0),
                               rtol=0, atol=1e-5)
    failed = subprocess.run([*cli, "./no_such_folder", str(tmp_path / "failed")], capture_output=True, text=True,
                            timeout=300, env=environment)
    assert failed.returncode == 2 and failed.stdout == ""
    assert failed.stderr.strip().splitlines()[-1].startswith("mirzoo: error: ")
    assert "Traceback" not in failed.stderr and not (tmp_path / "failed").exists()
