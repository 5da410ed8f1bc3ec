"""Manifests: which audio files to learn from, and their labels (CSV or JSON Lines).

One row per clip. Clip-level labels (taggers):

    audio,labels                         {"audio": "a.flac", "labels": ["piano", "drums"]}
    songs/a.flac,piano;drums

Frame-level labels (frame models): a `.npy` (or `.csv`) file per clip holding a
`(frames, n_labels)` array of targets in [0, 1] at its own `frame_rate`:

    audio,frame_labels,frame_rate        {"audio": "a.flac", "frame_labels": "a.npy", "frame_rate": 100}
    songs/a.flac,songs/a.npy,100

Relative paths are relative to the manifest's folder.
"""

import csv
import dataclasses
import json
import os

import numpy as np

LABEL_SEPARATOR = ";"


@dataclasses.dataclass(frozen=True)
class ManifestEntry:
    """One clip of a manifest.

    Attributes:
        audio: absolute path of the audio file.
        labels: clip-level label names (taggers), or `None`.
        frame_labels: absolute path of the `(frames, n_labels)` target file, or `None`.
        frame_rate: frames per second of `frame_labels`.
    """

    audio: str
    labels: tuple | None = None
    frame_labels: str | None = None
    frame_rate: float | None = None

    def __post_init__(self):
        if (self.labels is None) == (self.frame_labels is None):
            raise ValueError(f"{self.audio}: a manifest row needs either labels or frame_labels (exactly one).")
        if self.frame_labels is not None and not (self.frame_rate and self.frame_rate > 0):
            raise ValueError(f"{self.audio}: frame_labels need a positive frame_rate; got {self.frame_rate!r}.")


def _entry(row, base, where):
    if not row.get("audio"):
        raise ValueError(f"{where}: no 'audio' path.")
    audio = os.path.join(base, row["audio"])
    labels = row.get("labels")
    if isinstance(labels, str):
        labels = tuple(label.strip() for label in labels.split(LABEL_SEPARATOR) if label.strip())
    elif labels is not None:
        labels = tuple(labels)
    frame_labels = row.get("frame_labels") or None
    frame_rate = row.get("frame_rate")
    try:
        return ManifestEntry(
            audio=audio,
            labels=labels,
            frame_labels=os.path.join(base, frame_labels) if frame_labels else None,
            frame_rate=float(frame_rate) if frame_rate not in (None, "") else None,
        )
    except ValueError as error:
        raise ValueError(f"{where}: {error}") from error


def read_manifest(path):
    """Read a `.csv` or `.jsonl` manifest into a list of :class:`ManifestEntry`."""
    path = os.fspath(path)
    base = os.path.dirname(os.path.abspath(path))
    with open(path, encoding="utf-8", newline="") as handle:
        if path.endswith(".jsonl"):
            rows = []
            for number, line in enumerate(handle, 1):
                if line.strip():
                    try:
                        row = json.loads(line)
                    except json.JSONDecodeError as error:
                        raise ValueError(f"{path}:{number}: not JSON ({error}).") from error
                    if not isinstance(row, dict):
                        raise ValueError(f"{path}:{number}: a row is a JSON object; got {type(row).__name__}.")
                    rows.append((row, f"{path}:{number}"))
        elif path.endswith(".csv"):
            rows = [(row, f"{path}:{number}") for number, row in enumerate(csv.DictReader(handle), 2)]
        else:
            raise ValueError(f"{path}: a manifest is a .csv or .jsonl file.")
    if not rows:
        raise ValueError(f"{path}: the manifest has no rows.")
    return [_entry(row, base, where) for row, where in rows]


def write_manifest(entries, path):
    """Write entries as `.csv` or `.jsonl` (by extension), paths relative to the manifest's folder."""
    path = os.fspath(path)
    base = os.path.dirname(os.path.abspath(path))
    rows = []
    for entry in entries:
        row = {"audio": os.path.relpath(entry.audio, base)}
        if entry.labels is not None:
            row["labels"] = list(entry.labels)
        else:
            row["frame_labels"] = os.path.relpath(entry.frame_labels, base)
            row["frame_rate"] = entry.frame_rate
        rows.append(row)
    with open(path, "w", encoding="utf-8", newline="") as handle:
        if path.endswith(".jsonl"):
            handle.writelines(json.dumps(row) + "\n" for row in rows)
        elif path.endswith(".csv"):
            fields = ["audio", "labels"] if entries[0].labels is not None else ["audio", "frame_labels", "frame_rate"]
            writer = csv.DictWriter(handle, fieldnames=fields)
            writer.writeheader()
            for row in rows:
                if "labels" in row:
                    row["labels"] = LABEL_SEPARATOR.join(row["labels"])
                writer.writerow(row)
        else:
            raise ValueError(f"{path}: a manifest is a .csv or .jsonl file.")
    return path


def read_frame_labels(path):
    """The `(frames, n_labels)` float32 targets stored in a `.npy` or `.csv` file.

    A `.npy` file is read as a plain array only: object arrays (which would be
    unpickled, running code) and `.npz` archives are refused.
    """
    try:
        if path.endswith(".npy"):
            with open(path, "rb") as handle:
                array = np.lib.format.read_array(handle, allow_pickle=False)
        else:
            array = np.loadtxt(path, delimiter=",", ndmin=2)
        array = np.asarray(array, dtype=np.float32)
    except (ValueError, TypeError, EOFError) as error:
        raise ValueError(f"{path}: not a numeric (frames, n_labels) array of frame labels ({error}).") from error
    if array.ndim == 1:
        array = array[:, None]
    if array.ndim != 2 or not np.all(np.isfinite(array)):
        raise ValueError(f"{path}: frame labels must be a finite (frames, n_labels) array; got shape {array.shape}.")
    return array
