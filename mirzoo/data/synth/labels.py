"""Labels from the notes (for sung parts, tags and chroma from the sung pitch and voice frames from where the rendered
voice sounds): tags, chroma and voice frames."""

import numpy as np

from mirzoo.data.synth.sing import WORLD_FRAME_SECONDS
from mirzoo.data.synth.songs import VOICE_PROGRAMS, family_of
from mirzoo.models.labels import INSTRUMENT_FAMILIES

LABEL_FRAME_RATE = 100.0
MIN_TAG_SECONDS = 1.0
# An isolated voice sounds in a label frame when its level over the 25 ms around it is at most 40 dB under its
# level over the clip; Festival's silences lie 50-85 dB under it.
SOUNDING_WINDOW_SECONDS = 0.025
SOUNDING_FLOOR_DB = 40.0


def _sounding(notes, times):
    """Boolean `(len(times),)`: some note sounds at each time (start <= t < end)."""
    active = np.zeros(len(times), bool)
    for note in notes:
        active |= (times >= note.start) & (times < note.end)
    return active


def _sung_f0_at(f0, times):
    index = np.minimum((times / WORLD_FRAME_SECONDS).astype(int), len(f0) - 1)
    return f0[index]


def frame_times(seconds):
    return np.arange(int(np.ceil(seconds * LABEL_FRAME_RATE))) / LABEL_FRAME_RATE


def tags(song, sung_f0=None):
    """Multi-hot over `INSTRUMENT_FAMILIES`: a family is on when it sounds for >= 1 s of the clip."""
    times = frame_times(song.seconds)
    seconds = dict.fromkeys(INSTRUMENT_FAMILIES, 0.0)
    active = {family: np.zeros(len(times), bool) for family in INSTRUMENT_FAMILIES}
    for part in song.parts:
        if part.sung:
            voiced = _sung_f0_at(sung_f0, times) > 0 if sung_f0 is not None else _sounding(part.notes, times)
            active["voice"] |= voiced
        else:
            active[family_of(part.program, part.is_drum)] |= _sounding(part.notes, times)
    for family in INSTRUMENT_FAMILIES:
        seconds[family] = active[family].sum() / LABEL_FRAME_RATE
    return tuple(family for family in INSTRUMENT_FAMILIES if seconds[family] >= MIN_TAG_SECONDS)


def chroma_frames(song, sung_f0=None):
    """`(frames, 12)` at 100 fps: pitch classes (C first) of the non-drum notes sounding at each frame."""
    times = frame_times(song.seconds)
    chroma = np.zeros((len(times), 12), np.float32)
    for part in song.parts:
        if part.is_drum:
            continue
        if part.sung and sung_f0 is not None:
            f0 = _sung_f0_at(sung_f0, times)
            voiced = f0 > 0
            classes = np.mod(np.round(12 * np.log2(f0[voiced] / 440.0) + 69).astype(int), 12)
            chroma[np.flatnonzero(voiced), classes] = 1.0
            continue
        for note in part.notes:
            chroma[(times >= note.start) & (times < note.end), note.pitch % 12] = 1.0
    return chroma


def sounding_frames(voice, sample_rate, seconds, floor_db=SOUNDING_FLOOR_DB):
    """Where an isolated voice sounds: `(frames, 1)` float32 at 100 fps for a clip of `seconds`.

    A frame is voice when the voice's RMS over the `SOUNDING_WINDOW_SECONDS` centred on it is at most `floor_db`
    under its RMS over the whole of `voice` (float `(samples,)` at `sample_rate` Hz). Taken from the audio, not from
    a pitch track: WORLD's DIO calls some of Festival's silences voiced (50-85 dB under the melody's level; 11 % of
    the voiced frames of 100 `mirzoo corpus over-real` pairs) and misses some sung frames, which WORLD then renders
    unvoiced but audible.
    """
    power = np.square(np.asarray(voice, np.float64))
    cumulative = np.concatenate([[0.0], np.cumsum(power)])
    half = int(round(SOUNDING_WINDOW_SECONDS * sample_rate / 2))
    centres = np.round(frame_times(seconds) * sample_rate).astype(int)
    first, last = np.clip(centres - half, 0, len(power)), np.clip(centres + half, 0, len(power))
    window_power = (cumulative[last] - cumulative[first]) / np.maximum(last - first, 1)
    floor = power.mean() * 10 ** (-floor_db / 10) if len(power) else 0.0
    return ((window_power > 0) & (window_power >= floor))[:, None].astype(np.float32)


def voice_frames(song, sung_voice=None, sample_rate=None):
    """`(frames, 1)` at 100 fps: where a sung part sounds, or a voice program (52-54) sounds.

    Args:
        song: the clip's `Song`.
        sung_voice: the sung part as rendered, float `(samples,)` at `sample_rate` Hz: where it sounds is
            :func:`sounding_frames`'s. Without it a sung part is labelled from its notes.
        sample_rate: `sung_voice`'s, in Hz.
    """
    times = frame_times(song.seconds)
    voice = np.zeros(len(times), bool)
    for part in song.parts:
        if part.sung:
            voice |= (sounding_frames(sung_voice, sample_rate, song.seconds)[:, 0] > 0 if sung_voice is not None
                      else _sounding(part.notes, times))
        elif not part.is_drum and part.program in VOICE_PROGRAMS:
            voice |= _sounding(part.notes, times)
    return voice[:, None].astype(np.float32)

