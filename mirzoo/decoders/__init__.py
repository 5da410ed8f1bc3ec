"""Decoders: frame activations → events and segments. Pure NumPy, no Keras, so that a TF Serving client that
has only NumPy can decode a SavedModel's activations exactly as `mirzoo.predict` does.

Onsets (:func:`pick_onsets`), beats (:func:`track_beats`, :class:`OnlineBeatTracker`, :func:`estimate_tempo`) and
downbeats (:func:`track_downbeats`) reproduce madmom's decoders frame for frame.
"""

from mirzoo.decoders.beats import OnlineBeatTracker, estimate_tempo, track_beats
from mirzoo.decoders.downbeats import track_downbeats
from mirzoo.decoders.peaks import CNN_ONSET_PEAK_PICKING, RNN_ONSET_PEAK_PICKING, pick_onsets
from mirzoo.decoders.segments import Segment, active_segments

__all__ = ["CNN_ONSET_PEAK_PICKING", "RNN_ONSET_PEAK_PICKING", "OnlineBeatTracker", "Segment", "active_segments",
           "estimate_tempo", "pick_onsets", "track_beats", "track_downbeats"]
