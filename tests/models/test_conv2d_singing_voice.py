"""Dense (dilated) evaluation equals the excerpt network of the paper applied at every frame."""

import keras
import numpy as np

import mirzoo
from mirzoo.models.conv2d_singing_voice.conv2d_singing_voice import EXCERPT_FRAMES
from mirzoo.testing import TestCase, harmonic_test_signal


def excerpt_network(dense_model):
    """The paper's formulation: one 115-frame excerpt in, one score out, strided pooling, flatten, dense."""
    excerpt = keras.Input((EXCERPT_FRAMES, 80, 1))
    x = excerpt
    weights = {layer.name: layer.get_weights() for layer in dense_model.layers}
    for stage in range(2):
        for index in range(2):
            name = f"conv_{2 * stage + index + 1}"
            conv = keras.layers.Conv2D(dense_model.get_layer(name).filters, 3)
            x = keras.layers.LeakyReLU(0.01)(conv(x))
            conv.set_weights(weights[name])
        x = keras.layers.MaxPooling2D((3, 3))(x)
    dense_1 = dense_model.get_layer("dense_1")
    x = keras.layers.Flatten()(x)
    flat = keras.layers.Dense(dense_1.filters)
    x = keras.layers.LeakyReLU(0.01)(flat(x))
    kernel, bias = weights["dense_1"]
    flat.set_weights([kernel.reshape(-1, kernel.shape[-1]), bias])
    dense_2 = keras.layers.Dense(64)
    x = keras.layers.LeakyReLU(0.01)(dense_2(x))
    dense_2.set_weights(weights["dense_2"])
    head = keras.layers.Dense(1, activation="sigmoid")
    out = head(x)
    head.set_weights(weights["head"])
    return keras.Model(excerpt, out)


class TestDenseEvaluation(TestCase):
    def test_every_frame_equals_its_excerpt(self):
        model = mirzoo.build("conv2d_singing_voice")
        audio = harmonic_test_signal(22050, 2.0)[None]
        dense = np.asarray(model.predict(audio, verbose=0))[0, :, 0]

        # The normalised, zero-padded spectrogram the dense network sees.
        normalised = keras.Model(model.input, model.get_layer("excerpt_padding").output).predict(audio, verbose=0)[0]
        reference = excerpt_network(model)
        frames = dense.shape[0]
        excerpts = np.stack([normalised[t : t + EXCERPT_FRAMES] for t in range(frames)])
        expected = np.asarray(reference.predict(excerpts, verbose=0))[:, 0]
        self.assert_allclose(dense, expected, atol=2e-5, rtol=1e-4)
