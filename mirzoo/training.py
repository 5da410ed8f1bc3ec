"""`train`: fit a zoo architecture on a manifest under a tf.distribute strategy, resumably.

Single machine (default, one device or MirroredStrategy over several) goes
through Keras `fit`. Several machines (`strategy="multiworker"`, `TF_CONFIG`)
go through a custom `strategy.run` loop, because Keras 3's `fit` under
`MultiWorkerMirroredStrategy` fails upstream (keras-team/keras#20585); the loop
computes the same averaged loss and gradient step.

Either way, after every epoch the output folder gets crash-safe checkpoints
(`checkpoints/`, see `mirzoo.checkpoints`); calling `train` again with the same
folder resumes after the last completed epoch. The result is a preset folder
(`preset/`) that `mirzoo.load` reads, plus `metrics.json`.
"""

import dataclasses
import json
import os

import keras

from mirzoo import checkpoints
from mirzoo.data import from_manifest, read_manifest
from mirzoo.loading import load, resolve_preset, save_preset
from mirzoo.presets import sha256_of
from mirzoo.tensorflow_support import require_tensorflow

STRATEGIES = ("auto", "mirrored", "onedevice", "multiworker")


@dataclasses.dataclass
class TrainingResult:
    """What `train` produced.

    Attributes:
        preset_dir: the trained preset folder (`mirzoo.load(preset_dir)`).
        history: per-epoch logs of this call (`{"loss": [...], "val_loss": [...], ...}`).
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


def default_compile(model, learning_rate=1e-3):
    """Compile with the task's defaults: binary cross-entropy and ROC-AUC (frame-wise for frame models)."""
    metrics = [keras.metrics.AUC(multi_label=model.preset.task == "tagging", name="auc"),
               keras.metrics.BinaryAccuracy(name="accuracy")]
    model.compile(optimizer=keras.optimizers.Adam(learning_rate), loss="binary_crossentropy", metrics=metrics)
    return model


def _manifest_labels(entries, preset):
    """Labels for the model: the preset's when the manifest stays within them, else the manifest's own."""
    if entries[0].labels is None:
        return preset.labels
    seen = []
    for entry in entries:
        seen.extend(label for label in entry.labels if label not in seen)
    return preset.labels if set(seen) <= set(preset.labels) else tuple(sorted(seen))


def _model_in_scope(model, weights, labels):
    preset = resolve_preset(model)
    if labels == preset.labels:
        return load(preset if weights is None else model, weights=weights)
    trained = load(preset if weights is None else model, weights=weights, num_classes=len(labels))
    trained.preset = dataclasses.replace(trained.preset, labels=tuple(labels))
    return trained


def train(model, train_manifest, output_dir, validation_manifest=None, epochs=10, batch_size=16,
          learning_rate=1e-3, strategy="auto", seed=0, weights=None, mixed_precision=False,
          early_stopping_patience=None, cache=False, crop_seconds=None, mix=0.0, verbose="auto"):
    """Train an architecture on a manifest and save the result as a preset folder.

    Args:
        model: `"arch"`, `"arch.tag"` or a preset folder.
        train_manifest: `.csv` / `.jsonl` manifest (see `mirzoo.data`).
        output_dir: folder for `checkpoints/`, `logs/` (TensorBoard), `preset/`
            and `metrics.json`. Reusing it resumes after the last completed epoch.
        validation_manifest: optional manifest for validation, best checkpoint
            and early stopping (centre crops). Resuming with another validation
            manifest (other bytes) forgets the best epoch judged on the old one.
        epochs: total epochs, counting resumed ones.
        batch_size: global batch size (split across replicas).
        learning_rate: Adam's learning rate.
        strategy: `"auto"`, `"mirrored"`, `"onedevice"` or `"multiworker"`.
        seed: seeds weights, shuffling and crops.
        weights: `None` (random start), `"default"` or a path: start from these weights.
        mixed_precision: compute in float16 where safe (front ends stay float32).
        early_stopping_patience: stop after this many epochs without a better
            validation loss (`None`: never).
        cache: keep decoded audio in memory between epochs.
        crop_seconds: length of the training and validation crops; default the preset's
            `clip_seconds`. Frame models take any length, so shorter crops train them
            faster; the saved preset keeps its own `clip_seconds`.
        mix: probability that a training example is mixed with another one of its
            batch, labelled with the union of their labels (see `mirzoo.data.from_manifest`).
        verbose: Keras progress output (`"auto"`, 0, 1, 2).

    Returns:
        :class:`TrainingResult`.
    """
    tf = require_tensorflow("mirzoo.train (tf.distribute)")

    # The strategy first: multi-worker collectives must be configured before anything starts TensorFlow's runtime.
    distribution = make_strategy(strategy)
    keras.utils.set_random_seed(seed)
    entries = read_manifest(train_manifest)
    policy = keras.mixed_precision.global_policy()
    if mixed_precision:
        keras.mixed_precision.set_global_policy("mixed_float16")
    try:
        with distribution.scope():
            net = _model_in_scope(model, weights, _manifest_labels(entries, resolve_preset(model)))
            trainee = _clip_level(net)
            default_compile(trainee, learning_rate)
    finally:
        keras.mixed_precision.set_global_policy(policy)
    data_preset = net.preset if crop_seconds is None else net.preset.replace(clip_seconds=float(crop_seconds))
    train_data = from_manifest(entries, data_preset, batch_size=batch_size, training=True, seed=seed, cache=cache,
                              mix=mix)
    validation_data = None
    if validation_manifest is not None:
        validation_data = from_manifest(validation_manifest, data_preset, batch_size=batch_size, training=False,
                                        cache=cache)
    checkpoint_dir = _checkpoint_dir(output_dir)
    # The data the best epoch is judged on: a resumed run with another validation manifest starts a new race.
    measured_on = f"sha256:{sha256_of(validation_manifest if validation_manifest is not None else train_manifest)}"
    if isinstance(distribution, tf.distribute.MultiWorkerMirroredStrategy):
        history = _custom_loop(trainee, distribution, train_data, batch_size, epochs, checkpoint_dir, verbose,
                               measured_on)
    else:
        history = _fit(trainee, train_data, validation_data, epochs, checkpoint_dir, output_dir, verbose,
                       early_stopping_patience, measured_on)
    state = checkpoints.read_state(checkpoint_dir) or {"epoch": 0, "best": None}
    if validation_data is not None and os.path.exists(os.path.join(checkpoint_dir, checkpoints.BEST_FILE)):
        trainee.load_weights(os.path.join(checkpoint_dir, checkpoints.BEST_FILE))
    metrics = {"epochs": state["epoch"], "train_loss": _last(history, "loss")}
    if validation_data is not None:
        evaluation = trainee.evaluate(validation_data, verbose=0, return_dict=True)
        metrics.update({f"validation_{name}": float(value) for name, value in evaluation.items()})
    preset_dir = os.path.join(output_dir, "preset")
    if _is_chief():
        save_preset(net, preset_dir, metrics=metrics)
        with open(os.path.join(output_dir, "metrics.json"), "w", encoding="utf-8") as handle:
            json.dump({"metrics": metrics, "history": history}, handle, indent=2)
    else:
        # Only the chief's preset is the result; the others keep theirs apart (identical, by construction).
        save_preset(net, os.path.join(output_dir, f"worker-{_task_index()}-preset"), metrics=metrics)
    return TrainingResult(preset_dir=preset_dir, history=history, metrics=metrics, epochs=state["epoch"])


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
    values = history.get(key) or []
    return float(values[-1]) if values else None


