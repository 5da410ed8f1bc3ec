"""`build_corpus`: render songs to FLAC with their labels and write one manifest per task and split.

Layout of the output folder:

    audio/<clip>.flac                 22.05 kHz mono, 16-bit
    labels/<clip>.chroma.npy          (frames, 12) at 100 fps
    labels/<clip>.voice.npy           (frames, 1) at 100 fps
    midi/                             the music21 works' MIDI cache (`n_works > 0`)
    tags_<split>.csv                  tagging manifests (12 instrument families)
    chroma_<split>.csv, voice_<split>.csv   frame manifests
    corpus.json                       the recipe: arguments, counts, soundfonts

Clips are `song<i>` (generated songs; `_sung` and `_twin` for a sung one and its instrumental
twin) and `work<i>` (an excerpt of a music21 work, `scores`). Splits are by source piece (a sung
clip and its twin share one): `test` when md5(song or work) % 100 < 10, `validation` when < 20,
else `train`. Every part of a clip is played by a soundfont drawn from `TRAIN_SOUNDFONTS`
(three independent timbre sets). The test clips are also rendered with the held-out
soundfont, which training never hears (`*_test_heldout.csv`).
"""

import functools
import hashlib
import json
import multiprocessing
import os
import shutil

import numpy as np
import soundfile

from mirzoo.data.manifest import ManifestEntry, write_manifest
from mirzoo.data.synth import labels as labelling
from mirzoo.data.synth import requirements, scores
from mirzoo.data.synth.render import render
from mirzoo.data.synth.sing import sing
from mirzoo.data.synth.songs import generate_song, instrumental_twin

SAMPLE_RATE = 22050
SOUNDFONTS = "/usr/share/sounds/sf2"
# FluidR3 (sampled, Debian fluid-soundfont-gm), Csound's GM bank (sampled, csound-soundfont) and an
# OPL3 FM-synthesis bank (opl3-soundfont): each part of a song draws one of them.
TRAIN_SOUNDFONTS = (f"{SOUNDFONTS}/FluidR3_GM.sf2", f"{SOUNDFONTS}/sf_GMbank.sf2", f"{SOUNDFONTS}/OPL-3_FM_128M.sf2")
HELDOUT_SOUNDFONT = f"{SOUNDFONTS}/TimGM6mb.sf2"


def split_of(group):
    """"train", "validation" or "test" for a source piece (`"song-12"`, `"work-bach/bwv10.7.mxl"`)."""
    bucket = int(hashlib.md5(group.encode()).hexdigest(), 16) % 100
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


def _write_clip(directory, clip, song, audio, rng, equalise, voice=None, sung_f0=None):
    if equalise:
        audio = _random_eq(audio, rng)
    audio = audio / max(1e-6, np.abs(audio).max()) * rng.uniform(0.3, 0.95)
    path = os.path.join(directory, "audio", f"{clip}.flac")
    soundfile.write(path, audio.astype(np.float32), SAMPLE_RATE, subtype="PCM_16")
    chroma_path = os.path.join(directory, "labels", f"{clip}.chroma.npy")
    voice_path = os.path.join(directory, "labels", f"{clip}.voice.npy")
    np.save(chroma_path, labelling.chroma_frames(song, sung_f0))
    np.save(voice_path, labelling.voice_frames(song, voice, SAMPLE_RATE))
    return {"audio": path, "tags": labelling.tags(song, sung_f0), "chroma": chroma_path, "voice": voice_path}


def _render_clips(directory, name, song, split, rng, voice=None, f0=None, twin=None):
    """Render `song` (mixed with a sung `voice`, and its instrumental `twin`) with a training soundfont per part,
    and test songs again with the held-out soundfont: a list of (variant, clip)."""
    part_fonts = [str(rng.choice(TRAIN_SOUNDFONTS)) for _ in song.parts]
    fonts = [("", part_fonts)] + ([("heldout", HELDOUT_SOUNDFONT)] if split == "test" else [])
    clips = []
    for variant, font in fonts:
        equalise = split == "train"
        stem = name + (f"_{variant}" if variant else "")
        instruments = render(song, font, SAMPLE_RATE)
        clips.append((variant, _write_clip(directory, stem + ("_sung" if voice is not None else ""), song,
                                           _mix(instruments, voice, rng), rng, equalise, voice, f0)))
        if twin is not None:  # the same accompaniment and soundfonts, the melody on an instrument
            clips.append((variant, _write_clip(directory, stem + "_twin", twin, render(twin, font, SAMPLE_RATE),
                                               rng, equalise)))
    return clips


