"""Test-time speed averaging: frame scores read back at the recording's frames against np.interp, and a speed-averaged
2-D CNN against the same network run on soxr-resampled audio, averaged with NumPy."""

import keras
import numpy as np
import pytest
import soxr

import mirzoo
from mirzoo.models.speeds import StretchedFrames, check_speeds, speed_ratio
from mirzoo.testing import TestCase, harmonic_test_signal


def stretched_oracle(scores, frames, speed):
    """np.interp of each channel at frames `k / speed`, holding the last frame beyond the end."""
    played = np.arange(scores.shape[1])
    return np.stack([np.stack([np.interp(np.arange(frames) / speed, played, row[:, channel])
                               for channel in range(row.shape[1])], axis=-1) for row in scores])


class TestStretchedFrames(TestCase):
    @pytest.mark.parametrize("speed, played, frames", [(1.25, 41, 50), (0.8, 63, 50), (1.35, 20, 30)])
    def test_reads_the_played_frames_at_k_over_speed(self, speed, played, frames):
        scores = np.random.default_rng(0).random((2, played, 3)).astype("float32")
        reference = np.zeros((2, frames, 5), "float32")
        got = StretchedFrames(speed)([scores, reference])
        # float32 positions (k / speed) against float64 ones: a few 1e-6 apart.
        self.assert_allclose(got, stretched_oracle(scores, frames, speed), atol=1e-5)

    def test_serialization_and_saving(self):
        layer = StretchedFrames(1.25)
        assert self.run_serialization_test(layer).speed == 1.25
        scores = np.random.default_rng(1).random((1, 33, 2)).astype("float32")
        self.run_layer_saving_test(layer, (scores, np.zeros((1, 40, 2), "float32")))

    @pytest.mark.parametrize("speed", [0, -1.0, True, "1.25", None])
    def test_a_bad_speed_is_refused_by_name(self, speed):
        with pytest.raises(ValueError, match="`speed` must be a finite number > 0"):
            StretchedFrames(speed)


def test_speed_ratios_and_checks():
    assert speed_ratio(1.25) == (5, 4) and speed_ratio(1.0) == (1, 1) and speed_ratio(1.35) == (27, 20)
    assert check_speeds([1.0, 1.25]) == (1.0, 1.25) and check_speeds(1.0) == (1.0,)
    with pytest.raises(ValueError, match="a speed is a number in"):
        speed_ratio(2.5)
    with pytest.raises(ValueError, match="must include 1.0"):
        check_speeds((1.25,))
    with pytest.raises(ValueError, match="must be distinct"):
        check_speeds((1.0, 1.25, 1.25))


class TestSpeedAveragedModel(TestCase):
    def test_equals_the_network_on_resampled_audio_averaged(self):
        """The oracle: the same weights without speeds, on the audio and on soxr's resampling to 4/5 of its
        samples (played 1.25 times as fast), its frames interpolated at k / 1.25, averaged."""
        preset = mirzoo.get_preset("conv2d_singing_voice.synth")
        plain = mirzoo.build(preset)
        averaged = mirzoo.build(preset.replace(arch_config=dict(preset.arch_config, speeds=(1.0, 1.25))))
        averaged.set_weights(plain.get_weights())
        assert len(averaged.weights) == len(plain.weights)
        audio = harmonic_test_signal(22050, 3.0)
        fast = soxr.resample(audio, 22050, 22050 * 4 / 5).astype("float32")
        recorded = np.asarray(plain.predict(audio[None], verbose=0))
        played = np.asarray(plain.predict(fast[None], verbose=0))
        expected = (recorded + stretched_oracle(played, recorded.shape[1], 1.25)) / 2
        got = np.asarray(averaged.predict(audio[None], verbose=0))
        self.assert_allclose(got, expected, atol=2e-4)
        assert np.abs(got - recorded).max() > 1e-3  # the faster view changes the scores

    def test_weights_of_the_plain_network_load_and_the_model_saves(self, tmp_path):
        preset = mirzoo.get_preset("conv2d_singing_voice.synth")
        plain = mirzoo.build(preset)
        path = str(tmp_path / "plain.weights.h5")
        plain.save_weights(path)
        averaged = mirzoo.build(preset.replace(arch_config=dict(preset.arch_config, speeds=(1.0, 1.25))))
        averaged.load_weights(path)
        for got, want in zip(averaged.get_weights(), plain.get_weights()):
            np.testing.assert_array_equal(got, want)
        self.run_model_saving_test(averaged, harmonic_test_signal(22050, 2.0)[None], atol=1e-5)
        assert isinstance(averaged.get_layer("frames_at_5_4"), StretchedFrames)
        assert isinstance(averaged.get_layer("speed_average"), keras.layers.Average)
