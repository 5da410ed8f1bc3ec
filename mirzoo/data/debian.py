"""Real music for training, from Debian's archive: game soundtracks under licences that allow redistribution.

`build_debian_corpus(track_list, out_dir)` fetches each package of the track list (`apt-get download`, nothing
installed), reads only the listed files out of the `.deb` (`dpkg-deb --fsys-tarfile`, streamed; 0ad-data's
and ufoai-music's inside zip archives, `[public.zip]/…` and `[pk3]/…` in the track list, are read from the
archive without unpacking the rest), checks each file's MD5,
downmixes and resamples it (soxr) and writes a 16-bit FLAC. Frets-on-Fire songs are `song.ogg` plus a
`guitar.ogg` stem: the two are summed. The same audio shipped twice (by MD5) is written once. The build is
resumable: a package whose tracks are all in `tracks.jsonl` is skipped, and the `.deb` files are cached.

Each track's record in `tracks.jsonl` also says whose music it is and what may be done with it:

- `licence`, `licence_from`, `copyright`: from the package's Debian `copyright` file. A machine-readable (DEP-5)
  file gives the `License` and `Copyright` of the last `Files:` stanza that matches the track; a pattern is a
  source-tree path, so its trailing components are matched against the installed path's. A free-text file
  gives the licence it states for the package's content: licence names and versions are recognised (GPL and
  LGPL with their version and "or later", Creative Commons elements and version, CC0, Apache 2.0, and the MIT,
  ISC and BSD texts); a statement about the Debian packaging is passed over, one about music, songs, sounds or
  media is preferred, then one not about fonts. `licence_from` names the stanza or quotes the statement.
- `credit`, `credit_from`: the names credited for the recording, as written: the file's own tags (an Ogg file's
  COMPOSER and ARTIST comments; the artist tag libsndfile reads from other formats), else the people the game's
  own credits list (`credits.txt`) names under a music heading, else the holders of its
  DEP-5 stanza (only those whose listed role is music, where roles are listed), else the authors a free-text
  copyright file lists (data or music authors before upstream authors). A whole project's list of more than
  three people (a catch-all `Files: *` stanza, upstream authors) credits no one: the track's stays empty.
- `composer`: the credited people, each spelled one way across the corpus (:func:`composers`).
- `split`: "train" or "validation", by package, each composer in one split (:func:`assign_splits`).

A corpus built before these fields existed gets them on the next build without converting any audio again:
its packages are read once more for their tags and copyright files and `tracks.jsonl` is rewritten
atomically. `refresh_metadata=True` (`--refresh-metadata`) re-derives them for every package.

Audio is never committed: the corpus lives where `out_dir` says.
"""

import collections
import contextlib
import csv
import dataclasses
import difflib
import fnmatch
import hashlib
import io
import json
import os
import random
import re
import shutil
import struct
import subprocess
import tarfile
import tempfile
import unicodedata
import zipfile

import numpy as np

# A track-list path that starts with one of these continues inside a zip archive of the package.
ARCHIVES = {
    "[public.zip]/": "usr/share/games/0ad/mods/public/public.zip",  # 0ad-data, 3.3 GB
    "[pk3]/": "usr/share/games/ufoai/base/0music.pk3",  # ufoai-music
}
STEM_NOTE = "guitar stem"
RECORDS = "tracks.jsonl"
# The fields a track's metadata adds to its record (the corpus-wide `composer` and `split` come after).
METADATA = ("licence", "licence_from", "copyright", "credit", "credit_from")
VALIDATION_FRACTION = 0.15  # of the hours
# Seeds give validation sets of similar hours but different styles (seed 0's had 0.36 times the training set's
# "classical" and 1.6 times its "rock"). 74 is, of seeds 0-99 on the 656-track corpus of
# ../shared/data/debian_music_train.csv, the one whose validation set's musicnn.mtt tag profile (hour-weighted
# mean over tracks) is nearest the training set's (the smallest largest |log ratio|): classical, strings, piano,
# guitar, electronic, techno, rock and ambient all within 0.81-1.20 times. (It was 91 until Flare's credits list
# linked Flare to SuperTux through their composer remaxim; under those groups 91 gives 0.72-1.28 times.)
SPLIT_SEED = 74


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


def read_members(deb, wanted, also=None):
    """`{path: bytes}` of the `wanted` paths (relative, no leading `./`; `[public.zip]/…` and `[pk3]/…` inside
    those archives) in a `.deb`'s data, streamed from `dpkg-deb --fsys-tarfile`, and of the plain files whose path
    `also(path)` accepts. An archive is spilled to a temporary file (0ad's is 3.3 GB), never held in memory."""
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
                    elif name in plain or also is not None and also(name):
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


