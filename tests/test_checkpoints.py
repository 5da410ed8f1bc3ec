import json

import keras
import numpy as np
import pytest

from mirzoo import checkpoints


def test_a_new_run_removes_what_a_kill_left_behind(tmp_path):
    (tmp_path / "state.json").write_text(json.dumps({"epoch": 3, "last": "last-3.weights.h5", "best": 0.5}))
    for name in ("last-3.weights.h5", "last-4.weights.h5", "best.weights.h5", "state.json.tmp-99",
                 "last-5.weights.h5.tmp-99.weights.h5"):
        (tmp_path / name).write_bytes(b"x")
    saver = checkpoints.Checkpoints(str(tmp_path))
    assert saver.best == 0.5
    assert sorted(p.name for p in tmp_path.iterdir()) == ["best.weights.h5", "last-3.weights.h5", "state.json"]


def _refuse_non_finite(name):
    raise AssertionError(f"state.json holds {name}, which is not JSON")


def test_a_nan_validation_loss_is_never_the_best(tmp_path):
    """As Keras' ModelCheckpoint: NaN never improves, so a NaN first epoch cannot hold "best" for good."""

    model = keras.Sequential([keras.Input((2,)), keras.layers.Dense(1)])
    saver = checkpoints.Checkpoints(str(tmp_path))
    saver.set_model(model)
    kernels = {}
    for epoch, loss in enumerate([float("nan"), 0.5, float("inf"), 0.1]):
        model.set_weights([np.full((2, 1), float(epoch), np.float32), np.zeros(1, np.float32)])
        kernels[loss] = epoch
        saver.on_epoch_end(epoch, {"val_loss": loss})
        state = json.loads((tmp_path / "state.json").read_text(), parse_constant=_refuse_non_finite)
        assert state["best"] == (None if epoch == 0 else 0.5 if epoch < 3 else 0.1)
    model.load_weights(str(tmp_path / "best.weights.h5"))
    assert model.get_weights()[0][0, 0] == kernels[0.1]


def test_a_best_measured_on_other_data_is_forgotten(tmp_path):
    """A resumed run validated on another manifest cannot compare its losses with the old best."""

    model = keras.Sequential([keras.Input((2,)), keras.layers.Dense(1)])

    def epoch_end(saver, epoch, loss):
        model.set_weights([np.full((2, 1), float(epoch), np.float32), np.zeros(1, np.float32)])
        saver.on_epoch_end(epoch, {"val_loss": loss})

    first = checkpoints.Checkpoints(str(tmp_path), measured_on="sha256:a")
    first.set_model(model)
    epoch_end(first, 0, 0.1)
    assert checkpoints.Checkpoints(str(tmp_path), measured_on="sha256:a").best == 0.1
    with pytest.warns(UserWarning, match="measured on other validation data"):
        second = checkpoints.Checkpoints(str(tmp_path), measured_on="sha256:b")
    assert second.best is None and not (tmp_path / "best.weights.h5").exists()
    second.set_model(model)
    epoch_end(second, 1, 0.5)  # worse than the old 0.1, but the old 0.1 was measured on other data
    state = json.loads((tmp_path / "state.json").read_text())
    assert (state["best"], state["measured_on"]) == (0.5, "sha256:b")
    model.load_weights(str(tmp_path / "best.weights.h5"))
    assert model.get_weights()[0][0, 0] == 1.0


def test_a_resumed_run_keeps_its_moments_and_goes_on_at_its_own_learning_rate(tmp_path):
    """The weights file holds the optimizer's rate too: loading it alone would bring the old run's rate back."""

    def compiled(rate):
        model = keras.Sequential([keras.Input((2,)), keras.layers.Dense(1)])
        model.compile(keras.optimizers.Adam(rate), "mse")
        return model

    first = compiled(1e-2)
    first.fit(np.ones((4, 2)), np.ones((4, 1)), epochs=3, verbose=0)
    saver = checkpoints.Checkpoints(str(tmp_path))
    saver.set_model(first)
    saver.on_epoch_end(0, {"loss": 1.0})
    resumed = compiled(1e-4)
    assert checkpoints.restore(resumed, str(tmp_path)) == 1
    assert float(resumed.optimizer.learning_rate.numpy()) == np.float32(1e-4)
    assert int(resumed.optimizer.iterations.numpy()) == 3
    for mine, saved in zip(resumed.optimizer.variables, first.optimizer.variables):
        if mine.path != resumed.optimizer.learning_rate.path:
            np.testing.assert_array_equal(mine.numpy(), saved.numpy())
    np.testing.assert_array_equal(resumed.get_weights()[0], first.get_weights()[0])


