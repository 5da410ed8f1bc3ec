"""Pure NumPy signal-processing maths: filterbanks, windows and frame arithmetic.

Nothing here imports Keras or TensorFlow, so the matrices can be built, inspected
and tested on their own; the layers in :mod:`mirzoo.layers` rebuild them from
their parameters.
"""

from mirzoo.dsp.bin_filters import log_bin_filterbank, mel_bin_filterbank
from mirzoo.dsp.chroma import chroma_filterbank, pitch_class_folding
from mirzoo.dsp.delta import delta_kernel
from mirzoo.dsp.frames import frame_times, num_frames, padding_for_center
from mirzoo.dsp.logfreq import log_frequencies, log_frequency_filterbank
from mirzoo.dsp.mel import hz_to_mel, mel_filterbank, mel_frequencies, mel_to_hz
from mirzoo.dsp.windows import WINDOWS, get_window

__all__ = [
    "WINDOWS",
    "chroma_filterbank",
    "delta_kernel",
    "frame_times",
    "get_window",
    "hz_to_mel",
    "log_bin_filterbank",
    "log_frequencies",
    "log_frequency_filterbank",
    "mel_bin_filterbank",
    "mel_filterbank",
    "mel_frequencies",
    "mel_to_hz",
    "num_frames",
    "padding_for_center",
    "pitch_class_folding",
]