def _ogg_packets(data, count):
    """The first `count` packets of an Ogg file's first logical stream (fewer where the data ends or is not
    Ogg). CRCs are not checked: the packets are only read for their comments."""
    packets, packet, position, serial = [], b"", 0, None
    while len(packets) < count and data[position:position + 4] == b"OggS" and position + 27 <= len(data):
        page_serial, segments = data[position + 14:position + 18], data[position + 26]
        serial = serial or page_serial
        body = position + 27 + segments
        for size in data[position + 27:body]:
            if page_serial == serial:
                packet += data[body:body + size]
                if size < 255:  # a lacing value under 255 ends the packet
                    packets.append(packet)
                    packet = b""
            body += size
        position = body
    return packets[:count]


def _vorbis_comments(body):
    """`{FIELD: [values]}` of a Vorbis comment block (after its packet's magic); what was read before a truncation."""
    tags = {}
    with contextlib.suppress(struct.error):
        offset = 4 + struct.unpack_from("<I", body)[0]  # past the vendor string
        (count,) = struct.unpack_from("<I", body, offset)
        offset += 4
        for _ in range(count):
            (length,) = struct.unpack_from("<I", body, offset)
            field, _, value = body[offset + 4:offset + 4 + length].decode("utf-8", "replace").partition("=")
            tags.setdefault(field.upper(), []).append(value)
            offset += 4 + length
    return tags


def read_tags(data):
    """`{FIELD: [values]}` (field names in upper case) of an Ogg Vorbis or Ogg Opus file's comment header;
    `{}` for other data."""
    packets = _ogg_packets(data, 2)
    header = packets[1] if len(packets) == 2 else b""
    for magic in (b"\x03vorbis", b"OpusTags"):
        if header.startswith(magic):
            return _vorbis_comments(header[len(magic):])
    return {}


def audio_credits(data):
    """`(credits, where)`: the names an audio file's tags credit, as written — an Ogg file's COMPOSER then ARTIST
    comments, another format's artist tag as libsndfile reads it; `([], "")` when none names anyone."""
    if data[:4] == b"OggS":
        tags = read_tags(data)
        fields = [field for field in ("COMPOSER", "ARTIST") if any(map(_person_names, tags.get(field, [])))]
        credits = _unique(value.strip() for field in fields for value in tags[field] if _person_names(value))
        return credits, "tags: " + ", ".join(fields) if credits else ""
    import soundfile

    try:
        with soundfile.SoundFile(io.BytesIO(data)) as handle:
            artist = handle.artist.strip()
    except Exception:  # noqa: BLE001 (undecodable here: the conversion reports it)
        return [], ""
    return ([artist], "tags: artist") if _person_names(artist) else ([], "")


def _unique(items):
    return list(dict.fromkeys(items))


@dataclasses.dataclass(frozen=True)
class Licence:
    """What a package's `copyright` file says about one of its files."""

    name: str  # a DEP-5 short name ("GPL-2+", "CC-BY-SA-3.0", "CC-BY-3.0 or CC0-1.0"); "" when nothing is stated
    source: str  # the DEP-5 pattern that matched ("DEP-5 Files: data/music/*") or the free-text statement quoted
    holders: tuple = ()  # the matching DEP-5 stanza's Copyright lines
    catch_all: bool = False  # the stanza is `Files: *`: its holders are the whole project's


def _stanzas(copyright_text):
    """DEP-5 paragraphs as dicts of their fields: `Files` and `Copyright` with their continuation lines (one
    pattern or holder a line), the others their first line."""
    stanzas = []
    for paragraph in re.split(r"\n[ \t]*\n", copyright_text.replace("\r\n", "\n")):
        fields, key = {}, None
        for line in paragraph.split("\n"):
            if line[:1] in (" ", "\t") and key is not None:
                if key in ("Files", "Copyright"):
                    fields[key] += "\n" + line.strip()
                continue
            key, _, value = line.partition(":")
            key = key.strip()
            fields[key] = value.strip()
        stanzas.append(fields)
    return stanzas


def _matches(pattern, path):
    """A DEP-5 `Files` pattern (a path in the source tree) against an installed path, which keeps only some of
    the source path's last components: the pattern, or its tail from any of its directories on, matches the
    installed path's tail; a one-component pattern (`*`, `*.ogg`, `name.ogg`) the whole path or the file name."""
    pattern_parts, parts = pattern.removeprefix("./").split("/"), path.split("/")
    if len(pattern_parts) == 1:
        return fnmatch.fnmatchcase(path, pattern_parts[0]) or fnmatch.fnmatchcase(parts[-1], pattern_parts[0])
    tails = ["/".join(parts[-count:]) for count in range(2, len(parts) + 1)]
    return any(fnmatch.fnmatchcase(tail, "/".join(pattern_parts[-count:]))
               for count in range(2, len(pattern_parts) + 1) for tail in tails)


