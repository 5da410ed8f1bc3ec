"""On-graph audio layers written with `keras.ops` only (TensorFlow, JAX and PyTorch backends).

Waveform → `STFT` → `Magnitude` → `ApplyFilterbank` → `MagnitudeToDecibel` /
`LogCompression`, composed into `MelSpectrogram` and `LogFrequencySpectrogram`;
madmom's front ends as `FilteredSpectrogram` (with `ShiftedLog` and
`PositiveDifference`); plus `Delta`, `FrameContext`, `PadFrames`, `Standardize`,
`Downmix`, `Resample`, and the training-only `SpecAugment` and `RandomGain`.
"""

from mirzoo.layers.augmentation import RandomGain, SpecAugment
from mirzoo.layers.compression import LogCompression, ShiftedLog
from mirzoo.layers.context import FrameContext
from mirzoo.layers.decibel import MagnitudeToDecibel
from mirzoo.layers.delta import Delta
from mirzoo.layers.difference import PositiveDifference
from mirzoo.layers.downmix import Downmix
from mirzoo.layers.filterbank import ApplyFilterbank
from mirzoo.layers.filtered import FilteredSpectrogram
from mirzoo.layers.frame_padding import PadFrames
from mirzoo.layers.frontends import LogFrequencySpectrogram, MelSpectrogram
from mirzoo.layers.magnitude import Magnitude
from mirzoo.layers.resample import Resample
from mirzoo.layers.standardize import Standardize
from mirzoo.layers.stft import STFT

__all__ = [
    "STFT",
    "ApplyFilterbank",
    "Delta",
    "Downmix",
    "FilteredSpectrogram",
    "FrameContext",
    "LogCompression",
    "LogFrequencySpectrogram",
    "Magnitude",
    "MagnitudeToDecibel",
    "MelSpectrogram",
    "PadFrames",
    "PositiveDifference",
    "RandomGain",
    "Resample",
    "ShiftedLog",
    "SpecAugment",
    "Standardize",
]
