"""The MagnaTagATune and GTZAN readers on tiny fixtures written in those datasets' exact layouts."""

import warnings

import numpy as np
import pytest
import soundfile

import mirzoo
from mirzoo.data import SkippedAudioWarning, from_manifest, read_gtzan, read_magnatagatune
from mirzoo.testing import harmonic_test_signal

MTT_TAGS = ["no voice", "singer", "guitar", "classical", "slow"]
MTT_CLIPS = [  # clip_id, tags, mp3 path
    (2, ["guitar", "classical", "slow"], "f/american_bach_soloists-j_s__bach_solo_cantatas-01-bwv54__i_aria-30-59.mp3"),
    (6, ["guitar", "classical"], "f/american_bach_soloists-j_s__bach_solo_cantatas-01-bwv54__i_aria-88-117.mp3"),
    (10, ["guitar", "singer"], "0/jeff_wahl-guitarscapes-01-spanish_whisper-0-29.mp3"),
    (11, ["no voice"], "0/jeff_wahl-guitarscapes-01-spanish_whisper-30-59.mp3"),
    (12, ["guitar"], "c/missing_on_disk-01-track-0-29.mp3"),
]


@pytest.fixture()
def magnatagatune(tmp_path):
    lines = ["\t".join(f'"{name}"' for name in ["clip_id", *MTT_TAGS, "mp3_path"])]
    for clip_id, tags, mp3 in MTT_CLIPS:
        values = ["1" if tag in tags else "0" for tag in MTT_TAGS]
        lines.append("\t".join(f'"{v}"' for v in [str(clip_id), *values, mp3]))
        if "missing" not in mp3:
            (tmp_path / mp3).parent.mkdir(exist_ok=True)
            soundfile.write(tmp_path / mp3, harmonic_test_signal(16000, 2.0, seed=clip_id), 16000, format="MP3")
    (tmp_path / "annotations_final.csv").write_text("\n".join(lines) + "\n")
    return tmp_path


def test_magnatagatune_top_tags_and_clips(magnatagatune):
    entries, tags = read_magnatagatune(magnatagatune, top_k=3)
    # guitar 4, classical 2; then singer / slow / no voice tie at 1, broken by name.
    assert tags == ("guitar", "classical", "no voice")
    assert [e.audio.split("/")[-1] for e in entries] == [mp3.split("/")[-1] for _, _, mp3 in MTT_CLIPS[:4]]
    assert [e.labels for e in entries] == [("guitar", "classical"), ("guitar", "classical"), ("guitar",),
                                           ("no voice",)]


def test_magnatagatune_feeds_a_tagger(magnatagatune):
    entries, tags = read_magnatagatune(magnatagatune, top_k=3)
    preset = mirzoo.get_preset("conv1d_tagger")
    x, y = next(iter(from_manifest(entries, preset, batch_size=4, training=False, labels=tags)))
    assert x.shape == (4, preset.clip_samples) and y.shape == (4, 3)
    np.testing.assert_array_equal(np.asarray(y).sum(axis=0), [3, 2, 1])


def test_not_an_annotation_file(tmp_path):
    (tmp_path / "annotations_final.csv").write_text("a\tb\n1\t2\n")
    with pytest.raises(ValueError, match="not a MagnaTagATune annotation file"):
        read_magnatagatune(tmp_path)


@pytest.fixture()
def gtzan(tmp_path):
    for genre in ("blues", "jazz", "rock"):
        folder = tmp_path / "genres" / genre
        folder.mkdir(parents=True)
        for number in range(2):
            audio = harmonic_test_signal(22050, 1.0, seed=number)
            soundfile.write(folder / f"{genre}.{number:05d}.wav", audio, 22050, subtype="PCM_16")
    # GTZAN really ships one unreadable file, jazz.00054.wav.
    (tmp_path / "genres" / "jazz" / "jazz.00054.wav").write_bytes(b"RIFF\x00\x00\x00\x00WAVE")
    return tmp_path


def test_gtzan_layout_and_corrupt_file(gtzan):
    entries, genres = read_gtzan(gtzan)
    assert genres == ("blues", "jazz", "rock") and len(entries) == 7
    assert entries[0].labels == ("blues",) and entries[0].audio.endswith("blues.00000.wav")
    preset = mirzoo.get_preset("conv1d_tagger")
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        dataset = from_manifest(entries, preset, batch_size=8, training=False, labels=genres)
    skipped = [str(w.message) for w in caught if issubclass(w.category, SkippedAudioWarning)]
    assert len(skipped) == 1 and "jazz.00054.wav" in skipped[0]
    x, y = next(iter(dataset))
    assert x.shape == (6, preset.clip_samples)
    np.testing.assert_array_equal(np.asarray(y).sum(axis=0), [2, 2, 2])
    assert read_gtzan(gtzan / "genres")[1] == genres


def test_a_gtzan_listing_becomes_a_manifest_file_as_the_readme_shows(gtzan, tmp_path):
    from mirzoo.data import read_manifest, write_manifest

    entries, _ = read_gtzan(gtzan)
    (tmp_path / "manifests").mkdir()
    path = write_manifest(entries, tmp_path / "manifests" / "gtzan.csv")
    assert [(e.audio, e.labels) for e in read_manifest(path)] == [(e.audio, e.labels) for e in entries]
