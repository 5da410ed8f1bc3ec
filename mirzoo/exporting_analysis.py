"""One SavedModel for a whole analysis: a 44.1 kHz waveform in, every analysis head's activations out.

`export_analysis(base_path)` writes TF Serving's layout `base_path/<version>/` with one signature,
`serving_default`:

- input `waveform`: float32 `[batch, samples]`, mono, at 44 100 Hz (`ANALYSIS_SAMPLE_RATE`), in [-1, 1].
  Every row is one recording and is analysed alone (no head mixes rows: no batch-wide normalisation), so a
  batch holds recordings of one length; a request usually holds one (batch 1). The whole recording goes in
  at once: the heads see it whole, as `mirzoo.predict` lets them (the key CNN and the recurrent beat network
  need all of it), so memory grows with its length: with the default heads, measured on CPU, about 13 MB a
  second of audio (1.2 GB for a minute, 7.6 GB for 10 minutes; the multi-resolution and float64 spectrograms
  of the beat and onset networks dominate; 3 minutes take 17 s on 2 CPU cores). Cap the length of what you
  accept accordingly.
  A tensor of another rank, no samples, NaN/inf samples, a peak above 1000, or fewer samples than a head
  needs (the key CNN pools over 8 frames: 1.4 s) is refused with an `InvalidArgument` error.
- outputs `<head>_<output>`, float32, one set per head (`DEFAULT_ANALYSIS_HEADS`; `ANALYSIS_HEADS` adds
  the optional piano transcription):

  | head | preset | outputs |
  |---|---|---|
  | key | cnn_key.madmom | `key_probabilities` `[batch, 24]` (softmax over the keys) |
  | beats | blstm_downbeats.madmom | `beats_activations` `[batch, frames, 2]` at 100 fps: beat, downbeat |
  | chords | dnn_chroma.madmom_chords | `chords_features` `[batch, frames, 12]` at 10 fps: the deep chroma, the |
  |  |  | CRF's observations (with `cnn_chords.madmom`: its 128 features) |
  | onsets | cnn_onsets.madmom | `onsets_activations` `[batch, frames, 1]` at 100 fps |
  | tags | musicnn.mtt | `tags_scores` `[batch, 50]` (mean of the taggram), `tags_taggram` `[batch, patches, 50]` |
  | notes (opt.) | cnn_piano.madmom | `notes_activations` `[batch, frames, 264]` at 50 fps: 88 notes, onsets, offsets |

  Frame `k` of a head is at `k / frame_rate` seconds, patch `k` of the tagger at `k · patch_seconds`.

- asset `analysis.json` (`ANALYSIS_FILE`): the input contract and, per head, its preset name, task, sample
  rate, frame rate, labels, output names and shapes, decoder settings (`name` and the keyword arguments of
  the `mirzoo.decoders` function, as `mirzoo.predict` calls it), licence and paper; the chord head also
  its CRF's parameters (`crf`: `weights`, `bias`, `transitions`, `initial`, `final` as lists of float32
  values: convert them back with `np.asarray(..., np.float32)` and the chords equal `mirzoo.predict`'s).
  A client needs nothing else to decode the response with `mirzoo.decoders` (NumPy only):
  `examples/tf_serving/analysis_client.py`.

The heads are the models `mirzoo.load` gives, called on the whole waveform; their activations equal
`mirzoo.predict`'s to float32 rounding, which runs frame models in chunks with context and the recurrent
ensembles' recurrence in NumPy (here it is their Keras layers' `keras.ops.scan`, a TensorFlow while loop).

musicnn's tagger works at 16 kHz, and TF Serving cannot resample a request. So the graph resamples the
waveform with :class:`Resample`, a Kaiser-windowed sinc whose response follows soxr's "HQ" mode, which
`mirzoo.predict` resamples with. Measured on `rhythmic_test_signal(44100, 12.0, seed=s)`, s = 0…3: its 16 kHz
audio differs from soxr's by at most 4.6e-4, the tags (`tags_scores`) by at most 1.7e-4 and the taggram by
5.6e-4; soxr's own "VHQ" mode differs from its "HQ" mode by more (tags 2.3e-4 to 7.2e-4, taggram 7.6e-4 to
1.6e-3), and the top tags are the same. So the tags stay in the SavedModel.

Only core TensorFlow ops are used (`mirzoo.exporting.unregistered_ops` finds none): stock TF Serving serves it.
"""

import json
import math
import os
import re

import keras

from mirzoo.analysis import DEFAULT_TASKS, MODELS, check_model
from mirzoo.exporting import checked_rank, checked_samples, next_version, version_folder, write_archive
from mirzoo.inference import check_count, frame_count, front_end_and_network, patch_frames_of
from mirzoo.layers import Resample
from mirzoo.tensorflow_support import require_tensorflow

