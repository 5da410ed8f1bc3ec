#!/usr/bin/env bash
# Train every preset on the synthetic corpus, then copy the results into weights/.
#
#   scripts/install_corpus_deps.sh                                       # once: FluidSynth, soundfonts, Festival
#   mirzoo corpus build corpus --songs 1200 --sung-fraction 0.4          # the corpus (weights/README.md: timings)
#   CORPUS=corpus RUNS=runs scripts/train_presets.sh                     # this script
#   python benchmarks/evaluate.py --corpus corpus --runs runs --real-music
#
# Rerunning resumes each training where it stopped (checkpoints in RUNS/<arch>/checkpoints). Taggers first:
# their targets are the hardest. --mix mixes a clip with another of its batch (labels: their union).
set -euo pipefail
CORPUS=${CORPUS:-corpus}
RUNS=${RUNS:-runs}
SEED=${SEED:-0}

train() {  # arch task epochs batch crop-seconds learning-rate mix
    mirzoo train "$1" --train "$CORPUS/$2_train.csv" --validation "$CORPUS/$2_validation.csv" \
        --out "$RUNS/$1" --epochs "$3" --batch-size "$4" --crop-seconds "$5" --learning-rate "$6" \
        --mix "$7" --seed "$SEED" --cache --no-progress
}

train conv1d_tagger tags 60 32 3 0.001 0.5
train crnn_tagger tags 12 16 6 0.001 0.5
train bilstm_singing_voice voice 8 16 10 0.002 0.3
train conv2d_singing_voice voice 4 16 3 0.001 0.3
train dnn_chroma chroma 8 16 15 0.0005 0

python scripts/publish_weights.py "$RUNS"
