"""`train`: fit a zoo architecture on a manifest under a tf.distribute strategy, resumably.

Single machine (default, one device or MirroredStrategy over several) goes
through Keras `fit`. Several machines (`strategy="multiworker"`, `TF_CONFIG`)
go through a custom `strategy.run` loop, because Keras 3's `fit` under
`MultiWorkerMirroredStrategy` fails upstream (keras-team/keras#20585); the loop
computes the same averaged loss and gradient step.

Either way, after every epoch the output folder gets crash-safe checkpoints
(`checkpoints/`, see `mirzoo.checkpoints`, which also keep every epoch's logs);
calling `train` again with the same folder resumes after the last completed
epoch, and on a finished run does nothing but say so. The result is a preset
folder (`preset/`) that `mirzoo.load` reads, named after the run and recording
how it was trained, plus `metrics.json`.
"""

import dataclasses
import json
import math
import os
import re
import warnings

import keras

from mirzoo import checkpoints
from mirzoo.data import read_manifest
from mirzoo.data.pipeline import check_augmentation, clip_dataset, usable_clips
from mirzoo.inference import check_count
from mirzoo.loading import load, save_preset
from mirzoo.presets import read_preset, sha256_of
from mirzoo.registry import get_weights_directory, resolve_preset
from mirzoo.tensorflow_support import require_tensorflow

STRATEGIES = ("auto", "mirrored", "onedevice", "multiworker")
DEFAULT_BATCH_SIZE = 16


@dataclasses.dataclass
class TrainingResult:
    """What `train` produced.

    Attributes:
        preset_dir: the trained preset folder (`mirzoo.load(preset_dir)`).
        history: per-epoch logs of the whole run, epochs of earlier, resumed calls
            included (`{"loss": [...], "val_loss": [...], ...}`, entry `k` for epoch
            `k + 1`; `None` where an epoch did not log that key or logged NaN/inf).
        metrics: final metrics written to `metrics.json`.
        epochs: completed epochs, including those of earlier, resumed runs.
    """

    preset_dir: str
    history: dict
    metrics: dict
    epochs: int


def make_strategy(name="auto"):
    """A `tf.distribute.Strategy`: `auto` mirrors over several GPUs and otherwise uses the default."""
    tf = require_tensorflow("mirzoo.train (tf.distribute)")

    if name not in STRATEGIES:
        raise ValueError(f"`strategy` must be one of {STRATEGIES}; received {name!r}.")
    # Physical devices: listing logical ones would start the runtime, too early for multi-worker collectives.
    gpus = tf.config.list_physical_devices("GPU")
    if name == "auto":
        return tf.distribute.MirroredStrategy() if len(gpus) > 1 else tf.distribute.get_strategy()
    if name == "mirrored":
        return tf.distribute.MirroredStrategy()
    if name == "onedevice":
        return tf.distribute.OneDeviceStrategy("/gpu:0" if gpus else "/cpu:0")
    if "TF_CONFIG" not in os.environ:
        raise ValueError("strategy='multiworker' needs the TF_CONFIG environment variable (cluster and task).")
    return tf.distribute.MultiWorkerMirroredStrategy()


@keras.saving.register_keras_serializable(package="mirzoo")
class SoftAUC(keras.metrics.AUC):
    """ROC-AUC for targets in [0, 1]: a target `y` counts as a positive of weight `y` and a negative of weight
    `1 - y` (the expected confusion matrix when each label is drawn with probability `y`).

    On 0/1 targets it is Keras's `AUC`, to the bit. Keras's own casts targets to bool, so that a teacher's soft
    scores (never exactly 0) would all be positives, leaving no negatives and an AUC of 0.
    """

    def update_state(self, y_true, y_pred, sample_weight=None):
        y_pred = keras.ops.convert_to_tensor(y_pred)
        y_true = keras.ops.cast(y_true, y_pred.dtype)
        positive, negative = y_true, 1.0 - y_true
        if sample_weight is not None:  # one per example: spread over its labels (and frames)
            sample_weight = keras.ops.cast(sample_weight, y_pred.dtype)
            while len(sample_weight.shape) < len(y_true.shape):
                sample_weight = keras.ops.expand_dims(sample_weight, -1)
            positive, negative = positive * sample_weight, negative * sample_weight
        super().update_state(keras.ops.ones_like(y_true), y_pred, sample_weight=positive)
        super().update_state(keras.ops.zeros_like(y_true), y_pred, sample_weight=negative)


