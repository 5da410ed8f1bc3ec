"""Real music for training, from Debian's archive: game soundtracks under licences that allow redistribution.

`build_debian_corpus(track_list, out_dir)` fetches each package of the track list (`apt-get download`, nothing
installed), reads only the listed files out of the `.deb` (`dpkg-deb --fsys-tarfile`, streamed; 0ad-data's
and ufoai-music's inside zip archives, `[public.zip]/…` and `[pk3]/…` in the track list, are read from the
archive without unpacking the rest), checks each file's MD5,
downmixes and resamples it (soxr) and writes a 16-bit FLAC. Frets-on-Fire songs are `song.ogg` plus a
`guitar.ogg` stem: the two are summed. Each track's licence and copyright holder come from the package's
Debian `copyright` file (the last DEP-5 `Files:` stanza that matches it). The same audio shipped twice (by MD5)
is written once. The build is resumable: a package whose tracks are all in `tracks.jsonl` is skipped, and the
`.deb` files are cached.

Audio is never committed: the corpus lives where `out_dir` says.
"""

import contextlib
import csv
import dataclasses
import fnmatch
import hashlib
import io
import json
import os
import shutil
import subprocess
import tarfile
import tempfile
import zipfile

import numpy as np

# A track-list path that starts with one of these continues inside a zip archive of the package.
ARCHIVES = {
    "[public.zip]/": "usr/share/games/0ad/mods/public/public.zip",  # 0ad-data, 3.3 GB
    "[pk3]/": "usr/share/games/ufoai/base/0music.pk3",  # ufoai-music
}
STEM_NOTE = "guitar stem"
RECORDS = "tracks.jsonl"


class CorpusError(OSError):
    """A package that cannot be fetched or read, or a file that is not what the track list says."""


@dataclasses.dataclass(frozen=True)
class Track:
    """One row of the track list (`../shared/data/debian_music_train.csv`): a file of a Debian package."""

    package: str
    version: str
    path: str  # inside the package; `[public.zip]/…`, `[pk3]/…`: inside that archive of the package
    seconds: float
    sample_rate: int
    channels: int
    md5: str
    note: str = ""

    @property
    def is_stem(self):
        """A Frets-on-Fire guitar stem, summed into the `song.ogg` of its folder."""
        return self.note.startswith(STEM_NOTE)


def read_track_list(path):
    """The tracks of a track-list CSV (columns package, debian_version, path_in_package, seconds, sample_rate,
    channels, md5, note), in file order."""
    with open(path, newline="", encoding="utf-8") as handle:
        return [Track(row["package"], row["debian_version"], row["path_in_package"], float(row["seconds"]),
                      int(row["sample_rate"]), int(row["channels"]), row["md5"], row.get("note") or "")
                for row in csv.DictReader(handle)]


def fetch(package, version, downloads):
    """The `.deb` of `package=version` in `downloads`, downloaded with `apt-get download` unless already there."""
    os.makedirs(downloads, exist_ok=True)
    # apt writes an epoch's colon as %3a; without the epoch as dpkg-deb --build does.
    prefixes = tuple(f"{package}_{spelling}_" for spelling in (version, version.replace(":", "%3a"),
                                                              version.split(":")[-1]))

    def cached():
        return sorted(name for name in os.listdir(downloads) if name.startswith(prefixes) and name.endswith(".deb"))

    if cached():
        return os.path.join(downloads, cached()[0])
    completed = subprocess.run(["apt-get", "download", f"{package}={version}"], cwd=downloads, capture_output=True,
                               text=True, check=False)
    if completed.returncode != 0 or not cached():
        raise CorpusError(f"apt-get download {package}={version} failed: {completed.stderr.strip()[-300:]} "
                          "(run `sudo apt-get update` first; the track list names Debian 12's versions)")
    return os.path.join(downloads, cached()[0])


def _split(path):
    """`(archive in the package or None, path)`: where a track-list path's bytes are."""
    for prefix, archive in ARCHIVES.items():
        if path.startswith(prefix):
            return archive, path[len(prefix):]
    return None, path


