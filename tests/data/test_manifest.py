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
        ("audio,labels\n", "empty.csv", "no rows"),
        ("audio,labels\n,piano\n", "noaudio.csv", "no 'audio' path"),
        ('{"audio": "a.wav"}\n', "nolabels.jsonl", "either labels or frame_labels"),
        ('{"audio": "a.wav", "frame_labels": "a.npy"}\n', "norate.jsonl", "frame_rate"),
        ("{not json\n", "bad.jsonl", "not JSON"),
        ("audio\n", "manifest.txt", ".csv or .jsonl"),
    ],
)
def test_bad_manifests_name_the_problem(tmp_path, content, name, message):
    path = tmp_path / name
    path.write_text(content)
    with pytest.raises(ValueError, match=message):
        read_manifest(path)
