#!/usr/bin/env bash
# Issue 16 §4: the voice detectors fine-tuned (from the .synth weights) on sung melodies over real accompaniment.
# Needs the Debian corpus (mirzoo corpus debian) and scripts/install_corpus_deps.sh. Every step is resumable:
# run it again after an interruption. Variables: CORPUS (the Debian corpus), OUT (builds and runs), PAIRS (training
# pairs), EPOCHS_CONV2D, EPOCHS_BILSTM.
set -euo pipefail
CORPUS=${CORPUS:-corpora/debian}
OUT=${OUT:-voice}
PAIRS=${PAIRS:-600}
build() {  # split, pairs, seed, folder
    mirzoo corpus over-real "$CORPUS" --split "$1" --pairs "$2" --seed "$3" --out "$OUT/$4" --processes 2
}
build validation 100 0 eval         # the evaluation set: accompaniment of the validation packages
build validation 40 1 val           # checkpoint selection: other excerpts of the validation packages
build train "$PAIRS" 0 train
# arch, epochs, crop seconds, learning rate
train() {
    mirzoo train "$1.synth" --weights default --train "$OUT/train/voice_train.csv" \
        --validation "$OUT/val/voice_validation.csv" --out "$OUT/runs/$1" --epochs "$2" --batch-size 16 \
        --crop-seconds "$3" --learning-rate "$4" --mix 0.3 --no-progress
}
train bilstm_singing_voice "${EPOCHS_BILSTM:-16}" 10 0.001
train conv2d_singing_voice "${EPOCHS_CONV2D:-7}" 6 0.0005
python scripts/evaluate_voice_over_real.py --models conv2d_singing_voice.synth bilstm_singing_voice.synth \
    "$OUT/runs/conv2d_singing_voice/preset" "$OUT/runs/bilstm_singing_voice/preset" \
    --sets "$OUT/eval:validation" --json "$OUT/evaluation.json"