def _render_song(index, directory, seconds, sung_fraction, seed):
    """All clips of one generated song: (split, clips), each clip a dict of paths and tags."""
    song_seed = seed * 1_000_003 + index
    rng = np.random.default_rng(song_seed)
    sung = rng.random() < sung_fraction
    song = generate_song(song_seed, seconds, sung=sung)
    split = split_of(f"song-{index}")
    voice, f0, twin = None, None, None
    if sung:
        melody = next(part for part in song.parts if part.sung)
        voice, f0 = sing(melody.notes, song.tempo, song_seed, SAMPLE_RATE, seconds)
        twin = instrumental_twin(song, song_seed + 1)
    return split, _render_clips(directory, f"song{index:05d}", song, split, rng, voice, f0, twin)


def _work_excerpt(item, seconds, seed, midi_cache):
    """The excerpt (a Song) of one music21 work, or `None` for a work that is not polyphony or has no note in
    its excerpt."""
    index, work = item
    path = scores.cached_midi(work, midi_cache)
    if path is None:
        return None
    song = scores.excerpt(scores.read_parts(path), _work_seed(seed, index), seconds)
    return song if song.parts else None


def _work_seed(seed, index):
    return int(hashlib.md5(f"work-{seed}-{index}".encode()).hexdigest(), 16) % 2**32


def _render_work(chosen, directory, seed):
    """All clips of one excerpt of a music21 work, given as (index, work, song): (split, clips)."""
    index, work, song = chosen
    split = split_of(f"work-{work}")
    rng = np.random.default_rng(_work_seed(seed, index))
    return split, _render_clips(directory, f"work{index:05d}", song, split, rng)


def _usable_works(pool, processes, n_works, seconds, seed, midi_cache, progress):
    """The first `n_works` (index, work, excerpt) of a seeded order of the music21 works whose excerpt has notes."""
    from tqdm import tqdm

    candidates = scores.list_works()
    order = [(int(i), candidates[i]) for i in np.random.default_rng(seed).permutation(len(candidates))]
    check = functools.partial(_work_excerpt, seconds=seconds, seed=seed, midi_cache=midi_cache)
    usable, batch = [], 8 * processes
    with tqdm(total=n_works, unit="work", desc="parsing", disable=not progress) as bar:
        for start in range(0, len(order), batch):  # whole batches: no parse is cut off half-way
            chunk = order[start : start + batch]
            found = [(*item, song) for item, song in zip(chunk, pool.map(check, chunk)) if song is not None]
            usable += found
            bar.update(min(len(found), n_works - bar.n))
            if len(usable) >= n_works:
                return usable[:n_works]
    raise ValueError(f"The music21 corpus has {len(usable)} usable works; {n_works} were asked for.")