def _dep5_licence(copyright_text, path):
    """The last `Files:` stanza matching `path` (DEP-5's rule) as a :class:`Licence`; None if none matches."""
    found = None
    for stanza in _stanzas(copyright_text):
        pattern = next((pattern for pattern in stanza.get("Files", "").split() if _matches(pattern, path)), None)
        if pattern is not None:
            holders = tuple(line for line in stanza.get("Copyright", "").split("\n") if line)
            found = Licence(stanza.get("License", ""), f"DEP-5 Files: {pattern}", holders, pattern == "*")
    return found


# Free-text copyright files: what is passed over, and what a statement about the music mentions.
_PACKAGING = re.compile(r"debian packaging|packaging is|the packaging|debiani[sz]ation|packagers", re.I)
_FONTS = re.compile(r"font", re.I)
_MUSIC = re.compile(r"\b(musics?|songs?|soundtracks?|sounds|audio|media|game content)\b", re.I)
# References to a licence that grant nothing: Debian's pointer to its copy, the GPL's own boilerplate.
_REFERENCES = re.compile(r"On Debian systems.*?common-licenses/[\w.+-]+|(?:See the|You should have received a copy "
                         r"of the)\s+GNU\s+(?:Lesser\s+|Library\s+)?General\s+Public\s+Licen[cs]e", re.I | re.S)
_CONTEXT_PARAGRAPHS = 3  # before a statement, read with it (back to the previous statement)
_GPL = re.compile(r"GNU\s+(?:(Lesser|Library)\s+)?General\s+Public\s+Licen[cs]e|\b(L?GPL)(?:\b|(?=v\d))", re.I)
_CREATIVE_COMMONS = re.compile(r"\b(Attribution|paternity)\b([\w\s-]{0,40}?)\b(\d\.\d)\b", re.I)
_TEXTS = (  # (a licence's text or name, its short name)
    (re.compile(r"Permission is hereby granted, free of charge, to any person obtaining a copy|\bMIT licen[cs]e",
                re.I), "Expat"),
    (re.compile(r"Permission to use, copy, modify, and/or distribute this software for any purpose|\bISC licen[cs]e",
                re.I), "ISC"),
    (re.compile(r"\bCC0\b"), "CC0-1.0"),
    (re.compile(r"Apache License,?\s+(?:Version\s+)?2\.0", re.I), "Apache-2.0"),
    (re.compile(r"Redistribution and use in source and binary forms", re.I), "BSD"),
)


def _gpl_name(match, paragraph):
    """`GPL-2+`, `LGPL-2.1`, `GPL`…: the family of a GPL mention and the version its sentence gives."""
    family = "LGPL" if match.group(1) or (match.group(2) or "").upper() == "LGPL" else "GPL"
    sentence = re.split(r"\.(?:\s|$)", paragraph[match.end():], maxsplit=1)[0]
    version = re.search(r"^[\s-]*v?(\d(?:\.\d)?)|\bversion\s+(\d(?:\.\d)?)", sentence, re.I)
    if version is None:
        return family
    later = re.search(r"any later version|or later|^[\s-]*v?\d(?:\.\d)?\+", sentence, re.I)
    number = (version.group(1) or version.group(2)).removesuffix(".0")
    return f"{family}-{number}{'+' if later else ''}"


def _licence_names(paragraph):
    """The licences a paragraph names or whose text it holds, in order of appearance (DEP-5 short names)."""
    found = [(match.start(), _gpl_name(match, paragraph)) for match in _GPL.finditer(paragraph)]
    for match in _CREATIVE_COMMONS.finditer(paragraph):
        elements = match.group(0)
        name = "CC-BY" + ("-NC" if re.search(r"non-?commercial", elements, re.I) else "")
        name += "-SA" if re.search(r"share[\s-]?alike", elements, re.I) else ""
        name += "-ND" if re.search(r"no[\s-]?deriv", elements, re.I) else ""
        found.append((match.start(), f"{name}-{match.group(3)}"))
    for pattern, name in _TEXTS:
        found += [(match.start(), name) for match in pattern.finditer(paragraph)]
    if any(name.startswith("BSD") for _, name in found):
        clauses = "3" if re.search(r"endorse or promote", paragraph, re.I) else "2"
        found = [(start, f"BSD-{clauses}-clause" if name == "BSD" else name) for start, name in found]
    names = _unique(name for _, name in sorted(found))
    versioned = {name.split("-")[0] for name in names if "-" in name}
    return [name for name in names if name not in versioned]  # "GPL" beside "GPL-2+" is the same mention


