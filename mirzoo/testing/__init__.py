"""Test helpers for mirzoo and for code built on it: a base test case, test signals and generated corpora."""

from mirzoo.testing.corpus import write_tagging_corpus, write_voice_pairs
from mirzoo.testing.signals import harmonic_test_signal
from mirzoo.testing.test_case import TestCase

__all__ = ["TestCase", "harmonic_test_signal", "write_tagging_corpus", "write_voice_pairs"]
