#!/usr/bin/env bash
# Train every preset on the synthetic corpus, then copy the results into weights/.
#
#   scripts/install_corpus_deps.sh                       # once: FluidSynth, soundfonts, Festival, pyworld
#   mirzoo corpus build corpus --songs 800               # the corpus (see weights/README.md for timings)
#   CORPUS=corpus RUNS=runs scripts/train_presets.sh     # this script
#   python benchmarks/evaluate.py --corpus corpus --runs runs --real-music
#
# Rerunning resumes each training where it stopped (checkpoints in RUNS/<arch>/checkpoints).
set -euo pipefail
CORPUS=${CORPUS:-corpus}
RUNS=${RUNS:-runs}
SEED=${SEED:-0}

train() {  # arch task epochs batch crop-seconds learning-rate
    mirzoo train "$1" --train "$CORPUS/$2_train.csv" --validation "$CORPUS/$2_validation.csv" \
        --out "$RUNS/$1" --epochs "$3" --batch-size "$4" --crop-seconds "$5" --learning-rate "$6" \
        --seed "$SEED" --cache --no-progress
}

train conv1d_tagger tags 40 32 3 0.001
train dnn_chroma chroma 20 16 15 0.0005
train bilstm_singing_voice voice 12 16 10 0.002
train crnn_tagger tags 8 16 10 0.001
train conv2d_singing_voice voice 5 16 3 0.0005

python scripts/publish_weights.py "$RUNS"
