"""Parity of the composed front ends with librosa over a parameter sweep."""

import keras
import librosa
import numpy as np
import pytest

from mirzoo import dsp
from mirzoo.layers import LogFrequencySpectrogram, MelSpectrogram
from mirzoo.testing import TestCase, harmonic_test_signal

# Each row varies several settings at once so that every value of every
# parameter is covered without a full Cartesian product.
SWEEP = [
    # sample_rate, n_fft, hop, window, center, pad_mode, htk, norm, n_mels, power, top_db
    (8000, 256, 64, "hann", True, "constant", False, "slaney", 40, 2.0, 80.0),
    (11025, 512, 128, "hamming", True, "reflect", True, None, 64, 1.0, None),
    (16000, 512, 256, "hann", True, "constant", False, "slaney", 96, 2.0, 80.0),
    (16000, 1024, 160, "blackman", False, "constant", True, "slaney", 80, 2.0, None),
    (22050, 1024, 315, "hann", True, "constant", False, "slaney", 80, 1.0, 80.0),
    (22050, 2048, 512, "hann", True, "reflect", False, "slaney", 128, 2.0, 80.0),
    (32000, 2048, 400, "hamming", False, "constant", True, None, 96, 1.0, 80.0),
    (44100, 4096, 1024, "hann", True, "constant", False, "slaney", 128, 2.0, None),
    (44100, 4096, 441, "blackman", True, "reflect", True, "slaney", 40, 2.0, 80.0),
]
SWEEP_IDS = [f"sr{r[0]}-nfft{r[1]}-hop{r[2]}-{r[3]}-c{int(r[4])}-{r[5]}-htk{int(r[6])}-p{int(r[9])}-db{r[10]}"
             for r in SWEEP]

# Float32 STFTs cannot follow librosa's float64 ones further than this.
RELATIVE_TOLERANCE = 1e-3
# "Bins above 1e-6 of the clip's maximum", on the power scale (-60 dB) also for
# magnitude outputs, whose floor is then 1e-3 of the maximum magnitude.
RELEVANT_POWER_FRACTION = 1e-6
MAX_DB_ERROR = 0.01
MEAN_DB_ERROR = 1e-5


def relative_error_above_floor(ours, reference, power):
    relevant = reference > RELEVANT_POWER_FRACTION ** (power / 2.0) * reference.max()
    return np.max(np.abs(ours[relevant] - reference[relevant]) / reference[relevant])


@pytest.mark.parametrize(
    "sample_rate, n_fft, hop, window, center, pad_mode, htk, norm, n_mels, power, top_db", SWEEP, ids=SWEEP_IDS
)
class TestMelSpectrogramParity(TestCase):
    def test_matches_librosa(self, sample_rate, n_fft, hop, window, center, pad_mode, htk, norm, n_mels, power, top_db):
        y = np.stack([harmonic_test_signal(sample_rate, 1.5, seed=s) for s in (0, 1)])
        y[1] *= 0.01  # a quiet clip batched with a loud one
        stft_kwargs = dict(n_fft=n_fft, hop_length=hop, window=window, center=center, pad_mode=pad_mode)
        mel_kwargs = dict(n_mels=n_mels, htk=htk, norm=norm)
        amin = 1e-10 if power == 2.0 else 1e-5
        common = dict(sample_rate=sample_rate, power=power, **stft_kwargs, **mel_kwargs)
        linear = np.asarray(MelSpectrogram(**common, compression=None)(y))
        decibels = np.asarray(MelSpectrogram(**common, amin=amin, top_db=top_db)(y))
        for clip, ours_linear, ours_db in zip(y, linear, decibels):
            reference = librosa.feature.melspectrogram(
                y=clip.astype(np.float64), sr=sample_rate, power=power, **stft_kwargs, **mel_kwargs
            ).T
            assert ours_linear.shape == reference.shape == (
                dsp.num_frames(len(clip), n_fft, hop, center), n_mels)
            assert relative_error_above_floor(ours_linear, reference, power) <= RELATIVE_TOLERANCE
            to_db = librosa.power_to_db if power == 2.0 else librosa.amplitude_to_db
            reference_db = to_db(reference, ref=1.0, amin=amin, top_db=top_db)
            error = np.abs(ours_db - reference_db)
            assert error.max() <= MAX_DB_ERROR, f"max dB error {error.max()}"
            assert error.mean() <= MEAN_DB_ERROR, f"mean dB error {error.mean()}"

    def test_stft_magnitude_matches_librosa(
        self, sample_rate, n_fft, hop, window, center, pad_mode, htk, norm, n_mels, power, top_db
    ):
        from mirzoo.layers import STFT, Magnitude

        y = harmonic_test_signal(sample_rate, 1.0, seed=2)[None]
        stft_kwargs = dict(n_fft=n_fft, hop_length=hop, window=window, center=center, pad_mode=pad_mode)
        ours = np.asarray(Magnitude(power)(STFT(**stft_kwargs)(y)))[0]
        reference = np.abs(librosa.stft(y[0].astype(np.float64), **stft_kwargs)).T ** power
        assert relative_error_above_floor(ours, reference, power) <= RELATIVE_TOLERANCE


