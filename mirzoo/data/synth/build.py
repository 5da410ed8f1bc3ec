"""`build_corpus`: render songs to FLAC with their labels and write one manifest per task and split.

Layout of the output folder:

    audio/<clip>.flac                 22.05 kHz mono, 16-bit
    labels/<clip>.chroma.npy          (frames, 12) at 100 fps
    labels/<clip>.voice.npy           (frames, 1) at 100 fps
    tags_<split>.csv                  tagging manifests (12 instrument families)
    chroma_<split>.csv, voice_<split>.csv   frame manifests
    corpus.json                       the recipe: arguments, counts, soundfonts

Splits are by song (a sung clip and its instrumental twin share one): `test` when
md5(song) % 100 < 10, `validation` when < 20, else `train`. Every part of a song is
played by a soundfont drawn from `TRAIN_SOUNDFONTS` (three independent timbre sets).
The test songs are also rendered with the held-out soundfont, which training never
hears (`*_test_heldout.csv`).
"""

import functools
import hashlib
import json
import multiprocessing
import os

import numpy as np
import soundfile

from mirzoo.data.manifest import ManifestEntry, write_manifest
from mirzoo.data.synth import labels as labelling
from mirzoo.data.synth.render import render
from mirzoo.data.synth.sing import sing
from mirzoo.data.synth.songs import generate_song, instrumental_twin

SAMPLE_RATE = 22050
SOUNDFONTS = "/usr/share/sounds/sf2"
# FluidR3 (sampled, Debian fluid-soundfont-gm), Csound's GM bank (sampled, csound-soundfont) and an
# OPL3 FM-synthesis bank (opl3-soundfont): each part of a song draws one of them.
TRAIN_SOUNDFONTS = (f"{SOUNDFONTS}/FluidR3_GM.sf2", f"{SOUNDFONTS}/sf_GMbank.sf2", f"{SOUNDFONTS}/OPL-3_FM_128M.sf2")
HELDOUT_SOUNDFONT = f"{SOUNDFONTS}/TimGM6mb.sf2"


def split_of(song_index):
    bucket = int(hashlib.md5(f"song-{song_index}".encode()).hexdigest(), 16) % 100
    return "test" if bucket < 10 else "validation" if bucket < 20 else "train"


def _random_eq(audio, rng):
    """A smooth random tilt and bump in the spectrum (timbre variety between clips), ±6 dB."""
    spectrum = np.fft.rfft(audio)
    position = np.linspace(0.0, 1.0, len(spectrum))
    tilt = rng.uniform(-6, 6) * (position - 0.5)
    bump = rng.uniform(-6, 6) * np.exp(-0.5 * ((position - rng.uniform(0.05, 0.6)) / rng.uniform(0.03, 0.2)) ** 2)
    return np.fft.irfft(spectrum * 10 ** ((tilt + bump) / 20), len(audio)).astype(np.float32)


def _mix(instruments, voice, rng):
    mix = instruments / max(1e-6, np.abs(instruments).max())
    if voice is not None:
        mix = mix + rng.uniform(0.6, 1.1) * voice / max(1e-6, np.abs(voice).max())
    return mix


def _write_clip(directory, clip, song, audio, sung_f0, rng, equalise):
    if equalise:
        audio = _random_eq(audio, rng)
    audio = audio / max(1e-6, np.abs(audio).max()) * rng.uniform(0.3, 0.95)
    path = os.path.join(directory, "audio", f"{clip}.flac")
    soundfile.write(path, audio.astype(np.float32), SAMPLE_RATE, subtype="PCM_16")
    chroma_path = os.path.join(directory, "labels", f"{clip}.chroma.npy")
    voice_path = os.path.join(directory, "labels", f"{clip}.voice.npy")
    np.save(chroma_path, labelling.chroma_frames(song, sung_f0))
    np.save(voice_path, labelling.voice_frames(song, sung_f0))
    return {"audio": path, "tags": labelling.tags(song, sung_f0), "chroma": chroma_path, "voice": voice_path}


def _render_song(index, directory, seconds, sung_fraction, seed):
    """All clips of one song: (split, clips), each clip a dict of paths and tags."""
    song_seed = seed * 1_000_003 + index
    rng = np.random.default_rng(song_seed)
    sung = rng.random() < sung_fraction
    song = generate_song(song_seed, seconds, sung=sung)
    split = split_of(index)
    part_fonts = [str(rng.choice(TRAIN_SOUNDFONTS)) for _ in song.parts]
    fonts = [("", part_fonts)] + ([("heldout", HELDOUT_SOUNDFONT)] if split == "test" else [])
    voice, f0 = None, None
    if sung:
        melody = next(part for part in song.parts if part.sung)
        voice, f0 = sing(melody.notes, song.tempo, song_seed, SAMPLE_RATE, seconds)
    clips = []
    for variant, font in fonts:
        equalise = split == "train"
        name = f"song{index:05d}" + (f"_{variant}" if variant else "")
        instruments = render(song, font, SAMPLE_RATE)
        clips.append((variant, _write_clip(directory, name + ("_sung" if sung else ""), song,
                                           _mix(instruments, voice, rng), f0, rng, equalise)))
        if sung:  # the instrumental twin: the melody on an instrument, same accompaniment and soundfonts
            twin = instrumental_twin(song, song_seed + 1)
            clips.append((variant, _write_clip(directory, name + "_twin", twin, render(twin, font, SAMPLE_RATE),
                                               None, rng, equalise)))
    return split, clips


def build_corpus(directory, n_songs=1000, seconds=15.0, sung_fraction=0.3, seed=0, processes=2, progress=True):
    """Render `n_songs` generated songs (sung ones with their twins) and write the manifests.

    Deterministic in `seed` (the same arguments give the same audio and labels).

    Returns:
        The recipe dictionary also written to `corpus.json`.
    """
    from tqdm import tqdm

    os.makedirs(os.path.join(directory, "audio"), exist_ok=True)
    os.makedirs(os.path.join(directory, "labels"), exist_ok=True)
    work = functools.partial(_render_song, directory=directory, seconds=seconds, sung_fraction=sung_fraction,
                             seed=seed)
    manifests = {}
    with multiprocessing.get_context("spawn").Pool(processes) as pool:
        for split, clips in tqdm(pool.imap(work, range(n_songs)), total=n_songs, unit="song", disable=not progress):
            for variant, clip in clips:
                key = split + ("_heldout" if variant else "")
                manifests.setdefault(key, []).append(clip)
    counts = {}
    for key, clips in sorted(manifests.items()):
        counts[key] = len(clips)
        write_manifest([ManifestEntry(c["audio"], tuple(c["tags"])) for c in clips],
                       os.path.join(directory, f"tags_{key}.csv"))
        for task in ("chroma", "voice"):
            write_manifest([ManifestEntry(c["audio"], frame_labels=c[task], frame_rate=labelling.LABEL_FRAME_RATE)
                            for c in clips], os.path.join(directory, f"{task}_{key}.csv"))
    recipe = {"n_songs": n_songs, "seconds": seconds, "sung_fraction": sung_fraction, "seed": seed,
              "sample_rate": SAMPLE_RATE, "train_soundfonts": [os.path.basename(f) for f in TRAIN_SOUNDFONTS],
              "heldout_soundfont": os.path.basename(HELDOUT_SOUNDFONT), "clips": counts}
    with open(os.path.join(directory, "corpus.json"), "w", encoding="utf-8") as handle:
        json.dump(recipe, handle, indent=2)
    return recipe
