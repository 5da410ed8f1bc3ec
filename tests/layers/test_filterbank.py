import librosa
import numpy as np
import pytest

from mirzoo import dsp
from mirzoo.layers import ApplyFilterbank
from mirzoo.testing import TestCase


def power_spectrogram(batch=2, frames=12, bins=257, channels=None, seed=0):
    rng = np.random.default_rng(seed)
    shape = (batch, frames, bins) + ((channels,) if channels else ())
    return rng.random(shape).astype("float32")


class TestApplyFilterbank(TestCase):
    @pytest.mark.parametrize(
        "kind, kwargs, oracle",
        [
            ("mel", {"n_mels": 40, "htk": True, "norm": None},
             lambda: librosa.filters.mel(sr=16000, n_fft=512, n_mels=40, htk=True, norm=None)),
            ("mel", {"n_mels": 96}, lambda: librosa.filters.mel(sr=16000, n_fft=512, n_mels=96)),
            ("chroma", {}, lambda: librosa.filters.chroma(sr=16000, n_fft=512)),
        ],
    )
    def test_applies_librosa_filterbank(self, kind, kwargs, oracle):
        spectrogram = power_spectrogram()
        expected = np.einsum("btk,fk->btf", spectrogram, oracle())
        self.run_layer_test(
            ApplyFilterbank,
            dict(kind=kind, sample_rate=16000, n_fft=512, filterbank_kwargs=kwargs),
            spectrogram,
            expected_output=expected,
            atol=1e-5,
        )

    def test_log_kind_and_channels(self):
        spectrogram = power_spectrogram(bins=1025, channels=2)
        matrix = dsp.log_frequency_filterbank(22050, 2048, 12, 65.0, 2100.0)
        out = self.run_layer_test(
            ApplyFilterbank,
            dict(kind="log", sample_rate=22050, n_fft=2048,
                 filterbank_kwargs={"bins_per_octave": 12, "f_min": 65.0, "f_max": 2100.0}),
            spectrogram,
        )
        self.assert_allclose(out, np.einsum("btkc,fk->btfc", spectrogram, matrix), atol=1e-5)

    def test_custom_matrix(self):
        matrix = np.eye(5, 9)
        spectrogram = power_spectrogram(bins=9)
        self.run_layer_test(
            ApplyFilterbank, dict(kind="custom", matrix=matrix), spectrogram, expected_output=spectrogram[..., :5]
        )

    def test_filterbank_is_rebuilt_not_stored(self):
        layer = ApplyFilterbank("mel", 16000, 512, {"n_mels": 40})
        layer.build((None, None, 257))
        assert layer.weights == []
        assert "matrix" not in layer.get_config() or layer.get_config()["matrix"] is None

    def test_trainable_filterbank_is_one_weight_initialised_from_the_formula(self):
        spectrogram = power_spectrogram()
        out = self.run_layer_test(
            ApplyFilterbank,
            dict(kind="mel", sample_rate=16000, n_fft=512, filterbank_kwargs={"n_mels": 40}, trainable_filterbank=True),
            spectrogram,
            expected_num_trainable_weights=1,
        )
        self.assert_allclose(out, spectrogram @ librosa.filters.mel(sr=16000, n_fft=512, n_mels=40).T, atol=1e-5)

    def test_saving_round_trip_with_trainable_filterbank(self):
        layer = ApplyFilterbank("mel", 16000, 512, {"n_mels": 40}, trainable_filterbank=True)
        self.run_layer_saving_test(layer, power_spectrogram())

    def test_rejects_wrong_bin_count(self):
        with pytest.raises(ValueError, match="257 frequency bins"):
            ApplyFilterbank("mel", 16000, 512, {"n_mels": 40})(power_spectrogram(bins=129))

    @pytest.mark.parametrize(
        "args, message",
        [
            (dict(kind="bark", sample_rate=16000, n_fft=512), "kind"),
            (dict(kind="mel"), "sample_rate"),
            (dict(kind="custom"), "matrix"),
            (dict(kind="mel", sample_rate=16000, n_fft=512, filterbank_kwargs={"f_max": 9000.0}), "Nyquist"),
        ],
    )
    def test_rejects_invalid_parameters(self, args, message):
        with pytest.raises(ValueError, match=message):
            ApplyFilterbank(**args)
