"""Bidirectional RNN onset detector (Eyben, Böck, Schuller & Graves, ISMIR 2010; madmom's `RNNOnsetProcessor`).

Three frame sizes' log-filtered spectrograms and their positive differences → an ensemble of
`members` networks, each 3 × bidirectional tanh RNN (`units` per direction) and a sigmoid output
→ the mean onset probability per frame.
"""

from mirzoo.models.ensembles import build_ensemble_network


def build(preset, members=8, units=25, layers=3):
    """`keras.Model` from waveform `(batch, samples)` to onset activations `(batch, frames, 1)` in [0, 1]."""
    return build_ensemble_network(preset, "rnn", bidirectional=True, members=members, units=units, layers=layers)