@keras.saving.register_keras_serializable(package="mirzoo")
def soft_binary_accuracy(y_true, y_pred, threshold=0.5):
    """How often the decision `y_pred > threshold` is right when each label is drawn with probability `y_true`:
    `y_true` where the prediction says yes, `1 - y_true` where it says no. On 0/1 targets, binary accuracy."""
    y_pred = keras.ops.convert_to_tensor(y_pred)
    y_true = keras.ops.cast(y_true, y_pred.dtype)
    return keras.ops.where(y_pred > threshold, y_true, 1.0 - y_true)


def default_compile(model, learning_rate=1e-3):
    """Compile with the task's defaults: binary cross-entropy, ROC-AUC (macro over labels for taggers, over all
    frames for frame models) and binary accuracy, the metrics generalised to soft targets (:class:`SoftAUC`,
    :func:`soft_binary_accuracy`), identical to Keras's on 0/1 targets."""
    metrics = [SoftAUC(multi_label=model.preset.task == "tagging", name="auc"),
               keras.metrics.MeanMetricWrapper(soft_binary_accuracy, name="accuracy")]
    model.compile(optimizer=keras.optimizers.Adam(learning_rate), loss="binary_crossentropy", metrics=metrics)
    return model


def _manifest_labels(entries, preset):
    """Labels for the model: the preset's when the manifest's clip labels stay within them (or it has none: frame
    labels only), else the manifest's own, sorted. Soft labels have one column per label of the model, which can
    only be the preset's: a manifest with soft labels and clip labels outside the preset's is refused."""
    seen = []
    for entry in entries:
        if entry.labels is not None:
            seen.extend(label for label in entry.labels if label not in seen)
    if set(seen) <= set(preset.labels):
        return preset.labels
    if any(entry.labels is None for entry in entries):
        outside = [label for label in seen if label not in preset.labels]
        raise ValueError(f"The manifest has rows with frame labels, one column per label of {preset.name} (in its "
                         f"order), and rows with clip labels {outside} that {preset.name} does not have. Give every "
                         f"row labels among {list(preset.labels)}, or train on clip labels alone.")
    return tuple(sorted(seen))


def _model_in_scope(model, preset, weights, labels):
    if labels == preset.labels:
        return load(preset if weights is None else model, weights=weights)
    trained = load(preset if weights is None else model, weights=weights, num_classes=len(labels))
    trained.preset = dataclasses.replace(trained.preset, labels=tuple(labels))
    return trained