def free_text_licence(copyright_text):
    """`(licence, statement)` of a copyright file that is not DEP-5: the licence its text states for the
    package's content, and the paragraph that states it (whitespace collapsed); `("", "")` if none is stated.

    Each paragraph that names a licence (or holds its text) is a statement, read together with the up to three
    paragraphs before it that state none. Statements about the Debian packaging are passed over; the first that
    mentions music, songs, sounds or media wins, else the first not about fonts, else the first. Several licences
    in one statement are joined with " or " (as in "… Attribution 3.0 license or the … CC0 license")."""
    statements, context = [], []
    for paragraph in re.split(r"\n\s*\n", _REFERENCES.sub(" ", copyright_text.replace("\r\n", "\n"))):
        paragraph = " ".join(paragraph.split())
        names = _licence_names(paragraph)
        if names:
            statements.append((names, paragraph, " ".join(context[-_CONTEXT_PARAGRAPHS:] + [paragraph])))
            context = []
        elif paragraph:
            context.append(paragraph)
    candidates = [statement for statement in statements if not _PACKAGING.search(statement[2])]
    ranked = ([statement for statement in candidates if _MUSIC.search(statement[2])]
              + [statement for statement in candidates if not _FONTS.search(statement[2])] + candidates)
    if not ranked:
        return "", ""
    names, paragraph, _ = ranked[0]
    return " or ".join(names), paragraph


def licence_of(copyright_text, path):
    """The :class:`Licence` of an installed file (`path` relative to the package's root) from its package's
    `copyright` file: DEP-5's last matching `Files:` stanza, else what a free-text file states."""
    dep5 = _dep5_licence(copyright_text, path)
    if dep5 is not None:
        return dep5
    name, statement = free_text_licence(copyright_text)
    quoted = statement if len(statement) <= 160 else statement[:159] + "…"
    return Licence(name, f'free text: "{quoted}"' if name else "")


# A heading that lists authors in a free-text copyright file: "Data Authors:", "Upstream Author(s):", "Authors:",
# "Copyright (c) 2001-2011:"; group 1 says whose (data, music, sound), group 2 is the rest of the line.
_AUTHORS = re.compile(r"^[ \t]*(?:(?:(upstream|data|music|sound)[ \t]+)authors?\b:?|authors?:"
                      r"|copyright[ \t]*(?:\(c\)|©)?[ \t]*\d[\d ,/-]*:)[ \t]*(.*)$", re.I | re.M)


# A list of a whole project's people longer than this (its programmers, artists …) credits no one track.
_MOST_PROJECT_CREDITS = 3


def _heading_rank(match):
    """0 for a list of data, music or sound authors, 1 for upstream authors, 2 for a copyright list."""
    if (match.group(1) or "").lower() in ("data", "music", "sound"):
        return 0
    return 2 if match.group(0).lstrip().lower().startswith("copyright") else 1


def free_text_credits(copyright_text):
    """`(authors, of_media)`: the authors a free-text copyright file lists, one line each as written — the first
    list headed "Data", "Music" or "Sound Authors" (`of_media` True), else the first headed "Upstream Author(s)"
    or "Authors:", else the first under a "Copyright (c) <years>:" line; `([], False)` if there is none. A list is
    the heading line's rest and the indented lines after it."""
    text = copyright_text.replace("\r\n", "\n")
    lines = text.split("\n")
    for heading in sorted(_AUTHORS.finditer(text), key=lambda match: (_heading_rank(match), match.start())):
        listed = [heading.group(2)] if heading.group(2).strip() else []
        for line in lines[text.count("\n", 0, heading.end()) + 1:]:
            if not line.strip() and not listed:
                continue  # a list may start after a blank line
            if not line.strip() or line[:1] not in (" ", "\t"):
                break
            listed.append(line)
        names = [name.strip().rstrip(",") for name in listed if _person_names(name)]
        if names:
            return names, _heading_rank(heading) == 0
    return [], False


def _musicians(holders):
    """The DEP-5 Copyright lines that give a role that is music, after a wide gap ("Marco Göbel    music") or in
    brackets ("Roberto Lorenz (Music composition)"); `[]` if none does."""
    def role(holder):
        return " ".join(re.split(r"\s{2,}|\t", holder.strip(), maxsplit=1)[1:] + re.findall(r"\(([^()]*)\)", holder))

    return [holder for holder in holders if re.search(r"\bmusic", role(holder), re.I)]