class TestMelSpectrogram(TestCase):
    def test_layer_contract(self):
        y = harmonic_test_signal(16000, 1.0)[None]
        self.run_layer_test(
            MelSpectrogram, dict(sample_rate=16000, n_fft=512, hop_length=256, n_mels=96), y,
            expected_output_shape=(1, 63, 96), atol=1e-3,
        )

    def test_multichannel(self):
        # top_db=None: with a dynamic range, the peak is the example's over all its
        # channels (as librosa.power_to_db on a multichannel array), not each channel's.
        kwargs = dict(sample_rate=16000, n_fft=512, hop_length=256, n_mels=40, top_db=None)
        y = harmonic_test_signal(16000, 1.0, channels=2)[None]
        out = self.run_layer_test(MelSpectrogram, kwargs, y, atol=1e-3)
        assert out.shape == (1, 63, 40, 2)
        for channel in range(2):
            mono = np.asarray(MelSpectrogram(**kwargs)(y[..., channel]))
            self.assert_allclose(out[..., channel], mono, atol=1e-4)

    def test_clip_output_does_not_depend_on_batch(self):
        clips = np.stack([harmonic_test_signal(16000, 1.0, seed=s) * g for s, g in ((0, 1.0), (1, 1e-3), (2, 0.3))])
        frontend = MelSpectrogram(sample_rate=16000, n_fft=512, hop_length=256, n_mels=64, top_db=80.0)
        together = np.asarray(frontend(clips))
        for index in range(3):
            self.assert_allclose(np.asarray(frontend(clips[index : index + 1]))[0], together[index], atol=1e-4)

    def test_keras_saving_round_trip(self):
        y = harmonic_test_signal(16000, 1.0)[None]
        restored = self.run_layer_saving_test(MelSpectrogram(sample_rate=16000, n_fft=512, hop_length=256), y,
                                              atol=1e-4)
        assert isinstance(restored.layers[-1], MelSpectrogram)

    def test_trainable_filterbank_option(self):
        frontend = MelSpectrogram(sample_rate=16000, n_fft=512, hop_length=256, n_mels=40, trainable_filterbank=True)
        frontend(np.zeros((1, 4000), "float32"))
        assert len(frontend.trainable_weights) == 1
        self.run_layer_saving_test(frontend, harmonic_test_signal(16000, 0.5)[None], atol=1e-4)

    def test_log10_compression_like_musicnn(self):
        y = harmonic_test_signal(16000, 1.0)[None]
        ours = np.asarray(MelSpectrogram(sample_rate=16000, n_fft=512, hop_length=256, n_mels=96,
                                         compression="log10", log_multiplier=10000.0)(y))[0]
        mel = librosa.feature.melspectrogram(y=y[0].astype(np.float64), sr=16000, n_fft=512, hop_length=256,
                                             n_mels=96).T
        self.assert_allclose(ours, np.log10(10000.0 * mel + 1.0), atol=3e-4, rtol=0)

    def test_gather_framing_under_xla_equals_default(self):
        tf = pytest.importorskip("tensorflow")
        if keras.backend.backend() != "tensorflow":
            pytest.skip("XLA through tf.function is a TensorFlow-backend feature")
        y = np.stack([harmonic_test_signal(16000, 1.0, seed=s) for s in (0, 1)])
        kwargs = dict(sample_rate=16000, n_fft=512, hop_length=256, n_mels=96)
        default = np.asarray(MelSpectrogram(**kwargs)(y))
        compiled = tf.function(MelSpectrogram(**kwargs, framing="gather"), jit_compile=True)
        self.assert_allclose(compiled(tf.constant(y)), default, atol=2e-3, rtol=0)

    def test_frame_rate(self):
        assert MelSpectrogram(sample_rate=22050, n_fft=1024, hop_length=315).frame_rate == 70.0

    def test_rejects_invalid_compression(self):
        with pytest.raises(ValueError, match="compression"):
            MelSpectrogram(compression="sqrt")


class TestLogFrequencySpectrogram(TestCase):
    def test_matches_librosa_stft_through_the_filterbank(self):
        sample_rate, n_fft, hop = 22050, 4096, 2205
        y = harmonic_test_signal(sample_rate, 2.0)[None]
        out = self.run_layer_test(
            LogFrequencySpectrogram,
            dict(sample_rate=sample_rate, n_fft=n_fft, hop_length=hop, bins_per_octave=24, f_min=30.0, f_max=5500.0),
            y,
            atol=1e-4,
        )
        magnitude = np.abs(librosa.stft(y[0].astype(np.float64), n_fft=n_fft, hop_length=hop)).T
        matrix = dsp.log_frequency_filterbank(sample_rate, n_fft, 24, 30.0, 5500.0)
        self.assert_allclose(out[0], np.log1p(magnitude @ matrix.T), atol=2e-4, rtol=1e-4)
        assert out.shape[-1] == len(dsp.log_frequencies(24, 30.0, 5500.0))

    def test_keras_saving_round_trip(self):
        y = harmonic_test_signal(22050, 1.0)[None]
        self.run_layer_saving_test(LogFrequencySpectrogram(sample_rate=22050, n_fft=2048, hop_length=512), y,
                                   atol=1e-4)
