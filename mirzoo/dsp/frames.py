"""Frame arithmetic shared by the STFT layer, the models and their users."""

import numpy as np


def padding_for_center(n_fft):
    """Samples padded on each side when frames are centred (`center=True`): `n_fft // 2`."""
    return n_fft // 2


def num_frames(num_samples, n_fft, hop_length, center=True):
    """Number of STFT frames for a signal of `num_samples` samples.

    `center=True` pads `n_fft // 2` samples on each side first (librosa), which
    gives `1 + num_samples // hop_length` frames for even `n_fft`.
    `center=False` needs `num_samples >= n_fft` and gives
    `1 + (num_samples - n_fft) // hop_length` frames.

    Raises:
        ValueError: if the signal is shorter than one frame.
    """
    padded = num_samples + (2 * padding_for_center(n_fft) if center else 0)
    if padded < n_fft:
        raise ValueError(
            f"Audio of {num_samples} samples is shorter than one frame of n_fft={n_fft} samples "
            f"(center={center}). Pad the audio or use center=True."
        )
    return 1 + (padded - n_fft) // hop_length


def frame_times(n_frames, sample_rate, hop_length, n_fft=None, center=True):
    """Time in seconds of each frame.

    With `center=True` frame `k` is centred on sample `k * hop_length`; with
    `center=False` it starts there, and its centre is `n_fft // 2` samples later
    (pass `n_fft` to get centres, as librosa.frames_to_time does).

    Returns:
        float64 array of shape `(n_frames,)`, in seconds.
    """
    offset = 0 if center or n_fft is None else n_fft // 2
    return (np.arange(n_frames) * hop_length + offset) / float(sample_rate)
