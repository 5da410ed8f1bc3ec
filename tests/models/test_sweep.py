"""Registry-wide sweep: every preset builds, runs on two lengths, trains a step and round-trips."""

import keras
import numpy as np
import pytest

import mirzoo
from mirzoo import dsp
from mirzoo.testing import TestCase, harmonic_test_signal


@pytest.mark.parametrize("name", mirzoo.list_models())
class TestEveryPreset(TestCase):
    def test_forward_on_two_lengths(self, name):
        model = mirzoo.build(name)
        preset = model.preset
        for seconds in (1.3, 4.1):
            audio = np.stack([harmonic_test_signal(preset.sample_rate, seconds, seed=s) for s in (0, 1)])
            samples = audio.shape[1]
            scores = np.asarray(model.predict(audio, verbose=0))
            if preset.task == "tagging":
                assert scores.shape == (2, len(preset.labels))
            else:
                frames = dsp.num_frames(samples, preset.frontend["n_fft"], preset.frontend["hop_length"])
                assert scores.shape == (2, frames, len(preset.labels))
            assert np.all((scores >= 0) & (scores <= 1))
        assert model.get_layer("head").units == len(preset.labels)

    def test_one_fit_step_changes_the_weights(self, name):
        model = mirzoo.build(name)
        preset = model.preset
        audio = np.stack([harmonic_test_signal(preset.sample_rate, 2.0, seed=s) for s in range(4)])
        output_shape = model.predict(audio[:1], verbose=0).shape[1:]
        targets = (np.random.default_rng(0).random((4,) + output_shape) > 0.5).astype("float32")
        model.compile(optimizer=keras.optimizers.Adam(1e-3), loss="binary_crossentropy")
        before = [w.copy() for w in model.get_layer("head").get_weights()]
        history = model.fit(audio, targets, batch_size=2, epochs=1, verbose=0)
        assert np.isfinite(history.history["loss"][0])
        after = model.get_layer("head").get_weights()
        assert any(not np.allclose(b, a) for b, a in zip(before, after))

    def test_config_and_keras_round_trips(self, name):
        model = mirzoo.build(name)
        config = keras.saving.serialize_keras_object(model)
        revived = keras.saving.deserialize_keras_object(config)
        assert len(revived.weights) == len(model.weights)
        audio = harmonic_test_signal(model.preset.sample_rate, 1.5)[None]
        self.run_model_saving_test(model, audio, atol=1e-5)

    def test_no_trainable_weights_in_the_front_end(self, name):
        frontend = mirzoo.build(name).get_layer("frontend")
        assert frontend.weights == []
