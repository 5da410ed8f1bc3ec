import json

from mirzoo import checkpoints


def test_a_new_run_removes_what_a_kill_left_behind(tmp_path):
    (tmp_path / "state.json").write_text(json.dumps({"epoch": 3, "last": "last-3.weights.h5", "best": 0.5}))
    for name in ("last-3.weights.h5", "last-4.weights.h5", "best.weights.h5", "state.json.tmp-99",
                 "last-5.weights.h5.tmp-99.weights.h5"):
        (tmp_path / name).write_bytes(b"x")
    saver = checkpoints.Checkpoints(str(tmp_path))
    assert saver.best == 0.5
    assert sorted(p.name for p in tmp_path.iterdir()) == ["best.weights.h5", "last-3.weights.h5", "state.json"]
