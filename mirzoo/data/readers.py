"""Readers for dataset layouts users already have on disk → manifest entries and label vocabularies."""

import collections
import csv
import os

from mirzoo.data.manifest import ManifestEntry


def read_magnatagatune(root, top_k=50, annotations="annotations_final.csv"):
    """MagnaTagATune: `annotations_final.csv` (tab-separated, quoted 0/1 per tag) beside the mp3 folders.

    Args:
        root: the folder holding `annotations_final.csv` and the `0/ … f/` mp3 folders.
        top_k: keep the `top_k` most frequent tags (the usual 50).
        annotations: the annotation file's name.

    Returns:
        `(entries, tags)`: one `ManifestEntry` per clip whose mp3 exists (labels
        among the kept tags; a clip may have none), and the kept tags, most
        frequent first (ties by name).
    """
    path = os.path.join(root, annotations)
    with open(path, encoding="utf-8", newline="") as handle:
        rows = list(csv.reader(handle, delimiter="\t"))
    if not rows or "mp3_path" not in rows[0] or "clip_id" not in rows[0]:
        raise ValueError(f"{path}: not a MagnaTagATune annotation file (needs clip_id … mp3_path columns).")
    header = rows[0]
    mp3_column = header.index("mp3_path")
    tag_columns = [i for i, name in enumerate(header) if name not in ("clip_id", "mp3_path")]
    counts = collections.Counter()
    for row in rows[1:]:
        counts.update(header[i] for i in tag_columns if row[i] == "1")
    tags = tuple(sorted(counts, key=lambda tag: (-counts[tag], tag))[:top_k])
    kept = set(tags)
    entries = []
    for row in rows[1:]:
        audio = os.path.join(root, row[mp3_column])
        if os.path.isfile(audio):
            labels = tuple(header[i] for i in tag_columns if row[i] == "1" and header[i] in kept)
            entries.append(ManifestEntry(audio=audio, labels=labels))
    return entries, tags


def read_gtzan(root):
    """GTZAN: `genres/<genre>/<genre>.000NN.wav` (or `root` is the `genres` folder itself).

    Returns:
        `(entries, genres)`: one single-label `ManifestEntry` per WAV, and the
        genres found, sorted.
    """
    folder = os.path.join(root, "genres") if os.path.isdir(os.path.join(root, "genres")) else root
    genres = tuple(sorted(name for name in os.listdir(folder) if os.path.isdir(os.path.join(folder, name))))
    if not genres:
        raise ValueError(f"{folder}: no genre folders (expected genres/<genre>/*.wav).")
    entries = [
        ManifestEntry(audio=os.path.join(folder, genre, name), labels=(genre,))
        for genre in genres
        for name in sorted(os.listdir(os.path.join(folder, genre)))
        if name.lower().endswith(".wav")
    ]
    return entries, genres
