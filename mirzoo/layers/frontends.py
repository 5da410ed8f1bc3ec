"""Composed front ends: waveform → STFT → magnitude → filterbank → compression, as one Layer."""

import keras

from mirzoo.layers.base import AudioLayer
from mirzoo.layers.checks import check_choice, check_positive_float32, check_positive_int
from mirzoo.layers.compression import LogCompression
from mirzoo.layers.decibel import MagnitudeToDecibel
from mirzoo.layers.filterbank import ApplyFilterbank
from mirzoo.layers.magnitude import Magnitude
from mirzoo.layers.stft import STFT

COMPRESSIONS = ("db", "log", "log10", None)


class SpectrogramFrontEnd(AudioLayer):
    """Shared machinery of the composed front ends; use a subclass.

    Owns its sub-layers (`stft`, `magnitude`, `filterbank`, `compression`), so it
    saves, loads and exports as one layer; its config holds only the
    parameters below and those of the subclass.

    Args:
        sample_rate: sampling rate of the input in Hz.
        n_fft, win_length, hop_length, window, center, pad_mode, framing: as `STFT`.
        power: exponent of the magnitude (2 = power, 1 = magnitude).
        compression: `"db"` (`MagnitudeToDecibel` with `ref`, `amin`, `top_db`),
            `"log"` / `"log10"` (`LogCompression` with `log_multiplier`), or `None`.
        ref, amin, top_db: as `MagnitudeToDecibel` (checked when `compression="db"`).
        log_multiplier: C in `log(1 + C·x)`, > 0 and at most 3.4028235e+38 (the
            largest float32), as `LogCompression`'s `multiplier`.
        trainable_filterbank: learn the filterbank, initialised from its formula.
        dtype: as `AudioLayer`: float32 (default) or float64; half-precision
            dtypes and policies (e.g. `"mixed_float16"`) compute in float32.

    Parameters that float32 cannot hold (NaN, ±inf, or beyond its range where
    the layers cast them) are refused at construction with a ValueError naming
    the parameter and the value. A batch of 0 clips gives an empty output of
    the documented shape.
    """

    filterbank_kind = None

    def __init__(
        self,
        sample_rate,
        n_fft,
        win_length,
        hop_length,
        window,
        center,
        pad_mode,
        framing,
        power,
        compression,
        ref,
        amin,
        top_db,
        log_multiplier,
        trainable_filterbank,
        **kwargs,
    ):
        super().__init__(**kwargs)
        self.sample_rate = sample_rate
        self.compression_kind = check_choice("compression", compression, COMPRESSIONS)
        self.ref, self.amin, self.top_db, self.log_multiplier = ref, amin, top_db, log_multiplier
        self.stft = STFT(
            n_fft, win_length, hop_length, window, center, pad_mode, framing, name="stft", dtype=self.dtype_policy
        )
        self.magnitude = Magnitude(power, name="magnitude", dtype=self.dtype_policy)
        self.filterbank = ApplyFilterbank(
            self.filterbank_kind,
            sample_rate,
            n_fft,
            self.filterbank_kwargs(),
            trainable_filterbank=trainable_filterbank,
            name="filterbank",
            dtype=self.dtype_policy,
        )
        if compression == "db":
            self.compression = MagnitudeToDecibel(ref, amin, top_db, power, name="compression", dtype=self.dtype_policy)
        elif compression in ("log", "log10"):
            base = "e" if compression == "log" else "10"
            # Checked here so that the error names this layer's parameter, not LogCompression's `multiplier`.
            check_positive_float32("log_multiplier", log_multiplier)
            self.compression = LogCompression(log_multiplier, base, name="compression", dtype=self.dtype_policy)
        else:
            self.compression = None

    def filterbank_kwargs(self):
        """Arguments of the `mirzoo.dsp` filterbank function, from the subclass's parameters."""
        raise NotImplementedError

    @property
    def hop_length(self):
        return self.stft.hop_length

    @property
    def frame_rate(self):
        """Frames per second of the output: `sample_rate / hop_length`."""
        return self.sample_rate / self.stft.hop_length

    @property
    def min_samples(self):
        return self.stft.min_samples

    def build(self, input_shape):
        stft_shape, _ = self.stft.compute_output_shape(input_shape)
        self.filterbank.build(stft_shape)

    def call(self, waveform):
        spectrogram = self.filterbank(self.magnitude(self.stft(waveform)))
        return spectrogram if self.compression is None else self.compression(spectrogram)

    def compute_output_shape(self, input_shape):
        stft_shape, _ = self.stft.compute_output_shape(input_shape)
        return self.filterbank.compute_output_shape(stft_shape)

    def get_config(self):
        config = super().get_config()
        config.update(
            sample_rate=self.sample_rate,
            n_fft=self.stft.n_fft,
            win_length=self.stft.win_length,
            hop_length=self.stft.hop_length,
            window=self.stft.window,
            center=self.stft.center,
            pad_mode=self.stft.pad_mode,
            framing=self.stft.framing,
            power=self.magnitude.power,
            compression=self.compression_kind,
            ref=self.ref,
            amin=self.amin,
            top_db=self.top_db,
            log_multiplier=self.log_multiplier,
            trainable_filterbank=self.filterbank.trainable_filterbank,
        )
        return config


