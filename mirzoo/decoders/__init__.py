"""Decoders: frame activations → events and segments. Pure NumPy, no Keras, so that a TF Serving client that
has only NumPy can decode a SavedModel's activations exactly as `mirzoo.predict` does."""

from mirzoo.decoders.segments import Segment, active_segments

__all__ = ["Segment", "active_segments"]