def _copyright_credits(licence, copyright_text):
    """`(credits, where)` from a copyright file, for a track whose tags credit no one: the holders of its DEP-5
    stanza (those with a music role, where roles are given), else the authors a free-text file lists. Credits for
    the whole project (a catch-all `Files: *` stanza, upstream authors) name no one in particular when they list
    more than :data:`_MOST_PROJECT_CREDITS` people: the project's programmers and artists, not the track's
    composer."""
    if licence.holders:
        musicians = _musicians(licence.holders)
        credits, specific = musicians or list(licence.holders), bool(musicians) or not licence.catch_all
        where = f"copyright: Copyright of {licence.source}"
    else:
        (credits, specific), where = free_text_credits(copyright_text), "copyright: authors in free text"
    if not credits or not specific and sum(map(len, map(_person_names, credits))) > _MOST_PROJECT_CREDITS:
        return [], ""
    return credits, where


def is_credits_file(path):
    """Whether `path` (in a package) is a game's plain-text credits list, `credits.txt` (Flare's
    `mods/*/cutscenes/credits.txt`, Plee the Bear's `credits.txt`); documentation is left to the copyright file."""
    return os.path.basename(path).lower() == "credits.txt" and not path.startswith("usr/share/doc/")


# A heading of a credits list over the people who made the music: "Music", "Composers", "Musicians:".
_MUSIC_HEADING = re.compile(r"^(?:music|musicians?|composers?|composed by|soundtrack)\s*:?$", re.I)
# A layout line of a credits list: Flare's `separator=16`, Plee the Bear's `#color 1 0.5 0`.
_LAYOUT_LINE = re.compile(r"^(?:separator=|#)", re.I)


def game_credits(texts):
    """`[name, …]`: the people a game's credits lists (`texts`, the text of each :func:`is_credits_file`) name
    under a music heading, as written, in order (Flare's `text=` prefix taken off); a list ends at a blank line
    or a layout line (`separator=`, `#color`) after its first name."""
    names = []
    for text in texts:
        lines = [line.strip().removeprefix("text=").strip() for line in text.splitlines()]
        for index, line in enumerate(lines):
            if not _MUSIC_HEADING.match(line):
                continue
            listed = []
            for name in lines[index + 1:]:
                if name and not _LAYOUT_LINE.match(name):
                    listed.append(name)
                elif listed:
                    break
            names += [name for name in listed if name not in names]
    return names


def track_metadata(track, data, copyright_text, credits_texts=()):
    """The fields :data:`METADATA` of one track (its file's bytes `data`, its package's copyright file and the
    text of its game's credits lists, :func:`is_credits_file`)."""
    licence = licence_of(copyright_text, _installed_path(track.path))
    credits, credit_from = audio_credits(data)
    if not credits:
        credits, credit_from = game_credits(credits_texts), "credits: music"
    if not credits:
        credits, credit_from = _copyright_credits(licence, copyright_text)
    return {"licence": licence.name, "licence_from": f"copyright: {licence.source}" if licence.source else "",
            "copyright": "; ".join(licence.holders), "credit": credits, "credit_from": credit_from}


_EMAIL = re.compile(r"<[^<>]*>|[\w.+-]+(?:@|_AT_)[\w.-]+")
_URL = re.compile(r"(?:https?://|www\.)[^\s()<>]*", re.I)
_YEARS = re.compile(r"\bcopyright\b|\(c\)|©|\b\d{4}(?:\s*[-–/]\s*\d{2,4})?\b|\ball rights reserved\b", re.I)
_SEPARATORS = re.compile(r"\s*(?:[,;&/+]|\band\b|\bfeat(?:uring|\.)?\s)\s*", re.I)
_ALIAS = re.compile(r"\(([^()]+)\)|\baka\s+(\S+)|\"([^\"]+)\"|“([^”]+)”|(?<!\w)'([^']+)'(?!\w)", re.I)
_ROLE = re.compile(r"^(?:(?:commissioned|modified|arranged|remixed|composed|performed|written|created|made)\s+)?"
                   r"by\s+", re.I)
