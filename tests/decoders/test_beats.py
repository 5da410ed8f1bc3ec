"""track_beats and OnlineBeatTracker against madmom's DBNBeatTrackingProcessor (offline Viterbi, and online forward
fed frame by frame): on madmom's own network activations with the beats its processor found (stored, no madmom
needed), and on synthetic activations with madmom itself as the oracle; estimate_tempo against closed forms."""

import pathlib
import warnings

import numpy as np
import pytest

from mirzoo.decoders import OnlineBeatTracker, estimate_tempo, track_beats
from mirzoo.decoders.beats import BarStateSpace, tempo_intervals

REFERENCES = pathlib.Path(__file__).parents[1] / "models" / "data" / "madmom_references.npz"


def beat_curve(frames, seed, bpm=(120.0, 120.0), missing=0.0, off_beats=0.0, noise=0.1, width=1.5, gain=0.9):
    """A beat-network-like activation at 100 fps: a peak per beat on a tempo sliding from bpm[0] to bpm[1], some
    beats missing, some weaker off-beat peaks, uniform noise; float32 in [0, 1] like a network's output."""
    rng = np.random.default_rng(seed)
    tempo = np.linspace(bpm[0], bpm[1], frames)
    phase = np.cumsum(tempo / 60.0 / 100.0) + rng.uniform(0, 1)
    to_beat = np.abs(phase - np.round(phase)) * 100 * 60 / tempo  # frames to the nearest beat
    to_off_beat = np.abs(phase - np.floor(phase) - 0.5) * 100 * 60 / tempo
    beat = np.round(phase).astype(int)
    kept = rng.random(beat.max() + 1) >= missing
    off_beat = rng.random(beat.max() + 1) < off_beats
    curve = gain * np.exp(-0.5 * (to_beat / width) ** 2) * kept[beat]
    off_beat_curve = 0.4 * gain * np.exp(-0.5 * (to_off_beat / width) ** 2) * off_beat[np.floor(phase).astype(int)]
    curve = np.maximum(curve, off_beat_curve)
    return np.clip(curve + noise * rng.random(frames), 0, 1).astype(np.float32)


def madmom_offline(activations, fps=100, **parameters):
    from madmom.features.beats import DBNBeatTrackingProcessor

    with warnings.catch_warnings():
        warnings.simplefilter("ignore", RuntimeWarning)  # log(0) and "-inf log probability" warnings
        return DBNBeatTrackingProcessor(fps=fps, **parameters)(activations)


def madmom_online(activations, **parameters):
    from madmom.features.beats import DBNBeatTrackingProcessor

    tracker = DBNBeatTrackingProcessor(fps=100, online=True, **parameters)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", RuntimeWarning)
        return np.concatenate([tracker.process_online(activations[i:i + 1], reset=False)
                               for i in range(len(activations))])


def test_the_default_state_space_is_madmoms():
    space = BarStateSpace(tempo_intervals(100, 55, 215), 1, 100, 16)
    assert (space.intervals[0], space.intervals[-1], len(space.intervals), space.num_states) == (28, 109, 82, 5617)


def test_madmoms_network_activations_give_the_beats_madmom_found():
    references = np.load(REFERENCES)
    for clip in references["meta/clips"]:
        np.testing.assert_array_equal(track_beats(references[f"{clip}/beat_activation"], 100),
                                      references[f"{clip}/beats"], err_msg=str(clip))
        online = OnlineBeatTracker(100).process(references[f"{clip}/online_beat_activation"])
        np.testing.assert_array_equal(online, references[f"{clip}/online_beats"], err_msg=str(clip))