def read_members(deb, wanted):
    """`{path: bytes}` of the `wanted` paths (relative, no leading `./`; `[public.zip]/…` and `[pk3]/…` inside
    those archives) in a `.deb`'s data, streamed from `dpkg-deb --fsys-tarfile`. An archive is spilled to a
    temporary file (0ad's is 3.3 GB), never held in memory."""
    inside = {}  # archive → {member: track-list path}
    plain = set()
    for path in wanted:
        archive, member = _split(path)
        if archive is None:
            plain.add(path)
        else:
            inside.setdefault(archive, {})[member] = path
    found = {}
    with contextlib.ExitStack() as stack:
        spills = {}
        with subprocess.Popen(["dpkg-deb", "--fsys-tarfile", deb], stdout=subprocess.PIPE) as process:
            with tarfile.open(fileobj=process.stdout, mode="r|") as tar:
                for entry in tar:
                    name = entry.name.removeprefix("./")
                    if not entry.isfile():
                        continue
                    if name in inside:
                        spills[name] = stack.enter_context(tempfile.TemporaryFile())
                        shutil.copyfileobj(tar.extractfile(entry), spills[name], 1 << 20)
                    elif name in plain:
                        found[name] = tar.extractfile(entry).read()
            process.stdout.close()
        if process.returncode not in (0, None):
            raise CorpusError(f"dpkg-deb could not read {deb} (exit {process.returncode}).")
        for archive, spill in spills.items():
            spill.seek(0)
            with zipfile.ZipFile(spill) as handle:
                for member in inside[archive].keys() & set(handle.namelist()):
                    found[inside[archive][member]] = handle.read(member)
    return found


def _stanzas(copyright_text):
    """DEP-5 paragraphs as dicts of their fields (first line of each field's value)."""
    stanzas = []
    for paragraph in copyright_text.replace("\r\n", "\n").split("\n\n"):
        fields, key = {}, None
        for line in paragraph.split("\n"):
            if line[:1] in (" ", "\t") and key is not None:
                if key == "Files":  # a Files list continues on indented lines
                    fields[key] += " " + line.strip()
                continue
            key, _, value = line.partition(":")
            fields[key.strip()] = value.strip()
        stanzas.append(fields)
    return stanzas


def _matches(pattern, path):
    """A DEP-5 `Files` pattern (a source-tree path) against an installed path: the path's last components must
    match the pattern's, or, for a pattern naming a file, its file name the pattern's."""
    parts, pattern_parts = path.split("/"), pattern.split("/")
    if pattern == "*" or fnmatch.fnmatchcase("/".join(parts[-len(pattern_parts):]), pattern):
        return True
    name = pattern_parts[-1]
    return name.strip("*?") != "" and fnmatch.fnmatchcase(parts[-1], name)


def licence_of(copyright_text, path):
    """`(licence, copyright holder)` of an installed file, from its package's DEP-5 `copyright` file: the last
    `Files:` stanza that matches it (DEP-5's rule); `("", "")` when the file is not machine-readable."""
    licence, holder = "", ""
    for stanza in _stanzas(copyright_text):
        if "Files" in stanza and any(_matches(pattern, path) for pattern in stanza["Files"].split()):
            licence, holder = stanza.get("License", ""), stanza.get("Copyright", "")
    return licence, holder


def _decode(data, what):
    import soundfile

    try:
        audio, rate = soundfile.read(io.BytesIO(data), dtype="float32", always_2d=True)
    except Exception as error:  # noqa: BLE001 (libsndfile's errors have several types)
        raise CorpusError(f"{what}: cannot decode ({error}).") from error
    return audio, rate


def _output_name(track, folder):
    """`audio/<package>/<path below the package's music folder, "/" as "__">.flac`."""
    relative = os.path.relpath(_split(track.path)[1], folder) if folder else track.path
    return os.path.join("audio", track.package, os.path.splitext(relative)[0].replace("/", "__") + ".flac")


