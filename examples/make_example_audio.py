"""Make the example clip `examples/audio/sung_song.flac`: a 15 s generated, sung song (deterministic).

The song comes from the corpus generator with a seed the training corpus never uses, is rendered
with FluidSynth (FluidR3_GM) and sung by Festival + WORLD, like the corpus's sung clips. Needs the
corpus dependencies (scripts/install_corpus_deps.sh). Run from the repository root:

    python examples/make_example_audio.py
"""

import os
import sys

import numpy as np
import soundfile

from mirzoo.data.synth import requirements
from mirzoo.data.synth.build import SAMPLE_RATE, TRAIN_SOUNDFONTS
from mirzoo.data.synth.labels import tags
from mirzoo.data.synth.render import render
from mirzoo.data.synth.sing import sing
from mirzoo.data.synth.songs import generate_song

# Far outside the corpus's seeds (seed * 1_000_003 + song index, song index < 10^5).
EXAMPLE_SEED = 987_654_321


def main(path="examples/audio/sung_song.flac", seconds=15.0):
    requirements.require("make_example_audio.py", [TRAIN_SOUNDFONTS[0]], sung=True)
    song = generate_song(EXAMPLE_SEED, seconds, sung=True)
    melody = next(part for part in song.parts if part.sung)
    voice, f0 = sing(melody.notes, song.tempo, EXAMPLE_SEED, SAMPLE_RATE, seconds)
    instruments = render(song, TRAIN_SOUNDFONTS[0], SAMPLE_RATE)
    mix = instruments / np.abs(instruments).max() + 0.9 * voice / np.abs(voice).max()
    os.makedirs(os.path.dirname(path), exist_ok=True)
    soundfile.write(path, (0.8 * mix / np.abs(mix).max()).astype(np.float32), SAMPLE_RATE, subtype="PCM_16")
    print(f"wrote {path}: {seconds:g} s; instruments {[(p.name, p.program) for p in song.parts]}; "
          f"true tags {tags(song, f0)}")


if __name__ == "__main__":
    try:
        main()
    except ImportError as error:  # "make_example_audio.py needs …": what is missing and how to install it
        sys.exit(str(error))