def train(model, train_manifest, output_dir, validation_manifest=None, epochs=10, batch_size=None,
          learning_rate=1e-3, strategy="auto", seed=0, weights=None, mixed_precision=False,
          early_stopping_patience=None, cache=False, crop_seconds=None, mix=0.0, speed=1.0, remix=0.0,
          keep="best",
          verbose="auto"):
    """Train an architecture on a manifest and save the result as a preset folder.

    Args:
        model: `"arch"`, `"arch.tag"` or a preset folder.
        train_manifest: `.csv` / `.jsonl` manifest (see `mirzoo.data`).
        output_dir: folder for `checkpoints/`, `logs/` (TensorBoard), `preset/`
            and `metrics.json`. Reusing it resumes after the last completed epoch, at this
            call's `learning_rate` (the optimizer's moments and step count carry over);
            once `epochs` are done, calling again changes nothing: it warns that the
            run is already trained and returns its result.
        validation_manifest: optional manifest for validation, best checkpoint
            and early stopping (centre crops). Resuming with another validation
            manifest (other bytes) forgets the best epoch judged on the old one.
        epochs: total epochs, counting resumed ones.
        batch_size: global batch size (split across replicas). `None`: 16, or the
            number of usable training clips when there are fewer (with a
            `UserWarning`); a given size larger than that is a `ValueError`.
        learning_rate: Adam's learning rate.
        strategy: `"auto"`, `"mirrored"`, `"onedevice"` or `"multiworker"`.
        seed: seeds weights, dropout, shuffling and crops: with the same arguments and
            data, the same seed gives the same weights, on CPU bit for bit (TensorFlow's
            oneDNN kernels, and on many cores its running independent ops side by side,
            can make musicnn's differ slightly from run to run; the environment variables
            `TF_ENABLE_ONEDNN_OPTS=0` and `TF_NUM_INTEROP_THREADS=1` turn them off).
        weights: `None` (random start), `"default"` or a path: start from these weights.
        mixed_precision: `False` (float32), `"float16"` (or `True`) or `"bfloat16"`: compute in that half
            precision where safe, weights and front ends staying float32. bfloat16 is the one for CPUs with
            AVX512-BF16 or AMX (and TPUs): on this project's 2-core machine a `conv2d_singing_voice` training
            step takes 0.70 of its float32 time, float16 3.6 times as long (benchmarks/mixed_precision.py).
        early_stopping_patience: stop after this many epochs without a better
            validation loss (`None`: never).
        cache: keep decoded audio in memory between epochs.
        crop_seconds: length of the training and validation crops; default the preset's
            `clip_seconds`. Frame models take any length, so shorter crops train them
            faster; the saved preset keeps its own `clip_seconds`.
        mix: probability that a training example is mixed with another one of its
            batch, labelled with the union of their labels (see `mirzoo.data.from_manifest`).
        speed: the largest factor by which a training crop is played faster or slower, pitch and tempo
            together (speed perturbation, see `mirzoo.data.clip_dataset`); 1 turns it off.
        remix: for a frame model whose manifest names each clip's accompaniment, the probability that a
            training example's marked part (a voice: the clip minus its accompaniment) is laid over another
            example's accompaniment at a random level (see `mirzoo.data.clip_dataset`); 0 turns it off.
        keep: the weights the preset saves: `"best"`, the epoch with the lowest validation loss (the last
            epoch without validation data), or `"last"`, the last epoch. Calling a finished run again
            with the other one saves its preset again from the checkpoints, without training.
        verbose: Keras progress output (`"auto"`, 0, 1, 2).

    Returns:
        :class:`TrainingResult`. The preset is named `arch.<run folder name>` (letters,
        digits, `_` and `-`; `runs/crnn` gives `crnn_tagger.crnn`), its notes say what it
        started from, and its `training` field records the run (see `PresetConfig`).
    """
    tf = require_tensorflow("mirzoo.train (tf.distribute)")

    # The strategy first: multi-worker collectives must be configured before anything starts TensorFlow's runtime.
    distribution = make_strategy(strategy)
    if batch_size is not None:
        batch_size = check_count("batch_size", batch_size)
    half = _half_precision(mixed_precision)
    if keep not in ("best", "last"):
        raise ValueError(f"keep must be 'best' or 'last'; got {keep!r}.")
    check_augmentation(mix, speed, remix)  # before a model is built or a file read
    checkpoint_dir = _checkpoint_dir(output_dir)
    finished = _finished_run(output_dir, checkpoint_dir, epochs, keep)
    if finished is not None:
        warnings.warn(f"{output_dir}: already trained {finished.epochs} epochs (epochs={epochs}); nothing to do. "
                      f"Ask for more epochs to train on, or give another output folder to train anew.",
                      UserWarning, stacklevel=2)
        return finished
    base = resolve_preset(model)
    entries = read_manifest(train_manifest)
    if weights == "default" and base.weights is None:
        # Ported weights (musicnn's) are converted into the user cache on first use, which builds a model and so
        # draws from the random state: convert before seeding, so that the seed alone decides the run.
        get_weights_directory(base)
    keras.utils.set_random_seed(seed)
    policy = keras.mixed_precision.global_policy()
    if half:
        keras.mixed_precision.set_global_policy(f"mixed_{half}")
    try:
        with distribution.scope():
            net = _model_in_scope(model, base, weights, _manifest_labels(entries, base))
            trainee = _clip_level(net)
            default_compile(trainee, learning_rate)
    finally:
        keras.mixed_precision.set_global_policy(policy)
    data_preset = net.preset if crop_seconds is None else net.preset.replace(clip_seconds=float(crop_seconds))
    train_clips = usable_clips(entries, data_preset)
    batch_size = _batch_size(batch_size, len(train_clips))
    train_data = clip_dataset(train_clips, data_preset, batch_size=batch_size, training=True, seed=seed, cache=cache,
                              mix=mix, speed=speed, remix=remix)
    validation_data = validation_steps = None
    if validation_manifest is not None:
        validation_clips = usable_clips(validation_manifest, data_preset)
        validation_data = clip_dataset(validation_clips, data_preset, batch_size=batch_size, training=False,
                                       cache=cache)
        validation_steps = math.ceil(len(validation_clips) / batch_size)
    # The data the best epoch is judged on: a resumed run with another validation manifest starts a new race.
    measured_on = f"sha256:{sha256_of(validation_manifest if validation_manifest is not None else train_manifest)}"
    start = _start(checkpoint_dir, output_dir, base, weights, net.preset)
    multiworker = isinstance(distribution, tf.distribute.MultiWorkerMirroredStrategy)  # no validation in its loop
    monitor = "val_loss" if validation_data is not None and not multiworker else "loss"
    saver = checkpoints.Checkpoints(checkpoint_dir, monitor=monitor, measured_on=measured_on, start=start)
    if multiworker:
        _custom_loop(trainee, distribution, train_data, batch_size, epochs, checkpoint_dir, verbose, saver)
    else:
        _fit(trainee, train_data, validation_data, validation_steps, epochs, checkpoint_dir, output_dir, verbose,
             early_stopping_patience, saver)
    state = checkpoints.read_state(checkpoint_dir) or {"epoch": 0, "history": {}}
    if (keep == "best" and validation_data is not None
            and os.path.exists(os.path.join(checkpoint_dir, checkpoints.BEST_FILE))):
        trainee.load_weights(os.path.join(checkpoint_dir, checkpoints.BEST_FILE))
    history = state["history"]
    metrics = {"epochs": state["epoch"], "train_loss": _last(history, "loss")}
    if validation_data is not None:
        evaluation = trainee.evaluate(validation_data, steps=validation_steps, verbose=0, return_dict=True)
        metrics.update({f"validation_{name}": float(value) for name, value in evaluation.items()})
    net.preset = _trained_preset(net.preset, saver.run_start(state), output_dir, {
        "train_manifest": _file_record(train_manifest),
        "validation_manifest": None if validation_manifest is None else _file_record(validation_manifest),
        "epochs": state["epoch"], "seed": seed, "batch_size": batch_size,
        "learning_rates": _learning_rates(history, state["epoch"]),
        "crop_seconds": None if crop_seconds is None else float(crop_seconds), "mix": float(mix),
        "speed": float(speed), "remix": float(remix),
        "mixed_precision": half or False, "keep": keep,
        "early_stopping_patience": None if early_stopping_patience is None else int(early_stopping_patience),
    })
    preset_dir = os.path.join(output_dir, "preset")
    # Only the chief's preset is the result; the others keep theirs apart (identical, by construction).
    save_preset(net, preset_dir if _is_chief() else _worker_path(output_dir, "preset"), metrics=metrics)
    # Written last: a run whose metrics file agrees with its checkpoints is finished (see `_finished_run`).
    checkpoints.atomic_write_json({"metrics": metrics, "history": history}, _metrics_path(output_dir))
    return TrainingResult(preset_dir=preset_dir, history=history, metrics=metrics, epochs=state["epoch"])


