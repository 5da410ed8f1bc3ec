"""Synthesise the example clip `examples/audio/synth_progression.flac` (deterministic).

An 8-second I-V-vi-IV progression (four bars) in C major at 22.05 kHz: plucked chords with
harmonics, a bass line and a click track. Run from the repository root:

    python examples/make_example_audio.py
"""

import os

import numpy as np
import soundfile

SAMPLE_RATE = 22050
BEAT_SECONDS = 0.5
PROGRESSION = [(60, 64, 67), (55, 59, 62), (57, 60, 64), (53, 57, 60)]  # C, G, Am, F (MIDI)


def midi_to_hz(note):
    return 440.0 * 2.0 ** ((note - 69) / 12.0)


def pluck(frequency, seconds, brightness=8):
    t = np.arange(int(seconds * SAMPLE_RATE)) / SAMPLE_RATE
    tone = sum(np.sin(2 * np.pi * k * frequency * t) / k**1.5 for k in range(1, brightness + 1))
    return tone * np.exp(-2.5 * t) * np.minimum(1.0, t / 0.005)


def main(path="examples/audio/synth_progression.flac"):
    rng = np.random.default_rng(0)
    bar_seconds = 4 * BEAT_SECONDS
    audio = np.zeros(int(len(PROGRESSION) * bar_seconds * SAMPLE_RATE))
    for bar, chord in enumerate(PROGRESSION):
        start = int(bar * bar_seconds * SAMPLE_RATE)
        for beat in range(4):
            at = start + int(beat * BEAT_SECONDS * SAMPLE_RATE)
            for note in chord:
                part = 0.12 * pluck(midi_to_hz(note), BEAT_SECONDS)
                audio[at : at + len(part)] += part[: len(audio) - at]
            click = 0.05 * rng.standard_normal(int(0.01 * SAMPLE_RATE)) * np.linspace(1, 0, int(0.01 * SAMPLE_RATE))
            audio[at : at + len(click)] += click
        bass = 0.3 * pluck(midi_to_hz(chord[0] - 24), bar_seconds, brightness=3)
        audio[start : start + len(bass)] += bass[: len(audio) - start]
    audio /= 1.1 * np.abs(audio).max()
    os.makedirs(os.path.dirname(path), exist_ok=True)
    soundfile.write(path, audio.astype(np.float32), SAMPLE_RATE, subtype="PCM_16")
    print(f"wrote {path}: {len(audio) / SAMPLE_RATE:.1f} s at {SAMPLE_RATE} Hz")


if __name__ == "__main__":
    main()
