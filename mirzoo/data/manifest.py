"""Manifests: which audio files to learn from, and their labels (CSV or JSON Lines).

One row per clip. Clip-level labels (taggers):

    audio,labels                         {"audio": "a.flac", "labels": ["piano", "drums"]}
    songs/a.flac,piano;drums

Frame-level labels (frame models): a `.npy` (or `.csv`) file per clip holding a
`(frames, n_labels)` array of targets in [0, 1] at its own `frame_rate`:

    audio,frame_labels,frame_rate        {"audio": "a.flac", "frame_labels": "a.npy", "frame_rate": 100}
    songs/a.flac,songs/a.npy,100

Soft labels (taggers, distillation): the same kind of row for a tagger gives a
teacher's scores instead of clip labels, `(rows, n_labels)` in [0, 1] with
`frame_rate` rows per second; row `k` scores the audio `[k / rate, (k + 1) / rate)`
seconds (musicnn's taggram: 3 s patches, `frame_rate` 16000 / (187 * 256) =
0.3342). A clip's target is the teacher's score over the crop the tagger sees
(`[start, start + clip_seconds)`, random when training): the mean of the rows the
crop overlaps, each weighted by its overlap, in seconds:

    audio,frame_labels,frame_rate        {"audio": "a.flac", "frame_labels": "a.npy", "frame_rate": 0.3342}
    songs/a.flac,taggrams/a.npy,0.3342

So:

- a crop reaching past the last row (a teacher leaves its last partial patch
  unscored; a short clip is zero-padded to the crop) is scored by the rows it
  overlaps;
- a crop overlapping no row (the rows end before it starts: a table shorter than
  its audio) takes the nearest row, the last;
- the table stays at the teacher's rate (it is not resampled), one column per
  label of the model, in the model's label order.

A frame model's row may also name its clip's `accompaniment`: the same audio
without the part its frame labels mark (the over-real builder's twin: a sung mix's
accompaniment alone; for a clip in which nothing is marked, the clip itself), as
long as the clip. Training can then lay a clip's marked part over another clip's
accompaniment (`remix` in `mirzoo.data.clip_dataset`):

    audio,frame_labels,frame_rate,accompaniment
    pairs/p0_sung.flac,labels/p0_sung.npy,100,pairs/p0_twin.flac
    pairs/p0_twin.flac,labels/p0_twin.npy,100,pairs/p0_twin.flac

One manifest may mix clip-label and soft-label rows for a tagger: clip labels
are the target 1 for each label the clip has and 0 for the others, whatever the
crop. A frame model's rows all need `frame_labels`. In a CSV manifest with all
four columns, a row leaves `labels` empty when it gives `frame_labels`, and
leaves `frame_labels` and `frame_rate` empty when it gives labels.

Rules, checked when the manifest is read (errors name the file and line):

- The file is UTF-8 (a leading byte-order mark, as Excel's "CSV UTF-8" writes, is fine).
- `audio`, `frame_labels` and `accompaniment` are path strings; relative paths are
  relative to the manifest's folder. `accompaniment` goes with `frame_labels` only
  (an empty CSV cell: none).
- `labels` is a list of label names (strings) in JSON Lines, or one string of names
  separated by `;` (the CSV form, also accepted in JSON Lines); blank names are
  dropped, and a name repeated in a row counts once. An empty string beside
  `frame_labels` (a CSV cell left empty) is no labels at all.
- `frame_rate` is a number of frames (rows) per second, finite, above 0 and at
  most `MAX_FRAME_RATE` (10 kHz).
- Frame label files hold a non-empty numeric (bool, integer or float) array of
  values in [0, 1]; these are checked when the files are read
  (:func:`read_frame_labels`).
"""

import csv
import dataclasses
import io
import json
import math
import numbers
import os
import warnings

import numpy as np

LABEL_SEPARATOR = ";"
# Frame labels finer than 0.1 ms are a unit mistake (samples, not frames, per second) or garbage.
MAX_FRAME_RATE = 10_000.0
# bool, signed and unsigned integers, floats: the dtypes whose values are plain target numbers.
NUMERIC_KINDS = "biuf"


def _path(value, field):
    if isinstance(value, os.PathLike):
        value = os.fspath(value)
    if not isinstance(value, str) or not value:
        raise ValueError(f"'{field}' must be a path (a non-empty string); got {value!r} ({type(value).__name__}).")
    return value


