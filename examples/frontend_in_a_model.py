"""A model that takes raw audio: mirzoo's log-mel front end inside a small Keras classifier.

Trains a few steps on generated tones (low vs high pitch), saves the model as one
`.keras` file, reloads it and checks the predictions agree. Run from anywhere:

    python examples/frontend_in_a_model.py
"""

import os
import tempfile

import keras
import numpy as np

import mirzoo

SAMPLE_RATE = 16000


def tones(count, seed=0):
    """One-second tones: label 1 above 1 kHz, 0 below."""
    rng = np.random.default_rng(seed)
    t = np.arange(SAMPLE_RATE) / SAMPLE_RATE
    labels = rng.integers(0, 2, count)
    frequencies = np.where(labels == 1, rng.uniform(1500, 4000, count), rng.uniform(100, 600, count))
    audio = 0.5 * np.sin(2 * np.pi * frequencies[:, None] * t[None, :]) + 0.01 * rng.standard_normal((count, len(t)))
    return audio.astype("float32"), labels.astype("float32")


def build_model():
    inputs = keras.Input(shape=(None,), name="waveform")
    x = mirzoo.layers.MelSpectrogram(sample_rate=SAMPLE_RATE, n_fft=512, hop_length=256, n_mels=40)(inputs)
    x = keras.layers.Normalization(axis=None, mean=-40.0, variance=400.0)(x)
    x = keras.layers.Conv1D(16, 3, activation="relu")(x)
    x = keras.layers.GlobalAveragePooling1D()(x)
    outputs = keras.layers.Dense(1, activation="sigmoid", name="high_pitch")(x)
    return keras.Model(inputs, outputs)


def main():
    audio, labels = tones(128)
    model = build_model()
    model.compile(optimizer=keras.optimizers.Adam(1e-2), loss="binary_crossentropy", metrics=["accuracy"])
    model.fit(audio, labels, epochs=3, batch_size=16, verbose=2)
    test_audio, test_labels = tones(32, seed=1)
    loss, accuracy = model.evaluate(test_audio, test_labels, verbose=0)
    print(f"held-out accuracy: {accuracy:.2f}")

    path = os.path.join(tempfile.mkdtemp(), "pitch.keras")
    model.save(path)
    restored = keras.saving.load_model(path)
    np.testing.assert_allclose(restored.predict(test_audio, verbose=0), model.predict(test_audio, verbose=0),
                               atol=1e-5)
    print(f"saved and reloaded {path}: identical predictions")


if __name__ == "__main__":
    main()
