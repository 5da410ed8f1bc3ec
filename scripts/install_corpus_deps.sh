#!/usr/bin/env bash
# System and Python packages the synthetic training corpus needs (mirzoo.data.synth):
# FluidSynth with two General MIDI soundfonts (FluidR3 for training, TimGM6mb held out),
# Festival's singing mode with the kal diphone voice, and on PyPI music21 (scores),
# pyfluidsynth (in-process rendering) and pyworld (vocal variety; builds with gcc).
set -euo pipefail
export DEBIAN_FRONTEND=noninteractive
SUDO=""
if [[ $(id -u) -ne 0 ]]; then SUDO="sudo"; fi
$SUDO apt-get update
$SUDO apt-get install -y --no-install-recommends \
    fluidsynth libfluidsynth3 fluid-soundfont-gm timgm6mb-soundfont \
    festival festvox-kallpc16k build-essential
python -m pip install --quiet "music21>=9" "pyfluidsynth>=1.3.3" "pyworld>=0.3.4"
