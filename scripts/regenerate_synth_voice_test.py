"""Render only the voice detectors' synthetic test set of the published corpus: the sung test-split songs and their
instrumental twins of `mirzoo corpus build --songs 1200 --sung-fraction 0.4 --works 800 --seed 0` (both soundfonts),
with their voice manifests `voice_test.csv` and `voice_test_heldout.csv`.

The corpus decides per song, from its seed alone, whether it is sung and which split it is in, so these clips equal the
full build's (same Festival, pyworld and soundfonts). Resumable: a song whose clips all exist is not rendered again.

    python scripts/regenerate_synth_voice_test.py OUT
"""

import argparse
import os

import numpy as np
from tqdm import tqdm

from mirzoo.data.manifest import ManifestEntry, write_manifest
from mirzoo.data.synth import build
from mirzoo.data.synth.labels import LABEL_FRAME_RATE

SONGS, SUNG_FRACTION, SEED, SECONDS = 1200, 0.4, 0, 15.0


def sung_test_songs():
    """Indices of the corpus's songs that are sung and in the test split (the draw `build._render_song` makes)."""
    return [index for index in range(SONGS)
            if build.split_of(f"song-{index}") == "test"
            and np.random.default_rng(SEED * 1_000_003 + index).random() < SUNG_FRACTION]


def main():
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("out")
    args = parser.parse_args()
    for folder in ("audio", "labels"):
        os.makedirs(os.path.join(args.out, folder), exist_ok=True)
    manifests = {"test": [], "test_heldout": []}
    for index in tqdm(sung_test_songs(), unit="song"):
        stems = [f"song{index:05d}{variant}_{kind}" for variant in ("", "_heldout") for kind in ("sung", "twin")]
        if not all(os.path.exists(os.path.join(args.out, "labels", f"{stem}.voice.npy")) for stem in stems):
            build._render_song(index, args.out, SECONDS, SUNG_FRACTION, SEED)
        for stem in stems:
            manifests["test_heldout" if "_heldout" in stem else "test"].append(ManifestEntry(
                os.path.abspath(os.path.join(args.out, "audio", f"{stem}.flac")),
                frame_labels=os.path.abspath(os.path.join(args.out, "labels", f"{stem}.voice.npy")),
                frame_rate=LABEL_FRAME_RATE))
    for split, entries in manifests.items():
        write_manifest(entries, os.path.join(args.out, f"voice_{split}.csv"))
        print(f"voice_{split}.csv: {len(entries)} clips")


if __name__ == "__main__":
    main()
