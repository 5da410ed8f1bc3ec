"""Tiny, learnable, generated corpora for tests, examples and benchmarks: tagging clips, and voice pairs."""

import os

import numpy as np
import soundfile

from mirzoo.data.manifest import ManifestEntry, write_manifest


def write_tagging_corpus(directory, n_clips=24, sample_rate=16000, seconds=3.0, seed=0, split=0.75):
    """Write clips whose tags are audible: "piano" = a sustained harmonic tone, "drums" = noise bursts.

    Each clip has neither, one or both (in turn), over a faint noise floor, so
    a tagger learns them in a few epochs.

    Args:
        directory: folder for the WAVs (16-bit) and the manifests.
        n_clips: clips in all.
        sample_rate: Hz.
        seconds: clip length.
        seed: the clips' randomness.
        split: fraction of clips in `train.csv`; the rest go to `validation.csv`.

    Returns:
        `(train_manifest, validation_manifest)` paths.
    """
    os.makedirs(directory, exist_ok=True)
    rng = np.random.default_rng(seed)
    t = np.arange(int(sample_rate * seconds)) / sample_rate
    entries = []
    for index in range(n_clips):
        audio = 0.003 * rng.standard_normal(len(t))
        labels = []
        if index % 4 in (1, 3):
            f0 = rng.uniform(150.0, 600.0)
            audio += sum(0.2 / k * np.sin(2 * np.pi * k * f0 * t) for k in range(1, 6))
            labels.append("piano")
        if index % 4 in (2, 3):
            onsets = rng.choice(len(t) - 2000, size=int(4 * seconds), replace=False)
            burst = rng.standard_normal(2000) * np.exp(-np.arange(2000) / 300.0)
            for onset in onsets:
                audio[onset : onset + 2000] += 0.5 * burst
            labels.append("drums")
        path = os.path.join(directory, f"clip_{index:03d}.wav")
        soundfile.write(path, np.clip(audio, -1.0, 1.0).astype(np.float32), sample_rate, subtype="PCM_16")
        entries.append(ManifestEntry(os.path.abspath(path), tuple(labels)))
    cut = int(round(split * n_clips))
    return (write_manifest(entries[:cut], os.path.join(directory, "train.csv")),
            write_manifest(entries[cut:], os.path.join(directory, "validation.csv")))


def write_voice_pairs(directory, n_pairs=4, sample_rate=22050, seconds=6.0):
    """Write pairs of a "sung" clip and its twin, the same accompaniment without the voice, and their manifest.

    Pair `i`'s accompaniment is a tone at 200 + 50 i Hz (amplitude 0.3), its voice a tone at 1000 + 130 i Hz
    (amplitude 0.05 + 0.1 i) sounding from 0.5 s to `seconds` - 0.5 s. The sung clips are 16-bit WAVs, the twins
    16-bit FLACs; the frame labels (one column, "voice", 100 fps) mark the voice, none in a twin. Both rows of a
    pair name the twin as their accompaniment (`mirzoo.data.manifest`).

    Returns:
        The path of `voice.csv`, the sung clip's row first in each pair.
    """
    os.makedirs(directory, exist_ok=True)
    time = np.arange(int(seconds * sample_rate)) / sample_rate
    frames = int(seconds * 100)
    labels = np.zeros((frames, 1), np.float32)
    labels[50 : frames - 50] = 1.0
    np.save(os.path.join(directory, "sung.npy"), labels)
    np.save(os.path.join(directory, "twin.npy"), np.zeros_like(labels))
    sounding = (time >= 0.5) & (time < seconds - 0.5)
    entries = []
    for index in range(n_pairs):
        accompaniment = 0.3 * np.sin(2 * np.pi * (200 + 50 * index) * time)
        voice = (0.05 + 0.1 * index) * np.sin(2 * np.pi * (1000 + 130 * index) * time) * sounding
        twin = os.path.join(directory, f"{index}_twin.flac")
        sung = os.path.join(directory, f"{index}_sung.wav")
        soundfile.write(twin, accompaniment, sample_rate, subtype="PCM_16")
        soundfile.write(sung, accompaniment + voice, sample_rate, subtype="PCM_16")
        for audio, table in ((sung, "sung.npy"), (twin, "twin.npy")):
            entries.append(ManifestEntry(audio, frame_labels=os.path.join(directory, table), frame_rate=100.0,
                                         accompaniment=twin))
    path = os.path.join(directory, "voice.csv")
    write_manifest(entries, path)
    return path