def _half_precision(mixed_precision):
    """The compute dtype `mixed_precision` asks for: None (float32), "float16" or "bfloat16"."""
    if mixed_precision is False or mixed_precision is None:
        return None
    if mixed_precision is True:
        return "float16"
    if mixed_precision in ("float16", "bfloat16"):
        return mixed_precision
    raise ValueError(f"mixed_precision must be False, True, 'float16' or 'bfloat16'; got {mixed_precision!r}.")


def _batch_size(requested, usable):
    """The batch size to train with: `requested`, else the default, or all `usable` clips when fewer."""
    if requested is not None:
        return requested  # clip_dataset refuses one larger than the usable clips, naming both numbers
    if usable < DEFAULT_BATCH_SIZE:
        warnings.warn(f"{usable} usable training clip(s), fewer than the default batch_size={DEFAULT_BATCH_SIZE}: "
                      f"training with batch_size={usable}.", UserWarning, stacklevel=3)
        return usable
    return DEFAULT_BATCH_SIZE


def _finished_run(output_dir, checkpoint_dir, epochs, keep):
    """The result of a run in `output_dir` that completed at least `epochs` epochs and wrote its results, keeping
    the `keep` weights, or None (nothing trained yet, epochs left to train, a process that died before writing
    the results, or a preset that keeps the other weights)."""
    state = checkpoints.read_state(checkpoint_dir)
    path = _metrics_path(output_dir)
    if state is None or state["epoch"] < epochs or not os.path.isfile(path):
        return None
    with open(path, encoding="utf-8") as handle:
        saved = json.load(handle)
    if saved["metrics"]["epochs"] != state["epoch"]:  # the results of an earlier, shorter call
        return None
    preset_dir = os.path.join(output_dir, "preset")
    if os.path.isdir(preset_dir) and read_preset(preset_dir).training.get("keep", "best") != keep:
        return None
    return TrainingResult(preset_dir=preset_dir, history=saved["history"],
                          metrics=saved["metrics"], epochs=state["epoch"])


