"""Registry-wide sweep: every preset builds, runs on two lengths, trains a step and round-trips."""

import keras
import numpy as np
import pytest

import mirzoo
from mirzoo import dsp
from mirzoo.inference import frame_count, patch_frames_of
from mirzoo.testing import TestCase, harmonic_test_signal


@pytest.mark.parametrize("name", mirzoo.list_models())
class TestEveryPreset(TestCase):
    def test_forward_on_two_lengths(self, name):
        model = mirzoo.build(name)
        preset = model.preset
        # madmom's key CNN pools 8 of its 5-per-second frames into one: it needs more than 1.4 s.
        for seconds in (1.3, 4.1) if preset.task != "classification" else (2.1, 4.1):
            audio = np.stack([harmonic_test_signal(preset.sample_rate, seconds, seed=s) for s in (0, 1)])
            samples = audio.shape[1]
            scores = model.predict(audio, verbose=0)
            if patch_frames_of(preset):  # musicnn: whole-file patches, at least one (short audio is padded)
                frames = dsp.num_frames(samples, preset.frontend["n_fft"], preset.frontend["hop_length"])
                patches = max(1, frames // patch_frames_of(preset))
                assert scores["embedding"].shape[:2] == (2, patches)
                scores = scores["taggram"]
                assert scores.shape == (2, patches, len(preset.labels))
            elif preset.task in ("tagging", "classification"):
                assert scores.shape == (2, len(preset.labels))
            else:
                assert scores.shape == (2, frame_count(preset, samples), len(preset.labels))
            if preset.decoder.get("name") == "chords":  # a chord CRF's features: ReLU outputs or chroma
                assert np.all(scores >= 0)
            else:
                assert np.all((scores >= 0) & (scores <= 1))
            if preset.task == "classification":
                np.testing.assert_allclose(scores.sum(axis=1), 1.0, rtol=1e-5)

    def test_one_fit_step_changes_the_weights(self, name):
        model = mirzoo.build(name)
        preset = model.preset
        audio = np.stack([harmonic_test_signal(preset.sample_rate, 2.0, seed=s) for s in range(4)])
        outputs = model.predict(audio[:1], verbose=0)
        taggram = patch_frames_of(preset) is not None  # musicnn: train the taggram, not the embedding
        output_shape = (outputs["taggram"] if taggram else outputs).shape[1:]
        targets = (np.random.default_rng(0).random((4,) + output_shape) > 0.5).astype("float32")
        if taggram:
            targets = {"taggram": targets}
        loss = {"taggram": "binary_crossentropy"} if taggram else "binary_crossentropy"
        model.compile(optimizer=keras.optimizers.Adam(1e-3), loss=loss)
        # The head's weights, or the heads' before it where the head only joins them (the piano CNN's).
        head = model.get_layer("head")
        weights = head.trainable_weights or [w for layer in model.layers if layer.name.endswith("_dense")
                                             for w in layer.trainable_weights]
        before = [keras.ops.convert_to_numpy(w) for w in weights]
        history = model.fit(audio, targets, batch_size=2, epochs=1, verbose=0)
        assert np.isfinite(history.history["loss"][0])
        after = [keras.ops.convert_to_numpy(w) for w in weights]
        assert before and any(not np.allclose(b, a) for b, a in zip(before, after))

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