def _fit(net, train_data, validation_data, epochs, checkpoint_dir, output_dir, verbose, patience, measured_on):
    initial_epoch = checkpoints.restore(net, checkpoint_dir)
    monitor = "val_loss" if validation_data is not None else "loss"
    callbacks = [
        checkpoints.Checkpoints(checkpoint_dir, monitor=monitor, measured_on=measured_on),
        keras.callbacks.TensorBoard(os.path.join(output_dir, "logs")),
    ]
    if patience is not None and validation_data is not None:
        callbacks.append(keras.callbacks.EarlyStopping(monitor="val_loss", patience=patience))
    if initial_epoch >= epochs:
        return {}
    history = net.fit(train_data, validation_data=validation_data, epochs=epochs, initial_epoch=initial_epoch,
                      callbacks=callbacks, verbose=verbose)
    return {key: [float(v) for v in values] for key, values in history.history.items()}


def _is_chief():
    config = json.loads(os.environ.get("TF_CONFIG", "{}"))
    task = config.get("task", {})
    return task.get("type", "chief") == "chief" or (task.get("type") == "worker" and task.get("index", 0) == 0
                                                     and "chief" not in config.get("cluster", {}))


def _task_index():
    return json.loads(os.environ.get("TF_CONFIG", "{}")).get("task", {}).get("index", 0)


def _checkpoint_dir(output_dir):
    """`checkpoints/` for the chief; other workers keep their own, so that no two write the same files."""
    return os.path.join(output_dir, "checkpoints" if _is_chief() else f"worker-{_task_index()}-checkpoints")


def _custom_loop(net, strategy, train_data, global_batch, epochs, checkpoint_dir, verbose, measured_on):
    """Multi-worker training: one `strategy.run` step per global batch, averaged over all replicas."""
    tf = require_tensorflow("mirzoo.train (tf.distribute)")

    options = tf.data.Options()
    options.experimental_distribute.auto_shard_policy = tf.data.experimental.AutoShardPolicy.DATA
    distributed = strategy.experimental_distribute_dataset(train_data.with_options(options))
    optimizer = net.optimizer
    with strategy.scope():
        optimizer.build(net.trainable_variables)
    initial_epoch = checkpoints.restore(net, checkpoint_dir)
    saver = checkpoints.Checkpoints(checkpoint_dir, monitor="loss", measured_on=measured_on)
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

    history = {"loss": []}
    for epoch in range(initial_epoch, epochs):
        total, steps = 0.0, 0
        for waveform, target in distributed:
            total += float(train_step(waveform, target))
            steps += 1
        history["loss"].append(total / max(steps, 1))
        if verbose:
            print(f"Epoch {epoch + 1}/{epochs} - loss: {history['loss'][-1]:.4f}", flush=True)
        saver.on_epoch_end(epoch, {"loss": history["loss"][-1]})
    return history

