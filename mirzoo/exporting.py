"""SavedModels for TensorFlow Serving: raw audio or WAV bytes in, named scores out, core ops only.

`export(model, base_path)` writes TF Serving's layout `base_path/<version>/` with two signatures:

- `serving_default`: `waveform` float32 `[batch, samples]` at the preset's sample rate (a tagger
  zero-pads clips shorter than its window to one window, as `mirzoo.predict` does) →
  `scores` float32 `[batch, n_labels]` (taggers) or `[batch, frames, n_labels]` (frame models).
  Patch taggers (the musicnn ports) also return `taggram` `[batch, patches, n_labels]` (the
  score of each patch) and `embedding` `[batch, patches, features]`; their `scores` is the mean
  of the taggram over the patches, the original's track-level tags.
  A tensor of another rank than `[batch, samples]`, NaN/inf samples, or a peak above 1000
  (audio is in [-1, 1], as for `mirzoo.predict`) is refused with an `InvalidArgument` error.
- `serve_wav`: `wav` string `[batch]` of WAV-file bytes, decoded in the graph with
  `tf.audio.decode_wav` (16-bit PCM) and downmixed. Each clip is scored alone (`tf.map_fn` over
  the request), exactly as if it were sent by itself, so its outputs never depend on the other
  clips; an empty clip is refused ("waveform has no samples") in any request. The same outputs:
  those with a time axis (frame models' `scores`, patch taggers' `taggram` and `embedding`) are
  zero-padded to the request's longest clip, and an int32 `[batch]` output holds each clip's own
  length: `frames` (frame models) or `patches` (patch taggers); entries beyond it are zeros.
  A WAV at another sample rate is refused with an `InvalidArgument` error naming the expected
  rate (no in-graph resampling).

`labels.txt` (one label per line, in score order) and `preset.json` (sample rate, frame rate,
front end, …) are stored as SavedModel assets. Nothing of mirzoo or Keras is needed to serve it.
"""

import importlib
import json
import os
import re
import shutil
import subprocess
import sys
import tempfile

import keras

from mirzoo.audio import MAX_PEAK
from mirzoo.inference import check_count, patch_frames_of
from mirzoo.presets import PRESET_FILE
from mirzoo.tensorflow_support import check_tensorflow_installed, require_tensorflow

LABELS_FILE = "labels.txt"


def next_version(base_path):
    """The smallest integer above every numeric version folder in `base_path` (1 when there is none).

    Only names of ASCII digits count, as for TF Serving (`str.isdigit` also accepts "²" or "٣").
    """
    if not os.path.isdir(base_path):
        return 1
    versions = [int(name) for name in os.listdir(base_path) if re.fullmatch(r"[0-9]+", name)]
    return max(versions, default=0) + 1


def checked_rank(waveform, tf):
    """`waveform`, once it is checked to be `[batch, samples]` (an `InvalidArgument` error otherwise).

    TF Serving feeds a tensor of any rank to the `[batch, samples]` placeholder. The rank is counted
    from the shape's values (`tf.where`) because graph optimisation folds `tf.rank` to the declared 2.
    """
    rank_check = tf.debugging.assert_equal(
        tf.size(tf.where(tf.shape(waveform) >= 0)), 2,
        message="serving_default expects waveform float32 [batch, samples]: one row of mono samples per clip",
    )
    with tf.control_dependencies([rank_check]):
        return tf.identity(waveform)


def checked_samples(waveform, tf):
    """`waveform` `[batch, samples]`, once it is checked to have samples, all finite and none above `MAX_PEAK`
    (an `InvalidArgument` error otherwise), as `mirzoo.predict` checks audio."""
    with tf.control_dependencies(
        [tf.debugging.assert_greater(tf.shape(waveform)[1], 0, message="waveform has no samples")]
    ):
        waveform = tf.debugging.assert_all_finite(waveform, "waveform contains NaN or infinite samples")
    # As mirzoo.predict: far beyond full scale is not audio in [-1, 1] (and overflows the power spectrum).
    peak = tf.reduce_max(tf.abs(waveform))  # -inf for no samples
    with tf.control_dependencies([tf.debugging.assert_less_equal(
            peak, MAX_PEAK, message=f"waveform must lie in [-1, 1]; its peak is above {MAX_PEAK:g}")]):
        return tf.identity(waveform)


