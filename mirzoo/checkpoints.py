"""Crash-safe training checkpoints: every file is written beside its target and renamed into place.

A folder holds `last-<epoch>.weights.h5` (model and optimizer state after that
epoch), `best.weights.h5` (the best epoch by the monitored metric) and
`state.json`, which names the current last file. `state.json` is replaced
last, so a process killed at any moment leaves either the previous complete
state or the new complete state, never a half-written file that loads. A kill
between the two can leave a complete but unreferenced `last-*` file and
temporary files behind; the next run's `Checkpoints` removes them.

`state.json` also records which data measured the best epoch (a digest of the
validation manifest). Resuming with other validation data forgets that best,
which is not comparable with the new measurements, instead of letting it win.
And it keeps the logs of every completed epoch (`history`, with the learning rate
each epoch trained at), so that a resumed run still knows those of the runs before
it, and what the run started from (`start`, kept from its first call).
"""

import json
import math
import numbers
import os
import warnings

import keras

STATE_FILE = "state.json"
BEST_FILE = "best.weights.h5"


class CheckpointError(ValueError):
    """A checkpoint folder whose `state.json` or weights are damaged or were edited by hand."""


def _atomic_save_weights(model, path):
    temporary = f"{path}.tmp-{os.getpid()}.weights.h5"
    model.save_weights(temporary)
    os.replace(temporary, path)


def atomic_write_json(data, path):
    """Write `data` as JSON to `path` through a temporary file renamed into place: `path` holds the old or the
    new content, whenever the process dies."""
    temporary = f"{path}.tmp-{os.getpid()}"
    with open(temporary, "w", encoding="utf-8") as handle:
        json.dump(data, handle, indent=2)
        handle.flush()
        os.fsync(handle.fileno())
    os.replace(temporary, path)


def _last_file(epoch):
    return f"last-{epoch}.weights.h5"


def _extended_history(history, epoch, logs):
    """`history` with the logs of epoch `epoch` (0-based) appended: `{key: [value of epoch 1, 2, ...]}`, every list
    `epoch + 1` long, `None` where an epoch did not log the key or logged a non-finite value (not JSON)."""
    extended = {}
    for key in sorted(set(history) | set(logs)):
        values = list(history.get(key, []))[:epoch]
        values += [None] * (epoch - len(values))
        value = logs.get(key)
        values.append(float(value) if value is not None and math.isfinite(value) else None)
        extended[key] = values
    return extended


def _valid_history(history, epoch):
    return isinstance(history, dict) and all(
        isinstance(values, list) and len(values) == epoch
        and all(value is None or (isinstance(value, numbers.Real) and not isinstance(value, bool)) for value in values)
        for values in history.values())


def read_state(directory):
    """The saved state (`{"epoch", "last", "best", "monitor", "history", ...}`) or `None` when nothing was saved.

    `history` maps each logged metric to its values, one per completed epoch (`None` where an epoch did not log
    it or logged a non-finite value); a state written before histories were kept reads as an empty history.

    Raises:
        CheckpointError: `state.json` is not JSON, or its fields are missing or inconsistent (a `last`
            that is not `last-<epoch>.weights.h5` in this folder, an epoch below 1, a non-numeric best,
            a history that does not hold one number or null per epoch for each metric).
    """
    path = os.path.join(directory, STATE_FILE)
    if not os.path.isfile(path):
        return None
    start_over = f"Restore it, or delete {directory} to train from scratch."
    try:
        with open(path, encoding="utf-8") as handle:
            state = json.load(handle)
    except ValueError as error:  # JSONDecodeError and UnicodeDecodeError
        raise CheckpointError(f"{path}: not a valid checkpoint state ({error}). {start_over}") from error
    epoch = state.get("epoch") if isinstance(state, dict) else None
    best = state.get("best") if isinstance(state, dict) else None
    history = state.get("history", {}) if isinstance(state, dict) else None
    if (isinstance(epoch, bool) or not isinstance(epoch, int) or epoch < 1
            # `last` is only ever this name: anything else could point outside the folder, and is deleted later.
            or state.get("last") != _last_file(epoch)
            or (best is not None and (isinstance(best, bool) or not isinstance(best, numbers.Real)))
            or not _valid_history(history, epoch)):
        raise CheckpointError(
            f"{path}: inconsistent checkpoint state {state!r}; expected {{\"epoch\": N >= 1, "
            f"\"last\": \"last-N.weights.h5\", \"best\": a number or null, \"history\": {{metric: N numbers "
            f"or nulls}}}}. {start_over}"
        )
    state["history"] = history
    return state


