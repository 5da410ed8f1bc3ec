"""The committed madmom references (scripts/make_madmom_references.py) still describe the audio mirzoo.testing makes.

No madmom here: the audio is regenerated from its stored parameters and compared by hash, and the stored outputs
are checked for the shapes madmom's framing gives and for events that make sense. How madmom's key, chords and
piano notes compare with the generator's ground truth is printed by the script, not asserted here.
"""

import hashlib
import json
import math
import re
from pathlib import Path

import numpy as np
import pytest

from mirzoo.testing.signals import piano_test_signal, rhythmic_test_annotations, rhythmic_test_signal

REFERENCES = Path(__file__).parent / "data" / "madmom_references.npz"
CLIPS = ("drums120", "waltz96", "nodrums104", "drums128_22k")
ACTIVATIONS_100FPS = ("cnn_onset_activation", "rnn_onset_activation", "beat_activation", "online_beat_activation")
EVENTS = ("cnn_onsets", "rnn_onsets", "beats", "online_beats")
PIANO_CLIPS = ("piano20",)
# madmom/features/key.py KEY_LABELS, the order of `key_probabilities`.
KEY_LABELS = ["A major", "Bb major", "B major", "C major", "Db major", "D major", "Eb major", "E major", "F major",
              "F# major", "G major", "Ab major", "A minor", "Bb minor", "B minor", "C minor", "C# minor", "D minor",
              "D# minor", "E minor", "F minor", "F# minor", "G minor", "G# minor"]
PROCESSORS = ("deep_chroma", "cnn_onset_activation", "rnn_onset_activation", "beat_activation",
              "online_beat_activation", "downbeat_activation", "cnn_onsets", "rnn_onsets", "beats", "online_beats",
              "downbeats", "key_probabilities", "key", "cnn_chord_features", "cnn_chords", "dc_chords",
              "piano_activations", "piano_notes")


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
    assert tuple(references["meta/piano_clips"]) == PIANO_CLIPS
    assert tuple(json.loads(str(references["meta/processors"]))) == PROCESSORS
    assert str(references["meta/madmom_version"]) == json.loads(str(references["meta/versions"]))["madmom"]
    assert str(references["meta/command"]).startswith("python scripts/make_madmom_references.py")
    assert REFERENCES.stat().st_size < 2 * 2**20


@pytest.mark.parametrize("clip", CLIPS + PIANO_CLIPS)
def test_generator_still_makes_the_referenced_audio(references, clip):
    params = _params(references, clip)
    signal = (piano_test_signal if clip in PIANO_CLIPS else rhythmic_test_signal)(**params)
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


@pytest.mark.parametrize("clip", CLIPS)
def test_key_and_chords_have_madmoms_shapes_and_labels(references, clip):
    samples_at_44100 = int(references[f"{clip}/madmom_samples"])
    probabilities = references[f"{clip}/key_probabilities"]
    assert probabilities.dtype == np.float32 and probabilities.shape == (24,)
    assert probabilities.min() >= 0 and abs(probabilities.sum() - 1) < 1e-5  # a softmax
    assert str(references[f"{clip}/key"]) == KEY_LABELS[int(np.argmax(probabilities))]
    frames = math.ceil(samples_at_44100 / 4410)  # 10 fps
    features = references[f"{clip}/cnn_chord_features"]
    assert features.dtype == np.float32 and features.shape == (frames, 128) and features.min() >= 0  # ReLU means
    for name in ("cnn_chords", "dc_chords"):
        start, end = references[f"{clip}/{name}_start"], references[f"{clip}/{name}_end"]
        labels = references[f"{clip}/{name}_label"]
        assert start.dtype == end.dtype == np.float64 and start.shape == end.shape == labels.shape, name
        # contiguous segments from 0 to the last frame's end, consecutive labels differ
        assert start[0] == 0 and np.array_equal(start[1:], end[:-1]) and np.all(end > start), name
        assert end[-1] == pytest.approx(frames / 10), name
        assert all(re.fullmatch(r"N|[A-G]#?:(maj|min)", str(label)) for label in labels), name
        assert np.all(labels[1:] != labels[:-1]), name


@pytest.mark.parametrize("clip", PIANO_CLIPS)
def test_piano_transcription_has_madmoms_shapes(references, clip):
    params = _params(references, clip)
    samples_at_44100 = int(references[f"{clip}/madmom_samples"])
    assert samples_at_44100 == round(params["seconds"] * 44100)
    activations = references[f"{clip}/piano_activations"]
    assert activations.dtype == np.float32 and activations.shape == (math.ceil(samples_at_44100 / 882), 88, 3)
    assert 0 <= activations.min() and activations.max() <= 1  # sigmoids: [note, onset, offset] per MIDI 21..108
    notes = references[f"{clip}/piano_notes"]  # [onset seconds, MIDI pitch, duration seconds]
    assert notes.dtype == np.float64 and notes.ndim == 2 and notes.shape[1] == 3 and len(notes) > 0
    onsets, pitches, durations = notes.T
    assert np.all(np.diff(onsets) >= 0) and onsets.min() >= 0 and np.all(onsets + durations <= params["seconds"])
    assert np.array_equal(pitches, np.round(pitches)) and pitches.min() >= 21 and pitches.max() <= 108
    assert np.all(durations > 0)
    assert np.allclose(onsets * 50, np.round(onsets * 50)) and np.allclose(durations * 50, np.round(durations * 50))
