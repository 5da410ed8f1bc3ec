"""Sung melodies over real accompaniment: each pair is a generated song's melody, sung by Festival + WORLD, mixed
over a random excerpt of a real recording (the Debian corpus, `mirzoo corpus debian`), and its twin, the same
excerpt alone. A voice detector trained on pairs must hear the voice, not the song.

Layout of the output folder:

    audio/<pair>_sung.flac, audio/<pair>_twin.flac   22.05 kHz mono, 16-bit
    labels/<pair>_sung.voice.npy, _twin.voice.npy      (frames, 1) at 100 fps: where the voice sounds (the twin's
                                                       all zero; `labels.sounding_frames`)
    pairs/<pair>.json                                  how the pair was made (track, excerpt, voice, level, gain)
    voice_<split>.csv                                  the frame manifest (both clips of every pair, each naming
                                                       the twin as its accompaniment)
    recipe.json                                        the arguments and counts

A pair's record is written last (renamed into place), so an interrupted build resumes where it stopped and a
finished pair is never rendered twice; every pair is drawn from its own seed, so the result does not depend on
the interruptions or on the number of processes.
"""

import dataclasses
import functools
import hashlib
import json
import multiprocessing
import os

import numpy as np
import soundfile

from mirzoo.data.manifest import ManifestEntry, write_manifest
from mirzoo.data.synth import labels as labelling
from mirzoo.data.synth import requirements
from mirzoo.data.synth.sing import sing
from mirzoo.data.synth.songs import generate_song

SAMPLE_RATE = 22050
# The voice's level over the accompaniment's, in dB of RMS over the frames where the voice sounds (its labels).
LEVELS_DB = (-12.0, 6.0)
# Festival + WORLD variety: every voice, formant stretch 0.85-1.3, melody transposed by -12..+2 semitones.
FORMANT_RANGE = (0.85, 1.3)
TRANSPOSE_SEMITONES = (-12, 2)
# The teacher whose taggrams (`mirzoo.distillation.label_with_teacher`) say where the corpus has vocals.
TEACHER = "musicnn.mtt"
# MTT tags that mean a voice is heard; an excerpt where the teacher gives any of them >= VOCAL_THRESHOLD in a patch
# it overlaps is passed over (0.8 % of the corpus's patches).
VOCAL_TAGS = ("vocal", "vocals", "singing", "voice", "male vocal", "female vocal", "male voice", "female voice",
              "woman", "man", "female", "male", "choir", "choral", "opera")
VOCAL_THRESHOLD = 0.3
# An excerpt quieter than this (RMS, dB re full scale) is passed over: a level relative to silence means nothing.
MIN_ACCOMPANIMENT_DB = -40.0
MAX_DRAWS = 200


@dataclasses.dataclass(frozen=True)
class Track:
    """A track of the Debian corpus: its FLAC file (absolute), length in seconds, the teacher's vocal score per
    taggram row (`None` without a taggram) and the seconds each row covers."""

    file: str
    seconds: float
    vocal: np.ndarray | None
    row_seconds: float | None = None


def read_tracks(corpus, split):
    """The tracks of `corpus` (a `mirzoo corpus debian` folder) in `split`, with the teacher's vocal scores.

    Raises:
        ValueError: no track of the corpus is in `split`.
    """
    from mirzoo import distillation
    from mirzoo.models.labels import MTT_LABELS

    columns = [MTT_LABELS.index(tag) for tag in VOCAL_TAGS]
    tracks = []
    for row in distillation.read_tracks(corpus):
        if row["split"] != split:
            continue
        try:
            taggram, rate = distillation.read_taggram(corpus, TEACHER, row)
            vocal, row_seconds = taggram[:, columns].max(axis=1), 1.0 / rate
        except FileNotFoundError:
            vocal, row_seconds = None, None
        tracks.append(Track(os.path.join(corpus, row["file"]), float(row["seconds"]), vocal, row_seconds))
    if not tracks:
        raise ValueError(f"{corpus}/tracks.jsonl has no track in split {split!r}.")
    return sorted(tracks, key=lambda track: track.file)