def _serving_functions(model, tf):
    """(serving_default, serve_wav): the two endpoints' functions.

    serve_wav scores each clip alone, inside the graph (`tf.map_fn` over the request), so a clip's
    outputs never depend on the other clips of its request; outputs with a time axis come back
    zero-padded to the request's longest, with each clip's own length beside them.
    """
    preset = model.preset
    sample_rate = preset.sample_rate
    patched = patch_frames_of(preset) is not None

    # Taggers see at least one whole window: shorter clips are zero-padded to one, as mirzoo.predict does.
    minimum_samples = preset.clip_samples if preset.task == "tagging" else 0

    def checked(waveform):
        waveform = checked_samples(waveform, tf)
        return tf.pad(waveform, [[0, 0], [0, tf.maximum(minimum_samples - tf.shape(waveform)[1], 0)]])

    def outputs_of(waveform):
        outputs = model(checked(waveform), training=False)
        if not patched:
            return {"scores": outputs}
        return {"scores": tf.reduce_mean(outputs["taggram"], axis=1), "taggram": outputs["taggram"],
                "embedding": outputs["embedding"]}

    def scores(waveform):
        return outputs_of(checked_rank(waveform, tf))

    def decode(contents):
        audio, rate = tf.audio.decode_wav(contents)
        with tf.control_dependencies([tf.debugging.assert_equal(
            rate, sample_rate, message=f"serve_wav expects WAV audio at {sample_rate} Hz; resample it before sending"
        )]):
            return tf.reduce_mean(audio, axis=1)

    # One clip's outputs, without the batch axis: a time axis (frames, patches) varies from clip to clip.
    clip_shapes = {key: tuple(value.shape[1:]) for key, value in
                   (model.output if patched else {"scores": model.output}).items()}
    if patched:
        clip_shapes["scores"] = clip_shapes["taggram"][1:]
    clip_specs = {key: tf.RaggedTensorSpec(shape, tf.float32, ragged_rank=0) if shape[0] is None
                  else tf.TensorSpec(shape, tf.float32) for key, shape in clip_shapes.items()}
    length_key, timed_key = ("patches", "taggram") if patched else ("frames", "scores")

    def score_one_wav(contents):
        return {key: value[0] for key, value in outputs_of(decode(contents)[None]).items()}

    def scores_from_wav(wav):
        clips = tf.map_fn(score_one_wav, wav, fn_output_signature=clip_specs)
        # An empty request's ragged values lack their inner shape: the reshape restores it.
        outputs = {key: value.with_flat_values(tf.reshape(value.flat_values, [-1, *clip_shapes[key][1:]])).to_tensor()
                   if isinstance(value, tf.RaggedTensor) else value for key, value in clips.items()}
        if isinstance(clips[timed_key], tf.RaggedTensor):
            outputs[length_key] = tf.cast(clips[timed_key].row_lengths(), tf.int32)
        return outputs

    return scores, scores_from_wav


def _asset_tables(model, directory, tf):
    """Lookup tables read from `labels.txt` and `preset.json`, which makes both files SavedModel assets.

    Keras' ExportArchive keeps tracked TensorFlow resources, and a table built from a
    text file carries that file as an asset into `<version>/assets/`. The tables
    (label → index, line number → preset.json line) are a by-product.
    """
    labels_path = os.path.join(directory, LABELS_FILE)
    with open(labels_path, "w", encoding="utf-8") as handle:
        handle.write("\n".join(model.preset.labels) + "\n")
    preset_path = os.path.join(directory, PRESET_FILE)
    with open(preset_path, "w", encoding="utf-8") as handle:
        json.dump(model.preset.to_dict(), handle, indent=2, sort_keys=True)
    whole_line, line_number = tf.lookup.TextFileIndex.WHOLE_LINE, tf.lookup.TextFileIndex.LINE_NUMBER
    return [
        tf.lookup.StaticHashTable(
            tf.lookup.TextFileInitializer(labels_path, tf.string, whole_line, tf.int64, line_number), -1),
        tf.lookup.StaticHashTable(
            tf.lookup.TextFileInitializer(preset_path, tf.int64, line_number, tf.string, whole_line), ""),
    ]


