"""The Debian music corpus builder on packages made here with dpkg-deb (nothing is downloaded): the listed files
read from the .deb (and from a zip inside it), MD5-checked, summed stems, duplicates written once, licences from
the DEP-5 copyright file, and a resumable build."""

import hashlib
import io
import json
import os
import shutil
import subprocess
import zipfile

import numpy as np
import pytest
import soundfile

from mirzoo.data.debian import (
    CorpusError,
    Track,
    build_debian_corpus,
    licence_of,
    read_track_list,
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


def ogg(seconds, frequency, rate=44100, channels=2):
    times = np.arange(int(seconds * rate)) / rate
    tone = 0.4 * np.sin(2 * np.pi * frequency * times)
    buffer = io.BytesIO()
    soundfile.write(buffer, np.stack([tone] * channels, axis=1), rate, format="OGG", subtype="VORBIS")
    return buffer.getvalue()


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
    """Two packages and their track list: `game-music` (two tunes, one a copy of the other, and a song with its
    guitar stem) and `zipped-data` (music inside usr/share/games/0ad/mods/public/public.zip)."""
    folder = tmp_path_factory.mktemp("debs")
    tune, song, guitar = ogg(2.0, 440.0), ogg(3.0, 220.0), ogg(3.0, 330.0)
    music = "usr/share/games/game/music"
    game = {f"{music}/tune1.ogg": tune, f"{music}/tune2.ogg": tune, f"{music}/songs/x/song.ogg": song,
            f"{music}/songs/x/guitar.ogg": guitar, "usr/share/doc/game-music/copyright": COPYRIGHT.encode()}
    make_deb(folder, "game-music", "1.0-1", game)
    archive = io.BytesIO()
    zipped_tune = ogg(1.5, 550.0, rate=48000, channels=1)
    with zipfile.ZipFile(archive, "w") as handle:
        handle.writestr("audio/music/Zip_Tune.ogg", zipped_tune)
        handle.writestr("art/ignored.png", b"x" * 100)
    make_deb(folder, "zipped-data", "2:0.1-1", {"usr/share/games/0ad/mods/public/public.zip": archive.getvalue()})
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
    assert summary == {"packages": 2, "tracks": 3, "hours": pytest.approx((2.0 + 3.0 + 1.5) / 3600, abs=5e-4),
                       "duplicates": 1}
    records = [json.loads(line) for line in (tmp_path / "tracks.jsonl").read_text().splitlines()]
    by_source = {record["source"].rsplit("/", 1)[-1]: record for record in records}
    assert by_source["tune1.ogg"]["file"] == "audio/game-music/tune1.flac"
    assert by_source["tune2.ogg"]["duplicate_of"] == "audio/game-music/tune1.flac"
    assert "file" not in by_source["tune2.ogg"]
    tune = by_source["tune1.ogg"]
    assert (tune["licence"], tune["copyright"]) == ("CC-BY-3.0", "2010 A Composer")
    song = by_source["song.ogg"]
    assert song["licence"] == "CC-BY-SA-3.0" and song["stem"].endswith("guitar.ogg")
    assert by_source["Zip_Tune.ogg"]["file"] == "audio/zipped-data/Zip_Tune.flac"
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
    assert licence_of(COPYRIGHT, "usr/share/games/game/music/other.ogg") == ("CC-BY-SA-3.0", "2012 B Composer")
    assert licence_of(COPYRIGHT, "usr/share/games/game/music/tune7.ogg") == ("CC-BY-3.0", "2010 A Composer")
    assert licence_of(COPYRIGHT, "usr/share/games/game/sounds/click.wav") == ("GPL-2+", "2001 Game Authors")
    assert licence_of("not a DEP-5 file", "a.ogg") == ("", "")


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
