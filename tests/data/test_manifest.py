import warnings

import numpy as np
import pytest

from mirzoo.data import ManifestEntry, read_frame_labels, read_manifest, write_manifest


@pytest.mark.parametrize("extension", ["csv", "jsonl"])
def test_round_trip_with_relative_paths(tmp_path, extension):
    entries = [
        ManifestEntry(str(tmp_path / "audio" / "a b.flac"), ("piano", "drums")),
        ManifestEntry(str(tmp_path / "audio" / "c.wav"), ()),
    ]
    path = write_manifest(entries, tmp_path / f"train.{extension}")
    assert "audio/a b.flac" in open(path).read()
    assert read_manifest(path) == entries


@pytest.mark.parametrize("extension", ["csv", "jsonl"])
def test_frame_label_rows(tmp_path, extension):
    entries = [ManifestEntry(str(tmp_path / "a.flac"), frame_labels=str(tmp_path / "a.npy"), frame_rate=100.0)]
    assert read_manifest(write_manifest(entries, tmp_path / f"frames.{extension}")) == entries


def test_frame_labels_npy_and_csv(tmp_path):
    array = np.array([[0, 1], [1, 0], [1, 1]], np.float32)
    np.save(tmp_path / "a.npy", array)
    np.savetxt(tmp_path / "a.csv", array, delimiter=",")
    np.testing.assert_array_equal(read_frame_labels(str(tmp_path / "a.npy")), array)
    np.testing.assert_array_equal(read_frame_labels(str(tmp_path / "a.csv")), array)


@pytest.mark.parametrize(
    "content, name, message",
    [
        ("audio,labels\n", "empty.csv", "empty.csv: the manifest has no rows"),
        ("\n\n", "empty.jsonl", "empty.jsonl: the manifest has no rows"),
        ("audio,labels\n,piano\n", "noaudio.csv", "no 'audio' path"),
        ('{"audio": "a.wav"}\n', "nolabels.jsonl", "either labels or frame_labels"),
        ('{"audio": "a.wav", "frame_labels": "a.npy"}\n', "norate.jsonl", "frame_rate"),
        ("{not json\n", "bad.jsonl", "not JSON"),
        ("audio\n", "manifest.txt", ".csv or .jsonl"),
        ("file,labels\na.wav,piano\n", "header.csv", r"header.csv:1: no 'audio' column .*\['file', 'labels'\]"),
        ('{"audio": 5, "labels": []}\n', "number.jsonl", r"number.jsonl:1: 'audio' must be a path .*got 5 \(int\)"),
        ('\n{"audio": "a.wav", "labels": 5}\n', "labels.jsonl", r"labels.jsonl:2: .*'labels' must be a list .*got 5"),
        ('{"audio": "a.wav", "labels": {"piano": 1}}\n', "dict.jsonl", r"dict.jsonl:1: .*got \{'piano': 1\} \(dict\)"),
        ('{"audio": "a.wav", "labels": ["piano", 1]}\n', "item.jsonl", r"item.jsonl:1: .*label names .*got 1 \(int\)"),
        ('{"audio": "a.wav", "frame_labels": 3, "frame_rate": 100}\n', "path.jsonl",
         r"path.jsonl:1: 'frame_labels' must be a path .*got 3"),
        ('{"audio": "a.wav", "frame_labels": "a.npy", "frame_rate": [1]}\n', "list.jsonl",
         r"list.jsonl:1: .*'frame_rate' must be a number of frames per second; got \[1\] \(list\)"),
        ('{"audio": "a.wav", "frame_labels": "a.npy", "frame_rate": true}\n', "bool.jsonl",
         r"bool.jsonl:1: .*'frame_rate' must be a number .*got True \(bool\)"),
        ('{"audio": "a.wav", "frame_labels": "a.npy", "frame_rate": Infinity}\n', "inf.jsonl",
         r"inf.jsonl:1: .*finite .*at most 10000 Hz; got inf"),
        ("audio,frame_labels,frame_rate\na.wav,a.npy,100\n\na.wav,a.npy,fast\n", "text.csv",
         r"text.csv:4: .*'frame_rate' must be a number .*got 'fast'"),
        ('{"audio": "a.wav", "labels": ["piano"], "accompaniment": "b.wav"}\n', "tagged.jsonl",
         r"tagged.jsonl:1: .*a.wav: an accompaniment goes with frame_labels \(a frame model's row\), not with clip"),
        ('{"audio": "a.wav", "frame_labels": "a.npy", "frame_rate": 100, "accompaniment": 7}\n', "number.jsonl",
         r"number.jsonl:1: .*'accompaniment' must be a path .*got 7 \(int\)"),
    ],
)
def test_bad_manifests_name_the_problem(tmp_path, content, name, message):
    path = tmp_path / name
    path.write_text(content)
    with pytest.raises(ValueError, match=message):
        read_manifest(path)


@pytest.mark.parametrize("rate", ["Infinity", "1e300", "0", "-1", "NaN", "10001"])
def test_a_frame_rate_that_is_not_finite_positive_and_plausible_is_refused_by_line(tmp_path, rate):
    path = tmp_path / "frames.csv"
    path.write_text(f"audio,frame_labels,frame_rate\na.wav,a.npy,100\nb.wav,b.npy,{rate}\n")
    with pytest.raises(ValueError, match=rf"frames.csv:3: .*b.wav: 'frame_rate' must be a finite number .*above 0 "
                                         rf"and at most 10000 Hz; got '{rate}'"):
        read_manifest(path)


