import librosa
import numpy as np
import pytest

from mirzoo.layers import STFT, Magnitude
from mirzoo.testing import TestCase, harmonic_test_signal


def librosa_stft(y, **kwargs):
    return librosa.stft(y.astype(np.float64), **kwargs).T


class TestSTFT(TestCase):
    @pytest.mark.parametrize("framing", ["stft", "gather"])
    @pytest.mark.parametrize(
        "n_fft, win_length, hop_length, window, center, pad_mode",
        [
            (512, None, 128, "hann", True, "constant"),
            (1024, 800, 200, "hamming", True, "reflect"),
            (256, None, 64, "blackman", False, "constant"),
            (511, 400, 100, "boxcar", True, "constant"),
        ],
    )
    def test_matches_librosa(self, n_fft, win_length, hop_length, window, center, pad_mode, framing):
        y = harmonic_test_signal(16000, 0.5)
        real, imag = self.run_layer_test(
            STFT,
            dict(n_fft=n_fft, win_length=win_length, hop_length=hop_length, window=window, center=center,
                 pad_mode=pad_mode, framing=framing),
            y[None],
        )
        expected = librosa_stft(y, n_fft=n_fft, win_length=win_length, hop_length=hop_length, window=window,
                                center=center, pad_mode=pad_mode)
        self.assert_allclose(real[0], expected.real, atol=2e-4 * np.abs(expected).max(), rtol=0)
        self.assert_allclose(imag[0], expected.imag, atol=2e-4 * np.abs(expected).max(), rtol=0)

    @pytest.mark.parametrize("framing", ["stft", "gather"])
    def test_multichannel_is_time_major_with_channels_last(self, framing):
        y = harmonic_test_signal(8000, 0.5, channels=3)
        real, _ = self.run_layer_test(STFT, dict(n_fft=256, hop_length=64, framing=framing), y[None])
        assert real.shape == (1, 1 + 4000 // 64, 129, 3)
        for channel in range(3):
            expected = librosa_stft(y[:, channel], n_fft=256, hop_length=64)
            self.assert_allclose(real[0, ..., channel], expected.real, atol=2e-4 * np.abs(expected).max(), rtol=0)

    def test_default_hop_is_a_quarter_window(self):
        assert STFT(n_fft=1024, win_length=800).hop_length == 200

    @pytest.mark.parametrize(
        "kwargs, message",
        [
            ({"n_fft": 256, "win_length": 512}, "win_length"),
            ({"hop_length": 0}, "hop_length"),
            ({"hop_length": -3}, "hop_length"),
            ({"n_fft": 0}, "n_fft"),
            ({"window": "kaiser"}, "window"),
            ({"pad_mode": "wrap"}, "pad_mode"),
            ({"framing": "conv"}, "framing"),
        ],
    )
    def test_rejects_invalid_parameters(self, kwargs, message):
        with pytest.raises(ValueError, match=message):
            STFT(**kwargs)


class TestMagnitude(TestCase):
    @pytest.mark.parametrize("power", [1.0, 2.0, 0.5])
    def test_matches_abs_power(self, power):
        rng = np.random.default_rng(0)
        real, imag = rng.standard_normal((2, 2, 10, 33)).astype("float32")
        self.run_layer_test(
            Magnitude, dict(power=power), (real, imag), expected_output=np.abs(real + 1j * imag) ** power, atol=1e-5
        )

    def test_rejects_a_single_tensor(self):
        with pytest.raises(ValueError, match="pair"):
            Magnitude()(np.zeros((1, 4, 5), "float32"))

    def test_rejects_non_positive_power(self):
        with pytest.raises(ValueError, match="power"):
            Magnitude(power=0)