def restore(model, directory):
    """Load the last saved model and optimizer state; return the number of completed epochs (0 if none).

    The optimizer's moments and step count are restored; its learning rate stays the one `model` was compiled
    with (the weights file holds the rate of the run that wrote it), so a resumed run goes on at its caller's
    rate: resuming with a lower one decays it step-wise.

    Raises:
        CheckpointError: `state.json` is damaged, or the weights file it names is missing, truncated, or
            does not fit `model`.
    """
    state = read_state(directory)
    if state is None:
        return 0
    if model.optimizer is not None and not model.optimizer.built:
        model.optimizer.build(model.trainable_variables)
    path = os.path.join(directory, state["last"])
    if not os.path.isfile(path):
        raise CheckpointError(f"{path}: named by {STATE_FILE} but missing. Delete {directory} to train from scratch.")
    rate = _constant_learning_rate(model.optimizer)
    try:
        model.load_weights(path)
    except (OSError, ValueError, KeyError) as error:
        raise CheckpointError(
            f"{path}: cannot resume from this checkpoint; it is truncated or does not fit the model ({error}). "
            f"Delete {directory} to train from scratch."
        ) from error
    if rate is not None:
        model.optimizer.learning_rate.assign(rate)
    return state["epoch"]


def _constant_learning_rate(optimizer):
    """The rate of an optimizer compiled with a constant one, else None (no optimizer, or a schedule); as the
    shortest decimal that names its float32 value (`1e-4`, not `0.0000999999974737875`)."""
    if optimizer is None or not isinstance(optimizer.learning_rate, keras.Variable):
        return None
    return float(str(optimizer.learning_rate.numpy()))


class Checkpoints(keras.callbacks.Callback):
    """Save last (with optimizer state) and best weights after every epoch, atomically.

    Args:
        directory: the checkpoint folder (created if needed).
        monitor: the logged metric that decides "best" (e.g. `"val_loss"`).
        mode: `"min"` or `"max"`: whether lower or higher `monitor` is better.
        measured_on: a string naming the data `monitor` is measured on (e.g. the validation manifest's
            digest). A saved best measured on other data or by another monitor is forgotten, and its file
            deleted, with a warning.
        start: what the run started from (JSON), saved in `state.json` as `"start"` by the first call that
            completes an epoch; a resumed run keeps the saved one (a run saved before states held one takes
            the resuming call's).
    """

    def __init__(self, directory, monitor="val_loss", mode="min", measured_on=None, start=None):
        super().__init__()
        if mode not in ("min", "max"):
            raise ValueError(f"`mode` must be 'min' or 'max'; received {mode!r}.")
        self.directory = directory
        self.monitor = monitor
        self.mode = mode
        self.measured_on = measured_on
        self.start = start
        os.makedirs(directory, exist_ok=True)
        state = read_state(directory)
        self.best = None if state is None else state.get("best")
        self._remove_leftovers(None if state is None else state["last"])
        if state is not None and (state.get("monitor", monitor), state.get("measured_on")) != (monitor, measured_on):
            self._forget_best(state)

    def _forget_best(self, state):
        """The best epoch was judged on other data or by another metric: it cannot compete with the new ones."""
        if self.best is not None:
            warnings.warn(
                f"{self.directory}: the best checkpoint ({state.get('monitor')} {self.best:g}) was measured on other "
                f"validation data or by another metric; this run picks its best among its own epochs.",
                stacklevel=3,
            )
        self.best = None
        best_path = os.path.join(self.directory, BEST_FILE)
        if os.path.exists(best_path):
            os.remove(best_path)

    def _remove_leftovers(self, current):
        """Delete temporary files and last-epoch files that `state.json` does not name (left by a kill)."""
        for name in os.listdir(self.directory):
            if ".tmp-" in name or (name.startswith("last-") and name != current):
                os.remove(os.path.join(self.directory, name))

    def run_start(self, state):
        """What the run started from, given its `state` (`read_state`'s, None before its first epoch): the
        `"start"` saved there, else this call's."""
        saved = None if state is None else state.get("start")
        return self.start if saved is None else saved

    def _improved(self, value):
        """Whether `value` beats the best so far; a missing or non-finite value (a NaN loss) never does."""
        if value is None or not math.isfinite(value):
            return False
        return self.best is None or (value < self.best if self.mode == "min" else value > self.best)

    def on_epoch_end(self, epoch, logs=None):
        logs = dict(logs or {})
        rate = _constant_learning_rate(getattr(self.model, "optimizer", None))
        if rate is not None:
            logs.setdefault("learning_rate", rate)
        previous = read_state(self.directory)
        last = _last_file(epoch + 1)
        _atomic_save_weights(self.model, os.path.join(self.directory, last))
        value = logs.get(self.monitor)
        if self._improved(value):
            self.best = float(value)
            _atomic_save_weights(self.model, os.path.join(self.directory, BEST_FILE))
        atomic_write_json(
            {"epoch": epoch + 1, "last": last, "best": self.best, "monitor": self.monitor, "mode": self.mode,
             "measured_on": self.measured_on, "start": self.run_start(previous),
             "history": _extended_history({} if previous is None else previous["history"], epoch, logs)},
            os.path.join(self.directory, STATE_FILE),
        )
        if previous is not None and previous["last"] != last:
            stale = os.path.join(self.directory, previous["last"])
            if os.path.exists(stale):
                os.remove(stale)
