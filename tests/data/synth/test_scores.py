"""Excerpts of music21 works: the MIDI cache keeps music21's notes; excerpts cut, transpose and stretch exactly."""

import os

import numpy as np
import pytest
import soundfile

from mirzoo.data.synth import labels, scores
from mirzoo.data.synth.songs import BASS_PROGRAMS, Note

music21 = pytest.importorskip("music21")
mido = pytest.importorskip("mido")

CHORALE = "bach/bwv10.7.mxl"  # four parts, no tempo mark: music21 plays it at quarter = 120


def music21_notes(work):
    """Oracle: (pitch, start s, end s) of each part, from music21's own score with ties merged."""
    score = music21.corpus.parse(work).stripTies()
    [(_, _, mark)] = score.metronomeMarkBoundaries()
    seconds_per_quarter = 60.0 / mark.number
    parts = []
    for part in score.parts:
        notes = []
        for element in part.flatten().notes:
            for pitch in element.pitches:
                start = float(element.offset) * seconds_per_quarter
                notes.append((pitch.midi, start, start + float(element.quarterLength) * seconds_per_quarter))
        parts.append(sorted(notes))
    return parts


def test_the_midi_cache_holds_music21s_notes_and_is_parsed_once(tmp_path, monkeypatch):
    path = scores.cached_midi(CHORALE, tmp_path)
    parts = scores.read_parts(path)
    expected = music21_notes(CHORALE)
    assert [name for name, _ in parts] == ["Soprano", "Alto", "Tenor", "Bass"]
    for (_, notes), oracle in zip(parts, expected):
        got = sorted((note.pitch, note.start, note.end) for note in notes)
        assert [pitch for pitch, _, _ in got] == [pitch for pitch, _, _ in oracle]
        np.testing.assert_allclose([times for _, *times in got], [times for _, *times in oracle], atol=1e-6)

    def no_parsing(*args, **kwargs):
        raise AssertionError("the cached work was parsed again")

    monkeypatch.setattr(music21.corpus, "parse", no_parsing)
    assert scores.cached_midi(CHORALE, tmp_path) == path
    assert sorted(p.name for p in tmp_path.iterdir()) == ["bach__bwv10.7.mxl.mid"]  # no temporary file left


@pytest.mark.parametrize("work, reason", [("leadSheet/fosterBrownHair.xml", "fewer than two parts"),
                                          ("bach/bwv277.krn", "ExpanderException: cannot expand Stream")])
def test_a_work_music21_cannot_perform_as_polyphony_is_passed_over_and_remembered(tmp_path, work, reason):
    assert scores.cached_midi(work, tmp_path) is None
    skip = tmp_path / (work.replace("/", "__") + ".skip")
    assert reason in skip.read_text()
    assert scores.cached_midi(work, tmp_path) is None
    assert sorted(p.name for p in tmp_path.iterdir()) == [skip.name]  # no MIDI, no temporary file


def test_read_parts_follows_tempo_changes(tmp_path):
    # Closed form: 480 ticks a beat; 120 bpm for the first 960 ticks (1 s), then 60 bpm (480 ticks a second).
    midi = mido.MidiFile(ticks_per_beat=480)
    conductor = mido.MidiTrack([mido.MetaMessage("set_tempo", tempo=500000, time=0),
                                mido.MetaMessage("set_tempo", tempo=1000000, time=960)])
    voice = mido.MidiTrack([mido.MetaMessage("track_name", name="Tenor", time=0),
                            mido.Message("note_on", note=60, velocity=80, time=480),  # 0.5 s
                            mido.Message("note_on", note=64, velocity=70, time=0),
                            mido.Message("note_off", note=60, velocity=0, time=960),  # tick 1440: 2 s
                            mido.Message("note_on", note=64, velocity=0, time=480)])  # tick 1920: 3 s
    midi.tracks += [conductor, voice]
    midi.save(tmp_path / "tempo.mid")
    [(name, notes)] = scores.read_parts(tmp_path / "tempo.mid")
    assert name == "Tenor"
    assert notes == [Note(60, 0.5, 2.0, 80), Note(64, 0.5, 3.0, 70)]


def parts_of_a_work():
    """40 s: a soprano rising a semitone every 2 s, a bass in octaves below it at the same times, an inner part."""
    soprano = [Note(60 + i, 2.0 * i, 2.0 * i + 1.5, 90) for i in range(20)]
    bass = [Note(48 + i, 2.0 * i, 2.0 * i + 1.5, 90) for i in range(20)]
    inner = [Note(64 + (i % 3), 4.0 * i, 4.0 * i + 4.0, 90) for i in range(10)]
    return [("Soprano", soprano), ("Inner", inner), ("Bass", bass)]


