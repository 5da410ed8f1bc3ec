"""madmom's spectral front ends in the graph: filtered, log-compressed magnitude spectrograms at one or more
frame sizes, each optionally with its positive difference."""

import math

import keras
import numpy as np
from keras import ops

from mirzoo.layers.base import AudioLayer
from mirzoo.layers.checks import (
    check_choice,
    check_positive_float32,
    check_positive_int,
    check_waveform,
    check_waveform_shape,
)
from mirzoo.layers.compression import ShiftedLog
from mirzoo.layers.difference import PositiveDifference
from mirzoo.layers.filterbank import ApplyFilterbank
from mirzoo.layers.magnitude import Magnitude
from mirzoo.layers.stft import STFT

FILTERBANKS = ("log_bins", "mel_bins")
STACKS = ("features", "channels")
ORIGINS = ("center", "online")


def difference_frames(diff_ratio, n_fft, hop_length):
    """madmom's lag of the positive difference: frames between two frames whose symmetric Hann windows overlap
    where the window exceeds `diff_ratio` of its maximum (at least 1)."""
    window = np.hanning(n_fft)
    first = int(np.argmax(window > diff_ratio * window.max()))
    return int(max(1, round((n_fft / 2 - first) / hop_length)))


def _per_resolution(name, value, count):
    values = list(value) if isinstance(value, (list, tuple)) else [value] * count
    if len(values) != count:
        raise ValueError(f"`{name}` needs one value per frame size ({count}). Received: {name}={value!r}")
    return values