def _file_record(path):
    return {"path": os.path.abspath(path), "sha256": sha256_of(path)}


def _run_tag(output_dir):
    """The run folder's name as a preset tag: runs of other characters become `_` (`runs/My run.2` → `My_run_2`)."""
    name = os.path.basename(os.path.abspath(output_dir))
    return re.sub(r"[^0-9A-Za-z_-]+", "_", name).strip("_") or "run"


def _start(checkpoint_dir, output_dir, base, weights, preset):
    """What this call would start a run from: `{"base_preset", "base_weights", "labels"}` (`base_weights`: None
    for a random start, else `{"weights": "default" or a path, "sha256"}`). Warns when the run in `output_dir`
    started from something else: it goes on from its checkpoint, and its record keeps where it began."""
    if weights is None:
        base_weights = None
    elif weights == "default":
        base_weights = {"weights": "default", "sha256": preset.weights.sha256}
    else:
        path = os.path.abspath(weights)
        base_weights = {"weights": path,
                        "sha256": read_preset(path).weights.sha256 if os.path.isdir(path) else sha256_of(path)}
    start = {"base_preset": base.name, "base_weights": base_weights, "labels": list(base.labels)}
    saved = (checkpoints.read_state(checkpoint_dir) or {}).get("start")
    if saved is not None and saved != start:
        warnings.warn(f"{output_dir}: this run started from {_describe(saved)} and goes on from its checkpoint; "
                      f"the start asked for now ({_describe(start)}) is not used.", UserWarning, stacklevel=3)
    return start


def _describe(start, digest=True):
    """`start` (see `_start`) in words: `"arch.tag's weights (sha256 1234abcd...)"`, `"arch.tag, freshly
    initialised"` or `"arch.tag with the weights PATH"`; `digest=False` leaves out the weights' digest."""
    base_weights = start["base_weights"]
    if base_weights is None:
        return f"{start['base_preset']}, freshly initialised"
    if base_weights["weights"] != "default":
        return f"{start['base_preset']} with the weights {base_weights['weights']}"
    return f"{start['base_preset']}'s weights" + (f" (sha256 {base_weights['sha256'][:8]}...)" if digest else "")


def _learning_rates(history, epochs):
    """The run's learning rates as `[[first epoch, rate], ...]`, a pair wherever the rate changes (`None`: epochs
    saved before checkpoints recorded their rate)."""
    rates = list(history.get("learning_rate", []))
    rates += [None] * (epochs - len(rates))
    return [[epoch, rate] for epoch, rate in enumerate(rates, start=1) if epoch == 1 or rate != rates[epoch - 2]]


def _trained_preset(preset, start, output_dir, record):
    """`preset` (the trained model's) renamed after its run, with notes and a `training` record of where it came
    from (`start`, see `_start`); the descriptions of the preset it started from no longer apply."""
    head = ("" if list(preset.labels) == start["labels"]
            else f", with a new head for the manifest's {len(preset.labels)} labels")
    return preset.replace(
        name=f"{preset.arch}.{_run_tag(output_dir)}",
        notes=f"Trained with mirzoo.train from {_describe(start, digest=False)}{head}, for {record['epochs']} "
              f"epochs on {record['train_manifest']['path']}; `training` records the run.",
        # Weights trained from others remain under their licence; weights trained from scratch are the user's.
        license=preset.license if start["base_weights"] is not None else "",
        training={"base_preset": start["base_preset"], "base_weights": start["base_weights"], **record},
    )


def _clip_level(net):
    """The model `fit` trains: `net`, or for a patch-wise tagger (musicnn's dict of `taggram` and `embedding`)
    `net` followed by the mean of its taggram over patches, the track scores that clip labels describe.
    It shares `net`'s variables, so training it trains `net`."""
    if not isinstance(net.output, dict):
        return net
    scores = keras.layers.GlobalAveragePooling1D(name="track_scores")(net.output["taggram"])
    trainee = keras.Model(net.input, scores, name=net.name)
    trainee.preset = net.preset
    return trainee