def test_a_frame_rate_of_inf_is_refused_when_an_entry_is_made():
    with pytest.raises(ValueError, match="a.wav: 'frame_rate' must be a finite number .*got inf"):
        ManifestEntry("a.wav", frame_labels="a.npy", frame_rate=float("inf"))


@pytest.mark.parametrize("extension", ["csv", "jsonl"])
def test_a_utf8_byte_order_mark_is_read_through(tmp_path, extension):
    content = {"csv": "audio,labels\nsongs/é.flac,piano;drums\n",
               "jsonl": '{"audio": "songs/é.flac", "labels": ["piano", "drums"]}\n'}[extension]
    path = tmp_path / f"bom.{extension}"
    path.write_text(content, encoding="utf-8-sig")  # Excel's "CSV UTF-8"
    assert read_manifest(path) == [ManifestEntry(str(tmp_path / "songs" / "é.flac"), ("piano", "drums"))]


def test_a_manifest_that_is_not_utf8_names_file_and_line(tmp_path):
    path = tmp_path / "latin1.csv"
    path.write_bytes("audio,labels\na.flac,piano\nchanson_é.flac,voice\n".encode("latin-1"))
    with pytest.raises(ValueError, match=r"latin1.csv:3: not UTF-8 \(byte b'\\xe9' .*save the manifest as UTF-8"):
        read_manifest(path)


def test_repeated_and_blank_labels_in_a_row_count_once(tmp_path):
    (tmp_path / "repeats.csv").write_text("audio,labels\na.flac,piano; drums;piano;;\n")
    (tmp_path / "repeats.jsonl").write_text('{"audio": "a.flac", "labels": ["piano", "drums", "piano", " "]}\n')
    expected = [ManifestEntry(str(tmp_path / "a.flac"), ("piano", "drums"))]
    assert read_manifest(tmp_path / "repeats.csv") == read_manifest(tmp_path / "repeats.jsonl") == expected


@pytest.mark.parametrize(
    "array, message",
    [
        (np.array([[0, 255], [255, 0]], np.uint8), r"got 255 at frame 0, label 1 \(2 such values\)\. A 0/255 mask"),
        (np.full((4, 2), -3.0), r"got -3 at frame 0, label 0 \(8 such values\)\.$"),
        (np.array([[0.5, np.nan]]), r"finite targets in \[0, 1\]; got nan at frame 0, label 1"),
        (np.zeros((0, 12)), r"at least one frame and one label; got shape \(0, 12\)"),
        (np.zeros((5, 0)), r"got shape \(5, 0\)"),
        (np.ones((3, 2), complex), r"not a numeric .*dtype complex128 holds no plain numbers"),
        (np.array([["1", "0"]]), r"not a numeric .*dtype <U1 holds no plain numbers"),
    ],
)
def test_frame_labels_that_are_not_targets_in_0_1_are_refused(tmp_path, array, message):
    np.save(tmp_path / "bad.npy", array)
    with warnings.catch_warnings():
        warnings.simplefilter("error")  # numpy's "discards the imaginary part" is no substitute for an error
        with pytest.raises(ValueError, match=rf"bad.npy: .*{message}"):
            read_frame_labels(str(tmp_path / "bad.npy"))


def test_an_empty_csv_of_frame_labels_is_refused(tmp_path):
    (tmp_path / "empty.csv").write_text("")
    with pytest.raises(ValueError, match=r"empty.csv: .*at least one frame"):
        read_frame_labels(str(tmp_path / "empty.csv"))


@pytest.mark.parametrize("extension", ["csv", "jsonl"])
def test_a_manifest_mixing_clip_labels_and_soft_labels_round_trips(tmp_path, extension):
    entries = [ManifestEntry(str(tmp_path / "a.flac"), ("piano",)),
               ManifestEntry(str(tmp_path / "b.flac"), frame_labels=str(tmp_path / "b.npy"), frame_rate=0.3342),
               ManifestEntry(str(tmp_path / "c.flac"), ())]
    path = write_manifest(entries, tmp_path / f"mixed.{extension}")
    if extension == "csv":
        assert open(path).read().splitlines() == ["audio,labels,frame_labels,frame_rate", "a.flac,piano,,",
                                                  "b.flac,,b.npy,0.3342", "c.flac,,,"]
    assert read_manifest(path) == entries


@pytest.mark.parametrize("extension", ["csv", "jsonl"])
def test_frame_rows_naming_their_accompaniment_round_trip(tmp_path, extension):
    entries = [ManifestEntry(str(tmp_path / "sung.flac"), frame_labels=str(tmp_path / "sung.npy"), frame_rate=100.0,
                             accompaniment=str(tmp_path / "twins" / "twin.flac")),
               ManifestEntry(str(tmp_path / "solo.flac"), frame_labels=str(tmp_path / "solo.npy"), frame_rate=100.0)]
    path = write_manifest(entries, tmp_path / f"voice.{extension}")
    if extension == "csv":
        assert open(path).read().splitlines() == ["audio,frame_labels,frame_rate,accompaniment",
                                                  "sung.flac,sung.npy,100.0,twins/twin.flac",
                                                  "solo.flac,solo.npy,100.0,"]
    assert read_manifest(path) == entries
