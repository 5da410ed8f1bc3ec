"""Resample: a polyphase windowed-sinc resampler in the graph, checked against soxr (mirzoo.predict's resampler):
the same output length, within 6e-4 of soxr's "HQ" mode on music at 44.1 → 16 kHz and 2e-3 at other rates, the same
passband, transition and stopband on sines, and hours-long input in a traced function."""

import keras
import numpy as np
import pytest
import soxr

from mirzoo.layers import Resample
from mirzoo.testing.signals import rhythmic_test_signal

RATE = 44100


def resampled(audio, rate, input_rate=RATE):
    return keras.ops.convert_to_numpy(Resample(input_rate, rate)(audio[None].astype(np.float32)))[0]


@pytest.mark.parametrize("samples", [1, 2, 100, 441, 1000, 44100 + 221, 44100 + 220])
def test_resample_gives_soxrs_length(samples):
    audio = np.zeros(samples, np.float32)
    assert len(resampled(audio, 16000)) == len(soxr.resample(audio, RATE, 16000, quality="HQ"))


def test_resample_follows_soxr():
    music = rhythmic_test_signal(RATE, 6.0, seed=3)
    np.testing.assert_allclose(resampled(music, 16000), soxr.resample(music, RATE, 16000, quality="HQ"), atol=6e-4)
    times = np.arange(RATE) / RATE
    for frequency in (1000.0, 7000.0, 7400.0, 7600.0, 7800.0, 8000.0, 8500.0):  # passband, transition, stopband
        sine = np.sin(2 * np.pi * frequency * times).astype(np.float32)
        gains = [np.sqrt(2 * np.mean(audio[2000:-2000] ** 2))  # away from the edges, where the sine starts and stops
                 for audio in (resampled(sine, 16000), soxr.resample(sine, RATE, 16000, quality="HQ"))]
        assert gains[0] == pytest.approx(gains[1], abs=0.05), frequency


@pytest.mark.parametrize("input_rate, output_rate", [(44100, 22050), (16000, 44100), (48000, 44100), (22050, 16000)])
def test_resample_follows_soxr_at_other_rates(input_rate, output_rate):
    """Up, down, a factor of 2 (a filter longer than a row of the input) and a ratio close to 1: within 1.4e-3 of
    soxr (measured)."""
    music = rhythmic_test_signal(input_rate, 3.0, seed=3)
    expected = soxr.resample(music, input_rate, output_rate, quality="HQ")
    np.testing.assert_allclose(resampled(music, output_rate, input_rate), expected, atol=2e-3)


@pytest.mark.skipif(keras.config.backend() != "tensorflow", reason="a tf.function: TF Serving's case")
def test_resample_runs_on_long_audio_in_a_graph():
    """Three minutes and more in a traced function (TF Serving's case): TensorFlow 2.21's oneDNN strided convolution
    aborted the process there, so the layer uses matrix products."""
    import tensorflow as tf

    layer = Resample(RATE, 16000)
    resample = tf.function(layer, input_signature=[tf.TensorSpec([None, None], tf.float32)])
    assert resample(tf.zeros((1, RATE * 200))).shape == (1, 16000 * 200)


@pytest.mark.parametrize("arguments, message", [
    ({"input_rate": 0, "output_rate": 16000}, r"`input_rate` must be a positive integer. Received: input_rate=0"),
    ({"input_rate": RATE, "output_rate": 16000.5},
     r"`output_rate` must be a positive integer. Received: output_rate=16000.5"),
    ({"input_rate": RATE, "output_rate": 16000, "rolloff": 1.5}, r"rolloff must be in \(0, 1\]; received 1.5"),
    ({"input_rate": RATE, "output_rate": 16000, "beta": -1.0}, "beta must be >= 0; received -1.0"),
])
def test_resample_refuses_bad_arguments(arguments, message):
    with pytest.raises(ValueError, match=message):
        Resample(**arguments)
