"""Make the example excerpt `examples/audio/ardentryst_castle.flac`: 20 s of real music, with its attribution.

"castle" from Ardentryst's soundtrack by Jordan Trudgett (CC BY-SA 3.0, Debian package `ardentryst`), seconds
36 to 56, cut from a corpus built by `mirzoo corpus debian` (22.05 kHz mono, 16-bit FLAC) with 0.5 s fades.
Ardentryst is in the corpus's validation split, so no distilled tagger trained on it. Run from the repository
root:

    python examples/make_real_excerpt.py CORPUS
"""

import argparse
import json
import os

import numpy as np
import soundfile

TRACK = "audio/ardentryst/castle.flac"
SOURCE_MD5 = "92d8865967f5bc59f95622c684dccc8c"  # usr/share/games/ardentryst/Music/castle.ogg in ardentryst 1.71-9
START, SECONDS, FADE = 36.0, 20.0, 0.5
ATTRIBUTION = """\
ardentryst_castle.flac: seconds 36-56 of "castle" from the soundtrack of Ardentryst,
by Jordan Trudgett (2007-2009), licensed under the Creative Commons Attribution-ShareAlike 3.0
licence (CC BY-SA 3.0, https://creativecommons.org/licenses/by-sa/3.0/).
Source: Debian package ardentryst 1.71-9, usr/share/games/ardentryst/Music/castle.ogg
(MD5 92d8865967f5bc59f95622c684dccc8c; Debian copyright file: "Files: Music/*, Copyright: 2007-2009
Jordan Trudgett, License: CC-BY-SA-3.0").
Changes: cut to 20 s with 0.5 s fades, downmixed to mono, resampled to 22.05 kHz (soxr), 16-bit FLAC.
This excerpt is distributed under CC BY-SA 3.0, not under mirzoo's MIT licence.
"""


def main():
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("corpus")
    parser.add_argument("--out", default="examples/audio")
    args = parser.parse_args()
    with open(os.path.join(args.corpus, "tracks.jsonl"), encoding="utf-8") as handle:
        record = next(row for row in map(json.loads, handle) if row["file"] == TRACK)
    if record["md5"] != SOURCE_MD5:
        raise SystemExit(f"{TRACK}: its source's MD5 is {record['md5']}, not {SOURCE_MD5}: another recording.")
    audio, rate = soundfile.read(os.path.join(args.corpus, TRACK), dtype="float32")
    excerpt = audio[int(START * rate) : int((START + SECONDS) * rate)].copy()
    ramp = np.linspace(0.0, 1.0, int(FADE * rate), dtype=np.float32)
    excerpt[: len(ramp)] *= ramp
    excerpt[-len(ramp) :] *= ramp[::-1]
    os.makedirs(args.out, exist_ok=True)
    soundfile.write(os.path.join(args.out, "ardentryst_castle.flac"), excerpt, rate, subtype="PCM_16")
    with open(os.path.join(args.out, "ardentryst_castle.txt"), "w", encoding="utf-8") as handle:
        handle.write(ATTRIBUTION)
    print(f"wrote {args.out}/ardentryst_castle.flac ({len(excerpt) / rate:g} s at {rate} Hz) and its attribution")


if __name__ == "__main__":
    main()
