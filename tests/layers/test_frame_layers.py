import librosa
import numpy as np
import pytest

from mirzoo.layers import Delta, Downmix, FrameContext
from mirzoo.testing import TestCase


def features(shape=(2, 25, 6), seed=0):
    return np.random.default_rng(seed).standard_normal(shape).astype("float32")


class TestDelta(TestCase):
    @pytest.mark.parametrize("width, order", [(9, 1), (5, 2), (3, 1)])
    def test_matches_librosa_delta(self, width, order):
        x = features()
        expected = np.stack([librosa.feature.delta(e.T.astype(np.float64), width=width, order=order).T for e in x])
        self.run_layer_test(Delta, dict(width=width, order=order), x, expected_output=expected, atol=1e-5)

    def test_channels(self):
        x = features((2, 12, 5, 2))
        expected = librosa.feature.delta(x.astype(np.float64), width=5, axis=1)
        self.run_layer_test(Delta, dict(width=5), x, expected_output=expected, atol=1e-5)

    def test_rejects_fewer_frames_than_width(self):
        with pytest.raises(ValueError, match="at least 9 frames"):
            Delta(width=9)(features((1, 8, 4)))

    def test_rejects_even_width(self):
        with pytest.raises(ValueError, match="width"):
            Delta(width=4)


class TestFrameContext(TestCase):
    @pytest.mark.parametrize("context", [0, 1, 7])
    def test_edge_padded_windows(self, context):
        x = features((2, 10, 3))
        # Oracle: explicit edge padding, then sliding windows.
        padded = np.pad(x, ((0, 0), (context, context), (0, 0)), mode="edge")
        expected = np.stack([padded[:, t : t + 2 * context + 1] for t in range(10)], axis=1)
        self.run_layer_test(FrameContext, dict(context=context), x, expected_output=expected,
                            expected_output_shape=(2, 10, 2 * context + 1, 3))

    def test_rejects_negative_context(self):
        with pytest.raises(ValueError, match="context"):
            FrameContext(context=-1)


class TestDownmix(TestCase):
    def test_mean_of_channels(self):
        x = features((2, 100, 4))
        self.run_layer_test(Downmix, {}, x, expected_output=x.mean(axis=-1), atol=1e-6)

    def test_mono_passes_through(self):
        x = features((2, 100))
        self.run_layer_test(Downmix, {}, x, expected_output=x)
