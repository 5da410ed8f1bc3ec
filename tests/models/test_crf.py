"""LinearChainCRF: the chord CRF's parameters ride with the network, pass its features on, and are what the
NumPy decoder reads."""

import keras
import numpy as np
import pytest

from mirzoo.decoders import crf_viterbi
from mirzoo.models.crf import CRF_PARAMETERS, LinearChainCRF
from mirzoo.testing import TestCase


class TestLinearChainCRF(TestCase):
    def test_passes_its_input_on_and_holds_five_non_trainable_weights(self):
        x = np.random.default_rng(0).random((2, 7, 12)).astype("float32")
        self.run_layer_test(LinearChainCRF, {"num_classes": 25}, x, expected_output=x,
                            expected_num_non_trainable_weights=5, atol=0)

    def test_parameters_are_the_weights_the_decoder_reads(self):
        layer = LinearChainCRF(3)
        layer.build((None, None, 4))
        rng = np.random.default_rng(1)
        values = {"weights": rng.normal(size=(4, 3)), "bias": rng.normal(size=3),
                  "transitions": rng.normal(size=(3, 3)), "initial": rng.normal(size=3), "final": rng.normal(size=3)}
        layer.set_weights([values[name].astype("float32") for name in CRF_PARAMETERS])
        parameters = layer.parameters()
        assert list(parameters) == list(CRF_PARAMETERS)
        for name in CRF_PARAMETERS:
            np.testing.assert_array_equal(parameters[name], values[name].astype("float32"))
        observations = rng.normal(size=(9, 4)).astype("float32")
        assert crf_viterbi(observations, **parameters).shape == (9,)

    def test_survives_a_keras_round_trip_with_its_weights(self, tmp_path):
        inputs = keras.Input((None, 4))
        model = keras.Model(inputs, LinearChainCRF(3, name="crf")(inputs))
        model.get_layer("crf").set_weights([np.full(w.shape, i + 1.0, "float32") for i, w in
                                             enumerate(model.get_layer("crf").weights)])
        self.run_model_saving_test(model, np.ones((1, 5, 4), "float32"), atol=0)
        path = tmp_path / "crf.keras"
        model.save(path)
        revived = keras.saving.load_model(path)
        for name, value in revived.get_layer("crf").parameters().items():
            np.testing.assert_array_equal(value, model.get_layer("crf").parameters()[name])
        assert revived.get_layer("crf").trainable_weights == []

    def test_bad_arguments(self):
        with pytest.raises(ValueError, match="num_classes"):
            LinearChainCRF(0)
        with pytest.raises(ValueError, match="known feature size"):
            LinearChainCRF(3).build((None, None, None))
