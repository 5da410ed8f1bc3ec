#!/usr/bin/env bash
# System and Python packages the synthetic training corpus needs (mirzoo.data.synth):
# FluidSynth with four General MIDI soundfonts (FluidR3, Csound's GM bank and an OPL3 FM bank for
# training; TimGM6mb held out),
# Festival's singing mode with four diphone voices (kal and ked: American English men; lp and pc: an Italian
# woman and man), and on PyPI
# pyfluidsynth (in-process rendering), pyworld (vocal variety; builds with gcc), music21 (its corpus of
# multi-part works, parsed once) and mido (reading the works' MIDI cache). wesnoth-1.16-music
# (GPL-2+ orchestral tracks) is read by benchmarks/evaluate.py --real-music, never copied.
set -euo pipefail
export DEBIAN_FRONTEND=noninteractive
SUDO=""
if [[ $(id -u) -ne 0 ]]; then SUDO="sudo"; fi
$SUDO apt-get update
$SUDO apt-get install -y --no-install-recommends \
    fluidsynth libfluidsynth3 fluid-soundfont-gm csound-soundfont opl3-soundfont timgm6mb-soundfont \
    festival festvox-kallpc16k festvox-kdlpc16k festvox-italp16k festvox-itapc16k build-essential wesnoth-1.16-music
# pyworld 0.3.5 imports pkg_resources, which setuptools 81 removed.
python -m pip install --quiet "pyfluidsynth>=1.3.3" "pyworld>=0.3.4" "setuptools<81" "music21>=9.1" "mido>=1.3"
