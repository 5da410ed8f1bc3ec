"""The committed madmom references (scripts/make_madmom_references.py) still describe the audio mirzoo.testing makes.

No madmom here: the audio is regenerated from its stored parameters and compared by hash, and the stored outputs
are checked for the shapes madmom's framing gives and for events that make sense.
"""

import hashlib
import json
import math
from pathlib import Path

import numpy as np
import pytest

from mirzoo.testing.signals import rhythmic_test_annotations, rhythmic_test_signal

REFERENCES = Path(__file__).parent / "data" / "madmom_references.npz"
CLIPS = ("drums120", "waltz96", "nodrums104", "drums128_22k")
ACTIVATIONS_100FPS = ("cnn_onset_activation", "rnn_onset_activation", "beat_activation", "online_beat_activation")
EVENTS = ("cnn_onsets", "rnn_onsets", "beats", "online_beats")


@pytest.fixture(scope="module")
def references():
    with np.load(REFERENCES) as data:
        return {key: data[key] for key in data.files}


def _params(references, clip):
    return json.loads(str(references[f"{clip}/params"]))


def _annotations(references, clip):
    params = _params(references, clip)
    del params["sample_rate"]
    return rhythmic_test_annotations(**params)


def test_file_lists_every_clip_and_records_its_maker(references):
    assert tuple(references["meta/clips"]) == CLIPS
    assert str(references["meta/madmom_version"]) == json.loads(str(references["meta/versions"]))["madmom"]
    assert str(references["meta/command"]).startswith("python scripts/make_madmom_references.py")
    assert REFERENCES.stat().st_size < 2 * 2**20


@pytest.mark.parametrize("clip", CLIPS)
def test_generator_still_makes_the_referenced_audio(references, clip):
    params = _params(references, clip)
    signal = rhythmic_test_signal(**params)
    assert signal.dtype == np.float32 and signal.shape == (round(params["sample_rate"] * params["seconds"]),)
    pcm = np.round(signal.astype(np.float64) * 32767).astype("<i2")  # as the script writes the WAV
    assert len(pcm) == references[f"{clip}/samples"]
    assert hashlib.sha256(pcm.tobytes()).hexdigest() == str(references[f"{clip}/pcm_sha256"]), (
        "rhythmic_test_signal no longer makes the audio the madmom references were computed on: "
        "run scripts/make_madmom_references.py")


@pytest.mark.parametrize("clip", CLIPS)
def test_activations_have_madmoms_frame_counts(references, clip):
    params = _params(references, clip)
    samples_at_44100 = int(references[f"{clip}/madmom_samples"])
    assert samples_at_44100 == round(params["seconds"] * 44100)  # madmom loads (and ffmpeg resamples) to 44.1 kHz
    frames = math.ceil(samples_at_44100 / 441)  # madmom's FramedSignal: ceil(samples / hop) frames
    for name in ACTIVATIONS_100FPS:
        activation = references[f"{clip}/{name}"]
        assert activation.dtype == np.float32 and activation.shape == (frames,), name
        assert 0 <= activation.min() and activation.max() <= 1, name
    downbeat = references[f"{clip}/downbeat_activation"]
    assert downbeat.dtype == np.float32 and downbeat.shape == (frames, 2)
    assert downbeat.min() >= 0 and downbeat.sum(axis=1).max() <= 1 + 1e-5  # [beat, downbeat] of a softmax
    chroma = references[f"{clip}/deep_chroma"]
    assert chroma.dtype == np.float32 and chroma.shape == (math.ceil(samples_at_44100 / 4410), 12)
    assert 0 <= chroma.min() and chroma.max() <= 1


@pytest.mark.parametrize("clip", CLIPS)
def test_events_are_increasing_times_inside_the_clip(references, clip):
    seconds = _params(references, clip)["seconds"]
    for name in EVENTS:
        times = references[f"{clip}/{name}"]
        assert times.ndim == 1 and len(times) > 0, name
        assert np.all(np.diff(times) > 0) and 0 <= times[0] and times[-1] < seconds, name
    downbeats = references[f"{clip}/downbeats"]
    assert downbeats.ndim == 2 and downbeats.shape[1] == 2
    times, numbers = downbeats[:, 0], downbeats[:, 1].astype(int)
    assert np.all(np.diff(times) > 0) and 0 <= times[0] and times[-1] < seconds
    meter = numbers.max()
    assert meter in (3, 4) and np.array_equal(numbers[1:], numbers[:-1] % meter + 1)  # 1, 2, .., meter, 1, ..


@pytest.mark.parametrize("clip", CLIPS)
def test_ground_truth_agrees_with_madmoms_offline_trackers(references, clip):
    """madmom, an independent oracle, finds the generator's annotated beats, bars and onsets."""
    truth = _annotations(references, clip)

    def nearest(times, targets):
        return np.abs(np.asarray(times)[:, None] - np.asarray(targets)[None, :]).min(axis=1)

    beats = references[f"{clip}/beats"]
    assert len(beats) == len(truth.beats) and nearest(truth.beats, beats).max() <= 0.07
    downbeats = references[f"{clip}/downbeats"]
    assert downbeats[:, 1].max() == np.max(truth.beat_numbers)
    detected = downbeats[downbeats[:, 1] == 1, 0]
    assert len(detected) == len(truth.downbeats) and nearest(truth.downbeats, detected).max() <= 0.07
    onsets = references[f"{clip}/rnn_onsets"]
    assert nearest(onsets, truth.onsets).max() <= 0.05  # no onset where the generator put none
    assert np.mean(nearest(truth.onsets, onsets) <= 0.05) >= 0.9