def build_corpus(directory, n_songs=1000, seconds=15.0, sung_fraction=0.3, seed=0, processes=2, progress=True,
                 n_works=0, midi_cache=None):
    """Render `n_songs` generated songs (sung ones with their twins) and `n_works` excerpts of music21 works,
    and write the manifests.

    Deterministic in `seed` (the same arguments and music21 version give the same audio and labels).

    Args:
        directory: output folder (layout above).
        n_songs: generated songs.
        seconds: length of every clip.
        sung_fraction: probability that a generated song's melody is sung.
        seed: the corpus's identity.
        processes: rendering processes.
        progress: show progress bars.
        n_works: excerpts of the music21 corpus's multi-part works, one per work, taken in a
            seeded order (works with fewer than two parts are passed over; see `scores`).
        midi_cache: folder of the works' MIDI cache (default `directory/midi`); the first
            build parses each work with music21 (about 1 CPU-s a work), later builds reuse it.

    Returns:
        The recipe dictionary also written to `corpus.json`.

    Raises:
        ImportError: a Python package, library, soundfont or Festival voice the build needs is missing
            (all of them named with their install steps; raised before anything is written).

    A build that fails (or is interrupted) removes the folders it created, the MIDI cache included.
    """
    soundfonts = (*TRAIN_SOUNDFONTS, HELDOUT_SOUNDFONT) if n_songs or n_works else ()
    requirements.require("mirzoo corpus build", soundfonts, sung=n_songs > 0 and sung_fraction > 0, works=n_works > 0)
    if n_works:
        midi_cache = midi_cache or os.path.join(directory, "midi")
    folders = [os.path.join(directory, "audio"), os.path.join(directory, "labels"), *([midi_cache] if n_works else [])]
    created = {_outermost_missing(folder) for folder in folders} - {None}
    for folder in folders:
        os.makedirs(folder, exist_ok=True)
    try:
        recipe = _render_corpus(directory, n_songs, seconds, sung_fraction, seed, processes, progress, n_works,
                                midi_cache)
    except BaseException:  # a build that cannot finish leaves none of the folders it made
        for folder in created:
            shutil.rmtree(folder, ignore_errors=True)
        raise
    return recipe


def _outermost_missing(path):
    """The outermost folder that `os.makedirs(path)` would create (`path` or one of its parents), or None."""
    path, outermost = os.path.abspath(path), None
    while not os.path.exists(path):
        path, outermost = os.path.dirname(path), path
    return outermost


def _render_corpus(directory, n_songs, seconds, sung_fraction, seed, processes, progress, n_works, midi_cache):
    """`build_corpus` once its folders exist: render, then write the manifests and `corpus.json`."""
    from tqdm import tqdm

    render_song = functools.partial(_render_song, directory=directory, seconds=seconds, sung_fraction=sung_fraction,
                                    seed=seed)
    manifests = {}

    def add(split, clips):
        for variant, clip in clips:
            manifests.setdefault(split + ("_heldout" if variant else ""), []).append(clip)

    works = {}
    with multiprocessing.get_context("spawn").Pool(processes) as pool:
        for split, clips in tqdm(pool.imap(render_song, range(n_songs)), total=n_songs, unit="song",
                                 disable=not progress):
            add(split, clips)
        if n_works:
            chosen = _usable_works(pool, processes, n_works, seconds, seed, midi_cache, progress)
            works = {f"work{index:05d}": work for index, work, _ in chosen}
            render_work = functools.partial(_render_work, directory=directory, seed=seed)
            for split, clips in tqdm(pool.imap(render_work, chosen), total=n_works, unit="work", desc="rendering",
                                     disable=not progress):
                add(split, clips)
    counts = {}
    for key, clips in sorted(manifests.items()):
        counts[key] = len(clips)
        write_manifest([ManifestEntry(c["audio"], tuple(c["tags"])) for c in clips],
                       os.path.join(directory, f"tags_{key}.csv"))
        for task in ("chroma", "voice"):
            write_manifest([ManifestEntry(c["audio"], frame_labels=c[task], frame_rate=labelling.LABEL_FRAME_RATE)
                            for c in clips], os.path.join(directory, f"{task}_{key}.csv"))
    recipe = {"n_songs": n_songs, "n_works": n_works, "seconds": seconds, "sung_fraction": sung_fraction,
              "seed": seed, "sample_rate": SAMPLE_RATE,
              "train_soundfonts": [os.path.basename(f) for f in TRAIN_SOUNDFONTS],
              "heldout_soundfont": os.path.basename(HELDOUT_SOUNDFONT), "clips": counts}
    if n_works:
        from music21 import VERSION_STR

        recipe.update(music21=VERSION_STR, composers=list(scores.COMPOSERS), works=works)
    with open(os.path.join(directory, "corpus.json"), "w", encoding="utf-8") as handle:
        json.dump(recipe, handle, indent=2)
    return recipe