_PLACEHOLDER = re.compile(r"^(unknown|n/?a|none|various(?: artists)?|anonymous|\W*)$|^(and )?others\b|^see\b", re.I)
_COMPANY = re.compile(r",\s*(Inc|Ltd|LLC|GmbH|S\.\s?[AL])\b", re.I)  # "…, Inc." is part of the name
# Words in brackets after a name (or an e-mail address's user) that say what the person did, or say nothing.
_ROLE_WORDS = {"admin", "art", "code", "contact", "design", "fonts", "graphics", "info", "levels", "lyrics", "mail",
               "maps", "models", "music", "programming", "sfx", "sound", "sounds", "support", "team", "textures",
               "translation", "vocals", "webmaster"}
_MOST_WORDS = 5  # a longer "name" is a sentence ("See also AUTHORS.md in the source package …")
_NEARLY_EQUAL = 0.9  # difflib ratio of two name keys of eight characters or more: the same person


def _person_names(credit):
    """`[(name, aliases)]`: the people a credit names, as written, without e-mail addresses, URLs, years,
    "Copyright"/"(c)", a role after a wide gap ("Marco Göbel    music"), remarks in brackets or "by …" prefixes;
    "A & B", "A and B", "A, B" are two people, and "Name (alias)", "Name aka alias", 'First "alias" Last' and
    "Name <alias@host>" give the person's alias."""
    text = re.sub(r"<([^\W\d_]{3,})@[^<>]*>", r"(\1)", credit)  # "Marek Moeckel <wansti@gmx.de>": wansti
    text = _COMPANY.sub(r" \1", _URL.sub(" ", _EMAIL.sub(" ", text))).replace("_", " ")
    text = re.split(r"\s{2,}|\t", text.strip(), maxsplit=1)[0]
    text = re.sub(r"\(\s*aka\s+", "(", text, flags=re.I)
    text = _YEARS.sub(" ", re.sub(r"\([^()]*\s[^()]*\)|\(\s*\)", " ", text))  # a remark in brackets: dropped
    people = []
    for part in _SEPARATORS.split(text):
        aliases = [alias for alias in (next(group for group in match.groups() if group)
                                       for match in _ALIAS.finditer(part)) if alias.casefold() not in _ROLE_WORDS]
        name = _ROLE.sub("", " ".join(_ALIAS.sub(" ", part).split())).strip(" .,:;-_'\"()")
        if re.search(r"[^\W\d_]", name) and not _PLACEHOLDER.match(name) and len(name.split()) <= _MOST_WORDS:
            people.append((name, tuple(aliases)))
    return people


def _name_key(name):
    """A name compared without case, accents, punctuation or word order ("Lavallée, Jason" ~ "jason lavallee")."""
    plain = unicodedata.normalize("NFKD", name).encode("ascii", "ignore").decode().casefold()
    return "".join(sorted(re.findall(r"[a-z0-9]+", plain))) or name.casefold()


def _union_find(links):
    """`{item: representative}` of the connected groups of `links` (pairs of items)."""
    parent = {}

    def root(item):
        parent.setdefault(item, item)
        while parent[item] != item:
            parent[item] = parent[parent[item]]
            item = parent[item]
        return item

    for first, second in links:
        parent[root(first)] = root(second)
    return {item: root(item) for item in parent}


def _without_initials(people):
    """The names of `[(name, aliases)]`, less initials that stand beside the name they abbreviate ("DST" beside
    "Deceased Superior Technician")."""
    names = [name for name, _ in people]
    initials = {"".join(word[0] for word in name.split()).upper() for name in names if " " in name}
    return [name for name in names if not (name.isupper() and " " not in name and name in initials)]


def composers(records):
    """Each record's credited people (from its `credit`), spelled one way across the corpus: `[[name, …], …]`.

    Names are read by :func:`_person_names` and compared by :func:`_name_key`; an alias given with a name ("Chris
    Leutwyler (Krobonil)", "Klaus Halfmann aka Hasi50", "Marek Moeckel <wansti@…>") is the same person, and so are
    names whose keys are nearly equal ("Alexandr" and "Alexander Zhelanov", "Martin" and "Matrin Linda"). Each
    person is written in their most used spelling that is not only an alias; initials beside the name they
    abbreviate are dropped."""
    credited = [[person for credit in record.get("credit", []) for person in _person_names(credit)]
                for record in records]
    spellings, alias_keys, links = collections.Counter(), set(), []
    for name, aliases in (person for people in credited for person in people):
        spellings[name] += 1
        links += [(_name_key(name), _name_key(name))] + [(_name_key(name), _name_key(alias)) for alias in aliases]
        alias_keys.update(_name_key(alias) for alias in aliases)
    keys = sorted({key for link in links for key in link if len(key) >= 8})
    links += [(first, second) for index, first in enumerate(keys) for second in keys[index + 1:]
              if difflib.SequenceMatcher(None, first, second).ratio() >= _NEARLY_EQUAL]
    root = _union_find(links)
    spelling = {}
    for name, count in sorted(spellings.items()):
        rank = (_name_key(name) not in alias_keys, count)
        group = root[_name_key(name)]
        if group not in spelling or rank > spelling[group][0]:
            spelling[group] = (rank, name)
    return [_unique(spelling[root[_name_key(name)]][1] for name in _without_initials(people)) for people in credited]