@keras.saving.register_keras_serializable(package="mirzoo")
class MelSpectrogram(SpectrogramFrontEnd):
    """Log-mel spectrogram of raw audio, matching librosa.

    With the defaults it equals
    `librosa.power_to_db(librosa.feature.melspectrogram(y=y, sr=22050), top_db=80)`
    transposed to time-major, with the 80 dB range taken per example.

    Args:
        sample_rate: input sampling rate in Hz.
        n_fft, win_length, hop_length, window, center, pad_mode, framing: as `STFT`.
        power: 2.0 for a power mel spectrogram, 1.0 for magnitude.
        n_mels, f_min, f_max, htk, norm: as `mirzoo.dsp.mel_filterbank`.
        compression, ref, amin, top_db, log_multiplier, trainable_filterbank:
            as `SpectrogramFrontEnd`.

    Input shape: `(batch, samples)` or `(batch, samples, channels)`.
    Output shape: `(batch, frames, n_mels)` or `(batch, frames, n_mels, channels)`,
    in dB for `compression="db"`; frame `k` is at `k * hop_length / sample_rate`
    seconds.

    Example:
    >>> frontend = MelSpectrogram(sample_rate=16000, n_fft=512, hop_length=256, n_mels=96)
    >>> tuple(frontend(np.zeros((4, 48000), "float32")).shape)
    (4, 188, 96)
    """

    filterbank_kind = "mel"

    def __init__(
        self,
        sample_rate=22050,
        n_fft=2048,
        win_length=None,
        hop_length=512,
        window="hann",
        center=True,
        pad_mode="constant",
        framing="stft",
        power=2.0,
        n_mels=128,
        f_min=0.0,
        f_max=None,
        htk=False,
        norm="slaney",
        compression="db",
        ref=1.0,
        amin=1e-10,
        top_db=80.0,
        log_multiplier=1.0,
        trainable_filterbank=False,
        **kwargs,
    ):
        self.n_mels = check_positive_int("n_mels", n_mels)
        self.f_min, self.f_max, self.htk, self.norm = f_min, f_max, htk, norm
        super().__init__(
            sample_rate,
            n_fft,
            win_length,
            hop_length,
            window,
            center,
            pad_mode,
            framing,
            power,
            compression,
            ref,
            amin,
            top_db,
            log_multiplier,
            trainable_filterbank,
            **kwargs,
        )

    def filterbank_kwargs(self):
        return {"n_mels": self.n_mels, "f_min": self.f_min, "f_max": self.f_max, "htk": self.htk, "norm": self.norm}

    def get_config(self):
        config = super().get_config()
        config.update(self.filterbank_kwargs())
        return config


@keras.saving.register_keras_serializable(package="mirzoo")
class LogFrequencySpectrogram(SpectrogramFrontEnd):
    """Log-frequency magnitude spectrogram with `log(1 + x)` compression.

    The front end of Korzeniowski & Widmer's deep chroma extractor: triangular
    filters `1 / bins_per_octave` octave apart between `f_min` and `f_max`,
    aligned to `f_ref` (see `mirzoo.dsp.log_frequency_filterbank`).

    Args:
        sample_rate: input sampling rate in Hz.
        n_fft, win_length, hop_length, window, center, pad_mode, framing: as `STFT`.
        power: 1.0 for magnitude, 2.0 for power.
        bins_per_octave, f_min, f_max, f_ref, norm: as
            `mirzoo.dsp.log_frequency_filterbank`.
        compression, ref, amin, top_db, log_multiplier, trainable_filterbank:
            as `SpectrogramFrontEnd`.

    Input shape: `(batch, samples)` or `(batch, samples, channels)`.
    Output shape: `(batch, frames, n_bins[, channels])`, `n_bins` from the range.
    """

    filterbank_kind = "log"

    def __init__(
        self,
        sample_rate=44100,
        n_fft=8192,
        win_length=None,
        hop_length=4410,
        window="hann",
        center=True,
        pad_mode="constant",
        framing="stft",
        power=1.0,
        bins_per_octave=24,
        f_min=30.0,
        f_max=5500.0,
        f_ref=440.0,
        norm="sum",
        compression="log",
        ref=1.0,
        amin=1e-10,
        top_db=80.0,
        log_multiplier=1.0,
        trainable_filterbank=False,
        **kwargs,
    ):
        self.bins_per_octave, self.f_min, self.f_max, self.f_ref, self.norm = bins_per_octave, f_min, f_max, f_ref, norm
        super().__init__(
            sample_rate,
            n_fft,
            win_length,
            hop_length,
            window,
            center,
            pad_mode,
            framing,
            power,
            compression,
            ref,
            amin,
            top_db,
            log_multiplier,
            trainable_filterbank,
            **kwargs,
        )

    def filterbank_kwargs(self):
        return {
            "bins_per_octave": self.bins_per_octave,
            "f_min": self.f_min,
            "f_max": self.f_max,
            "f_ref": self.f_ref,
            "norm": self.norm,
        }

    def get_config(self):
        config = super().get_config()
        config.update(self.filterbank_kwargs())
        return config