def test_the_state_keeps_the_logs_of_every_epoch_across_runs(tmp_path):
    """A resumed run's Checkpoints append to the history of the runs before it, one entry per epoch for every key."""

    model = keras.Sequential([keras.Input((2,)), keras.layers.Dense(1)])
    model.set_weights([np.zeros((2, 1), np.float32), np.zeros(1, np.float32)])
    first = checkpoints.Checkpoints(str(tmp_path))
    first.set_model(model)
    first.on_epoch_end(0, {"loss": 0.9, "val_loss": 1.0})
    first.on_epoch_end(1, {"loss": 0.7, "val_loss": 0.8})
    resumed = checkpoints.Checkpoints(str(tmp_path))  # a new process, resuming after epoch 2
    resumed.set_model(model)
    resumed.on_epoch_end(2, {"loss": float("nan"), "auc": np.float32(0.75)})  # no validation this time
    state = json.loads((tmp_path / "state.json").read_text(), parse_constant=_refuse_non_finite)
    assert state["history"] == {"loss": [0.9, 0.7, None], "val_loss": [1.0, 0.8, None], "auc": [None, None, 0.75]}
    assert checkpoints.read_state(str(tmp_path))["history"] == state["history"]


def test_the_state_keeps_the_start_of_the_first_call_and_the_rate_of_every_epoch(tmp_path):
    model = keras.Sequential([keras.Input((2,)), keras.layers.Dense(1)])
    model.compile(optimizer=keras.optimizers.Adam(1e-3), loss="mse")
    first = checkpoints.Checkpoints(str(tmp_path), start={"base_weights": "a"})
    first.set_model(model)
    first.on_epoch_end(0, {"loss": 0.9})
    model.compile(optimizer=keras.optimizers.Adam(1e-4), loss="mse")  # a resumed call at a lower rate
    resumed = checkpoints.Checkpoints(str(tmp_path), start={"base_weights": "b"})
    resumed.set_model(model)
    resumed.on_epoch_end(1, {"loss": 0.7})
    state = checkpoints.read_state(str(tmp_path))
    assert state["start"] == {"base_weights": "a"}
    assert state["history"] == {"loss": [0.9, 0.7], "learning_rate": [1e-3, 1e-4]}


def test_a_state_written_before_histories_reads_as_an_empty_history_and_grows_from_there(tmp_path):

    (tmp_path / "state.json").write_text(json.dumps({"epoch": 2, "last": "last-2.weights.h5", "best": None}))
    assert checkpoints.read_state(str(tmp_path))["history"] == {}
    model = keras.Sequential([keras.Input((2,)), keras.layers.Dense(1)])
    model.set_weights([np.zeros((2, 1), np.float32), np.zeros(1, np.float32)])
    saver = checkpoints.Checkpoints(str(tmp_path), monitor="loss")
    saver.set_model(model)
    saver.on_epoch_end(2, {"loss": 0.5})
    assert checkpoints.read_state(str(tmp_path))["history"] == {"loss": [None, None, 0.5]}


def test_a_history_that_does_not_hold_one_value_per_epoch_is_refused(tmp_path):

    for history in ({"loss": [0.5]}, {"loss": [0.5, "0.4"]}, {"loss": [0.5, True]}, [0.5, 0.4]):
        (tmp_path / "state.json").write_text(
            json.dumps({"epoch": 2, "last": "last-2.weights.h5", "best": None, "history": history}))
        with pytest.raises(checkpoints.CheckpointError, match="history.*N numbers or nulls"):
            checkpoints.read_state(str(tmp_path))
