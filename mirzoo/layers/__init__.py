"""On-graph audio layers written with `keras.ops` only (TensorFlow, JAX and PyTorch backends).

Waveform → `STFT` → `Magnitude` → `ApplyFilterbank` → `MagnitudeToDecibel` /
`LogCompression`, composed into `MelSpectrogram` and `LogFrequencySpectrogram`;
plus `Delta`, `FrameContext`, `Downmix`, and the training-only `SpecAugment`
and `RandomGain`.
"""

from mirzoo.layers.augmentation import RandomGain, SpecAugment
from mirzoo.layers.compression import LogCompression
from mirzoo.layers.context import FrameContext
from mirzoo.layers.decibel import MagnitudeToDecibel
from mirzoo.layers.delta import Delta
from mirzoo.layers.downmix import Downmix
from mirzoo.layers.filterbank import ApplyFilterbank
from mirzoo.layers.frontends import LogFrequencySpectrogram, MelSpectrogram
from mirzoo.layers.magnitude import Magnitude
from mirzoo.layers.stft import STFT

__all__ = [
    "STFT",
    "ApplyFilterbank",
    "Delta",
    "Downmix",
    "FrameContext",
    "LogCompression",
    "LogFrequencySpectrogram",
    "Magnitude",
    "MagnitudeToDecibel",
    "MelSpectrogram",
    "RandomGain",
    "SpecAugment",
]
