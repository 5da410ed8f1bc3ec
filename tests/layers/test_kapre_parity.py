"""Optional parity with kapre 0.4.1 where settings are shared (kapre installs only with --no-deps)."""

import keras
import numpy as np
import pytest

from mirzoo.layers import MagnitudeToDecibel, MelSpectrogram
from mirzoo.testing import harmonic_test_signal

kapre_composed = pytest.importorskip("kapre.composed", reason="kapre is optional: pip install --no-deps kapre==0.4.1")
pytestmark = pytest.mark.skipif(keras.backend.backend() != "tensorflow", reason="kapre runs on TensorFlow only")


@pytest.mark.parametrize("sample_rate, n_fft, hop, n_mels", [(16000, 512, 256, 96), (22050, 2048, 512, 128)])
def test_uncentred_magnitude_mel_matches_kapre(sample_rate, n_fft, hop, n_mels):
    # kapre frames without centring, filters the magnitude (not power) and
    # applies 10·log10 with amin 1e-5 to it.
    y = np.stack([harmonic_test_signal(sample_rate, 1.0, seed=s) for s in (0, 1)])
    y[1] *= 0.01
    common = dict(n_fft=n_fft, hop_length=hop, sample_rate=sample_rate, n_mels=n_mels)
    theirs_linear = kapre_composed.get_melspectrogram_layer(input_shape=(y.shape[1], 1), **common)
    theirs_db = kapre_composed.get_melspectrogram_layer(input_shape=(y.shape[1], 1), return_decibel=True, **common)
    ours_linear = MelSpectrogram(**common, center=False, power=1.0, compression=None)

    linear = np.asarray(ours_linear(y))
    reference = np.asarray(theirs_linear(y[..., None]))[..., 0]
    np.testing.assert_allclose(linear, reference, rtol=1e-4, atol=1e-5 * reference.max())
    decibels = np.asarray(MagnitudeToDecibel(amin=1e-5, top_db=80.0, power=2.0)(linear))
    np.testing.assert_allclose(decibels, np.asarray(theirs_db(y[..., None]))[..., 0], atol=2e-3, rtol=0)