def _labels(value):
    """Label names as a tuple, blank names dropped and repeats kept once (first occurrence)."""
    if isinstance(value, str):
        value = value.split(LABEL_SEPARATOR)
    elif not isinstance(value, (list, tuple)):
        raise ValueError(f"'labels' must be a list of label names (strings), or one string of names separated by "
                         f"{LABEL_SEPARATOR!r}; got {value!r} ({type(value).__name__}).")
    names = []
    for name in value:
        if not isinstance(name, str):
            raise ValueError(f"'labels' must hold label names (strings); got {name!r} ({type(name).__name__}).")
        name = name.strip()
        if name and name not in names:
            names.append(name)
    return tuple(names)


def _frame_rate(value):
    """Frames per second as a float: a finite number in (0, MAX_FRAME_RATE]."""
    number = value
    if isinstance(value, str):
        try:
            number = float(value)
        except ValueError:
            number = None
    if isinstance(number, bool) or not isinstance(number, numbers.Real):
        raise ValueError(f"'frame_rate' must be a number of frames per second; got {value!r} "
                         f"({type(value).__name__}).")
    number = float(number)
    if not (math.isfinite(number) and 0 < number <= MAX_FRAME_RATE):
        raise ValueError(f"'frame_rate' must be a finite number of frames per second above 0 and at most "
                         f"{MAX_FRAME_RATE:g} Hz; got {value!r}.")
    return number


@dataclasses.dataclass(frozen=True)
class ManifestEntry:
    """One clip of a manifest.

    Attributes:
        audio: absolute path of the audio file.
        labels: clip-level label names (taggers), or `None`. Stored as a tuple;
            blank names are dropped and a repeated name is kept once.
        frame_labels: absolute path of the `(frames, n_labels)` target file (frame models), or of a
            teacher's `(rows, n_labels)` scores (taggers' soft labels), or `None`.
        frame_rate: frames (rows) per second of `frame_labels`: finite, in (0, 10000] Hz.
        accompaniment: absolute path of the same audio without the part `frame_labels` marks, or `None`.

    Raises:
        ValueError: neither or both of `labels` and `frame_labels`, a path or
            label that is not a string, `frame_labels` without a valid `frame_rate`,
            or an `accompaniment` without `frame_labels`.
    """

    audio: str
    labels: tuple | None = None
    frame_labels: str | None = None
    frame_rate: float | None = None
    accompaniment: str | None = None

    def __post_init__(self):
        object.__setattr__(self, "audio", _path(self.audio, "audio"))
        if (self.labels is None) == (self.frame_labels is None):
            raise ValueError(f"{self.audio}: a manifest row needs either labels or frame_labels (exactly one).")
        try:
            if self.labels is not None:
                object.__setattr__(self, "labels", _labels(self.labels))
            else:
                object.__setattr__(self, "frame_labels", _path(self.frame_labels, "frame_labels"))
                if self.frame_rate is None:
                    raise ValueError("frame_labels need a frame_rate (frames per second); got None.")
                object.__setattr__(self, "frame_rate", _frame_rate(self.frame_rate))
            if self.accompaniment is not None:
                if self.frame_labels is None:
                    raise ValueError("an accompaniment goes with frame_labels (a frame model's row), not with "
                                     "clip labels.")
                object.__setattr__(self, "accompaniment", _path(self.accompaniment, "accompaniment"))
        except ValueError as error:
            raise ValueError(f"{self.audio}: {error}") from error


def _entry(row, base, where):
    try:
        audio = row.get("audio")
        if audio in (None, ""):
            raise ValueError("no 'audio' path.")
        labels = row.get("labels")
        frame_labels = row.get("frame_labels")
        frame_rate = row.get("frame_rate")
        accompaniment = row.get("accompaniment")
        if frame_labels and labels == "":  # a CSV row of soft labels in a manifest that also has clip labels
            labels = None
        return ManifestEntry(
            audio=os.path.normpath(os.path.join(base, _path(audio, "audio"))),
            labels=labels,
            frame_labels=(os.path.normpath(os.path.join(base, _path(frame_labels, "frame_labels"))) if frame_labels
                          else None),
            frame_rate=None if frame_rate in (None, "") else frame_rate,
            accompaniment=(os.path.normpath(os.path.join(base, _path(accompaniment, "accompaniment")))
                           if accompaniment not in (None, "") else None),
        )
    except ValueError as error:
        raise ValueError(f"{where}: {error}") from error