def _last(history, key):
    values = history.get(key) or [None]
    return values[-1]


def _fit(net, train_data, validation_data, validation_steps, epochs, checkpoint_dir, output_dir, verbose, patience,
         saver):
    initial_epoch = checkpoints.restore(net, checkpoint_dir)
    callbacks = [saver, keras.callbacks.TensorBoard(os.path.join(output_dir, "logs"))]
    if patience is not None and validation_data is not None:
        callbacks.append(keras.callbacks.EarlyStopping(monitor="val_loss", patience=patience))
    if initial_epoch >= epochs:
        return
    # The dataset shuffles itself, seeded; `shuffle` (on by default) does not apply to datasets, and Keras warns.
    net.fit(train_data, validation_data=validation_data, validation_steps=validation_steps, epochs=epochs,
            initial_epoch=initial_epoch, callbacks=callbacks, verbose=verbose, shuffle=False)


def _is_chief():
    config = json.loads(os.environ.get("TF_CONFIG", "{}"))
    task = config.get("task", {})
    return task.get("type", "chief") == "chief" or (task.get("type") == "worker" and task.get("index", 0) == 0
                                                     and "chief" not in config.get("cluster", {}))


def _task_index():
    return json.loads(os.environ.get("TF_CONFIG", "{}")).get("task", {}).get("index", 0)


def _worker_path(output_dir, name):
    return os.path.join(output_dir, f"worker-{_task_index()}-{name}")


def _checkpoint_dir(output_dir):
    """`checkpoints/` for the chief; other workers keep their own, so that no two write the same files."""
    return os.path.join(output_dir, "checkpoints") if _is_chief() else _worker_path(output_dir, "checkpoints")


def _metrics_path(output_dir):
    """`metrics.json` for the chief; other workers write their own (identical) results apart."""
    return os.path.join(output_dir, "metrics.json") if _is_chief() else _worker_path(output_dir, "metrics.json")


def _custom_loop(net, strategy, train_data, global_batch, epochs, checkpoint_dir, verbose, saver):
    """Multi-worker training: one `strategy.run` step per global batch, averaged over all replicas."""
    tf = require_tensorflow("mirzoo.train (tf.distribute)")

    options = tf.data.Options()
    options.experimental_distribute.auto_shard_policy = tf.data.experimental.AutoShardPolicy.DATA
    distributed = strategy.experimental_distribute_dataset(train_data.with_options(options))
    optimizer = net.optimizer
    with strategy.scope():
        optimizer.build(net.trainable_variables)
    initial_epoch = checkpoints.restore(net, checkpoint_dir)
    saver.set_model(net)

    def replica_step(waveform, target):
        with tf.GradientTape() as tape:
            prediction = net(waveform, training=True)
            per_example = keras.losses.binary_crossentropy(target, prediction)
            per_example = tf.reshape(per_example, [tf.shape(per_example)[0], -1])
            loss = tf.nn.compute_average_loss(tf.reduce_mean(per_example, axis=1), global_batch_size=global_batch)
        gradients = tape.gradient(loss, net.trainable_variables)
        optimizer.apply_gradients(zip(gradients, net.trainable_variables))
        return loss

    # Batch-norm statistics are updated from each replica's own batch: average them after every step so that
    # every worker holds the same model.
    statistics = [variable for variable in net.non_trainable_variables if "float" in variable.dtype]

    @tf.function
    def train_step(waveform, target):
        losses = strategy.run(replica_step, args=(waveform, target))
        for variable in statistics:
            local = strategy.run(tf.identity, args=(variable.value,))
            variable.assign(strategy.reduce(tf.distribute.ReduceOp.MEAN, local, axis=None))
        return strategy.reduce(tf.distribute.ReduceOp.SUM, losses, axis=None)

    for epoch in range(initial_epoch, epochs):
        total, steps = 0.0, 0
        for waveform, target in distributed:
            total += float(train_step(waveform, target))
            steps += 1
        loss = total / max(steps, 1)
        if verbose:
            print(f"Epoch {epoch + 1}/{epochs} - loss: {loss:.4f}", flush=True)
        saver.on_epoch_end(epoch, {"loss": loss})

