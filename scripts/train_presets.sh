#!/usr/bin/env bash
# Train every preset on the synthetic corpus, then copy the results into weights/.
#
#   scripts/install_corpus_deps.sh                                            # once: FluidSynth, soundfonts, Festival
#   mirzoo corpus build corpus --songs 1200 --sung-fraction 0.4 --works 800   # the corpus (weights/README.md)
#   CORPUS=corpus RUNS=runs scripts/train_presets.sh                          # this script
#   python benchmarks/evaluate.py --corpus corpus --runs runs --real-music
#
# Rerunning resumes each training where it stopped (checkpoints in RUNS/<run>/checkpoints). Taggers first:
# their targets are the hardest. --mix mixes a clip with another of its batch (labels: their union).
set -euo pipefail
CORPUS=${CORPUS:-corpus}
RUNS=${RUNS:-runs}
SEED=${SEED:-0}

train() {  # run preset manifest epochs batch crop-seconds learning-rate mix [more `mirzoo train` options]
    local run=$1 preset=$2 manifest=$3 epochs=$4 batch=$5 crop=$6 rate=$7 mix=$8
    shift 8
    mirzoo train "$preset" --train "$CORPUS/${manifest}_train.csv" --validation "$CORPUS/${manifest}_validation.csv" \
        --out "$RUNS/$run" --epochs "$epochs" --batch-size "$batch" --crop-seconds "$crop" --learning-rate "$rate" \
        --mix "$mix" --seed "$SEED" --cache --no-progress "$@"
}

# Manifests derived from the corpus's: the generated songs alone (music21 excerpts are the work<i> clips),
# and for the voice models the sung clips with their instrumental twins: the same accompaniment with and
# without a singer (the pairs the evaluation scores); clips without a singer would only add negatives.
for split in train validation; do
    grep -v '^audio/work' "$CORPUS/tags_$split.csv" > "$CORPUS/tags_songs_$split.csv"
    grep -E '^audio,|_sung\.|_twin\.' "$CORPUS/voice_$split.csv" > "$CORPUS/voice_pairs_$split.csv"
done

train conv1d_tagger conv1d_tagger.synth tags 60 32 3 0.001 0.5
# The CRNN in two stages: 24 epochs on the generated songs, then 8 on songs and music21 excerpts, starting
# from the best of the first stage (kept under stages/, which publish_weights.py does not read).
train stages/crnn_tagger_songs crnn_tagger.synth tags_songs 24 16 6 0.001 0.5
train crnn_tagger crnn_tagger.synth tags 8 16 6 0.001 0.5 \
    --weights "$RUNS/stages/crnn_tagger_songs/preset/crnn_tagger.weights.h5"
# The voice detectors were still improving at 16 and 8 epochs; the shipped ones are those runs resumed to 64
# and 26 epochs (rerunning this script resumes a shorter run in the same way).
train bilstm_singing_voice bilstm_singing_voice.synth voice_pairs 64 16 10 0.002 0.3
train conv2d_singing_voice conv2d_singing_voice.synth voice_pairs 26 16 6 0.001 0.3
train dnn_chroma dnn_chroma.synth chroma 8 16 15 0.0005 0

python scripts/publish_weights.py "$RUNS"
