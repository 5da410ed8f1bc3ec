"""Sung melodies over real accompaniment: the drawn level, the twin, the labels, the split and resuming.

The builder's tests sing with a stand-in for Festival (a sine where a closed-form pitch track is voiced), so they
run without it; the one test of Festival's voices skips when Festival, a voice or pyworld is missing.
"""

import json
import os

import numpy as np
import pytest
import soundfile

import mirzoo
from mirzoo.data import read_manifest
from mirzoo.data.synth import over_real, requirements
from mirzoo.data.synth.labels import LABEL_FRAME_RATE, SOUNDING_WINDOW_SECONDS, sounding_frames
from mirzoo.data.synth.sing import WORLD_FRAME_SECONDS
from mirzoo.data.synth.songs import Note
from mirzoo.distillation import teacher_dir

RATE = over_real.SAMPLE_RATE
SECONDS = 3.0
VOICED = (1.0, 2.5)  # the stand-in singer is voiced from 1 s to 2.5 s
QUANTUM = 1 / 32768  # a 16-bit FLAC sample
ROW_SECONDS = 187 * 256 / 16000  # musicnn's taggram rows: patches of 187 frames of 256 samples at 16 kHz


def stand_in_voice(seconds):
    """The stand-in singer's audio, a 330 Hz sine where it is voiced, and its pitch track."""
    times = np.arange(int(round(seconds * RATE))) / RATE
    voiced = (times >= VOICED[0]) & (times < VOICED[1])
    audio = (0.2 * np.sin(2 * np.pi * 330 * times) * voiced).astype(np.float32)
    f0_times = np.arange(int(np.ceil(seconds / WORLD_FRAME_SECONDS))) * WORLD_FRAME_SECONDS
    f0 = np.where((f0_times >= VOICED[0]) & (f0_times < VOICED[1]), 330.0, 0.0).astype(np.float32)
    return audio, f0


@pytest.fixture
def stand_in_singer(monkeypatch):
    """Replaces Festival + WORLD; returns the list of the voices it was asked for, one per melody sung."""
    calls = []

    def sing(notes, tempo, seed, sample_rate, seconds, voice, formant_range):
        calls.append(voice)
        return stand_in_voice(seconds)

    monkeypatch.setattr(over_real, "sing", sing)
    monkeypatch.setattr(requirements, "require", lambda *args, **kwargs: None)
    return calls


def write_track(root, package, name, split, seconds, frequency, vocal=None):
    """A track of a fake Debian corpus: a sine (amplitude 0.5) at `frequency` and, optionally, a taggram whose vocal
    tags are all `vocal`."""
    os.makedirs(os.path.join(root, "audio", package), exist_ok=True)
    times = np.arange(int(seconds * RATE)) / RATE
    soundfile.write(os.path.join(root, "audio", package, f"{name}.flac"),
                    (0.5 * np.sin(2 * np.pi * frequency * times)).astype(np.float32), RATE, subtype="PCM_16")
    if vocal is not None:
        labels = mirzoo.get_preset("musicnn.mtt").labels
        taggram = np.zeros((int(seconds / ROW_SECONDS), len(labels)), np.float32)
        taggram[:, [labels.index(tag) for tag in over_real.VOCAL_TAGS]] = vocal
        teacher = teacher_dir(str(root), over_real.TEACHER)  # the layout label_with_teacher writes
        os.makedirs(os.path.join(teacher, package), exist_ok=True)
        np.save(os.path.join(teacher, package, f"{name}.npy"), taggram)
        with open(os.path.join(teacher, "frame_rate.json"), "w", encoding="utf-8") as handle:
            json.dump({"frame_rate": 1 / ROW_SECONDS}, handle)
    return {"package": package, "file": f"audio/{package}/{name}.flac", "seconds": seconds, "split": split}


@pytest.fixture
def corpus(tmp_path):
    """Two usable train tracks, a train track where the teacher hears vocals, and a validation track."""
    root = tmp_path / "debian"
    rows = [write_track(root, "a", "one", "train", 20.0, 220.0, vocal=0.01),
            write_track(root, "a", "two", "train", 12.0, 250.0),
            write_track(root, "b", "sung", "train", 30.0, 280.0, vocal=0.9),
            write_track(root, "c", "held", "validation", 20.0, 300.0, vocal=0.0)]
    with open(root / "tracks.jsonl", "w", encoding="utf-8") as handle:
        handle.writelines(json.dumps(row) + "\n" for row in rows)
    return str(root)


def read_pair(folder, record):
    clips = {}
    for kind in ("sung", "twin"):
        audio, rate = soundfile.read(os.path.join(folder, "audio", f"{record['pair']}_{kind}.flac"), dtype="float64")
        assert rate == RATE
        clips[kind] = (audio, np.load(os.path.join(folder, "labels", f"{record['pair']}_{kind}.voice.npy")))
    return clips


def records(folder):
    pairs = sorted(os.listdir(os.path.join(folder, "pairs")))
    return [json.load(open(os.path.join(folder, "pairs", name), encoding="utf-8")) for name in pairs]


