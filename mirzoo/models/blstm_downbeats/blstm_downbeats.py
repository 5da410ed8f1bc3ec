"""Bidirectional LSTM downbeat tracker (Böck, Krebs & Widmer, ISMIR 2016; madmom's `RNNDownBeatProcessor`).

Three frame sizes' log-filtered spectrograms (3, 6 and 12 bands per octave) and their positive
differences → an ensemble of `members` networks, each 3 × bidirectional peephole LSTM and a
softmax over [no beat, beat, downbeat] → the mean beat and downbeat probabilities per frame,
decoded by the bar-tracking DBN.
"""

from mirzoo.models.ensembles import build_ensemble_network


def build(preset, members=8, units=25, layers=3):
    """`keras.Model` from waveform `(batch, samples)` to `(batch, frames, 2)`: [beat, downbeat] in [0, 1]."""
    return build_ensemble_network(preset, "lstm", bidirectional=True, members=members, units=units, layers=layers,
                                  head_activation="softmax", drop_first=True)