def export(model, base_path, version=None, weights="default"):
    """Write a servable SavedModel to `base_path/<version>/`.

    A SavedModel is a TensorFlow artifact. Under the JAX or PyTorch backend the
    export runs in a TensorFlow subprocess (TensorFlow must be installed; this
    process never imports it): a model is handed over as a preset folder
    (`save_preset`), a name or folder as it is; the SavedModel is the one the
    TensorFlow backend writes for the same weights.

    Args:
        model: a model from `mirzoo.build` / `mirzoo.load`, or a name / preset folder
            (loaded with `weights`).
        base_path: TF Serving's model base path.
        version: a positive int (not a bool, float or string); default the next free
            one. An existing version is never overwritten.
        weights: for a name or folder: as `mirzoo.load`.

    Returns:
        The version folder's path. It appears complete or not at all (written
        beside it, then renamed), so a server polling `base_path` never loads half
        an export. A failed export leaves no folder it created behind.

    Raises:
        ImportError: TensorFlow is not installed (raised before anything is written).
        FileExistsError: `base_path/<version>` exists.
        ValueError: an invalid `version`, or a model without a preset; errors of
            `mirzoo.load` for a name or folder, with their own types.
    """
    if version is not None:
        version = check_count("version", version)
    backend = keras.backend.backend()
    if backend != "tensorflow":
        check_tensorflow_installed("mirzoo.export (SavedModel)", f"on {backend}, it exports in a TensorFlow subprocess")
        return _export_in_tensorflow(model, base_path, version, weights)
    tf = require_tensorflow("mirzoo.export (SavedModel)")
    if isinstance(model, (str, os.PathLike)):
        from mirzoo.loading import load

        model = load(model, weights=weights)
    _check_preset(model)
    if version is None:
        version = next_version(base_path)
    target = version_folder(base_path, version)
    scores, scores_from_wav = _serving_functions(model, tf)

    def fill(archive, asset_dir):
        archive.track(model)
        for table in _asset_tables(model, asset_dir, tf):
            archive.track(table)
        archive.add_endpoint("serving_default", scores,
                             input_signature=[tf.TensorSpec([None, None], tf.float32, name="waveform")])
        archive.add_endpoint("serve_wav", scores_from_wav,
                             input_signature=[tf.TensorSpec([None], tf.string, name="wav")])

    return write_archive(target, fill)


def write_archive(target, fill):
    """Write a SavedModel at `target` (`base_path/<version>`, see `version_folder`) so that it appears complete or
    not at all.

    `fill(archive, asset_dir)` tracks what a `keras.export.ExportArchive` needs and adds its endpoints; files it
    writes into `asset_dir` (a scratch folder) are assets. The archive is written beside `target`, then renamed;
    on any failure nothing is left behind, not even the folders of `base_path` this call created.
    """
    base_path, version = os.path.split(target)
    created = _missing_folders(base_path)
    os.makedirs(base_path, exist_ok=True)
    staging = tempfile.mkdtemp(prefix=f".{version}-", dir=base_path)
    try:
        with tempfile.TemporaryDirectory() as asset_dir:
            archive = keras.export.ExportArchive()
            fill(archive, asset_dir)
            archive.write_out(staging, verbose=False)
        os.replace(staging, target)
    except BaseException:
        shutil.rmtree(staging, ignore_errors=True)
        _remove_empty(created)
        raise
    return target


def _check_preset(model):
    """Refuse a model that was not made by `mirzoo.build` / `mirzoo.load`: an export needs its preset."""
    if getattr(model, "preset", None) is None:
        raise ValueError("This model carries no preset: build it with mirzoo.build or mirzoo.load.")


def version_folder(base_path, version):
    """`base_path/<version>`, refused with a FileExistsError when it exists."""
    target = os.path.join(base_path, str(version))
    if os.path.exists(target):
        raise FileExistsError(f"{target}: version {version} exists already; choose another or leave version=None.")
    return target


def _missing_folders(path):
    """`path` and those of its parents that do not exist yet, deepest first: what `os.makedirs` would create."""
    missing = []
    path = os.path.abspath(path)
    while not os.path.exists(path):
        missing.append(path)
        path = os.path.dirname(path)
    return missing


def _remove_empty(folders):
    """Remove `folders` (deepest first) while they are empty: those an export created and filled with nothing."""
    for folder in folders:
        try:
            os.rmdir(folder)
        except OSError:  # absent, or something else wrote into it meanwhile
            return


# The TensorFlow side of an export requested from another backend: `_export_request(request.json)`.
_TENSORFLOW_PROCESS = "import sys; from mirzoo.exporting import _export_request; _export_request(sys.argv[1])"


