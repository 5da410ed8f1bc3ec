"""Sung melodies: Festival's singing mode, made more varied and an octave higher with WORLD."""

import os
import subprocess
import tempfile

import numpy as np
import soundfile
import soxr

from mirzoo.data.synth import requirements

NOTE_NAMES = ("C", "C#", "D", "D#", "E", "F", "F#", "G", "G#", "A", "A#", "B")
SYLLABLES = ("la", "na", "do", "me", "so", "ri", "moon", "love", "day", "you", "sky", "oh", "light", "go")
DTD = "/usr/share/sgml/festival/Singing.v0_1.dtd"
WORLD_FRAME_SECONDS = 0.005


def _note_name(pitch):
    return f"{NOTE_NAMES[pitch % 12]}{pitch // 12 - 1}"


def _singing_xml(notes, tempo, rng):
    """Festival SINGING markup; Festival sings an octave below the written notes, WORLD lifts it back."""
    beat = 60.0 / tempo
    lines = ['<?xml version="1.0"?>',
             f'<!DOCTYPE SINGING PUBLIC "-//SINGING//DTD SINGING mark up//EN" "{DTD}" []>',
             f'<SINGING BPM="{tempo:.2f}">']
    position = 0.0
    for note in notes:
        if note.start - position > 0.05:
            lines.append(f'<REST BEATS="{(note.start - position) / beat:.3f}"></REST>')
        beats = max(0.1, (note.end - note.start) / beat)
        lines.append(f'<PITCH NOTE="{_note_name(note.pitch)}"><DURATION BEATS="{beats:.3f}">'
                     f'{rng.choice(SYLLABLES)}</DURATION></PITCH>')
        position = note.end
    lines.append("</SINGING>")
    return "\n".join(lines)


def sing(notes, tempo, seed, sample_rate=22050, seconds=None, voice="kal_diphone", formant_range=(1.0, 1.25)):
    """A sung rendition of `notes` and its per-frame pitch.

    Festival sings the notes with one of its diphone voices (an octave low);
    WORLD then raises it an octave, adds vibrato, pitch drift and a random formant
    shift, so that the voice is less uniform.

    Args:
        notes: the melody (`Note` objects), times in seconds.
        tempo: beats per minute for Festival's markup.
        seed: randomness of syllables and of the WORLD variations.
        sample_rate: output rate in Hz.
        seconds: output length (padded or cut); default the rendition's own.
        voice: the Festival diphone voice, one of `requirements.FESTIVAL_VOICES` (the kal voice, the synthetic
            corpus's only singer, by default).
        formant_range: `(low, high)`: the spectral envelope is stretched along frequency by a factor drawn
            uniformly from it (above 1 shifts the formants up: a smaller, brighter voice).

    Returns:
        `(audio, f0)`: float32 audio `(samples,)` at `sample_rate`, and the sung
        fundamental frequency every 5 ms (`0` where unvoiced), aligned with the audio.

    Raises:
        ImportError: pyworld, Festival or the voice is missing (with the install step).
        ValueError: an unknown voice.
    """
    requirements.require("Singing (Festival and WORLD)", sung=True, voices=(voice,))
    import pyworld

    rng = np.random.default_rng(seed)
    with tempfile.TemporaryDirectory() as directory:
        markup = os.path.join(directory, "song.xml")
        output = os.path.join(directory, "song.wav")
        with open(markup, "w", encoding="utf-8") as handle:
            handle.write(_singing_xml(notes, tempo, rng))
        subprocess.run(["text2wave", "-mode", "singing", "-eval", f"(voice_{voice})", markup, "-o", output],
                       check=True, capture_output=True, timeout=120)
        voice, rate = soundfile.read(output, dtype="float64")
    if voice.ndim == 2:
        voice = voice.mean(axis=1)
    raw_f0, times = pyworld.dio(voice, rate, frame_period=1000 * WORLD_FRAME_SECONDS)
    f0 = pyworld.stonemask(voice, raw_f0, times, rate)
    envelope = pyworld.cheaptrick(voice, f0, times, rate)
    aperiodicity = pyworld.d4c(voice, f0, times, rate)
    vibrato = 1.0 + rng.uniform(0.005, 0.02) * np.sin(2 * np.pi * rng.uniform(4.5, 6.5) * times)
    drift = 2.0 ** (np.cumsum(rng.normal(0.0, 0.0008, len(times))) / 12.0)
    shifted = np.where(f0 > 0, f0 * 2.0 * vibrato * drift, 0.0)
    # Formant shift: stretch the spectral envelope along frequency by a random factor.
    factor = rng.uniform(*formant_range)
    bins = envelope.shape[1]
    source = np.clip(np.arange(bins) / factor, 0, bins - 1)
    envelope = np.stack([np.interp(source, np.arange(bins), frame) for frame in envelope])
    sung = pyworld.synthesize(shifted, envelope, aperiodicity, rate, frame_period=1000 * WORLD_FRAME_SECONDS)
    audio = soxr.resample(sung, rate, sample_rate, quality="HQ").astype(np.float32)
    if seconds is not None:
        total = int(round(seconds * sample_rate))
        audio = np.pad(audio, (0, max(0, total - len(audio))))[:total]
        frames = int(np.ceil(seconds / WORLD_FRAME_SECONDS))
        shifted = np.pad(shifted, (0, max(0, frames - len(shifted))))[:frames]
    return audio, shifted.astype(np.float32)