@pytest.mark.parametrize("curve, parameters", [
    ({"bpm": (120, 120)}, {}),
    ({"bpm": (90, 150), "noise": 0.3}, {}),  # a tempo ramp
    ({"bpm": (75, 75), "missing": 0.3, "off_beats": 0.5, "noise": 0.2}, {}),
    ({"bpm": (170, 130), "missing": 0.1, "noise": 0.35, "gain": 0.6, "width": 2.5}, {"correct": False}),
    ({"bpm": (100, 110), "off_beats": 0.8}, {"num_tempi": 40, "transition_lambda": 30}),
    ({"bpm": (60, 66), "noise": 0.05}, {"threshold": 0.3, "observation_lambda": 8}),
    ({"bpm": (140, 140), "noise": 0.0, "gain": 1.3, "width": 1.0}, {"min_bpm": 80, "max_bpm": 180}),  # 0s, 1s
])
def test_synthetic_activations_give_madmoms_beats(madmom, curve, parameters):
    activations = beat_curve(2000, seed=len(str(curve)), **curve)
    expected = madmom_offline(activations, **parameters)
    assert len(expected) > 10
    np.testing.assert_array_equal(track_beats(activations, 100, **parameters), expected)
    activations = activations.astype(np.float64)  # madmom then takes its logarithms in float64, and so do we
    expected = madmom_offline(activations, **parameters)
    np.testing.assert_array_equal(track_beats(activations, 100, **parameters), expected)


def test_other_frame_rates_give_madmoms_beats(madmom):
    activations = beat_curve(1500, seed=3, bpm=(100, 120), noise=0.2)[::2]  # 50 fps
    expected = madmom_offline(activations, fps=50)
    assert len(expected) > 10
    np.testing.assert_array_equal(track_beats(activations, 50), expected)


def test_madmoms_empty_results_are_reproduced(madmom):
    silence = np.zeros(500, np.float32)
    assert len(track_beats(silence, 100)) == 0 and len(madmom_offline(silence)) == 0
    # Only frame 0 reaches the threshold: madmom's thresholding then keeps nothing.
    first_only = np.full(500, 0.1, np.float32)
    first_only[0] = 0.9
    assert len(track_beats(first_only, 100, threshold=0.5)) == 0
    assert len(madmom_offline(first_only, threshold=0.5)) == 0
    # A binary pulse: no beat state can last the several frames each beat needs, so no path is possible.
    pulse = np.zeros(500, np.float32)
    pulse[::50] = 1.0
    assert len(track_beats(pulse, 100)) == 0 and len(madmom_offline(pulse)) == 0


@pytest.mark.parametrize("curve, parameters", [
    ({"bpm": (95, 135), "noise": 0.3, "missing": 0.1}, {}),
    ({"bpm": (150, 150), "off_beats": 0.6, "noise": 0.2}, {"num_tempi": 50, "max_bpm": 190}),
])
def test_online_tracking_gives_madmoms_frame_by_frame_beats(madmom, curve, parameters):
    activations = beat_curve(1500, seed=11, **curve)
    expected = madmom_online(activations, **parameters)
    assert len(expected) > 10
    np.testing.assert_array_equal(OnlineBeatTracker(100, **parameters).process(activations), expected)


def test_online_tracking_does_not_depend_on_how_the_stream_is_split():
    activations = beat_curve(1200, seed=5, bpm=(110, 90), noise=0.3, missing=0.2)
    tracker = OnlineBeatTracker(100)
    whole = tracker.process(activations)
    assert tracker.frames_seen == 1200 and len(whole) > 10
    rng = np.random.default_rng(0)
    for _ in range(3):
        tracker.reset()
        cuts = np.sort(rng.choice(np.arange(1, 1200), 30, replace=False))
        blocks = np.split(activations, cuts) + [np.zeros(0, np.float32)]
        np.testing.assert_array_equal(np.concatenate([tracker.process(block) for block in blocks]), whole)
    tracker.reset()
    frame_by_frame = [tracker.process(value) for value in activations[:400]]  # scalars: one frame each
    np.testing.assert_array_equal(np.concatenate(frame_by_frame), whole[whole < 4.0])
    # Each block reports its own beats, in stream time.
    tracker.reset()
    first, second = tracker.process(activations[:600]), tracker.process(activations[600:, None])
    assert np.all(first < 6.0) and np.all(second >= 6.0)
    np.testing.assert_array_equal(np.concatenate([first, second]), whole)