@keras.saving.register_keras_serializable(package="mirzoo")
class FilteredSpectrogram(AudioLayer):
    """Filtered log-magnitude spectrograms of a waveform at one or several frame sizes, framed as madmom frames.

    Per frame size `n`: a symmetric-Hann STFT of frames centred on sample `k · hop_length`
    (zeros beyond the signal), its magnitude, madmom's bin-snapped triangular filterbank
    (`"log_bins"` or `"mel_bins"`), `log_base(log_multiplier · x + log_shift)` and, with
    `diff_ratio`, the positive difference stacked after each spectrogram. The resolutions
    are then joined along the features (`[spec_1, diff_1, spec_2, …]`, madmom's `np.hstack`)
    or as channels (madmom's `np.dstack`).

    There are `ceil(samples / hop_length)` frames, as in madmom (one fewer than a centred
    librosa STFT when `hop_length` divides the length). With `origin="online"` each frame
    ends at sample `k · hop_length` instead of being centred on it (madmom's online mode):
    frames see no future samples, so the front end can run block by block.

    madmom reads 16-bit files as `x / 32767` where mirzoo decodes `x / 32768`; the
    difference (a factor 1.00003 on every magnitude) changes log features by about 1e-5.

    Args:
        sample_rate: Hz of the input.
        n_fft: frame size in samples, or a list of them (madmom's `frame_size`).
        hop_length: samples between frames (441 at 44.1 kHz is 100 frames per second).
        filterbank: `"log_bins"` (uses `bands_per_octave`) or `"mel_bins"` (uses `n_mels`).
        bands_per_octave: an int, or one per frame size.
        n_mels: bands of the mel filterbank.
        f_min, f_max: the filterbank's corner frequencies in Hz.
        unique_filters: drop duplicate bins (fewer, distinct low bands).
        log_multiplier, log_shift, log_base: as :class:`ShiftedLog`.
        diff_ratio: `None` for no difference, else the window overlap ratio that sets each
            frame size's lag (:func:`difference_frames`; madmom's `diff_ratio`).
        stack: `"features"` or `"channels"` (equal band counts needed).
        origin: `"center"` or `"online"`.
        framing: as :class:`STFT`.

    Input shape: `(batch, samples)`.
    Output shape: `(batch, frames, features)` or `(batch, frames, bands, resolutions)`.
    """

    def __init__(
        self,
        sample_rate=44100,
        n_fft=2048,
        hop_length=441,
        filterbank="log_bins",
        bands_per_octave=12,
        n_mels=80,
        f_min=30.0,
        f_max=17000.0,
        unique_filters=True,
        log_multiplier=1.0,
        log_shift=1.0,
        log_base="10",
        diff_ratio=None,
        stack="features",
        origin="center",
        framing="stft",
        **kwargs,
    ):
        super().__init__(**kwargs)
        self.sample_rate = check_positive_int("sample_rate", sample_rate)
        sizes = list(n_fft) if isinstance(n_fft, (list, tuple)) else [n_fft]
        if not sizes:
            raise ValueError("`n_fft` needs at least one frame size.")
        self.n_fft = [check_positive_int("n_fft", size) for size in sizes]
        self.hop_length = check_positive_int("hop_length", hop_length)
        self.filterbank = check_choice("filterbank", filterbank, FILTERBANKS)
        self.bands_per_octave = bands_per_octave
        self.n_mels = check_positive_int("n_mels", n_mels)
        self.f_min, self.f_max, self.unique_filters = f_min, f_max, bool(unique_filters)
        self.log_multiplier, self.log_shift, self.log_base = log_multiplier, log_shift, log_base
        if diff_ratio is not None and not 0 < check_positive_float32("diff_ratio", diff_ratio) < 1:
            raise ValueError(f"`diff_ratio` must be between 0 and 1. Received: diff_ratio={diff_ratio!r}")
        self.diff_ratio = diff_ratio
        self.stack = check_choice("stack", stack, STACKS)
        self.origin = check_choice("origin", origin, ORIGINS)
        self.framing = framing
        bands = _per_resolution("bands_per_octave", bands_per_octave, len(self.n_fft))
        self.resolutions = []
        for size, per_octave in zip(self.n_fft, bands):
            if self.filterbank == "log_bins":
                arguments = {"bands_per_octave": check_positive_int("bands_per_octave", per_octave)}
            else:
                arguments = {"n_mels": self.n_mels}
            arguments.update(f_min=f_min, f_max=f_max, unique=self.unique_filters)
            layers = [
                STFT(size, None, self.hop_length, "hann_symmetric", True, "constant", framing,
                     name=f"stft_{size}", dtype=self.dtype_policy),
                Magnitude(1.0, name=f"magnitude_{size}", dtype=self.dtype_policy),
                ApplyFilterbank(self.filterbank, self.sample_rate, size, arguments, name=f"filterbank_{size}",
                                dtype=self.dtype_policy),
                ShiftedLog(log_multiplier, log_shift, log_base, name=f"log_{size}", dtype=self.dtype_policy),
            ]
            if diff_ratio is not None:
                layers.append(PositiveDifference(difference_frames(diff_ratio, size, self.hop_length),
                                                 name=f"difference_{size}", dtype=self.dtype_policy))
            self.resolutions.append(layers)
        widths = [layers[2].n_filters for layers in self.resolutions]
        if self.stack == "channels" and len(set(widths)) > 1:
            raise ValueError(f'stack="channels" needs the same number of bands at every frame size; these '
                             f"parameters give {widths}.")
        self.bands = widths
        self.min_samples = 1

    @property
    def frame_rate(self):
        """Frames per second: `sample_rate / hop_length`."""
        return self.sample_rate / self.hop_length

    @property
    def difference_lags(self):
        """The positive difference's lag in frames at each frame size (empty without `diff_ratio`)."""
        return [layers[-1].frames for layers in self.resolutions if isinstance(layers[-1], PositiveDifference)]

    def build(self, input_shape):
        for stft, _, filterbank, *_ in self.resolutions:  # the filterbank is the only sub-layer that builds state
            filterbank.build(stft.compute_output_shape(input_shape)[0])

    def call(self, waveform):
        check_waveform(waveform, "FilteredSpectrogram", self.min_samples)
        if len(waveform.shape) != 2:
            raise ValueError(f"FilteredSpectrogram expects mono audio (batch, samples). Received shape "
                             f"{tuple(waveform.shape)}; downmix first.")
        samples = ops.shape(waveform)[1]
        frames = (samples + self.hop_length - 1) // self.hop_length
        outputs = []
        for layers in self.resolutions:
            x = waveform
            if self.origin == "online":  # shift the centred frames so that frame k ends at sample k · hop
                size = layers[0].n_fft
                x = ops.pad(x, [(0, 0), (size - 1 - size // 2, 0)])
            for layer in layers:  # STFT → (real, imag) → magnitude → filterbank → log [→ difference]
                x = layer(x)
            outputs.append(x[:, :frames])  # the difference looks back only: cropping after it changes no frame
        if len(outputs) == 1:
            return outputs[0]
        return ops.concatenate(outputs, axis=-1) if self.stack == "features" else ops.stack(outputs, axis=-1)

    def compute_output_shape(self, input_shape):
        check_waveform_shape(input_shape, "FilteredSpectrogram", self.min_samples)
        samples = input_shape[1]
        frames = None if samples is None else math.ceil(samples / self.hop_length)
        factor = 1 if self.diff_ratio is None else 2
        if self.stack == "channels" and len(self.bands) > 1:
            return (input_shape[0], frames, self.bands[0] * factor, len(self.bands))
        return (input_shape[0], frames, sum(self.bands) * factor)

    def get_config(self):
        config = super().get_config()
        config.update(
            sample_rate=self.sample_rate,
            n_fft=list(self.n_fft),
            hop_length=self.hop_length,
            filterbank=self.filterbank,
            bands_per_octave=self.bands_per_octave,
            n_mels=self.n_mels,
            f_min=self.f_min,
            f_max=self.f_max,
            unique_filters=self.unique_filters,
            log_multiplier=self.log_multiplier,
            log_shift=self.log_shift,
            log_base=self.log_base,
            diff_ratio=self.diff_ratio,
            stack=self.stack,
            origin=self.origin,
            framing=self.framing,
        )
        return config
