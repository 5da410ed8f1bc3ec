"""track_downbeats against madmom's DBNDownBeatTrackingProcessor: on madmom's own network activations with the
beats and bar positions its processor found (stored, no madmom needed), and on synthetic [beat, downbeat]
activations with madmom itself as the oracle."""

import pathlib
import warnings

import numpy as np
import pytest

from mirzoo.decoders import track_downbeats

REFERENCES = pathlib.Path(__file__).parents[1] / "models" / "data" / "madmom_references.npz"


def bar_curves(frames, seed, meter, bpm=(120.0, 120.0), noise=0.1, missing=0.0, confusion=0.15):
    """Downbeat-network-like activations at 100 fps, `(frames, 2)` = [beat, downbeat]: a peak per beat on a tempo
    sliding from bpm[0] to bpm[1], on the downbeat column for the bar's first beat (with `confusion` of it leaking
    into the other column, and back), some beats missing, noise; rows sum to at most 1 like a softmax's."""
    rng = np.random.default_rng(seed)
    tempo = np.linspace(bpm[0], bpm[1], frames)
    phase = np.cumsum(tempo / 60.0 / 100.0) + rng.uniform(0, 1)
    to_beat = np.abs(phase - np.round(phase)) * 100 * 60 / tempo
    beat = np.round(phase).astype(int)
    peak = 0.9 * np.exp(-0.5 * (to_beat / 1.5) ** 2) * (rng.random(beat.max() + 1) >= missing)[beat]
    downbeat = beat % meter == 0
    curves = np.stack([np.where(downbeat, confusion, 1 - confusion) * peak,
                       np.where(downbeat, 1 - confusion, confusion) * peak], axis=1)
    curves += noise * rng.random((frames, 2))
    return (curves / np.maximum(1.0, curves.sum(axis=1, keepdims=True) / 0.999)).astype(np.float32)


def madmom_downbeats(activations, beats_per_bar=(3, 4), **parameters):
    from madmom.features.downbeats import DBNDownBeatTrackingProcessor

    with warnings.catch_warnings():
        warnings.simplefilter("ignore", RuntimeWarning)  # log(0) of silent frames
        return DBNDownBeatTrackingProcessor(beats_per_bar=list(beats_per_bar), fps=100, **parameters)(activations)


def test_madmoms_network_activations_give_the_beats_and_bar_positions_madmom_found():
    references = np.load(REFERENCES)
    for clip in references["meta/clips"]:
        beats = track_downbeats(references[f"{clip}/downbeat_activation"], 100)
        np.testing.assert_array_equal(beats, references[f"{clip}/downbeats"], err_msg=str(clip))
    # The waltz is in 3/4, the others in 4/4.
    assert track_downbeats(references["waltz96/downbeat_activation"], 100)[:, 1].max() == 3
    assert track_downbeats(references["drums120/downbeat_activation"], 100)[:, 1].max() == 4


@pytest.mark.parametrize("curves, parameters", [
    ({"meter": 4, "bpm": (120, 120)}, {}),
    ({"meter": 3, "bpm": (100, 100), "noise": 0.2, "missing": 0.1}, {}),
    ({"meter": 4, "bpm": (90, 130), "noise": 0.15, "confusion": 0.35}, {"correct": False}),
    ({"meter": 3, "bpm": (140, 120), "noise": 0.05}, {"beats_per_bar": (2, 3, 4), "threshold": 0.0}),
    ({"meter": 4, "bpm": (80, 80), "noise": 0.1}, {"beats_per_bar": (4,), "num_tempi": 30, "min_bpm": 60,
                                                  "max_bpm": 160, "transition_lambda": 50, "threshold": 0.3}),
])
def test_synthetic_activations_give_madmoms_beats_and_bar_positions(madmom, curves, parameters):
    activations = bar_curves(1500, seed=len(str(curves)), **curves)
    expected = madmom_downbeats(activations, **parameters)
    assert len(expected) > 10
    beats = track_downbeats(activations, 100, **parameters)
    assert beats.dtype == np.float64 and beats.shape[1] == 2
    np.testing.assert_array_equal(beats, expected)
    activations = activations.astype(np.float64)
    np.testing.assert_array_equal(track_downbeats(activations, 100, **parameters),
                                  madmom_downbeats(activations, **parameters))


def test_madmoms_empty_results_are_reproduced(madmom):
    quiet = np.full((400, 2), 0.01, np.float32)  # nothing reaches the 0.05 threshold
    assert track_downbeats(quiet, 100).shape == (0, 2) and madmom_downbeats(quiet).shape == (0, 2)
    silence = np.zeros((400, 2), np.float32)
    assert track_downbeats(silence, 100, threshold=0).shape == (0, 2)
    assert madmom_downbeats(silence, threshold=0).shape == (0, 2)


def test_sums_a_float_rounding_above_one_leave_no_room_for_no_beat_as_in_madmom(madmom):
    activations = bar_curves(1000, seed=1, meter=4)
    peaks = np.flatnonzero(activations.sum(axis=1) > 0.85)[::3]
    activations[peaks] = [0.5, np.nextafter(np.float32(0.5), np.float32(1))]  # sums 1 + 6e-8 in float32
    expected = madmom_downbeats(activations)  # madmom's log density of "no beat" there is NaN: never chosen
    assert len(expected) > 10
    np.testing.assert_array_equal(track_downbeats(activations, 100), expected)


GOOD = np.full((100, 2), 0.25)


@pytest.mark.parametrize("activations, frame_rate, parameters, message", [
    (np.zeros((0, 2)), 100, {}, "empty"),
    (np.zeros(100), 100, {}, r"shape \(frames, 2\)"),
    (np.zeros((100, 3)), 100, {}, r"shape \(frames, 2\)"),
    (np.array([[0.1, np.nan]]), 100, {}, "NaN or infinite"),
    (np.array([[0.1, 1.1]]), 100, {}, r"probabilities in \[0, 1\]"),
    (np.array([[0.1, 0.2], [0.6, 0.5]]), 100, {}, "sum to at most 1 per frame.*frame 1 sums to 1.1"),
    (GOOD, -1, {}, "frame_rate"),
    (GOOD, 100, {"beats_per_bar": ()}, "at least one bar length"),
    (GOOD, 100, {"beats_per_bar": (3, 0)}, "beats_per_bar must be an integer >= 1"),
    (GOOD, 100, {"beats_per_bar": (3.5,)}, "beats_per_bar"),
    (GOOD, 100, {"min_bpm": 150, "max_bpm": 60}, "min_bpm <= max_bpm"),
    (GOOD, 100, {"max_bpm": 13000}, "less than one frame"),
    (GOOD, 100, {"num_tempi": -3}, "num_tempi"),
    (GOOD, 100, {"transition_lambda": float("nan")}, "transition_lambda"),
    (GOOD, 100, {"observation_lambda": 0}, "observation_lambda"),
    (GOOD, 100, {"threshold": -0.1}, "threshold"),
])
def test_bad_input_is_refused_with_a_specific_message(activations, frame_rate, parameters, message):
    with pytest.raises(ValueError, match=message):
        track_downbeats(activations, frame_rate, **parameters)
