import numpy as np
import pytest

from mirzoo.layers import RandomGain, SpecAugment
from mirzoo.testing import TestCase


def spectrogram(shape=(4, 50, 20)):
    return (1.0 + np.random.default_rng(0).random(shape)).astype("float32")


class TestSpecAugment(TestCase):
    def test_identity_at_inference(self):
        x = spectrogram()
        self.run_layer_test(SpecAugment, dict(freq_mask_param=5, time_mask_param=10, seed=1), x, expected_output=x)

    def test_masks_whole_bands_per_example_when_training(self):
        x = spectrogram()
        out = np.asarray(SpecAugment(freq_mask_param=5, time_mask_param=10, mask_value=-1.0, seed=3)(x, training=True))
        masked = out == -1.0
        np.testing.assert_array_equal(out[~masked], x[~masked])
        for example in masked:
            full_rows = example.all(axis=1)  # masked frames
            full_cols = example.all(axis=0)  # masked bins
            assert full_rows.sum() <= 10 and full_cols.sum() <= 5
            # every masked cell belongs to a masked frame or a masked bin
            np.testing.assert_array_equal(example, full_rows[:, None] | full_cols[None, :])
            for band in (full_rows, full_cols):
                idx = np.flatnonzero(band)
                assert len(idx) == 0 or idx[-1] - idx[0] + 1 == len(idx), "one contiguous band"
        assert masked.any()
        assert not all((masked[0] == m).all() for m in masked[1:]), "masks are drawn per example"

    def test_channels_share_the_mask(self):
        x = spectrogram((2, 30, 10, 2))
        out = np.asarray(SpecAugment(freq_mask_param=4, time_mask_param=8, mask_value=-1.0, seed=0)(x, training=True))
        np.testing.assert_array_equal(out[..., 0] == -1.0, out[..., 1] == -1.0)

    def test_rejects_negative_parameters(self):
        with pytest.raises(ValueError, match="time_mask_param"):
            SpecAugment(time_mask_param=-1)

    def test_largest_float32_mask_value_is_written_as_is(self):
        big = float(np.finfo(np.float32).max)
        out = np.asarray(SpecAugment(freq_mask_param=5, time_mask_param=10, mask_value=-big, seed=3)(
            spectrogram(), training=True))
        assert np.all(np.isfinite(out)) and np.any(out == np.float32(-big))

    def test_empty_batch(self):
        out = SpecAugment(seed=0)(np.zeros((0, 50, 20), "float32"), training=True)
        assert tuple(out.shape) == (0, 50, 20)


class TestRandomGain(TestCase):
    def test_identity_at_inference(self):
        x = spectrogram((3, 1000))
        self.run_layer_test(RandomGain, dict(seed=0), x, expected_output=x)

    def test_gain_within_range_per_example_when_training(self):
        x = spectrogram((8, 1000))
        out = np.asarray(RandomGain(-12.0, 3.0, seed=0)(x, training=True))
        ratio_db = 20 * np.log10(out / x)
        np.testing.assert_allclose(ratio_db, ratio_db[:, :1] * np.ones_like(ratio_db), atol=1e-4)
        assert ratio_db.min() >= -12.0 - 1e-4 and ratio_db.max() <= 3.0 + 1e-4
        assert np.ptp(ratio_db[:, 0]) > 0.1

    def test_rejects_inverted_range(self):
        with pytest.raises(ValueError, match="min_gain_db"):
            RandomGain(6.0, -6.0)

    @pytest.mark.parametrize("gain_db, factor", [(120.0, 1e6), (-120.0, 1e-6)])
    def test_widest_gains_scale_full_scale_audio_finitely(self, gain_db, factor):
        x = np.where(np.random.default_rng(0).random((2, 100)) < 0.5, -1.0, 1.0).astype("float32")
        out = np.asarray(RandomGain(gain_db, gain_db, seed=0)(x, training=True))
        np.testing.assert_allclose(out, factor * x.astype(np.float64), rtol=1e-5)  # 10 ** (gain_db / 20)

    def test_empty_batch(self):
        assert tuple(RandomGain(seed=0)(np.zeros((0, 1000), "float32"), training=True).shape) == (0, 1000)
