"""Render songs with FluidSynth (in process, through pyfluidsynth): mono float32 audio."""

import numpy as np

from mirzoo.data.synth import requirements

DRUM_CHANNEL = 9
DRUM_BANK = 128
MELODIC_CHANNELS = 15  # 16 MIDI channels less the drum channel


def render(song, soundfonts, sample_rate=22050, skip_sung=True):
    """Play every part of `song` (except sung parts, which a singer performs).

    Each call starts a fresh synthesizer and loads the soundfonts it needs (0.2–0.5 s
    each): a reused one keeps state (voice allocation, block phase) that changes the
    output by up to ~2 %, and the corpus must be bit-for-bit reproducible.

    Args:
        song: a :class:`~mirzoo.data.synth.songs.Song`.
        soundfonts: the path of a `.sf2` General MIDI soundfont for every part, or a
            sequence with one path per part of `song.parts` (timbre variety within a song).
        sample_rate: Hz.
        skip_sung: leave out parts marked `sung`.

    Returns:
        float32 `(round(song.seconds * sample_rate),)`, unnormalised.

    Raises:
        ImportError: pyfluidsynth, FluidSynth's library or a soundfont is missing (with the install step).
    """
    if isinstance(soundfonts, str):
        soundfonts = [soundfonts] * len(song.parts)
    if len(soundfonts) != len(song.parts):
        raise ValueError(f"{len(soundfonts)} soundfonts for {len(song.parts)} parts.")
    requirements.require("Rendering with FluidSynth", sorted(set(soundfonts)))
    import fluidsynth

    melodic = sum(not part.is_drum and not (part.sung and skip_sung) for part in song.parts)
    if melodic > MELODIC_CHANNELS:
        raise ValueError(f"{melodic} melodic parts; FluidSynth has {MELODIC_CHANNELS} melodic channels.")
    synth = fluidsynth.Synth(samplerate=float(sample_rate), gain=0.5)
    # No reverb or chorus: note-off must end the sound about when the labels say.
    synth.setting("synth.reverb.active", 0)
    synth.setting("synth.chorus.active", 0)
    try:
        fonts = {}
        events = []
        melodic_channel = 0
        for part, soundfont in zip(song.parts, soundfonts):
            if part.sung and skip_sung:
                continue
            if soundfont not in fonts:
                fonts[soundfont] = synth.sfload(soundfont)
                if fonts[soundfont] < 0:
                    raise RuntimeError(f"FluidSynth cannot load the soundfont {soundfont}.")
            font = fonts[soundfont]
            if part.is_drum:
                channel = DRUM_CHANNEL
                synth.program_select(channel, font, DRUM_BANK, 0)
            else:
                channel = melodic_channel if melodic_channel < DRUM_CHANNEL else melodic_channel + 1
                melodic_channel += 1
                synth.program_select(channel, font, 0, part.program)
            for note in part.notes:
                events.append((note.start, 1, channel, note.pitch, note.velocity))
                events.append((note.end, 0, channel, note.pitch, 0))
        events.sort(key=lambda event: (event[0], event[1]))
        total = int(round(song.seconds * sample_rate))
        chunks, position = [], 0
        for time, is_on, channel, pitch, velocity in events:
            sample = min(total, int(round(time * sample_rate)))
            if sample > position:
                chunks.append(synth.get_samples(sample - position))
                position = sample
            if is_on:
                synth.noteon(channel, pitch, velocity)
            else:
                synth.noteoff(channel, pitch)
        if total > position:
            chunks.append(synth.get_samples(total - position))
    finally:
        synth.delete()
    stereo = np.concatenate(chunks).astype(np.float32).reshape(-1, 2) / 32768.0
    return stereo.mean(axis=1)
