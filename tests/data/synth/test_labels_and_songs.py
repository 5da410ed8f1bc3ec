"""The corpus's labels follow from the notes exactly; songs are deterministic; splits keep songs together."""

import numpy as np
import pytest

from mirzoo.data.synth import labels
from mirzoo.data.synth.build import split_of
from mirzoo.data.synth.songs import FAMILIES, Note, Part, Song, family_of, generate_song, instrumental_twin
from mirzoo.models.labels import INSTRUMENT_FAMILIES


def song(*parts, seconds=4.0):
    return Song(seed=0, tempo=120.0, key=0, minor=False, parts=list(parts), seconds=seconds)


def test_families_cover_the_label_contract():
    assert set(FAMILIES) | {"drums"} == set(INSTRUMENT_FAMILIES)
    assert family_of(0) == "piano" and family_of(47) is None and family_of(48) == "strings"
    assert family_of(53) == "voice" and family_of(0, is_drum=True) == "drums"


def test_tags_need_one_second_of_sound():
    piano = Part("p", 0, [Note(60, 0.0, 1.2, 90)])
    guitar = Part("g", 25, [Note(64, 0.0, 0.5, 90), Note(64, 1.0, 1.4, 90)])  # 0.9 s in all
    drums = Part("d", 0, [Note(36, t, t + 0.1, 100) for t in np.arange(0, 4, 0.25)], is_drum=True)  # 1.6 s
    assert labels.tags(song(piano, guitar, drums)) == ("piano", "drums")


def test_chroma_frames_are_the_sounding_pitch_classes():
    chord = Part("c", 0, [Note(60, 0.0, 1.0, 90), Note(64, 0.5, 1.0, 90), Note(67 + 12, 0.5, 2.0, 90)])
    drums = Part("d", 0, [Note(38, 0.0, 2.0, 100)], is_drum=True)
    chroma = labels.chroma_frames(song(chord, drums, seconds=2.0))
    assert chroma.shape == (200, 12)
    np.testing.assert_array_equal(np.flatnonzero(chroma[10]), [0])  # 0.1 s: C
    np.testing.assert_array_equal(np.flatnonzero(chroma[70]), [0, 4, 7])  # 0.7 s: C E G
    np.testing.assert_array_equal(np.flatnonzero(chroma[150]), [7])  # 1.5 s: G only; drums never count


def test_sung_parts_are_labelled_where_the_voice_sounds_and_with_its_sung_pitch():
    melody = Part("m", 53, [Note(60, 0.0, 2.0, 90)], sung=True)
    f0 = np.zeros(400)  # 5 ms frames over 2 s
    f0[100:200] = 440.0  # voiced 0.5-1.0 s, at A
    rate = 8000
    times = np.arange(2 * rate) / rate
    sung = np.where((times >= 0.5) & (times < 1.0), 0.1 * np.sin(2 * np.pi * 440 * times), 0.0)
    voice = labels.voice_frames(song(melody, seconds=2.0), sung, rate)
    # Frame k's 25 ms window, samples 80k - 100 ... 80k + 100, overlaps the voice (samples 4000-7999) for k = 49-101.
    np.testing.assert_array_equal(np.flatnonzero(voice[:, 0]), np.arange(49, 102))
    # Without the rendered voice, its notes decide: 0-2 s.
    assert labels.voice_frames(song(melody, seconds=2.0))[:, 0].all()
    chroma = labels.chroma_frames(song(melody, seconds=2.0), f0)
    assert chroma[75, 9] == 1 and chroma.sum() == 50
    assert labels.tags(song(melody, seconds=2.0), f0) == ()  # 0.5 s of singing < 1 s