def assign_splits(records, validation_fraction=VALIDATION_FRACTION, seed=SPLIT_SEED):
    """`{package: "train" or "validation"}`: whole packages, and each composer's music in one split.

    Packages that credit a same composer (`record["composer"]`) or ship a same recording (`duplicate_of`) form
    one group (union-find). The groups, sorted and then shuffled by `random.Random(seed)`, go to validation while
    its hours stay within `validation_fraction` of the corpus's, a group above a third of that being passed over
    so that validation holds several games' music (orchestral, electronic, rock …) rather than one soundtrack."""
    hours = collections.Counter()
    package_of_file = {record["file"]: record["package"] for record in records if "file" in record}
    links, first_credited = [], {}
    for record in records:
        hours[record["package"]] += record.get("seconds", 0.0) / 3600
        links.append((record["package"], package_of_file.get(record.get("duplicate_of"), record["package"])))
        links += [(record["package"], first_credited.setdefault(name, record["package"]))
                  for name in record.get("composer", [])]
    root = _union_find(links)
    members = collections.defaultdict(list)
    for package in sorted(root):
        members[root[package]].append(package)
    groups = sorted(members.values())
    random.Random(seed).shuffle(groups)
    budget, taken, validation = validation_fraction * sum(hours.values()), 0.0, set()
    for group in groups:
        size = sum(hours[package] for package in group)
        if size <= budget / 3 and taken + size <= budget:
            validation.update(group)
            taken += size
    return {package: "validation" if package in validation else "train" for package in sorted(root)}


def _installed_path(path):
    """Where a track-list path's file sits in the installed tree (a track inside an archive: beside the archive,
    as the archive's folder was packed)."""
    archive, member = _split(path)
    return member if archive is None else f"{os.path.dirname(archive)}/{member}"


def _checked_bytes(track, files):
    """The bytes of a track read from its package, after checking they are the ones the track list names."""
    data = files.get(track.path)
    if data is None:
        raise CorpusError(f"{track.package} {track.version}: {track.path} is not in the package.")
    if hashlib.md5(data).hexdigest() != track.md5:
        raise CorpusError(f"{track.package}: {track.path} has MD5 {hashlib.md5(data).hexdigest()}, the track "
                          f"list says {track.md5}.")
    return data


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


def convert_package(tracks, files, copyright_text, out_dir, sample_rate, seen_md5, credits_texts=()):
    """Write one package's tracks as FLAC; returns their records (dicts, one per written or duplicate track)."""
    import soundfile

    from mirzoo.audio import prepare_waveform

    records = []
    stems = {os.path.dirname(track.path): track for track in tracks if track.is_stem}
    folder = os.path.commonpath([os.path.dirname(_split(track.path)[1]) or "." for track in tracks])
    for track in tracks:
        data = _checked_bytes(track, files)
        if track.is_stem:
            continue  # summed into its folder's song
        record = {"package": track.package, "version": track.version, "source": track.path, "md5": track.md5,
                  **track_metadata(track, data, copyright_text, credits_texts)}
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


def refresh_package(tracks, files, copyright_text, records, credits_texts=()):
    """Re-derive the :data:`METADATA` of a converted package's tracks in `records` (`{(package, source): record}`,
    updated in place) from their files' bytes, the copyright file and the credits lists; the audio is not
    touched."""
    for track in tracks:
        if not track.is_stem:
            records[(track.package, track.path)].update(
                track_metadata(track, _checked_bytes(track, files), copyright_text, credits_texts))


# The order of a record's fields in tracks.jsonl (others after them).
_FIELD_ORDER = ("package", "version", "source", "md5", *METADATA, "composer", "split", "file", "duplicate_of",
                "seconds", "sample_rate", "stem")


def finish_records(records):
    """Set the corpus-wide fields of `records` (a list, in place): `composer` (:func:`composers`) and `split`
    (:func:`assign_splits`); fields in :data:`_FIELD_ORDER`."""
    for record, names in zip(records, composers(records)):
        record["composer"] = names
    splits = assign_splits(records)
    order = {field: position for position, field in enumerate(_FIELD_ORDER)}
    for index, record in enumerate(records):
        record["split"] = splits[record["package"]]
        records[index] = dict(sorted(record.items(), key=lambda item: order.get(item[0], len(order))))