def hears_vocals(track, start, seconds):
    """Whether the teacher gives a vocal tag >= VOCAL_THRESHOLD in a taggram row that `[start, start + seconds)`
    overlaps (rows past the last one, musicnn's unscored tail, count as the last)."""
    if track.vocal is None or not len(track.vocal):
        return False
    first = int(start // track.row_seconds)
    last = int(np.ceil((start + seconds) / track.row_seconds)) - 1
    rows = np.arange(first, last + 1).clip(0, len(track.vocal) - 1)
    return bool(track.vocal[rows].max() >= VOCAL_THRESHOLD)


def _rms_db(audio):
    return 10 * np.log10(max(1e-12, float(np.mean(np.square(audio, dtype=np.float64)))))


def draw_excerpt(tracks, seconds, rng):
    """`(track, start, audio)`: a random `seconds` excerpt (start in seconds, float32 audio) of a track drawn in
    proportion to its length, passing over excerpts where the teacher hears vocals or that are nearly silent.

    Raises:
        ValueError: no track is long enough, or no usable excerpt in MAX_DRAWS draws.
    """
    usable = [track for track in tracks if track.seconds > seconds + 0.1]
    if not usable:
        raise ValueError(f"No track is longer than {seconds} s.")
    weights = np.array([track.seconds - seconds for track in usable])
    for _ in range(MAX_DRAWS):
        track = usable[rng.choice(len(usable), p=weights / weights.sum())]
        start = float(rng.uniform(0.0, track.seconds - seconds - 0.1))
        if hears_vocals(track, start, seconds):
            continue
        first = int(round(start * SAMPLE_RATE))
        audio, rate = soundfile.read(track.file, start=first, frames=int(round(seconds * SAMPLE_RATE)),
                                     dtype="float32", always_2d=True)
        if rate != SAMPLE_RATE:
            raise ValueError(f"{track.file} is at {rate} Hz; the corpus must be at {SAMPLE_RATE} Hz.")
        audio = audio.mean(axis=1)
        if len(audio) == int(round(seconds * SAMPLE_RATE)) and _rms_db(audio) >= MIN_ACCOMPANIMENT_DB:
            return track, start, audio
    raise ValueError(f"No usable excerpt of {seconds} s in {MAX_DRAWS} draws (vocals or silence everywhere).")


def voice_samples(voice_frames, samples):
    """Boolean `(samples,)`: the sample lies in a voice label frame (frames at LABEL_FRAME_RATE)."""
    index = (np.arange(samples) * labelling.LABEL_FRAME_RATE / SAMPLE_RATE).astype(int)
    return voice_frames[np.minimum(index, len(voice_frames) - 1)] > 0


def mix_over(accompaniment, voice, voiced, level_db, peak):
    """The sung mix and its twin.

    The voice is scaled by `gain` so that its RMS over the `voiced` samples is `level_db` above the
    accompaniment's RMS over the same samples; both clips are then scaled by one factor `scale` so that the
    mix peaks at `peak`: `mix = scale * (accompaniment + gain * voice)`, `twin = scale * accompaniment`.

    Args:
        accompaniment, voice: float `(samples,)`.
        voiced: boolean `(samples,)`, at least one true.
        level_db: voice-to-accompaniment level, dB.
        peak: the mix's absolute peak, in (0, 1].

    Returns:
        `(mix, twin, gain, scale)`, the clips float32.
    """
    voice_rms = np.sqrt(np.mean(np.square(voice[voiced], dtype=np.float64)))
    accompaniment_rms = np.sqrt(np.mean(np.square(accompaniment[voiced], dtype=np.float64)))
    gain = 10 ** (level_db / 20) * accompaniment_rms / max(voice_rms, 1e-12)
    mix = accompaniment.astype(np.float64) + gain * voice
    scale = peak / max(np.abs(mix).max(), 1e-12)
    return (scale * mix).astype(np.float32), (scale * accompaniment).astype(np.float32), float(gain), float(scale)


def pair_seed(split, seed, index):
    return int(hashlib.md5(f"over-real-{split}-{seed}-{index}".encode()).hexdigest(), 16) % 2**32


def _sung_melody(song_seed, seconds, rng, voices):
    """A generated song's melody sung by a random voice: `(audio, voice frames, how)`, or None when Festival
    leaves it (nearly) silent."""
    song = generate_song(song_seed, seconds, sung=True)
    melody = next(part for part in song.parts if part.sung)
    transpose = int(rng.integers(TRANSPOSE_SEMITONES[0], TRANSPOSE_SEMITONES[1] + 1))
    notes = [dataclasses.replace(note, pitch=note.pitch + transpose) for note in melody.notes]
    voice = str(rng.choice(voices))
    audio, _ = sing(notes, song.tempo, song_seed, SAMPLE_RATE, seconds, voice=voice, formant_range=FORMANT_RANGE)
    frames = labelling.sounding_frames(audio, SAMPLE_RATE, seconds)
    if frames.sum() < labelling.LABEL_FRAME_RATE:  # under a second of voice
        return None
    return audio, frames, {"song_seed": song_seed, "voice": voice, "transpose": transpose}


def _write_pair(directory, name, mix, twin, frames, record):
    for kind, audio, labels in (("sung", mix, frames), ("twin", twin, np.zeros_like(frames))):
        soundfile.write(os.path.join(directory, "audio", f"{name}_{kind}.flac"), audio, SAMPLE_RATE,
                        subtype="PCM_16")
        np.save(os.path.join(directory, "labels", f"{name}_{kind}.voice.npy"), labels)
    path = os.path.join(directory, "pairs", f"{name}.json")
    with open(path + ".tmp", "w", encoding="utf-8") as handle:
        json.dump(record, handle)
    os.replace(path + ".tmp", path)


def render_pair(index, directory, tracks, split, seconds, seed, voices, levels_db):
    """Render pair `index` (unless its record exists) and return its record."""
    name = f"pair{index:05d}"
    path = os.path.join(directory, "pairs", f"{name}.json")
    if os.path.exists(path):
        with open(path, encoding="utf-8") as handle:
            return json.load(handle)
    rng = np.random.default_rng(pair_seed(split, seed, index))
    for _ in range(10):  # another melody when Festival leaves one almost silent
        sung = _sung_melody(int(rng.integers(2**31)), seconds, rng, voices)
        if sung is not None:
            break
    else:
        raise RuntimeError(f"{name}: Festival left 10 melodies in a row (nearly) silent.")
    voice, frames, how = sung
    track, start, accompaniment = draw_excerpt(tracks, seconds, rng)
    level_db = float(rng.uniform(*levels_db))
    sounding = voice_samples(frames[:, 0], len(accompaniment))
    mix, twin, gain, scale = mix_over(accompaniment, voice, sounding, level_db, float(rng.uniform(0.3, 0.95)))
    record = {"pair": name, "split": split, "track": track.file, "start": start, "seconds": seconds,
              "level_db": level_db, "gain": gain, "scale": scale, "voice_fraction": float(frames.mean()), **how}
    _write_pair(directory, name, mix, twin, frames, record)
    return record


def build_over_real(directory, corpus, split, n_pairs, seconds=10.0, seed=0, voices=None, levels_db=LEVELS_DB,
                    processes=1, progress=True):
    """Render `n_pairs` sung melodies over excerpts of `split`'s real tracks, with their twins, and the manifest.

    Deterministic in `(split, seed)`: pair `i` is the same whatever `n_pairs` is, so a larger build extends a
    smaller one. Only tracks of `split` are read.

    Args:
        directory: output folder (layout above).
        corpus: a `mirzoo corpus debian` folder (`tracks.jsonl`, FLAC at 22.05 kHz, optionally musicnn's
            taggrams under `teacher/musicnn.mtt/`).
        split: the tracks' split, "train" or "validation".
        n_pairs: pairs (each a sung clip and its twin).
        seconds: length of every clip.
        seed: the build's identity.
        voices: Festival voices to draw from (default: all of `requirements.FESTIVAL_VOICES`).
        levels_db: `(low, high)`: the voice-to-accompaniment level is drawn uniformly from it.
        processes: rendering processes.
        progress: show a progress bar.

    Returns:
        The recipe dictionary also written to `recipe.json`.

    Raises:
        ImportError: Festival, one of the voices or pyworld is missing (with the install steps).
        ValueError: no track in `split`.
    """
    from tqdm import tqdm

    voices = tuple(voices or requirements.FESTIVAL_VOICES)
    requirements.require("mirzoo corpus over-real", sung=True, voices=voices)
    tracks = read_tracks(corpus, split)
    for folder in ("audio", "labels", "pairs"):
        os.makedirs(os.path.join(directory, folder), exist_ok=True)
    render = functools.partial(render_pair, directory=directory, tracks=tracks, split=split, seconds=seconds,
                               seed=seed, voices=voices, levels_db=tuple(levels_db))
    if processes == 1:
        records = [render(index) for index in tqdm(range(n_pairs), unit="pair", disable=not progress)]
    else:
        with multiprocessing.get_context("spawn").Pool(processes) as pool:
            records = list(tqdm(pool.imap(render, range(n_pairs)), total=n_pairs, unit="pair", disable=not progress))
    # Both clips name the twin as their accompaniment: the sung clip's voice is their difference, the twin's none.
    entries = [ManifestEntry(os.path.join(directory, "audio", f"{record['pair']}_{kind}.flac"),
                             frame_labels=os.path.join(directory, "labels", f"{record['pair']}_{kind}.voice.npy"),
                             frame_rate=labelling.LABEL_FRAME_RATE,
                             accompaniment=os.path.join(directory, "audio", f"{record['pair']}_twin.flac"))
               for record in records for kind in ("sung", "twin")]
    write_manifest(entries, os.path.join(directory, f"voice_{split}.csv"))
    recipe = {"corpus": os.path.abspath(corpus), "split": split, "n_pairs": n_pairs, "seconds": seconds, "seed": seed,
              "voices": list(voices), "levels_db": list(levels_db), "formant_range": list(FORMANT_RANGE),
              "transpose_semitones": list(TRANSPOSE_SEMITONES), "vocal_tags": list(VOCAL_TAGS),
              "vocal_threshold": VOCAL_THRESHOLD, "min_accompaniment_db": MIN_ACCOMPANIMENT_DB,
              "voice_label_floor_db": labelling.SOUNDING_FLOOR_DB,
              "tracks_used": len({record["track"] for record in records}),
              "voice_fraction": float(np.mean([record["voice_fraction"] for record in records]))}
    with open(os.path.join(directory, "recipe.json"), "w", encoding="utf-8") as handle:
        json.dump(recipe, handle, indent=2)
    return recipe
