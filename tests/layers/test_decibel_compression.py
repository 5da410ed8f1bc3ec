import librosa
import numpy as np
import pytest

from mirzoo.layers import LogCompression, MagnitudeToDecibel
from mirzoo.testing import TestCase


def spectrogram(seed=0, shape=(3, 20, 16)):
    rng = np.random.default_rng(seed)
    x = rng.random(shape) ** 8  # a wide dynamic range, down to ~1e-20
    x[1] *= 1e-6  # a much quieter example in the same batch
    return x.astype("float32")


class TestMagnitudeToDecibel(TestCase):
    @pytest.mark.parametrize("ref, amin, top_db", [(1.0, 1e-10, 80.0), (1.0, 1e-10, None), ("max", 1e-8, 60.0)])
    def test_power_matches_librosa_per_example(self, ref, amin, top_db):
        x = spectrogram()
        expected = np.stack([
            librosa.power_to_db(example.astype(np.float64), ref=np.max if ref == "max" else ref, amin=amin,
                                top_db=top_db)
            for example in x
        ])
        self.run_layer_test(
            MagnitudeToDecibel, dict(ref=ref, amin=amin, top_db=top_db), x, expected_output=expected, atol=1e-3,
            rtol=1e-6,
        )

    def test_magnitude_matches_amplitude_to_db(self):
        x = np.sqrt(spectrogram())
        expected = np.stack([librosa.amplitude_to_db(e.astype(np.float64), ref=0.5, amin=1e-5, top_db=70) for e in x])
        self.run_layer_test(
            MagnitudeToDecibel, dict(ref=0.5, amin=1e-5, top_db=70, power=1.0), x, expected_output=expected,
            atol=1e-3, rtol=1e-6,
        )

    def test_example_does_not_depend_on_its_batch(self):
        x = spectrogram()
        layer = MagnitudeToDecibel(top_db=80.0)
        alone = np.asarray(layer(x[1:2]))
        together = np.asarray(layer(x))[1:2]
        np.testing.assert_array_equal(alone, together)

    @pytest.mark.parametrize("ref", ["max", 1e-7])
    @pytest.mark.parametrize("batch_size", [1, 2, 3, 8])
    def test_silence_is_exactly_zero_db_at_any_batch_size(self, ref, batch_size):
        # Closed form: max(0, amin) == max(ref, amin) gives log10(1) = 0. float32 log10 of amin on the vectorised
        # and on the scalar path differ in the last bit; which one an element takes depends on the tensor's size.
        layer = MagnitudeToDecibel(ref=ref, amin=1.466e-4, top_db=None)
        silence = np.zeros((batch_size, 32, 2), "float32")
        np.testing.assert_array_equal(np.asarray(layer(silence)), np.zeros_like(silence))

    @pytest.mark.parametrize(
        "kwargs, message", [({"ref": 0.0}, "ref"), ({"ref": "min"}, "ref"), ({"amin": 0}, "amin"),
                            ({"top_db": -1}, "top_db"), ({"power": 0}, "power")]
    )
    def test_rejects_invalid_parameters(self, kwargs, message):
        with pytest.raises(ValueError, match=message):
            MagnitudeToDecibel(**kwargs)


class TestLogCompression(TestCase):
    @pytest.mark.parametrize("multiplier, base, oracle", [
        (1.0, "e", lambda x: np.log1p(x)),
        (10000.0, "10", lambda x: np.log10(10000.0 * x + 1.0)),
    ])
    def test_closed_form(self, multiplier, base, oracle):
        x = spectrogram()
        self.run_layer_test(
            LogCompression, dict(multiplier=multiplier, base=base), x, expected_output=oracle(x.astype(np.float64)),
            atol=1e-6, rtol=1e-6,
        )

    def test_rejects_invalid_parameters(self):
        with pytest.raises(ValueError, match="multiplier"):
            LogCompression(multiplier=0)
        with pytest.raises(ValueError, match="base"):
            LogCompression(base="2")
