"""Every public layer is registered under the "mirzoo" package and survives a .keras round trip."""

import inspect

import keras
import numpy as np
import pytest

import mirzoo.layers
from mirzoo.testing import TestCase, harmonic_test_signal

WAVEFORM = harmonic_test_signal(16000, 0.5)[None]
SPECTROGRAM = np.abs(np.random.default_rng(0).standard_normal((1, 20, 257))).astype("float32")

LAYERS = {
    "STFT": (lambda: [mirzoo.layers.STFT(512, hop_length=128), mirzoo.layers.Magnitude(2.0)], WAVEFORM),
    "Magnitude": (lambda: [mirzoo.layers.STFT(512, hop_length=128), mirzoo.layers.Magnitude(1.0)], WAVEFORM),
    "ApplyFilterbank": (lambda: [mirzoo.layers.ApplyFilterbank("chroma", 16000, 512)], SPECTROGRAM),
    "MagnitudeToDecibel": (lambda: [mirzoo.layers.MagnitudeToDecibel(ref="max", top_db=60.0)], SPECTROGRAM),
    "LogCompression": (lambda: [mirzoo.layers.LogCompression(100.0, "10")], SPECTROGRAM),
    "Delta": (lambda: [mirzoo.layers.Delta(5, 2)], SPECTROGRAM),
    "FrameContext": (lambda: [mirzoo.layers.FrameContext(3)], SPECTROGRAM),
    "Downmix": (lambda: [mirzoo.layers.Downmix()], np.repeat(WAVEFORM[..., None], 2, axis=-1)),
    "SpecAugment": (lambda: [mirzoo.layers.SpecAugment(4, 4, seed=1)], SPECTROGRAM),
    "RandomGain": (lambda: [mirzoo.layers.RandomGain(seed=1)], WAVEFORM),
    "MelSpectrogram": (lambda: [mirzoo.layers.MelSpectrogram(16000, 512, hop_length=128, n_mels=40)], WAVEFORM),
    "LogFrequencySpectrogram": (
        lambda: [mirzoo.layers.LogFrequencySpectrogram(16000, 2048, hop_length=512, f_max=4000.0)], WAVEFORM),
    "FilteredSpectrogram": (lambda: [mirzoo.layers.FilteredSpectrogram(
        16000, [512, 1024], hop_length=160, bands_per_octave=6, f_max=8000.0, diff_ratio=0.5)], WAVEFORM),
    "PositiveDifference": (lambda: [mirzoo.layers.PositiveDifference(2)], SPECTROGRAM),
    "PadFrames": (lambda: [mirzoo.layers.PadFrames(2, 3, "edge")], SPECTROGRAM),
    "ShiftedLog": (lambda: [mirzoo.layers.ShiftedLog(5.0, 1.0, "10")], SPECTROGRAM),
    "Standardize": (lambda: [mirzoo.layers.Standardize(1)], SPECTROGRAM),
    "Resample": (lambda: [mirzoo.layers.Resample(16000, 11025)], WAVEFORM),
}


def test_every_public_layer_is_covered_and_registered():
    public = {name for name, obj in inspect.getmembers(mirzoo.layers, inspect.isclass)
              if issubclass(obj, keras.layers.Layer)}
    assert public == set(LAYERS)
    for name in public:
        assert keras.saving.get_registered_name(getattr(mirzoo.layers, name)) == f"mirzoo>{name}"


@pytest.mark.parametrize("name", sorted(LAYERS))
class TestSaving(TestCase):
    def test_keras_round_trip(self, name):
        make_layers, data = LAYERS[name]
        inputs = keras.Input(shape=(None,) + data.shape[2:])
        outputs = inputs
        for layer in make_layers():
            outputs = layer(outputs)
        self.run_model_saving_test(keras.Model(inputs, outputs), data, atol=1e-4)
