import warnings

import librosa
import numpy as np
import pytest
import scipy.signal

from mirzoo import dsp

# mirzoo's name → scipy's name and whether it is periodic (fftbins=True).
SCIPY_WINDOWS = {"hann": ("hann", True), "hamming": ("hamming", True), "blackman": ("blackman", True),
                 "boxcar": ("boxcar", True), "hann_symmetric": ("hann", False)}


def test_every_window_has_an_oracle():
    assert sorted(SCIPY_WINDOWS) == sorted(dsp.WINDOWS)


@pytest.mark.parametrize("window", sorted(SCIPY_WINDOWS))
@pytest.mark.parametrize("win_length, n_fft", [(400, None), (400, 512), (511, 512), (1024, 1024)])
def test_windows_match_scipy(window, win_length, n_fft):
    name, periodic = SCIPY_WINDOWS[window]
    expected = scipy.signal.get_window(name, win_length, fftbins=periodic)
    if n_fft is not None:
        expected = librosa.util.pad_center(expected, size=n_fft)
    np.testing.assert_allclose(dsp.get_window(window, win_length, n_fft), expected, atol=1e-12)


def test_window_rejects_unknown_and_too_long():
    with pytest.raises(ValueError, match="window"):
        dsp.get_window("kaiser", 256)
    with pytest.raises(ValueError, match="win_length"):
        dsp.get_window("hann", 600, 512)


@pytest.mark.parametrize("samples", [1, 255, 256, 257, 1000, 22050])
@pytest.mark.parametrize("n_fft, hop_length", [(256, 64), (512, 128), (511, 100), (2048, 512)])
@pytest.mark.parametrize("center", [True, False])
def test_num_frames_matches_librosa(samples, n_fft, hop_length, center):
    if not center and samples < n_fft:
        with pytest.raises(ValueError, match="shorter than one frame"):
            dsp.num_frames(samples, n_fft, hop_length, center)
        return
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")  # librosa warns that n_fft exceeds short signals
        expected = librosa.stft(np.zeros(samples), n_fft=n_fft, hop_length=hop_length, center=center).shape[1]
    assert dsp.num_frames(samples, n_fft, hop_length, center) == expected


def test_frame_times_match_librosa():
    np.testing.assert_allclose(
        dsp.frame_times(10, 22050, 512), librosa.frames_to_time(np.arange(10), sr=22050, hop_length=512)
    )
    np.testing.assert_allclose(
        dsp.frame_times(10, 22050, 512, n_fft=2048, center=False),
        librosa.frames_to_time(np.arange(10), sr=22050, hop_length=512, n_fft=2048),
    )


@pytest.mark.parametrize("width, order", [(3, 1), (9, 1), (5, 2), (9, 2)])
def test_delta_kernel_reproduces_librosa_delta(width, order):
    rng = np.random.default_rng(0)
    x = rng.standard_normal((4, 30))
    kernel, half = dsp.delta_kernel(width, order), width // 2
    interior = np.stack([x[:, t - half : t + half + 1] @ kernel for t in range(half, 30 - half)], axis=1)
    ours = np.concatenate([np.repeat(interior[:, :1], half, 1), interior, np.repeat(interior[:, -1:], half, 1)], 1)
    np.testing.assert_allclose(ours, librosa.feature.delta(x, width=width, order=order), atol=1e-10)


def test_delta_kernel_rejects_even_width():
    with pytest.raises(ValueError, match="width"):
        dsp.delta_kernel(4)
