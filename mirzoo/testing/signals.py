"""Deterministic test audio with music-like structure."""

import numpy as np


def _pink_noise(n, rng):
    """Unit-RMS noise with a 1/f power spectrum."""
    spectrum = np.fft.rfft(rng.standard_normal(n))
    spectrum /= np.sqrt(np.maximum(np.arange(len(spectrum)), 1.0))
    noise = np.fft.irfft(spectrum, n)
    return noise / np.sqrt(np.mean(noise**2))


def harmonic_test_signal(sample_rate, seconds, seed=0, channels=None):
    """Notes with harmonics and vibrato over a pink-noise floor, plus a silent stretch.

    Spans a wide dynamic range (loud notes, a noise floor about 40 dB below
    them like a room or mix would leave, digital silence) so that log-scaled
    comparisons exercise both the peaks and the `amin` / `top_db` floors.

    Args:
        sample_rate: Hz.
        seconds: duration.
        seed: seed of the note choice and noise.
        channels: `None` for shape `(samples,)`, else `(samples, channels)`
            with a different gain and noise per channel.

    Returns:
        float32 array in [-1, 1].
    """
    rng = np.random.default_rng(seed)
    n = int(round(sample_rate * seconds))
    t = np.arange(n) / sample_rate

    def one_channel():
        y = 0.01 * _pink_noise(n, rng)
        note_length = max(1, n // 6)
        for start in range(0, n, note_length):
            f0 = 110.0 * 2 ** (rng.integers(0, 36) / 12)
            segment = slice(start, min(n, start + note_length))
            envelope = np.exp(-3.0 * (t[segment] - t[start]))
            vibrato = 1 + 0.003 * np.sin(2 * np.pi * 5 * t[segment])
            for harmonic in range(1, 8):
                if harmonic * f0 < sample_rate / 2:
                    y[segment] += 0.3 / harmonic * envelope * np.sin(2 * np.pi * harmonic * f0 * vibrato * t[segment])
        y[n // 2 : n // 2 + n // 10] = 0.0
        return y / max(1.0, np.abs(y).max())

    if channels is None:
        return one_channel().astype(np.float32)
    return np.stack([one_channel() * (0.5 + 0.5 * rng.random()) for _ in range(channels)], axis=-1).astype(np.float32)
