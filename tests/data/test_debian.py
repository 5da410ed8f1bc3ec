"""The Debian music corpus builder on packages made here with dpkg-deb (nothing is downloaded): the listed files
read from the .deb (and from a zip inside it), MD5-checked, summed stems, duplicates written once, licences from
DEP-5 and free-text copyright files, composers from tags and copyright files spelled one way, splits that keep a
composer's packages together, a resumable build, and an old corpus brought up to date without converting audio."""

import hashlib
import io
import json
import os
import shutil
import struct
import subprocess
import zipfile

import numpy as np
import pytest
import soundfile

import mirzoo.data.debian
from mirzoo.data.debian import (
    CorpusError,
    Licence,
    Track,
    assign_splits,
    audio_credits,
    build_debian_corpus,
    composers,
    free_text_licence,
    game_credits,
    is_credits_file,
    licence_of,
    read_members,
    read_tags,
    read_track_list,
    track_metadata,
)

pytestmark = pytest.mark.skipif(shutil.which("dpkg-deb") is None, reason="needs dpkg-deb (Debian)")

COPYRIGHT = """Format: https://www.debian.org/doc/packaging-manuals/copyright-format/1.0/
Upstream-Name: game

Files: *
Copyright: 2001 Game Authors
License: GPL-2+

Files: data/music/tune*.ogg
Copyright: 2010 A Composer
License: CC-BY-3.0

Files: data/music/other.ogg
 data/songs/*/song.ogg
Copyright: 2012 B Composer
License: CC-BY-SA-3.0
"""


# A free-text (not DEP-5) copyright file: packaging under one licence, the program under another, the music
# ("media files") under a third, stated in words.
FREE_TEXT = """This package was debianized by A Packager <p@example.org>.

The Debian packaging is (C) 2010 A Packager and is licensed under the GPL, see
`/usr/share/common-licenses/GPL'.

Upstream Authors:
    Ann Coder <ann@example.org>
    Bob Coder

Data Authors:
    Chris Leutwyler (Krobonil)

License:

    This program is free software; you can redistribute it and/or modify it
    under the terms of the GNU General Public License as published by the
    Free Software Foundation; either version 2 of the License, or (at your
    option) any later version.

Most media files (images, sounds, musics, fonts and so on) are distributed
under the terms of the Creative Commons paternity share alike licence in
version 3.0.
"""


def ogg(seconds, frequency, rate=44100, channels=2, artist=""):
    """Ogg Vorbis of a tone, with libsndfile's ARTIST comment when `artist` is given."""
    times = np.arange(int(seconds * rate)) / rate
    tone = 0.4 * np.sin(2 * np.pi * frequency * times)
    buffer = io.BytesIO()
    with soundfile.SoundFile(buffer, "w", rate, channels, format="OGG", subtype="VORBIS") as handle:
        if artist:
            handle.artist = artist
        handle.write(np.stack([tone] * channels, axis=1))
    return buffer.getvalue()