def _read_records(path):
    """`{(package, source): record}` of a corpus's tracks.jsonl (empty if there is none), in file order; a
    track recorded twice keeps its last record."""
    if not os.path.exists(path):
        return {}
    with open(path, encoding="utf-8") as handle:
        return {(record["package"], record["source"]): record
                for record in (json.loads(line) for line in handle if line.strip())}


def _write_records(path, records):
    """Replace tracks.jsonl at once (a reader sees the old file or the new one, never a part)."""
    with open(path + ".tmp", "w", encoding="utf-8") as handle:
        handle.writelines(json.dumps(record, ensure_ascii=False) + "\n" for record in records)
        handle.flush()
        os.fsync(handle.fileno())
    os.replace(path + ".tmp", path)


def _summary(records):
    """`{"packages", "tracks", "hours"}` of some records; tracks and hours count each recording once."""
    written = [record for record in records if "file" in record]
    return {"packages": len({record["package"] for record in records}), "tracks": len(written),
            "hours": round(sum(record["seconds"] for record in written) / 3600, 3)}


def build_debian_corpus(track_list, out_dir, sample_rate=22050, downloads=None, progress=True, keep_debs=True,
                        refresh_metadata=False):
    """Build (or resume, or bring up to date) the corpus of a track list.

    Args:
        track_list: the CSV (`../shared/data/debian_music_train.csv`) or a list of :class:`Track`.
        out_dir: where `audio/<package>/*.flac` and `tracks.jsonl` (one record per track) go.
        sample_rate: the FLACs' rate in Hz (mono, 16-bit).
        downloads: where the `.deb` files are cached (default `out_dir/debs`).
        progress: a tqdm bar over the packages, in seconds of music.
        keep_debs: keep the `.deb` files (a rebuild then downloads nothing).
        refresh_metadata: re-derive every converted track's :data:`METADATA` (licence, credits) from its package;
            without it only tracks recorded without them are. Audio already converted is never rewritten.

    Returns:
        `{"packages", "tracks", "hours", "duplicates", "splits": {"train": {"packages", "tracks", "hours"},
        "validation": {…}}}` of the whole corpus.
    """
    from tqdm import tqdm

    tracks = read_track_list(track_list) if isinstance(track_list, (str, os.PathLike)) else list(track_list)
    downloads = downloads or os.path.join(out_dir, "debs")
    os.makedirs(out_dir, exist_ok=True)
    records_path = os.path.join(out_dir, RECORDS)
    records = _read_records(records_path)
    packages = {}
    for track in tracks:
        packages.setdefault((track.package, track.version), []).append(track)
    total = sum(track.seconds for track in tracks if not track.is_stem)
    with tqdm(total=total, unit="s", disable=not progress, desc="debian corpus") as bar:
        for (package, version), members in packages.items():
            music = [track for track in members if not track.is_stem]
            recorded = [records.get((package, track.path)) for track in music]
            converted = all(recorded)
            if converted and not refresh_metadata and all(set(METADATA) <= record.keys() for record in recorded):
                bar.update(sum(track.seconds for track in music))
                continue
            deb = fetch(package, version, downloads)
            copyright_path = f"usr/share/doc/{package}/copyright"
            files = read_members(deb, {track.path for track in (music if converted else members)} | {copyright_path},
                                 also=is_credits_file)
            copyright_text = files.get(copyright_path, b"").decode("utf-8", "replace")
            credits_texts = [files[path].decode("utf-8", "replace") for path in sorted(files) if is_credits_file(path)]
            if converted:
                refresh_package(members, files, copyright_text, records, credits_texts)
            else:
                seen_md5 = {record["md5"]: record["file"] for record in records.values()
                            if "file" in record and record["package"] != package}
                new = convert_package(members, files, copyright_text, out_dir, sample_rate, seen_md5, credits_texts)
                with open(records_path, "a", encoding="utf-8") as handle:  # appended per package: resumable
                    handle.writelines(json.dumps(record, ensure_ascii=False) + "\n" for record in new)
                records.update({(record["package"], record["source"]): record for record in new})
            if not keep_debs:
                os.remove(deb)
            bar.update(sum(track.seconds for track in music))
    records = list(records.values())
    finish_records(records)
    _write_records(records_path, records)
    return {**_summary(records), "duplicates": sum("duplicate_of" in record for record in records),
            "splits": {split: _summary([record for record in records if record["split"] == split])
                       for split in ("train", "validation")}}