def test_estimate_tempo():
    assert estimate_tempo(np.arange(10) * 0.5) == pytest.approx(120.0)
    # The median interval: one missed beat (a 1.0 s gap) does not move it.
    assert estimate_tempo([0.0, 0.6, 1.2, 2.4, 3.0, 3.6]) == pytest.approx(100.0)
    assert estimate_tempo([0.0, 0.75]) == pytest.approx(80.0)
    assert np.isnan(estimate_tempo([])) and np.isnan(estimate_tempo([1.5]))
    references = np.load(REFERENCES)
    for clip in ("drums120", "waltz96"):  # the generated clips' tempi, 120 and 96 bpm
        bpm = float(references[f"{clip}/params"].item().split('"bpm": ')[1].split(",")[0])
        assert estimate_tempo(track_beats(references[f"{clip}/beat_activation"], 100)) == pytest.approx(bpm, 0.01)


@pytest.mark.parametrize("beat_times, message", [
    ([[0.0, 0.5]], "1-D"),
    (["a", "b"], "1-D"),
    ([0.0, np.nan, 1.0], "NaN or infinite"),
    ([0.0, 1.0, 0.5], "strictly increasing"),
    ([0.0, 0.5, 0.5], "strictly increasing"),
])
def test_estimate_tempo_refuses_bad_beat_times(beat_times, message):
    with pytest.raises(ValueError, match=message):
        estimate_tempo(beat_times)


GOOD = np.full(100, 0.5)


@pytest.mark.parametrize("activations, frame_rate, parameters, message", [
    (np.zeros(0), 100, {}, "empty"),
    (np.array([0.1, np.nan]), 100, {}, "NaN or infinite"),
    (np.zeros((10, 2)), 100, {}, r"shape \(frames,\) or \(frames, 1\)"),
    (np.full(10, 1.2), 100, {}, r"probabilities in \[0, 1\]"),
    (np.full(10, -0.1), 100, {}, r"probabilities in \[0, 1\]"),
    (GOOD, -100, {}, "frame_rate"),
    (GOOD, 100, {"min_bpm": 200, "max_bpm": 100}, "min_bpm <= max_bpm"),
    (GOOD, 100, {"min_bpm": 0}, "0 < min_bpm"),
    (GOOD, 100, {"max_bpm": float("inf")}, "max_bpm"),
    (GOOD, 1, {}, "less than one frame"),
    (GOOD, 100, {"num_tempi": 0}, "num_tempi must be an integer >= 1"),
    (GOOD, 100, {"num_tempi": 2.5}, "num_tempi"),
    (GOOD, 100, {"transition_lambda": -1}, "transition_lambda"),
    (GOOD, 100, {"observation_lambda": 1}, "observation_lambda must be an integer >= 2"),
    (GOOD, 100, {"threshold": 1.5}, "threshold"),
])
def test_bad_input_is_refused_with_a_specific_message(activations, frame_rate, parameters, message):
    with pytest.raises(ValueError, match=message):
        track_beats(activations, frame_rate, **parameters)


def test_the_online_tracker_refuses_bad_input():
    with pytest.raises(ValueError, match="min_bpm <= max_bpm"):
        OnlineBeatTracker(100, min_bpm=180, max_bpm=60)
    with pytest.raises(ValueError, match="frame_rate"):
        OnlineBeatTracker(0)
    tracker = OnlineBeatTracker(100)
    with pytest.raises(ValueError, match=r"probabilities in \[0, 1\]"):
        tracker.process(np.array([0.2, 1.5]))
    with pytest.raises(ValueError, match="NaN or infinite"):
        tracker.process(np.array([np.nan]))
    with pytest.raises(ValueError, match=r"shape \(frames,\)"):
        tracker.process(np.zeros((3, 2)))
    assert tracker.frames_seen == 0  # a refused block leaves the stream where it was
