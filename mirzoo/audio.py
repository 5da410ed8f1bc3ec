"""Audio files and arrays → validated float32 waveforms at a chosen sample rate (outside the graph).

Decoding uses libsndfile (through `soundfile`: WAV, FLAC, OGG/Vorbis, Opus and,
with libsndfile >= 1.1, MP3); resampling uses soxr's high-quality mode.
"""

import math
import numbers
import os

import numpy as np
import soundfile
import soxr


class AudioError(ValueError):
    """Audio that cannot be used: undecodable, empty, non-finite or of the wrong shape."""


# Scale of full-scale integer PCM, so that it maps into [-1, 1).
_INTEGER_FULL_SCALE = {"int8": 2.0**7, "int16": 2.0**15, "int32": 2.0**31, "int64": 2.0**63}
# Sample rates mirzoo reads or resamples from, in Hz: telephone speech to 8x studio rates. Outside, a rate is a
# mistake (a rate in kHz, a corrupt header) and resampling it would make billions of samples.
SAMPLE_RATE_RANGE = (1000, 1_000_000)
# Float audio is expected in [-1, 1]. A peak 60 dB above full scale is not audio in that convention (integer PCM
# stored as floats, a wrong unit); far above it the front ends' power spectra overflow float32.
MAX_PEAK = 1000.0


def check_sample_rate(sample_rate, source="audio"):
    """`sample_rate`, or :class:`AudioError` unless it is a real number of Hz in `SAMPLE_RATE_RANGE`."""
    low, high = SAMPLE_RATE_RANGE
    if (isinstance(sample_rate, (bool, np.bool_)) or not isinstance(sample_rate, numbers.Real)
            or not math.isfinite(sample_rate) or not low <= sample_rate <= high):
        raise AudioError(
            f"{source}: sample_rate must be a number of Hz between {low:,} and {high:,}; received {sample_rate!r}."
        )
    return sample_rate


def to_float_waveform(audio):
    """Convert PCM samples to float32 in [-1, 1].

    Integers are divided by their full scale (`int16 / 32768`); unsigned 8-bit
    PCM (WAV's convention) is centred on 128 first; floats are cast.

    Args:
        audio: array `(samples,)` or `(samples, channels)`.

    Returns:
        float32 array of the same shape.

    Raises:
        AudioError: for an unsupported dtype (complex, bool, object, …).
    """
    audio = np.asarray(audio)
    name = audio.dtype.name
    if name == "uint8":
        return ((audio.astype(np.float32) - 128.0) / 128.0).astype(np.float32)
    if name in _INTEGER_FULL_SCALE:
        return (audio.astype(np.float64) / _INTEGER_FULL_SCALE[name]).astype(np.float32)
    if audio.dtype.kind == "f":
        return audio.astype(np.float32)
    raise AudioError(f"Unsupported audio dtype {name}; expected float or integer PCM (int8/16/32, uint8).")


def check_waveform_shape(audio, source="audio"):
    """Raise :class:`AudioError` unless `audio` is a non-empty `(samples[, channels])` array."""
    if audio.ndim not in (1, 2):
        raise AudioError(
            f"{source}: expected shape (samples,) or (samples, channels); received shape {audio.shape}."
        )
    if audio.shape[0] == 0 or audio.size == 0:
        raise AudioError(f"{source}: the audio is empty (0 samples).")
    if audio.ndim == 2 and audio.shape[1] > audio.shape[0]:
        raise AudioError(
            f"{source}: shape {audio.shape} would be {audio.shape[0]} samples of {audio.shape[1]} channels. A 2-D "
            "array is one recording, (samples, channels), whose channels are averaged into mono. For one "
            "recording stored as (channels, samples), pass its transpose (audio.T); for several clips, give "
            "one 1-D array per clip (mirzoo.predict takes a list of them)."
        )


def check_samples(audio, source="audio"):
    """Raise :class:`AudioError` if float `audio` holds NaN/inf or peaks above `MAX_PEAK`."""
    with np.errstate(over="ignore", invalid="ignore"):
        finite = np.all(np.isfinite(audio))
        peak = float(np.max(np.abs(audio), initial=0.0)) if finite else 0.0
    if not finite:
        raise AudioError(f"{source}: the audio contains NaN or infinite samples.")
    if peak > MAX_PEAK:
        raise AudioError(
            f"{source}: float audio must lie in [-1, 1]; this peaks at {peak:.4g} (above {MAX_PEAK:g}). Integer PCM "
            "stored as floats? Divide it by its full scale (32768 for 16-bit), or pass the integer array itself."
        )