def test_mix_sets_the_drawn_level_and_the_twin_is_the_accompaniment_alone():
    times = np.arange(RATE) / RATE
    accompaniment = 0.5 * np.sin(2 * np.pi * 220 * times)
    voiced = times < 0.5  # 110 whole periods of the accompaniment, 220 of the voice
    voice = 0.1 * np.sin(2 * np.pi * 440 * times) * voiced
    for level_db in (-12.0, 0.0, 6.0):
        mix, twin, gain, scale = over_real.mix_over(accompaniment, voice, voiced, level_db, peak=0.8)
        # RMS of a sine over whole periods is amplitude / sqrt(2): gain * 0.1 = 10^(level/20) * 0.5.
        np.testing.assert_allclose(gain, 5 * 10 ** (level_db / 20), rtol=1e-9)
        np.testing.assert_allclose(np.abs(mix).max(), 0.8, rtol=1e-6)
        np.testing.assert_allclose(twin, scale * accompaniment, atol=1e-7)
        np.testing.assert_allclose(mix, scale * (accompaniment + gain * voice), atol=1e-7)


def test_pairs_are_accompaniment_plus_voice_with_aligned_labels(corpus, tmp_path, stand_in_singer):
    folder = str(tmp_path / "train")
    recipe = over_real.build_over_real(folder, corpus, "train", 6, seconds=SECONDS, seed=3, progress=False)
    voice, _ = stand_in_voice(SECONDS)
    # A frame is voice when its 25 ms window overlaps the voiced span (by 2.5 ms at either end: frames 99-251).
    times = np.arange(int(SECONDS * LABEL_FRAME_RATE)) / LABEL_FRAME_RATE
    half = SOUNDING_WINDOW_SECONDS / 2
    expected_labels = ((times > VOICED[0] - half) & (times < VOICED[1] + half))[:, None].astype(np.float32)
    assert np.flatnonzero(expected_labels[:, 0])[[0, -1]].tolist() == [99, 251]
    np.testing.assert_array_equal(sounding_frames(voice, RATE, SECONDS), expected_labels)
    assert set(stand_in_singer) <= set(requirements.FESTIVAL_VOICES)
    assert recipe["n_pairs"] == 6 and recipe["voice_fraction"] == pytest.approx(153 / 300)
    for record in records(folder):
        clips = read_pair(folder, record)
        track, _ = soundfile.read(record["track"], dtype="float64")
        first = int(round(record["start"] * RATE))
        excerpt = track[first : first + int(SECONDS * RATE)]
        np.testing.assert_allclose(clips["twin"][0], record["scale"] * excerpt, atol=2 * QUANTUM)
        np.testing.assert_allclose(clips["sung"][0] - clips["twin"][0], record["scale"] * record["gain"] * voice,
                                   atol=2 * QUANTUM)
        np.testing.assert_array_equal(clips["sung"][1], expected_labels)
        np.testing.assert_array_equal(clips["twin"][1], np.zeros_like(expected_labels))
        assert -12 <= record["level_db"] <= 6
        # The level holds over the samples of voice frames (0.99-2.52 s): there the stand-in voice's RMS is
        # 0.2 / sqrt(2) * sqrt(1.5 / 1.53) (1.5 s of whole periods of 330 Hz, and silence), the accompaniment
        # sine's 0.5 / sqrt(2) to within 0.002 dB whatever its phase (over 336 periods or more).
        level = 20 * np.log10(record["gain"] * 0.2 / 0.5 * np.sqrt(1.5 / 1.53))
        assert level == pytest.approx(record["level_db"], abs=2e-3)
    entries = read_manifest(os.path.join(folder, "voice_train.csv"))
    assert len(entries) == 12 and all(entry.frame_rate == LABEL_FRAME_RATE for entry in entries)
    assert [os.path.basename(entry.audio) for entry in entries[:2]] == ["pair00000_sung.flac", "pair00000_twin.flac"]
    # Both rows of a pair name the twin: the sung clip's voice is their difference, and the twin has none.
    assert all(entry.accompaniment == twin.audio for sung, twin in zip(entries[::2], entries[1::2])
               for entry in (sung, twin))


def test_a_build_reads_only_its_split_and_passes_over_vocals(corpus, tmp_path, stand_in_singer):
    train = over_real.build_over_real(str(tmp_path / "train"), corpus, "train", 12, seconds=SECONDS, progress=False)
    used = {os.path.basename(record["track"]) for record in records(str(tmp_path / "train"))}
    assert used == {"one.flac", "two.flac"} and train["tracks_used"] == 2  # never held.flac, never sung.flac
    over_real.build_over_real(str(tmp_path / "validation"), corpus, "validation", 3, seconds=SECONDS, progress=False)
    assert {os.path.basename(r["track"]) for r in records(str(tmp_path / "validation"))} == {"held.flac"}
    with pytest.raises(ValueError, match="no track in split 'test'"):
        over_real.build_over_real(str(tmp_path / "test"), corpus, "test", 1, progress=False)