def _read_text(path):
    """The manifest's text: UTF-8, with or without a byte-order mark."""
    with open(path, "rb") as handle:
        data = handle.read()
    try:
        return data.decode("utf-8-sig")
    except UnicodeDecodeError as error:
        line = data[: error.start].count(b"\n") + 1
        raise ValueError(f"{path}:{line}: not UTF-8 (byte {data[error.start:error.start + 1]!r} at offset "
                         f"{error.start}); save the manifest as UTF-8.") from error


def _csv_rows(path, text):
    reader = csv.DictReader(io.StringIO(text, newline=""))
    if reader.fieldnames is not None and "audio" not in reader.fieldnames:
        raise ValueError(f"{path}:1: no 'audio' column in the header; got columns {reader.fieldnames}.")
    # `line_num` is the row's last line: right for one-line rows, whatever blank lines come before them.
    return [(row, f"{path}:{reader.line_num}") for row in reader]


def _jsonl_rows(path, text):
    rows = []
    for number, line in enumerate(io.StringIO(text, newline=""), 1):
        if line.strip():
            try:
                row = json.loads(line)
            except json.JSONDecodeError as error:
                raise ValueError(f"{path}:{number}: not JSON ({error}).") from error
            if not isinstance(row, dict):
                raise ValueError(f"{path}:{number}: a row is a JSON object; got {type(row).__name__}.")
            rows.append((row, f"{path}:{number}"))
    return rows


def read_manifest(path):
    """Read a `.csv` or `.jsonl` manifest into a list of :class:`ManifestEntry`.

    Raises:
        ValueError: naming the file (and line) for a manifest that is not UTF-8,
            has no rows, or has a row breaking the rules of the module docstring.
    """
    path = os.fspath(path)
    base = os.path.dirname(os.path.abspath(path))
    if path.endswith(".jsonl"):
        rows = _jsonl_rows(path, _read_text(path))
    elif path.endswith(".csv"):
        rows = _csv_rows(path, _read_text(path))
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
            if entry.accompaniment is not None:
                row["accompaniment"] = os.path.relpath(entry.accompaniment, base)
        rows.append(row)
    with open(path, "w", encoding="utf-8", newline="") as handle:
        if path.endswith(".jsonl"):
            handle.writelines(json.dumps(row) + "\n" for row in rows)
        elif path.endswith(".csv"):
            fields = ["audio"]
            if any(entry.labels is not None for entry in entries):
                fields.append("labels")
            if any(entry.labels is None for entry in entries):
                fields += ["frame_labels", "frame_rate"]
            if any(entry.accompaniment is not None for entry in entries):
                fields.append("accompaniment")
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
    unpickled, running code) and `.npz` archives are refused, and so are dtypes
    that are not plain numbers (complex, strings, structured). A 1-D array is one
    label column.

    Raises:
        ValueError: naming the file, for an unreadable or non-numeric file, an
            array with no frames or no labels, or a value that is not finite or
            not in [0, 1] (a 0/255 mask, say: divide it by 255 first).
    """
    try:
        if path.lower().endswith(".npy"):
            with open(path, "rb") as handle:
                array = np.lib.format.read_array(handle, allow_pickle=False)
            if array.dtype.kind not in NUMERIC_KINDS:
                raise TypeError(f"dtype {array.dtype} holds no plain numbers (bool, integer or float)")
        else:
            with warnings.catch_warnings():  # an empty file: refused below, by shape, not with numpy's warning
                warnings.simplefilter("ignore", UserWarning)
                array = np.loadtxt(path, delimiter=",", ndmin=2)
        array = np.asarray(array, dtype=np.float32)
    except (ValueError, TypeError, EOFError) as error:
        raise ValueError(f"{path}: not a numeric (frames, n_labels) array of frame labels ({error}).") from error
    if array.ndim == 1:
        array = array[:, None]
    if array.ndim != 2 or array.size == 0:
        raise ValueError(f"{path}: frame labels must be a (frames, n_labels) array with at least one frame and "
                         f"one label; got shape {array.shape}.")
    bad = ~(np.isfinite(array) & (array >= 0) & (array <= 1))
    if bad.any():
        frame, label = np.argwhere(bad)[0]
        hint = " A 0/255 mask: divide it by 255." if np.max(array, where=np.isfinite(array), initial=0) == 255 else ""
        raise ValueError(f"{path}: frame labels must be finite targets in [0, 1]; got {array[frame, label]:g} at "
                         f"frame {frame}, label {label} ({bad.sum()} such values).{hint}")
    return array
