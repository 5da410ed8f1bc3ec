import os

import pytest


@pytest.fixture
def train_soundfonts():
    """The corpus's training soundfonts; skips without FluidSynth or any of the four soundfonts."""
    pytest.importorskip("fluidsynth")
    from mirzoo.data.synth.build import HELDOUT_SOUNDFONT, TRAIN_SOUNDFONTS

    missing = [path for path in (*TRAIN_SOUNDFONTS, HELDOUT_SOUNDFONT) if not os.path.exists(path)]
    if missing:
        pytest.skip(f"needs scripts/install_corpus_deps.sh (missing {missing})")
    return TRAIN_SOUNDFONTS