def test_teacher_rows_an_excerpt_overlaps():
    row = ROW_SECONDS
    track = over_real.Track("x.flac", 30.0, np.array([0.0, 0.0, 0.5, 0.0, 0.0]), row)
    assert not over_real.hears_vocals(track, 0.0, 2 * row)  # rows 0 and 1 exactly
    assert over_real.hears_vocals(track, 0.0, 2 * row + 0.01)  # reaches row 2
    assert over_real.hears_vocals(track, 3 * row - 0.01, 1.0)  # starts in row 2
    assert not over_real.hears_vocals(track, 3 * row + 0.01, 1.0)  # rows 3 and 4
    assert not over_real.hears_vocals(over_real.Track("x.flac", 30.0, None), 0.0, 10.0)
    tail = over_real.Track("x.flac", 30.0, np.array([0.0, 0.9]), row)
    assert over_real.hears_vocals(tail, 5 * row, 1.0)  # past the last row: the last row's score


def test_an_interrupted_build_resumes_and_equals_an_uninterrupted_one(corpus, tmp_path, stand_in_singer):
    whole, parts = str(tmp_path / "whole"), str(tmp_path / "parts")
    over_real.build_over_real(whole, corpus, "train", 5, seconds=SECONDS, seed=1, progress=False)
    stand_in_singer.clear()
    over_real.build_over_real(parts, corpus, "train", 3, seconds=SECONDS, seed=1, progress=False)
    os.remove(os.path.join(parts, "pairs", "pair00002.json"))  # killed before its record was written
    finished = os.path.getmtime(os.path.join(parts, "audio", "pair00000_sung.flac"))
    stand_in_singer.clear()
    over_real.build_over_real(parts, corpus, "train", 5, seconds=SECONDS, seed=1, progress=False)
    assert len(stand_in_singer) == 3  # pairs 2, 3 and 4 only
    assert os.path.getmtime(os.path.join(parts, "audio", "pair00000_sung.flac")) == finished
    assert records(parts) == records(whole)
    for record in records(whole):
        for kind in ("sung", "twin"):
            name = f"{record['pair']}_{kind}"
            np.testing.assert_array_equal(soundfile.read(os.path.join(parts, "audio", f"{name}.flac"))[0],
                                          soundfile.read(os.path.join(whole, "audio", f"{name}.flac"))[0])
    with open(os.path.join(parts, "voice_train.csv"), encoding="utf-8") as a, \
            open(os.path.join(whole, "voice_train.csv"), encoding="utf-8") as b:
        assert a.read() == b.read()


def test_the_command_line_builds_and_resumes(corpus, tmp_path, stand_in_singer, capsys):
    from mirzoo import cli

    out = str(tmp_path / "cli")
    arguments = ["corpus", "over-real", corpus, "--split", "validation", "--pairs", "2", "--out", out, "--seconds",
                 "3", "--voices", "ked_diphone", "--levels", "-3", "0", "--no-progress"]
    assert cli.main(arguments) == 0
    recipe = json.loads(capsys.readouterr().out)
    assert recipe["voices"] == ["ked_diphone"] and recipe["levels_db"] == [-3.0, 0.0] and recipe["n_pairs"] == 2
    assert stand_in_singer == ["ked_diphone", "ked_diphone"]
    assert all(-3 <= record["level_db"] <= 0 for record in records(out))
    assert cli.main(arguments) == 0 and len(stand_in_singer) == 2  # nothing rendered again


def test_unknown_and_missing_voices_are_named(monkeypatch, tmp_path):
    with pytest.raises(ValueError, match="Unknown Festival voices \\['bob'\\]"):
        requirements.missing(voices=("bob",))
    monkeypatch.setattr(requirements, "FESTIVAL_VOICE_ROOT", str(tmp_path))
    problems = requirements.missing(voices=("ked_diphone",))
    assert problems == [f"Festival's ked_diphone voice, {tmp_path}/english/ked_diphone "
                        "(apt-get install festvox-kdlpc16k)"]


@pytest.mark.parametrize("voice", sorted(requirements.FESTIVAL_VOICES))
def test_every_festival_voice_sings_the_written_pitch(voice):
    if requirements.missing(sung=True, voices=(voice,)):
        pytest.skip(f"needs scripts/install_corpus_deps.sh ({'; '.join(requirements.missing(sung=True))})")
    from mirzoo.data.synth.sing import sing

    notes = [Note(64, 0.0, 0.6, 90), Note(67, 0.6, 1.2, 90)]  # E4 then G4: 329.6 Hz, 392.0 Hz
    audio, f0 = sing(notes, 100.0, seed=0, seconds=1.5, voice=voice, formant_range=(1.0, 1.0))
    assert audio.shape == (int(1.5 * RATE),) and np.abs(audio).max() > 0.01
    voiced = f0[f0 > 0]
    cents = 1200 * np.log2(voiced / 329.63)
    # Most voiced frames sit within a semitone (vibrato, drift) of one of the two notes (0 or 300 cents): 63-70 %
    # for the Italian voices, whose glides between English syllables WORLD tracks less well, more for kal and ked.
    near = (np.abs(cents) < 100) | (np.abs(cents - 300) < 100)
    assert len(voiced) > 0.3 * len(f0) and near.mean() > 0.6, (voice, near.mean())