def prepare_waveform(audio, sample_rate, target_sample_rate=None, mono=True, source="audio"):
    """Validate, convert to float32, downmix and resample an in-memory waveform.

    Args:
        audio: array `(samples,)` or `(samples, channels)`, float or integer PCM.
        sample_rate: its sampling rate in Hz.
        target_sample_rate: resample to this rate in Hz (soxr, high quality);
            `None` keeps `sample_rate`.
        mono: average the channels into one.
        source: a name for error messages (e.g. the file path).

    Returns:
        `(waveform, sample_rate)`: float32 `(samples,)` when `mono`, else
        `(samples, channels)`; the rate in Hz.
    """
    check_sample_rate(sample_rate, source)
    audio = np.asarray(audio)
    # Floats on their own values, before float32 turns a float64 beyond its range into inf; integer PCM
    # scaled by its full scale is always finite and within [-1, 1].
    if audio.dtype.kind == "f":
        check_samples(audio, source)
    audio = to_float_waveform(audio)
    check_waveform_shape(audio, source)
    if mono and audio.ndim == 2:
        audio = audio.mean(axis=1, dtype=np.float32)
    if target_sample_rate is not None and target_sample_rate != sample_rate:
        audio = soxr.resample(audio, sample_rate, target_sample_rate, quality="HQ").astype(np.float32)
        sample_rate = target_sample_rate
        if audio.shape[0] == 0:
            raise AudioError(f"{source}: too short to resample to {target_sample_rate} Hz (no samples left).")
    return audio, sample_rate


def _open(path):
    """An open `soundfile.SoundFile`, or the specific error for a missing, directory or undecodable path."""
    if os.path.isdir(path):
        raise IsADirectoryError(f"{path}: is a directory, not an audio file.")
    if not os.path.exists(path):
        raise FileNotFoundError(f"{path}: no such file.")
    try:
        return soundfile.SoundFile(path)
    except (soundfile.LibsndfileError, RuntimeError, TypeError) as error:
        raise AudioError(f"{path}: cannot decode audio ({error}). Supported: WAV, FLAC, OGG, MP3.") from error


def load_audio(path, sample_rate=None, mono=True):
    """Decode an audio file into a float32 waveform.

    Args:
        path: a WAV, FLAC, OGG or MP3 file.
        sample_rate: resample to this rate in Hz; `None` keeps the file's rate.
        mono: average the channels into one.

    Returns:
        `(waveform, sample_rate)`: float32 `(samples,)` (or `(samples, channels)`
        with `mono=False`) in [-1, 1], and its rate in Hz.

    Raises:
        FileNotFoundError: no such file.
        IsADirectoryError: the path is a directory.
        AudioError: the file cannot be decoded, is empty, holds NaN/inf or float samples
            beyond `MAX_PEAK`, or has a sample rate outside `SAMPLE_RATE_RANGE`.
    """
    path = os.fspath(path)
    with _open(path) as handle:
        try:
            audio = handle.read(dtype="float32", always_2d=True)
        except (soundfile.LibsndfileError, RuntimeError) as error:
            raise AudioError(f"{path}: decoding failed ({error}).") from error
        file_rate = handle.samplerate
    return prepare_waveform(audio, file_rate, sample_rate, mono=mono, source=path)


def stream_audio(path, sample_rate, block_seconds=10.0):
    """Decode a file block by block: mono float32 blocks at `sample_rate`, memory bounded by the block.

    Downmixes each block and resamples with a streaming soxr resampler, so an
    hour-long file never needs to be in memory at once.

    Args:
        path: an audio file (WAV, FLAC, OGG, MP3).
        sample_rate: rate of the yielded blocks in Hz.
        block_seconds: length of the blocks read from the file, in seconds of the file.

    Yields:
        float32 arrays `(samples,)`; together, the whole file.

    Raises:
        FileNotFoundError, IsADirectoryError, AudioError: as :func:`load_audio`,
        also for a file that decodes to no samples or holds NaN/inf.
    """
    path = os.fspath(path)
    with _open(path) as handle:
        file_rate = check_sample_rate(handle.samplerate, path)
        resampler = None if file_rate == sample_rate else soxr.ResampleStream(
            file_rate, sample_rate, 1, dtype="float32", quality="HQ")
        blocksize = max(1, int(block_seconds * file_rate))
        total = 0
        try:
            for block in handle.blocks(blocksize=blocksize, dtype="float32", always_2d=True):
                check_samples(block, path)
                mono = block.mean(axis=1, dtype=np.float32)
                total += len(mono)
                out = mono if resampler is None else resampler.resample_chunk(mono)
                if len(out):
                    yield out
        except (soundfile.LibsndfileError, RuntimeError) as error:
            raise AudioError(f"{path}: decoding failed after {total} samples ({error}).") from error
        if total == 0:
            raise AudioError(f"{path}: the audio is empty (0 samples).")
        if resampler is not None:
            tail = resampler.resample_chunk(np.zeros(0, np.float32), last=True)
            if len(tail):
                yield tail