def convert_package(tracks, files, copyright_text, out_dir, sample_rate, seen_md5):
    """Write one package's tracks as FLAC; returns their records (dicts, one per written or duplicate track)."""
    import soundfile

    from mirzoo.audio import prepare_waveform

    records = []
    stems = {os.path.dirname(track.path): track for track in tracks if track.is_stem}
    folder = os.path.commonpath([os.path.dirname(_split(track.path)[1]) or "." for track in tracks])
    for track in tracks:
        data = files.get(track.path)
        if data is None:
            raise CorpusError(f"{track.package} {track.version}: {track.path} is not in the package.")
        if hashlib.md5(data).hexdigest() != track.md5:
            raise CorpusError(f"{track.package}: {track.path} has MD5 {hashlib.md5(data).hexdigest()}, the track "
                              f"list says {track.md5}.")
        if track.is_stem:
            continue  # summed into its folder's song
        licence, holder = licence_of(copyright_text, track.path)
        record = {"package": track.package, "version": track.version, "source": track.path, "md5": track.md5,
                  "licence": licence, "copyright": holder}
        if track.md5 in seen_md5:
            records.append({**record, "duplicate_of": seen_md5[track.md5]})
            continue
        audio, rate = _decode(data, track.path)
        stem = stems.get(os.path.dirname(track.path))
        if stem is not None:
            stem_audio, stem_rate = _decode(files[stem.path], stem.path)
            if stem_rate != rate:
                raise CorpusError(f"{stem.path} is at {stem_rate} Hz, its song at {rate} Hz.")
            length = min(len(audio), len(stem_audio))
            audio = audio[:length] + stem_audio[:length]
            record["stem"] = stem.path
        waveform, _ = prepare_waveform(audio, rate, sample_rate)
        peak = float(np.max(np.abs(waveform))) if len(waveform) else 0.0
        if peak > 1.0:  # a summed stem can clip: scale it into range rather than wrap
            waveform = waveform / peak
        name = _output_name(track, folder)
        os.makedirs(os.path.join(out_dir, os.path.dirname(name)), exist_ok=True)
        soundfile.write(os.path.join(out_dir, name), waveform, sample_rate, subtype="PCM_16", format="FLAC")
        seen_md5[track.md5] = name
        records.append({**record, "file": name, "seconds": len(waveform) / sample_rate,
                        "sample_rate": sample_rate})
    return records


def build_debian_corpus(track_list, out_dir, sample_rate=22050, downloads=None, progress=True, keep_debs=True):
    """Build (or resume) the corpus of a track list.

    Args:
        track_list: the CSV (`../shared/data/debian_music_train.csv`) or a list of :class:`Track`.
        out_dir: where `audio/<package>/*.flac` and `tracks.jsonl` (one record per track) go.
        sample_rate: the FLACs' rate in Hz (mono, 16-bit).
        downloads: where the `.deb` files are cached (default `out_dir/debs`).
        progress: a tqdm bar over the packages, in seconds of music.
        keep_debs: keep the `.deb` files (a rebuild then downloads nothing).

    Returns:
        `{"packages", "tracks", "hours", "duplicates"}` of the whole corpus.
    """
    from tqdm import tqdm

    tracks = read_track_list(track_list) if isinstance(track_list, (str, os.PathLike)) else list(track_list)
    downloads = downloads or os.path.join(out_dir, "debs")
    os.makedirs(out_dir, exist_ok=True)
    records_path = os.path.join(out_dir, RECORDS)
    records = []
    if os.path.exists(records_path):
        with open(records_path, encoding="utf-8") as handle:
            records = [json.loads(line) for line in handle if line.strip()]
    done = {(record["package"], record["source"]) for record in records}
    seen_md5 = {record["md5"]: record["file"] for record in records if "file" in record}
    packages = {}
    for track in tracks:
        packages.setdefault((track.package, track.version), []).append(track)
    total = sum(track.seconds for track in tracks if not track.is_stem)
    with tqdm(total=total, unit="s", disable=not progress, desc="debian corpus") as bar:
        for (package, version), members in packages.items():
            music = [track for track in members if not track.is_stem]
            if all((package, track.path) in done for track in music):
                bar.update(sum(track.seconds for track in music))
                continue
            deb = fetch(package, version, downloads)
            copyright_path = f"usr/share/doc/{package}/copyright"
            files = read_members(deb, {track.path for track in members} | {copyright_path})
            new = convert_package(members, files, files.get(copyright_path, b"").decode("utf-8", "replace"),
                                  out_dir, sample_rate, seen_md5)
            with open(records_path, "a", encoding="utf-8") as handle:  # appended per package: resumable
                handle.writelines(json.dumps(record) + "\n" for record in new)
            records += new
            if not keep_debs:
                os.remove(deb)
            bar.update(sum(track.seconds for track in music))
    written = [record for record in records if "file" in record]
    return {"packages": len({record["package"] for record in records}), "tracks": len(written),
            "hours": round(sum(record["seconds"] for record in written) / 3600, 3),
            "duplicates": len(records) - len(written)}
