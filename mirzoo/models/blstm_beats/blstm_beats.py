"""Bidirectional LSTM beat tracker (Böck & Schedl, DAFx 2011; madmom's `RNNBeatProcessor`).

Three frame sizes' log-filtered spectrograms and their positive differences → an ensemble of
`members` networks, each 3 × bidirectional peephole LSTM (`units` per direction) and a sigmoid
output → the mean beat probability per frame, decoded by the DBN beat tracker.
"""

from mirzoo.models.ensembles import build_ensemble_network


def build(preset, members=8, units=25, layers=3):
    """`keras.Model` from waveform `(batch, samples)` to beat activations `(batch, frames, 1)` in [0, 1]."""
    return build_ensemble_network(preset, "lstm", bidirectional=True, members=members, units=units, layers=layers)