def test_excerpts_are_deterministic_cut_and_transposed_and_stretched_as_one():
    parts = parts_of_a_work()
    song = scores.excerpt(parts, seed=5, seconds=10.0)
    assert song == scores.excerpt(parts, seed=5, seconds=10.0)
    assert song != scores.excerpt(parts, seed=6, seconds=10.0)
    for seed in range(20):
        song = scores.excerpt(parts, seed=seed, seconds=10.0)
        assert [part.name for part in song.parts] == ["Soprano", "Inner", "Bass"]
        assert all(0.0 <= n.start < 10.0 and n.start < n.end <= 10.0 for part in song.parts for n in part.notes)
        soprano, inner, bass = song.parts
        # Steps and octaves survive: one transposition for every part, within -6..5 semitones.
        assert np.all(np.diff([n.pitch for n in soprano.notes]) == 1)
        bass_at = {n.end: n.pitch for n in bass.notes}  # ends are exact; a humanised onset may drop one note
        octaves = [n.pitch - bass_at[n.end] for n in soprano.notes if n.end in bass_at]
        assert len(octaves) >= 3 and set(octaves) == {12}
        assert 54 <= soprano.notes[0].pitch and soprano.notes[-1].pitch <= 84
        # One stretch in 0.8-1.25 for every part: note ends (exact; onsets are humanised) stay 2 s or
        # 4 s of score time apart. The last note may be cut at the excerpt's end.
        soprano_gaps = np.diff([n.end for n in soprano.notes])[:-1] / 2.0
        inner_gaps = np.diff([n.end for n in inner.notes])[:-1] / 4.0
        stretch = soprano_gaps[0]
        assert 0.8 <= stretch <= 1.25
        np.testing.assert_allclose(np.concatenate([soprano_gaps, inner_gaps]), stretch, rtol=1e-9)
        bass_start = {n.end: n.start for n in bass.notes}
        assert all(abs(n.start - bass_start[n.end]) < 0.08 for n in soprano.notes if n.end in bass_start)


def test_every_part_gets_a_general_midi_program_and_the_labels_follow():
    parts = parts_of_a_work()
    bass_programs = set()
    for seed in range(40):
        song = scores.excerpt(parts, seed=seed, seconds=10.0)
        assert all(part.program in scores.PART_PROGRAMS or part.program in BASS_PROGRAMS for part in song.parts)
        assert all(part.program in scores.PART_PROGRAMS for part in song.parts if part.name == "Soprano")
        bass_programs.add(song.parts[2].program)
        assert set(labels.tags(song)) <= {labels.family_of(part.program) for part in song.parts}
    assert bass_programs & set(BASS_PROGRAMS) - set(scores.PART_PROGRAMS)  # the lowest part sometimes plays bass


def test_a_short_work_starts_at_zero():
    parts = [("a", [Note(60, 0.0, 1.0, 90)]), ("b", [Note(48, 0.0, 1.0, 90)])]
    song = scores.excerpt(parts, seed=1, seconds=15.0)
    assert all(abs(part.notes[0].start) < 0.05 for part in song.parts)  # humanised by ~10 ms


def test_a_corpus_of_songs_and_works_is_built_with_its_recipe(tmp_path, train_soundfonts):
    from mirzoo.data.manifest import read_manifest
    from mirzoo.data.synth.build import build_corpus, split_of

    recipe = build_corpus(tmp_path, n_songs=1, sung_fraction=0.0, n_works=3, seconds=4.0, processes=1,
                          progress=False)
    assert recipe["n_works"] == 3 and recipe["music21"] == music21.VERSION_STR
    works = recipe["works"]
    assert len(works) == 3 and all(work.startswith(scores.COMPOSERS) for work in works.values())
    entries = {split: read_manifest(tmp_path / f"tags_{split}.csv") for split in recipe["clips"]}
    assert {key: len(clips) for key, clips in entries.items()} == recipe["clips"]
    assert sum(recipe["clips"].values()) == 4 + recipe["clips"].get("test_heldout", 0)
    for split, clips in entries.items():
        for entry in clips:
            stem = os.path.basename(entry.audio).split(".")[0].removesuffix("_heldout")
            piece = f"work-{works[stem]}" if stem in works else f"song-{int(stem[4:])}"
            assert split.removesuffix("_heldout") == split_of(piece)
            audio, rate = soundfile.read(entry.audio)
            assert rate == 22050 and len(audio) == 4 * 22050 and np.abs(audio).max() > 0.1
    cached = {p.name.removesuffix(".mid").replace("__", "/") for p in (tmp_path / "midi").glob("*.mid")}
    assert set(works.values()) <= cached
