"""Causal LSTM beat tracker for online use (madmom's `RNNBeatProcessor(online=True)`, after Böck & Schedl 2011).

One frame size's log-filtered spectrogram (frames ending at the current sample) and its positive
difference → an ensemble of `members` networks, each 3 × forward peephole LSTM and a sigmoid
output → the mean beat probability per frame. Nothing looks ahead, so it runs block by block
(`mirzoo.streaming`).
"""

from mirzoo.models.ensembles import build_ensemble_network


def build(preset, members=8, units=25, layers=3):
    """`keras.Model` from waveform `(batch, samples)` to beat activations `(batch, frames, 1)` in [0, 1]."""
    return build_ensemble_network(preset, "lstm", bidirectional=False, members=members, units=units, layers=layers)
