"""Decoders: frame activations → events and segments. Pure NumPy, no Keras, so that a TF Serving client that
has only NumPy can decode a SavedModel's activations exactly as `mirzoo.predict` does.

Onsets (:func:`pick_onsets`), beats (:func:`track_beats`, :class:`OnlineBeatTracker`, :func:`estimate_tempo`),
downbeats (:func:`track_downbeats`), chords (:func:`decode_chords` with its CRF :func:`crf_viterbi`, labels
:data:`MAJMIN_LABELS`, segments :class:`Chord`) and piano notes (:func:`track_notes`) reproduce madmom's decoders
frame for frame; segments of constant activity (:func:`active_segments`, a `"segments"` decoder's
:func:`segment_parameters`) split a voice detector's or a chroma model's frames.
"""

from mirzoo.decoders.beats import OnlineBeatTracker, estimate_tempo, track_beats
from mirzoo.decoders.chords import MAJMIN_LABELS, Chord, crf_viterbi, decode_chords
from mirzoo.decoders.downbeats import track_downbeats
from mirzoo.decoders.notes import track_notes
from mirzoo.decoders.peaks import CNN_ONSET_PEAK_PICKING, RNN_ONSET_PEAK_PICKING, pick_onsets
from mirzoo.decoders.segments import Segment, active_segments, segment_parameters

__all__ = ["CNN_ONSET_PEAK_PICKING", "MAJMIN_LABELS", "RNN_ONSET_PEAK_PICKING", "Chord", "OnlineBeatTracker", "Segment",
           "active_segments", "crf_viterbi", "decode_chords", "estimate_tempo", "pick_onsets", "segment_parameters",
           "track_beats", "track_downbeats", "track_notes"]