ANALYSIS_SAMPLE_RATE = 44100
ANALYSIS_FILE = "analysis.json"
ANALYSIS_FORMAT = "mirzoo.analysis/1"

# Head name → preset: `mirzoo analyze`'s tasks and models, so the SavedModel answers what the command does. The
# head name prefixes its outputs.
ANALYSIS_HEADS = MODELS
DEFAULT_ANALYSIS_HEADS = DEFAULT_TASKS


def _head_models(heads):
    """`{head: model}` for `heads`: names of `ANALYSIS_HEADS`, or a mapping of head names to preset names,
    preset folders or models of `mirzoo.load`."""
    if isinstance(heads, str):
        raise TypeError(f"heads is a sequence of head names or a mapping of them to presets; received the string "
                         f"{heads!r} (write ({heads!r},) for one head).")
    if not isinstance(heads, dict):
        heads = list(heads)
        unknown = [head for head in heads if head not in ANALYSIS_HEADS]
        if unknown:
            raise ValueError(f"Unknown analysis heads {unknown}; choose from {sorted(ANALYSIS_HEADS)} or pass a "
                             "mapping of head names to presets.")
        heads = {head: ANALYSIS_HEADS[head] for head in heads}
    if not heads:
        raise ValueError("An analysis needs at least one head; received none.")
    models = {}
    for head, model in heads.items():
        if not isinstance(head, str) or not re.fullmatch(r"[a-z][a-z0-9_]*", head):
            raise ValueError(f"A head name prefixes output names: lower-case letters, digits and underscores, "
                             f"starting with a letter; received {head!r}.")
        if isinstance(model, (str, os.PathLike)):
            from mirzoo.loading import load

            model = load(model)
        preset = getattr(model, "preset", None)
        if preset is None:
            raise ValueError(f"Head {head!r}: this model carries no preset: build it with mirzoo.build or "
                             "mirzoo.load.")
        if head in ANALYSIS_HEADS:  # a head named after an analysis task answers that task
            check_model(head, preset)
        if preset.task == "tagging" and not patch_frames_of(preset):
            raise ValueError(f"Head {head!r}: {preset.name} scores fixed windows with a hop; an analysis takes "
                             "classifiers, frame models and patch taggers (which score the whole recording).")
        models[head] = model
    return models


def _output_shapes(model):
    """`{output: shape}` of a head, without its name prefix; shapes name their axes (`"batch"`, `"frames"`)."""
    preset = model.preset
    width = len(preset.labels)
    if patch_frames_of(preset):
        return {"scores": ["batch", width], "taggram": ["batch", "patches", width]}
    if preset.task == "classification":
        return {"probabilities": ["batch", width]}
    name = "features" if preset.decoder.get("name") == "chords" else "activations"
    return {name: ["batch", "frames", width]}


def _head_outputs(model, audio, tf):
    """`{output: tensor}` of a head on `audio` at its preset's rate (names as `_output_shapes`)."""
    outputs = model(audio, training=False)
    if patch_frames_of(model.preset):
        outputs = {"scores": tf.reduce_mean(outputs["taggram"], axis=1), "taggram": outputs["taggram"]}
    else:
        outputs = dict(zip(_output_shapes(model), [outputs]))
    return {name: tf.cast(value, tf.float32) for name, value in outputs.items()}


def _fewest_samples(model):
    """The fewest samples (at the analysis rate) a head can analyse: a classifier's max-pools need at least the
    product of their strides over time in frames (madmom's key CNN: 8 frames), as `mirzoo.predict` requires;
    other heads need one sample."""
    preset = model.preset
    if preset.task != "classification":
        return 1
    frames = front_end_and_network(model)[2]
    hop = preset.frontend["hop_length"]
    samples = next(s for s in range(max(1, (frames - 1) * hop), frames * hop + 1) if frame_count(preset, s) >= frames)
    return math.ceil(samples * ANALYSIS_SAMPLE_RATE / preset.sample_rate)


def _analysis_function(models, tf):
    """The `serving_default` function: waveform `[batch, samples]` at 44.1 kHz → `{<head>_<output>: tensor}`."""
    resamplers = {rate: Resample(ANALYSIS_SAMPLE_RATE, rate, name=f"resample_{rate}")
                  for rate in sorted({model.preset.sample_rate for model in models.values()})
                  if rate != ANALYSIS_SAMPLE_RATE}
    needs = {head: _fewest_samples(model) for head, model in models.items()}
    limiting = max(needs, key=needs.get)
    minimum = needs[limiting]
    message = (f"the analysis needs at least {minimum} samples ({minimum / ANALYSIS_SAMPLE_RATE:.2f} s at "
               f"{ANALYSIS_SAMPLE_RATE} Hz) for its {limiting} head ({models[limiting].preset.name})")

    def analyse(waveform):
        waveform = checked_samples(checked_rank(waveform, tf), tf)
        with tf.control_dependencies([tf.debugging.assert_greater_equal(tf.shape(waveform)[1], minimum,
                                                                        message=message)]):
            waveform = tf.identity(waveform)
        audio = {ANALYSIS_SAMPLE_RATE: waveform}
        audio.update({rate: resample(waveform) for rate, resample in resamplers.items()})
        outputs = {}
        for head, model in models.items():
            for name, value in _head_outputs(model, audio[model.preset.sample_rate], tf).items():
                outputs[f"{head}_{name}"] = value
        return outputs

    return analyse, minimum


