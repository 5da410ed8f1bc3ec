"""Short-time Fourier transform of a waveform batch."""

import keras
import numpy as np
from keras import ops

from mirzoo import dsp
from mirzoo.layers.base import AudioLayer
from mirzoo.layers.checks import check_choice, check_positive_int, check_waveform, check_waveform_shape

PAD_MODES = ("constant", "reflect")
FRAMINGS = ("stft", "gather")


@keras.saving.register_keras_serializable(package="mirzoo")
class STFT(AudioLayer):
    """Short-time Fourier transform, time-major, as `librosa.stft`.

    Args:
        n_fft: FFT length in samples; gives `1 + n_fft // 2` frequency bins.
        win_length: window length in samples, `<= n_fft` (zero-padded to `n_fft`
            around the centre); `None` means `n_fft`.
        hop_length: samples between frames; `None` means `win_length // 4`.
        window: `"hann"`, `"hamming"`, `"blackman"` or `"boxcar"` (periodic).
        center: pad `n_fft // 2` samples on each side so that frame `k` is centred
            on sample `k * hop_length`.
        pad_mode: `"constant"` (zeros, librosa's default) or `"reflect"`; used only
            when `center=True`.
        framing: how frames are cut; the results are equal. `"stft"` uses the
            backend's STFT op (fastest in plain TensorFlow graphs and eagerly),
            `"gather"` one gather of precomputed sample indices (fastest when
            compiled with XLA; see `benchmarks/README.md`).

    Input shape:
        `(batch, samples)` or `(batch, samples, channels)`, float, in [-1, 1].

    Output:
        A pair `(real, imag)` of tensors shaped `(batch, frames, 1 + n_fft // 2)`
        or `(batch, frames, 1 + n_fft // 2, channels)`; `frames` is
        `1 + samples // hop_length` with `center=True` and even `n_fft`
        (see `mirzoo.dsp.num_frames`). A batch of 0 clips gives empty tensors
        of that shape.

    Example:
    >>> real, imag = STFT(n_fft=512, hop_length=256)(np.zeros((2, 16000), "float32"))
    >>> tuple(real.shape)
    (2, 63, 257)
    """

    def __init__(
        self,
        n_fft=2048,
        win_length=None,
        hop_length=None,
        window="hann",
        center=True,
        pad_mode="constant",
        framing="stft",
        **kwargs,
    ):
        super().__init__(**kwargs)
        self.n_fft = check_positive_int("n_fft", n_fft)
        self.win_length = self.n_fft if win_length is None else check_positive_int("win_length", win_length)
        if self.win_length > n_fft:
            raise ValueError(
                f"`win_length` must not exceed `n_fft`. Received: win_length={win_length}, n_fft={n_fft}"
            )
        self.hop_length = (
            max(1, self.win_length // 4) if hop_length is None else check_positive_int("hop_length", hop_length)
        )
        self.window = window
        if not isinstance(center, (bool, np.bool_)):
            raise ValueError(f"`center` must be True or False. Received: center={center!r}")
        self.center = bool(center)
        self.pad_mode = check_choice("pad_mode", pad_mode, PAD_MODES)
        self.framing = check_choice("framing", framing, FRAMINGS)
        self._window = dsp.get_window(window, self.win_length, n_fft)  # float64; cast to the compute dtype

    @property
    def min_samples(self):
        """Fewest samples the layer accepts: one frame, or more for reflect padding."""
        if not self.center:
            return self.n_fft
        # Reflection needs more samples than it mirrors.
        return dsp.padding_for_center(self.n_fft) + 1 if self.pad_mode == "reflect" else 1

    def call(self, waveform):
        check_waveform(waveform, "STFT", self.min_samples)
        multichannel = len(waveform.shape) == 3
        x = ops.transpose(waveform, (0, 2, 1)) if multichannel else waveform
        if self.center:
            pad = dsp.padding_for_center(self.n_fft)
            widths = [(0, 0)] * (len(x.shape) - 1) + [(pad, pad)]
            x = ops.pad(x, widths, mode=self.pad_mode)
        # JAX's STFT op mishandles a batch of 0 clips; gathering frames gives the same (empty) result.
        if self.framing == "gather" or waveform.shape[0] == 0:
            samples = x.shape[-1] if x.shape[-1] is not None else ops.shape(x)[-1]
            frames = ops.take(x, self._frame_indices(samples), axis=-1)
            real, imag = ops.rfft(frames * ops.convert_to_tensor(self._window, frames.dtype))
        else:
            real, imag = ops.stft(
                x,
                sequence_length=self.n_fft,
                sequence_stride=self.hop_length,
                fft_length=self.n_fft,
                window=ops.convert_to_tensor(self._window, x.dtype),
                center=False,
            )
        if multichannel:
            real, imag = (ops.transpose(part, (0, 2, 3, 1)) for part in (real, imag))
        return real, imag

    def _frame_indices(self, padded_samples):
        """Sample indices `(frames, n_fft)` of every frame in a signal of `padded_samples` samples."""
        if isinstance(padded_samples, int):
            starts = self.hop_length * np.arange(1 + (padded_samples - self.n_fft) // self.hop_length)
            return (starts[:, None] + np.arange(self.n_fft)[None, :]).astype("int32")
        n_frames = 1 + (padded_samples - self.n_fft) // self.hop_length
        starts = self.hop_length * ops.arange(n_frames, dtype="int32")
        return ops.expand_dims(starts, 1) + ops.expand_dims(ops.arange(self.n_fft, dtype="int32"), 0)

    def compute_output_shape(self, input_shape):
        check_waveform_shape(input_shape, "STFT", self.min_samples)
        samples = input_shape[1]
        frames = None if samples is None else dsp.num_frames(samples, self.n_fft, self.hop_length, self.center)
        shape = (input_shape[0], frames, self.n_fft // 2 + 1) + tuple(input_shape[2:])
        return shape, shape

    def get_config(self):
        config = super().get_config()
        config.update(
            n_fft=self.n_fft,
            win_length=self.win_length,
            hop_length=self.hop_length,
            window=self.window,
            center=self.center,
            pad_mode=self.pad_mode,
            framing=self.framing,
        )
        return config