def ogg_comment_pages(comments, magic=b"\x03vorbis"):
    """The first two pages of an Ogg Vorbis stream as the Vorbis I and Ogg specifications lay them out (an
    identification packet, then the comment packet holding `comments`, "FIELD=value" strings), with zero CRCs:
    enough for a comment reader, not for a decoder."""
    def page(packet, sequence):
        lacing = bytes([255] * (len(packet) // 255) + [len(packet) % 255])
        header = (b"OggS\x00" + bytes([2 if sequence == 0 else 0]) + bytes(8) + b"\x2a\x00\x00\x00"
                  + struct.pack("<I", sequence) + bytes(4) + bytes([len(lacing)]))
        return header + lacing + packet

    encoded = [comment.encode() for comment in comments]
    body = struct.pack("<I", 6) + b"vendor" + struct.pack("<I", len(encoded))
    body += b"".join(struct.pack("<I", len(comment)) + comment for comment in encoded)
    return page(b"\x01vorbis" + bytes(23), 0) + page(magic + body + b"\x01", 1)


def make_deb(folder, package, version, files):
    """A binary package `<package>_<version>_all.deb` in `folder` holding `files` ({path: bytes})."""
    root = folder / f"{package}-root"
    (root / "DEBIAN").mkdir(parents=True)
    (root / "DEBIAN" / "control").write_text(f"Package: {package}\nVersion: {version}\nArchitecture: all\n"
                                            "Maintainer: mirzoo <m@example.org>\nDescription: test\n")
    for path, data in files.items():
        (root / path).parent.mkdir(parents=True, exist_ok=True)
        (root / path).write_bytes(data)
    deb = folder / f"{package}_{version}_all.deb"
    subprocess.run(["dpkg-deb", "--build", "--root-owner-group", str(root), str(deb)], check=True,
                   capture_output=True)
    return deb


@pytest.fixture(scope="module")
def packages(tmp_path_factory):
    """Two packages and their track list: `game-music` (two tunes tagged ARTIST=Krobonil & Max Freeman, one a copy
    of the other, and an untagged song with its guitar stem; a DEP-5 copyright file) and `zipped-data` (music
    inside usr/share/games/0ad/mods/public/public.zip; the free-text copyright file FREE_TEXT, whose data author is
    "Chris Leutwyler (Krobonil)")."""
    folder = tmp_path_factory.mktemp("debs")
    tune, song, guitar = ogg(2.0, 440.0, artist="Krobonil & Max Freeman"), ogg(3.0, 220.0), ogg(3.0, 330.0)
    music = "usr/share/games/game/music"
    game = {f"{music}/tune1.ogg": tune, f"{music}/tune2.ogg": tune, f"{music}/songs/x/song.ogg": song,
            f"{music}/songs/x/guitar.ogg": guitar, "usr/share/doc/game-music/copyright": COPYRIGHT.encode()}
    make_deb(folder, "game-music", "1.0-1", game)
    archive = io.BytesIO()
    zipped_tune = ogg(1.5, 550.0, rate=48000, channels=1)
    with zipfile.ZipFile(archive, "w") as handle:
        handle.writestr("audio/music/Zip_Tune.ogg", zipped_tune)
        handle.writestr("art/ignored.png", b"x" * 100)
    make_deb(folder, "zipped-data", "2:0.1-1", {"usr/share/games/0ad/mods/public/public.zip": archive.getvalue(),
                                                "usr/share/doc/zipped-data/copyright": FREE_TEXT.encode()})
    rows = [("game-music", "1.0-1", f"{music}/tune1.ogg", tune, ""),
            ("game-music", "1.0-1", f"{music}/tune2.ogg", tune, ""),
            ("game-music", "1.0-1", f"{music}/songs/x/song.ogg", song, ""),
            ("game-music", "1.0-1", f"{music}/songs/x/guitar.ogg", guitar,
             "guitar stem: mix with song.ogg of same folder"),
            ("zipped-data", "2:0.1-1", "[public.zip]/audio/music/Zip_Tune.ogg", zipped_tune, "")]
    track_list = folder / "tracks.csv"
    lines = ["package,debian_version,path_in_package,seconds,sample_rate,channels,md5,note"]
    lines += [f"{p},{v},{path},1.0,44100,2,{hashlib.md5(data).hexdigest()},{note}" for p, v, path, data, note in rows]
    track_list.write_text("\n".join(lines) + "\n")
    return folder, track_list, {"tune": tune, "song": song, "guitar": guitar}


def test_build_writes_checked_mono_flacs_with_their_licences(packages, tmp_path):
    folder, track_list, sources = packages
    summary = build_debian_corpus(track_list, tmp_path, sample_rate=16000, downloads=folder, progress=False)
    hours = pytest.approx((2.0 + 3.0 + 1.5) / 3600, abs=5e-4)
    # One composer (Krobonil, alias of Chris Leutwyler) in both packages: one group, too big for validation.
    assert summary == {"packages": 2, "tracks": 3, "hours": hours, "duplicates": 1,
                       "splits": {"train": {"packages": 2, "tracks": 3, "hours": hours},
                                  "validation": {"packages": 0, "tracks": 0, "hours": 0.0}}}
    records = [json.loads(line) for line in (tmp_path / "tracks.jsonl").read_text().splitlines()]
    by_source = {record["source"].rsplit("/", 1)[-1]: record for record in records}
    assert by_source["tune1.ogg"]["file"] == "audio/game-music/tune1.flac"
    assert by_source["tune2.ogg"]["duplicate_of"] == "audio/game-music/tune1.flac"
    assert "file" not in by_source["tune2.ogg"]
    tune = by_source["tune1.ogg"]
    assert (tune["licence"], tune["copyright"]) == ("CC-BY-3.0", "2010 A Composer")
    assert tune["licence_from"] == "copyright: DEP-5 Files: data/music/tune*.ogg"
    assert (tune["credit"], tune["credit_from"]) == (["Krobonil & Max Freeman"], "tags: ARTIST")
    assert tune["composer"] == ["Chris Leutwyler", "Max Freeman"] == by_source["tune2.ogg"]["composer"]
    song = by_source["song.ogg"]
    assert song["licence"] == "CC-BY-SA-3.0" and song["stem"].endswith("guitar.ogg")
    assert (song["composer"], song["credit_from"]) == (["B Composer"], "copyright: Copyright of DEP-5 Files: "
                                                                          "data/songs/*/song.ogg")
    zipped = by_source["Zip_Tune.ogg"]
    assert zipped["file"] == "audio/zipped-data/Zip_Tune.flac"
    assert (zipped["licence"], zipped["composer"]) == ("CC-BY-SA-3.0", ["Chris Leutwyler"])
    assert zipped["licence_from"].startswith('copyright: free text: "Most media files')
    assert {record["split"] for record in records} == {"train"}
    audio, rate = soundfile.read(tmp_path / by_source["song.ogg"]["file"])
    info = soundfile.info(tmp_path / by_source["song.ogg"]["file"])
    assert rate == 16000 and audio.ndim == 1 and info.subtype == "PCM_16" and info.format == "FLAC"
    # The song and its guitar stem, summed: both partials are there.
    spectrum = np.abs(np.fft.rfft(audio[:16000]))
    frequencies = np.fft.rfftfreq(16000, 1 / 16000)
    for frequency in (220.0, 330.0):
        assert spectrum[np.argmin(np.abs(frequencies - frequency))] > 0.2 * spectrum.max()


def test_a_second_build_converts_nothing(packages, tmp_path):
    folder, track_list, _ = packages
    build_debian_corpus(track_list, tmp_path, sample_rate=16000, downloads=folder, progress=False)
    flac = tmp_path / "audio" / "game-music" / "tune1.flac"
    modified = os.stat(flac).st_mtime_ns
    lines = (tmp_path / "tracks.jsonl").read_text()
    assert build_debian_corpus(track_list, tmp_path, sample_rate=16000, downloads=folder,
                               progress=False)["tracks"] == 3
    assert os.stat(flac).st_mtime_ns == modified and (tmp_path / "tracks.jsonl").read_text() == lines


def test_a_file_whose_md5_differs_is_refused(packages, tmp_path):
    folder, track_list, _ = packages
    tracks = [track if not track.path.endswith("tune1.ogg") else Track(**{**track.__dict__, "md5": "0" * 32})
              for track in read_track_list(track_list)]
    with pytest.raises(CorpusError, match="tune1.ogg has MD5 .*, the track list says 0{32}"):
        build_debian_corpus(tracks, tmp_path, downloads=folder, progress=False)


def test_a_file_missing_from_the_package_is_refused(packages, tmp_path):
    folder, track_list, _ = packages
    tracks = read_track_list(track_list)[:1]
    tracks[0] = Track(**{**tracks[0].__dict__, "path": "usr/share/games/game/music/absent.ogg"})
    with pytest.raises(CorpusError, match="absent.ogg is not in the package"):
        build_debian_corpus(tracks, tmp_path, downloads=folder, progress=False)


def test_licence_of_takes_the_last_matching_stanza():
    def licence(path):
        found = licence_of(COPYRIGHT, path)
        return found.name, found.holders

    assert licence("usr/share/games/game/music/other.ogg") == ("CC-BY-SA-3.0", ("2012 B Composer",))
    assert licence("usr/share/games/game/music/tune7.ogg") == ("CC-BY-3.0", ("2010 A Composer",))
    assert licence("usr/share/games/game/sounds/click.wav") == ("GPL-2+", ("2001 Game Authors",))
    assert licence_of(COPYRIGHT, "usr/share/games/game/sounds/click.wav").catch_all
    assert licence_of("not a DEP-5 file", "a.ogg") == Licence("", "")


def test_a_stanza_matches_by_its_tail_and_not_by_a_file_name_alone():
    """Installed paths keep only the last components of the source tree's (supertux's data/music/* is installed
    as usr/share/games/supertux2/music/…); another folder's pattern that happens to match the file name (stk's
    data/karts/nolok/kart_* against music/kart_grand_prix.ogg) does not match."""
    copyright_text = ("Files: *\nCopyright: Team\nLicense: GPL-3+\n\nFiles: data/music/*\nCopyright: Wansti\n"
                      "License: GPL-2+\n\nFiles: data/karts/nolok/kart_*\nCopyright: 2019 Samuncle\n"
                      "License: CC-BY-SA-4.0\n")
    assert licence_of(copyright_text, "usr/share/games/supertux2/music/forest/forest.ogg").name == "GPL-2+"
    assert licence_of(copyright_text, "usr/share/games/stk/data/music/kart_grand_prix.ogg").name == "GPL-2+"
    assert licence_of(copyright_text, "usr/share/games/stk/data/karts/nolok/kart_nolok.png").name == "CC-BY-SA-4.0"


@pytest.mark.parametrize("text, expected", [
    (FREE_TEXT, "CC-BY-SA-3.0"),  # the media statement, over the program's GPL-2+ and the packaging's GPL
    ("The license of the packaging is:\n\nRedistribution and use in source and binary forms, with or without\n"
     "modification, are permitted. The names of the contributors may not be used to endorse or promote\n\n"
     "Upstream Authors:\n    Ivo\n\nCopyright:\n\n   This package is free software; you can redistribute it "
     "and/or modify\n   it under the terms of the GNU General Public License as published by\n   the Free "
     "Software Foundation; version 2 dated June, 1991.\n\n   This package is distributed in the hope that it "
     "will be useful. See the\n   GNU General Public License for more details.\n\nOn Debian systems, the "
     "complete text of the GNU General\nPublic License can be found in `/usr/share/common-licenses/GPL-2'.\n\n"
     "For the true-type fonts:\n\n   either version 2, or (at your option) any later version of the GNU "
     "General Public License.\n", "GPL-2"),
    ("This software is Copyright (C) 1999-2004 WolfPack Entertainment\n\nYou are free to distribute this "
     "software under the terms of\nthe GNU General Public License.\nOn Debian systems, the complete text of "
     "the GNU General Public\nLicense can be found in /usr/share/common-licenses/GPL file.\n", "GPL"),
    ("Copyright:\n\nThe songs, performances and fret files are all Copyright (c) 2006/2007  Carlos\n\n"
     "Permission is hereby granted, free of charge, to any person obtaining a copy\nof this software\n\n"
     "Packaging:\n\nThe Debian packaging is (C) 2006-2007 Matthew and is licensed under the GPL.\n", "Expat"),
    ("License:\n\n   The OpenClonk engine is licensed under the terms of the ISC license:\n\n   Some files "
     "belonging to the game content are licensed under the\n   Creative Commons Attribution 3.0 license[1] or the "
     "Creative Commons\n   CC0 (public domain) license[2].\n", "CC-BY-3.0 or CC0-1.0"),
    ("Copyright (C) 2012 Max\n\nLicense\n\n   b. You may Distribute or Publicly Perform an Adaptation only "
     "under the\n  terms of: (i) this License; (ii) a Creative Commons jurisdiction license\n  (e.g., "
     "Attribution-ShareAlike 3.0 US)).\n\nDebian packaging is licensed under GPLv2 or later.\n", "CC-BY-SA-3.0"),
    ("Upstream Author: Someone\n\nNo licence is stated here.\n", ""),
])
def test_a_free_text_copyright_file_gives_the_licence_it_states_for_the_music(text, expected):
    licence, statement = free_text_licence(text)
    assert licence == expected and (statement != "") == (expected != "")
    if expected:  # quoted, cut at 160 characters
        found = licence_of(text, "usr/share/games/x/a.ogg")
        assert found.name == expected and found.source.startswith(f'free text: "{statement[:150]}')


def test_tags_credit_the_composer_then_the_artist():
    comments = ["TITLE=Tune", "ARTIST=Max Freeman & Chris Leutwyler", "composer=Chris Leutwyler",
                "COMMENT=" + "x" * 600]  # a packet over 255 bytes: several lacing values
    tags = read_tags(ogg_comment_pages(comments))
    assert tags == {"TITLE": ["Tune"], "ARTIST": ["Max Freeman & Chris Leutwyler"], "COMPOSER": ["Chris Leutwyler"],
                    "COMMENT": ["x" * 600]}
    assert read_tags(ogg_comment_pages(["ARTIST=Askyel"], magic=b"OpusTags")) == {"ARTIST": ["Askyel"]}
    assert audio_credits(ogg_comment_pages(comments)) == (["Chris Leutwyler", "Max Freeman & Chris Leutwyler"],
                                                          "tags: COMPOSER, ARTIST")
    # What libsndfile writes (its ARTIST comment), and tags that name no one: a URL, "<Unknown>".
    assert audio_credits(ogg(0.1, 440.0, artist="Maxstack")) == (["Maxstack"], "tags: ARTIST")
    assert audio_credits(ogg_comment_pages(["ARTIST=http://zhaymusic.com/", "COMPOSER=<Unknown>"])) == ([], "")
    assert read_tags(b"RIFF....WAVE") == {}


def test_an_untagged_track_is_credited_from_its_copyright_file():
    track = Track("game", "1", "usr/share/games/game/music/tune1.ogg", 1.0, 44100, 2, "0" * 32)
    assert track_metadata(track, b"", COPYRIGHT)["credit"] == ["2010 A Composer"]
    roles = ("Files: *\nCopyright: Ann Coder    code\n           Marco Göbel    music\n"
             "           Bob Roberts (Music composition)\nLicense: GPL-2+\n")
    assert track_metadata(track, b"", roles)["credit"] == ["Marco Göbel    music", "Bob Roberts (Music composition)"]
    # A catch-all stanza listing a project's many contributors credits no one in particular.
    many = "Files: *\nCopyright: 2001 Ann, Bob, Cid\n 2003 Dan <dan@example.org>\nLicense: GPL-2+\n"
    assert track_metadata(track, b"", many)["credit"] == []
    assert track_metadata(track, b"", many.replace(", Cid", ""))["credit"] == ["2001 Ann, Bob",
                                                                                 "2003 Dan <dan@example.org>"]
    # Free text: its data authors, before its upstream authors.
    metadata = track_metadata(track, b"", FREE_TEXT)
    assert (metadata["credit"], metadata["credit_from"]) == (["Chris Leutwyler (Krobonil)"],
                                                             "copyright: authors in free text")
    assert track_metadata(track, b"", FREE_TEXT.replace("Data Authors", "Thanks to"))["credit"] == [
        "Ann Coder <ann@example.org>", "Bob Coder"]


# Two games' credits lists as they ship them: Flare's (`text=` lines between `separator=` lines) and Plee the
# Bear's (plain lines under `#color` directives).
FLARE_CREDITS = """[vscroll]
text=Flare Game Credits - fantasycore
separator=32

text=Visual Artists
separator=16
text=Clint Bellanger
separator=32

text=Composers
separator=16
text=Brandon Morris
text=remaxim
separator=32

text=Foley Artists
separator=16
text=Brandon Morris
text=Justin Jacobs
"""
PLEE_CREDITS = """#color 1 0.75 0
Music
#color 1 0.5 0
Julien Jorge
Florian Massuyeau

#color 1 0.75 0
Sound
#color 1 0.5 0
Someone Else
"""


def test_a_games_credits_list_names_its_composers():
    assert game_credits([FLARE_CREDITS]) == ["Brandon Morris", "remaxim"]
    assert game_credits([PLEE_CREDITS]) == ["Julien Jorge", "Florian Massuyeau"]
    assert game_credits([FLARE_CREDITS, FLARE_CREDITS.replace("remaxim", "Ann")]) == ["Brandon Morris", "remaxim",
                                                                                     "Ann"]
    assert game_credits(["Sound Credits:\n\nHydra sounds, by Brett\n"]) == []  # sound effects are not music
    assert is_credits_file("usr/share/games/flare/mods/fantasycore/cutscenes/credits.txt")
    assert not is_credits_file("usr/share/doc/game/credits.txt") and not is_credits_file("usr/share/x/credits.png")
    track = Track("game", "1", "usr/share/games/game/music/tune1.ogg", 1.0, 44100, 2, "0" * 32)
    # Between the file's tags and the copyright file.
    metadata = track_metadata(track, b"", COPYRIGHT, [FLARE_CREDITS])
    assert (metadata["credit"], metadata["credit_from"]) == (["Brandon Morris", "remaxim"], "credits: music")
    tagged = ogg_comment_pages(["ARTIST=Luke"])
    assert track_metadata(track, tagged, COPYRIGHT, [FLARE_CREDITS])["credit"] == ["Luke"]
    assert track_metadata(track, b"", COPYRIGHT, [PLEE_CREDITS.replace("Music", "Graphics")])["credit"] == [
        "2010 A Composer"]


def test_credits_lists_are_read_from_the_package(tmp_path):
    deb = make_deb(tmp_path, "credited", "1", {"usr/share/games/g/mods/a/credits.txt": FLARE_CREDITS.encode(),
                                               "usr/share/games/g/music/t.ogg": b"x",
                                               "usr/share/games/g/other.txt": b"y"})
    found = read_members(str(deb), {"usr/share/games/g/music/t.ogg"}, also=is_credits_file)
    assert found == {"usr/share/games/g/music/t.ogg": b"x",
                     "usr/share/games/g/mods/a/credits.txt": FLARE_CREDITS.encode()}


def test_a_person_is_spelled_one_way_across_the_corpus():
    credits = [["Chris Leutwyler (Krobonil)"], ["Krobonil & 0zone0ne"], ["Alexandr Zhelanov"],
               ["© 2019 Alexander Zhelanov <az@example.org>", "Alexander Zhelanov"],
               ["DST", "Deceased Superior Technician"], ["Lawrence AZZOUG"], ["Azzoug Lawrence"], ["Azzoug Lawrence"],
               ["Klaus Halfmann aka Hasi50"], ["Hasi50"], ["Marek Moeckel <wansti@gmx.de>"], ["Wansti"], ["Wansti"],
               ["Free Software Foundation, Inc."]]
    assert composers([{"credit": credit} for credit in credits]) == [
        ["Chris Leutwyler"], ["Chris Leutwyler", "0zone0ne"], ["Alexander Zhelanov"], ["Alexander Zhelanov"],
        ["Deceased Superior Technician"], ["Azzoug Lawrence"], ["Azzoug Lawrence"], ["Azzoug Lawrence"],
        ["Klaus Halfmann"], ["Klaus Halfmann"], ["Marek Moeckel"], ["Marek Moeckel"], ["Marek Moeckel"],
        ["Free Software Foundation Inc"]]


def test_splits_keep_the_packages_of_a_shared_composer_together():
    """Twelve packages of an hour each, three linked by composers (a-b by X, b-c by Y); m has a copy of d's only
    recording. A quarter of the hours (3 h) go to validation, in groups of at most a third of that (1 h): never
    the a-b-c group."""
    composer_of = {"a": ["X"], "b": ["X", "Y"], "c": ["Y"]}
    records = [{"package": package, "composer": composer_of.get(package, [package.upper()]),
                "file": f"{package}.flac", "seconds": 3600.0} for package in "abcdefghijkl"]
    records.append({"package": "m", "composer": [], "duplicate_of": "d.flac"})
    assert assign_splits(records, 0.25, seed=3) == assign_splits(list(reversed(records)), 0.25, seed=3)
    chosen = set()
    for seed in range(20):
        splits = assign_splits(records, validation_fraction=0.25, seed=seed)
        assert splits["a"] == splits["b"] == splits["c"] == "train" and splits["d"] == splits["m"]
        validation = {package for package, split in splits.items() if split == "validation"} - {"m"}
        assert len(validation) == 3  # hours
        chosen.add(frozenset(validation))
    assert len(chosen) > 1  # the seed chooses


def test_an_old_corpus_gets_the_new_fields_without_converting_audio(packages, tmp_path, monkeypatch):
    folder, track_list, _ = packages
    build_debian_corpus(track_list, tmp_path, sample_rate=16000, downloads=folder, progress=False)
    records_path = tmp_path / "tracks.jsonl"
    built = records_path.read_text()
    # As the corpus was before licence_from, credits, composer and split existed (and a licence a worse matcher gave).
    new_fields = ("licence_from", "credit", "credit_from", "composer", "split")
    old = [{key: value for key, value in json.loads(line).items() if key not in new_fields}
           for line in built.splitlines()]
    old[0]["licence"] = ""
    records_path.write_text("".join(json.dumps(record) + "\n" for record in old))
    flacs = {path: os.stat(path).st_mtime_ns for path in (tmp_path / "audio").rglob("*.flac")}

    def no_conversion(*args):
        raise AssertionError("audio converted again")

    monkeypatch.setattr(mirzoo.data.debian, "convert_package", no_conversion)
    build_debian_corpus(track_list, tmp_path, sample_rate=16000, downloads=folder, progress=False)
    assert records_path.read_text() == built
    assert {path: os.stat(path).st_mtime_ns for path in flacs} == flacs
    assert sorted(os.listdir(tmp_path)) == ["audio", "tracks.jsonl"]  # the rewrite left no temporary file
    # --refresh-metadata reads the packages again, still without converting.
    build_debian_corpus(track_list, tmp_path, sample_rate=16000, downloads=folder, progress=False,
                        refresh_metadata=True)
    assert records_path.read_text() == built


def test_the_command_line_builds_and_reports(packages, tmp_path, capsys):
    from mirzoo.cli import main

    folder, track_list, _ = packages
    assert main(["corpus", "debian", str(track_list), "--out", str(tmp_path), "--downloads", str(folder),
                 "--sample-rate", "16000", "--no-progress"]) == 0
    summary = json.loads(capsys.readouterr().out)
    assert (summary["packages"], summary["tracks"], summary["duplicates"]) == (2, 3, 1)
    broken = tmp_path / "broken.csv"
    broken.write_text(track_list.read_text().replace("tune1.ogg", "absent.ogg", 1))
    assert main(["corpus", "debian", str(broken), "--out", str(tmp_path / "b"), "--downloads", str(folder),
                 "--no-progress"]) == 2
    assert "absent.ogg is not in the package" in capsys.readouterr().err