def test_a_voice_sounds_where_its_level_is_within_the_floor_of_its_clip_level():
    """Closed form: 1 s of a 0.1 sine (power 0.005), 1 s of a sine `depth` dB under it, 1 s of silence. The
    clip's power is (0.005 + 0.005 * 10^(-depth/10)) / 3, so the quiet second sounds when it is at most
    40 dB under that."""
    rate = 8000
    times = np.arange(3 * rate) / rate
    for depth, quiet_sounds in ((30.0, True), (40.0, True), (50.0, False), (80.0, False)):
        amplitude = np.where(times < 1, 0.1, np.where(times < 2, 0.1 * 10 ** (-depth / 20), 0.0))
        voice = amplitude * np.sin(2 * np.pi * 200 * times)
        frames = labels.sounding_frames(voice, rate, 3.0)[:, 0]
        assert frames.shape == (300,) and frames.dtype == np.float32
        # Frames whose 25 ms window lies inside one second (every window spans 5 whole periods of 200 Hz).
        loud, quiet, silent = frames[2:99], frames[102:199], frames[202:]
        assert loud.all() and not silent.any()
        assert quiet.all() if quiet_sounds else not quiet.any()
    assert not labels.sounding_frames(np.zeros(rate), rate, 1.0).any()


def test_songs_are_deterministic_and_twins_lose_the_voice():
    first, again = generate_song(11, sung=True), generate_song(11, sung=True)
    assert first == again
    twin = instrumental_twin(first, 1)
    assert any(p.sung for p in first.parts) and not any(p.sung for p in twin.parts)
    assert [p.notes for p in twin.parts] == [p.notes for p in first.parts]
    assert all(family_of(p.program, p.is_drum) != "voice" for p in twin.parts if p.name == "melody")
    assert all(n.end <= first.seconds for p in first.parts for n in p.notes)


def test_splits_are_by_source_piece_and_roughly_ten_ten_eighty():
    splits = [split_of(f"song-{i}") for i in range(2000)]
    assert splits == [split_of(f"song-{i}") for i in range(2000)]
    assert 0.07 < splits.count("test") / 2000 < 0.13 and 0.07 < splits.count("validation") / 2000 < 0.13
    # md5(piece) % 100 is 5, 15, 50 and 78 for these (hashlib): test below 10, validation below 20.
    assert [split_of(g) for g in ("song-0", "song-2", "song-1", "work-bach/bwv10.7.mxl")] == [
        "test", "validation", "train", "train"]


def test_rendering_sounds_when_the_notes_say(train_soundfonts):
    from mirzoo.data.synth.render import render

    for soundfont in train_soundfonts:
        audio = render(song(Part("p", 0, [Note(69, 1.0, 2.0, 100)]), seconds=3.0), soundfont, 22050)
        assert audio.shape == (3 * 22050,)
        loud = np.abs(audio).reshape(30, -1).max(axis=1)
        assert loud[:9].max() < 1e-3 < loud[11:19].min(), soundfont  # silence before the note-on, sound during it
        spectrum = np.abs(np.fft.rfft(audio[22050 + 2205 : 2 * 22050]))
        assert abs(np.argmax(spectrum) * 22050 / (22050 - 2205) - 440.0) < 5.0, soundfont


def test_each_part_plays_on_its_own_soundfont_and_rendering_is_reproducible(train_soundfonts):
    from mirzoo.data.synth.render import render

    fluid, csound, fm = train_soundfonts
    two_parts = song(Part("a", 0, [Note(69, 1.0, 2.0, 100)]), Part("b", 0, [Note(76, 1.0, 2.0, 100)]), seconds=3.0)
    first = render(two_parts, [fluid, fm])
    np.testing.assert_array_equal(first, render(two_parts, [fluid, fm]))
    assert np.abs(first - render(two_parts, [csound, fm])).max() > 0.01  # part "a"'s soundfont changed its timbre
    with pytest.raises(ValueError, match="3 soundfonts for 2 parts"):
        render(two_parts, [fluid, fm, csound])
    sixteen = song(*[Part(str(i), 0, [Note(60, 0.0, 1.0, 90)]) for i in range(16)])
    with pytest.raises(ValueError, match="16 melodic parts; FluidSynth has 15 melodic channels"):
        render(sixteen, fluid)