def _export_in_tensorflow(model, base_path, version, weights):
    """`export` for the JAX and PyTorch backends: the same export, run in a subprocess on the TensorFlow backend.

    A model object travels as a preset folder (`save_preset`) with its own preset beside it, so the SavedModel's
    `preset.json` asset is the model's; a name or folder is handed over as it is. Errors of mirzoo's and Python's
    own types are raised here again with the subprocess's message.
    """
    if not isinstance(model, (str, os.PathLike)):
        _check_preset(model)
    if version is None:
        version = next_version(base_path)
    target = version_folder(base_path, version)
    from mirzoo.loading import save_preset

    with tempfile.TemporaryDirectory(prefix="mirzoo-export-") as scratch:
        request = {"base_path": os.path.abspath(base_path), "version": version, "weights": weights}
        if isinstance(model, (str, os.PathLike)):
            # A path object names a folder even where a registered name is spelt the same: keep it a path.
            request.update(model=model if isinstance(model, str) else os.path.abspath(model), preset=None)
        else:
            preset_dir = os.path.join(scratch, "preset")
            save_preset(model, preset_dir)
            request.update(model=preset_dir, preset=model.preset.to_dict())
        if isinstance(weights, os.PathLike):
            request["weights"] = os.path.abspath(weights)
        request_path = os.path.join(scratch, "request.json")
        with open(request_path, "w", encoding="utf-8") as handle:
            json.dump(request, handle)
        package_root = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
        environment = {
            **os.environ,
            "KERAS_BACKEND": "tensorflow",
            # The mirzoo this process runs, wherever it was imported from.
            "PYTHONPATH": os.pathsep.join(filter(None, [package_root, os.environ.get("PYTHONPATH")])),
            # Tracing needs no accelerator, and this process's backend may hold the GPU's memory.
            "CUDA_VISIBLE_DEVICES": "-1",
            "TF_CPP_MIN_LOG_LEVEL": os.environ.get("TF_CPP_MIN_LOG_LEVEL", "2"),
        }
        process = subprocess.run([sys.executable, "-c", _TENSORFLOW_PROCESS, request_path],
                                 capture_output=True, text=True, env=environment, check=False)
        result_path = os.path.join(scratch, "result.json")
        if not os.path.isfile(result_path):
            raise RuntimeError(f"The TensorFlow export process ended with status {process.returncode} before "
                               f"it finished; its last output:\n{process.stderr[-3000:]}")
        with open(result_path, encoding="utf-8") as handle:
            result = json.load(handle)
    if result["error"] is not None:
        raise _same_error(**result["error"])
    return target


def _export_request(request_path):
    """Run the export that `_export_in_tensorflow` asks for in `request_path`; write `result.json` beside it:
    `{"error": null}`, or the exception's `{"error": {"module", "name", "message"}}`."""
    with open(request_path, encoding="utf-8") as handle:
        request = json.load(handle)
    try:
        model = request["model"]
        if request["preset"] is not None:
            from mirzoo.loading import load
            from mirzoo.presets import PresetConfig

            model = load(model)
            model.preset = PresetConfig.from_dict(request["preset"])  # its own weights entry, not the scratch copy's
        export(model, request["base_path"], version=request["version"], weights=request["weights"])
        result = {"error": None}
    except Exception as error:
        result = {"error": {"module": type(error).__module__, "name": type(error).__qualname__, "message": str(error)}}
    with open(os.path.join(os.path.dirname(request_path), "result.json"), "w", encoding="utf-8") as handle:
        json.dump(result, handle)


def _same_error(module, name, message):
    """The exception the TensorFlow export process raised, as Python's or mirzoo's own type where it is one."""
    error_type = None
    if module == "builtins" or module.split(".")[0] == "mirzoo":
        error_type = getattr(importlib.import_module(module), name, None)
    if isinstance(error_type, type) and issubclass(error_type, Exception):
        return error_type(message)
    return RuntimeError(f"The TensorFlow export process failed: {module}.{name}: {message}")


def saved_model_op_types(path):
    """Every op type in a SavedModel: its graphs and every function of their libraries."""
    require_tensorflow("mirzoo.exporting.saved_model_op_types")
    from tensorflow.core.protobuf import saved_model_pb2

    saved = saved_model_pb2.SavedModel()
    with open(os.path.join(path, "saved_model.pb"), "rb") as handle:
        saved.ParseFromString(handle.read())
    ops = set()
    for meta_graph in saved.meta_graphs:
        ops.update(node.op for node in meta_graph.graph_def.node)
        for function in meta_graph.graph_def.library.function:
            ops.update(node.op for node in function.node_def)
    return ops


def unregistered_ops(path):
    """Op types of the SavedModel that this process's TensorFlow does not register (empty when servable).

    Run it in a process that imported nothing but TensorFlow to see what a stock
    TensorFlow (and TF Serving built from it) can run. Function calls by name
    (the library's own functions) are not ops and are left out.
    """
    require_tensorflow("mirzoo.exporting.unregistered_ops")
    from tensorflow.core.protobuf import saved_model_pb2
    from tensorflow.python.framework import op_def_registry

    saved = saved_model_pb2.SavedModel()
    with open(os.path.join(path, "saved_model.pb"), "rb") as handle:
        saved.ParseFromString(handle.read())
    functions = {f.signature.name for g in saved.meta_graphs for f in g.graph_def.library.function}
    return sorted(op for op in saved_model_op_types(path) if op not in functions and op_def_registry.get(op) is None)