def _analysis_description(models, minimum_samples):
    """The content of `analysis.json` (see the module docstring): JSON-ready."""
    from mirzoo import __version__

    heads = {}
    for head, model in models.items():
        preset = model.preset
        description = {
            "preset": preset.name,
            "task": preset.task,
            "sample_rate": preset.sample_rate,
            "frame_rate": preset.frame_rate,
            "labels": list(preset.labels),
            "outputs": {f"{head}_{name}": shape for name, shape in _output_shapes(model).items()},
            "decoder": dict(preset.decoder),
            "license": preset.license,
            "paper": preset.paper,
        }
        patch_frames = patch_frames_of(preset)
        if patch_frames:
            description["patch_seconds"] = patch_frames * preset.frontend["hop_length"] / preset.sample_rate
        if preset.sample_rate != ANALYSIS_SAMPLE_RATE:  # by Resample, in the graph
            description["resampled_from"] = ANALYSIS_SAMPLE_RATE
        if preset.decoder.get("name") == "chords":
            description["crf"] = {name: value.tolist() for name, value in model.get_layer("crf").parameters().items()}
        heads[head] = description
    return {
        "format": ANALYSIS_FORMAT,
        "mirzoo_version": __version__,
        "signature": "serving_default",
        "input": {"name": "waveform", "dtype": "float32", "shape": ["batch", "samples"],
                  "sample_rate": ANALYSIS_SAMPLE_RATE, "min_samples": minimum_samples},
        "heads": heads,
    }


def export_analysis(base_path, heads=DEFAULT_ANALYSIS_HEADS, version=None):
    """Write one servable SavedModel with every analysis head to `base_path/<version>/` (see the module docstring).

    Args:
        base_path: TF Serving's model base path.
        heads: names of `ANALYSIS_HEADS` (default: key, beats, chords, onsets, tags; add "notes" for piano
            transcription), or a mapping of head names to preset names, preset folders or models of
            `mirzoo.load` (classifiers, frame models and patch taggers).
        version: a positive int; default the next free one. An existing version is never overwritten.

    Returns:
        The version folder's path. It appears complete or not at all (written beside it, then renamed); a
        failed export leaves no folder it created behind.

    Raises:
        ImportError: TensorFlow is not installed.
        RuntimeError: Keras runs on another backend than TensorFlow (raised before anything is written).
        FileExistsError: `base_path/<version>` exists.
        ValueError: an invalid `version` or `heads`; errors of `mirzoo.load`, with their own types.
        TypeError: `heads` is a string (one head is `("key",)`).
    """
    if version is not None:
        version = check_count("version", version)
    tf = require_tensorflow("mirzoo.exporting_analysis.export_analysis (SavedModel)")
    if keras.backend.backend() != "tensorflow":
        raise RuntimeError(f"export_analysis traces the heads with TensorFlow; Keras runs on "
                           f"{keras.backend.backend()}: run it with KERAS_BACKEND=tensorflow.")
    if version is None:
        version = next_version(base_path)
    target = version_folder(base_path, version)
    models = _head_models(heads)
    analyse, minimum = _analysis_function(models, tf)

    def fill(archive, asset_dir):
        for model in models.values():
            archive.track(model)
        archive.track(_asset_table(_analysis_description(models, minimum), asset_dir, tf))
        archive.add_endpoint("serving_default", analyse,
                             input_signature=[tf.TensorSpec([None, None], tf.float32, name="waveform")])

    return write_archive(target, fill)


def _asset_table(description, directory, tf):
    """A lookup table (line number → line) read from `analysis.json`, which makes the file a SavedModel asset
    (as `mirzoo.exporting` does for `preset.json`); the table is a by-product."""
    path = os.path.join(directory, ANALYSIS_FILE)
    with open(path, "w", encoding="utf-8") as handle:
        json.dump(description, handle, indent=1)
    return tf.lookup.StaticHashTable(tf.lookup.TextFileInitializer(
        path, tf.int64, tf.lookup.TextFileIndex.LINE_NUMBER, tf.string, tf.lookup.TextFileIndex.WHOLE_LINE), "")
