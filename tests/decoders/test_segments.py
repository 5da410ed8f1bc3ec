"""active_segments: runs of equal active-label sets, short runs absorbed, against hand-computed segments; a
"segments" decoder's parameters checked."""

import numpy as np
import pytest

from mirzoo.decoders import Segment, active_segments, segment_parameters


def test_one_label_runs_become_segments_covering_the_whole_signal():
    # 10 fps: frames 0-2 off, 3-6 on, 7-9 off.
    activations = np.array([0.1, 0.2, 0.4, 0.5, 0.9, 0.8, 0.7, 0.3, 0.0, 0.2])
    assert active_segments(activations, 10.0, ("voice",)) == [
        Segment(0.0, 0.3, ()), Segment(0.3, 0.7, ("voice",)), Segment(0.7, 1.0, ())]


def test_several_labels_and_a_short_flicker_absorbed_by_the_segment_before():
    labels = ("C", "E", "G")
    frames = [[1, 1, 1]] * 5 + [[1, 0, 1]] * 1 + [[1, 1, 1]] * 4 + [[0, 1, 0]] * 5  # 5 fps
    segments = active_segments(np.array(frames, float), 5.0, labels, min_seconds=0.3)
    # The 0.2 s run without E is shorter than 0.3 s: it joins C E G, which then merges with the next C E G run.
    assert segments == [Segment(0.0, 2.0, ("C", "E", "G")), Segment(2.0, 3.0, ("E",))]


def test_a_short_first_run_is_absorbed_by_the_one_after_it():
    segments = active_segments(np.array([1, 0, 0, 0, 0], float), 1.0, ("voice",), min_seconds=2.0)
    assert segments == [Segment(0.0, 5.0, ())]


def test_threshold_and_empty_input():
    activations = np.array([[0.2], [0.6]])
    assert active_segments(activations, 2.0, ("x",), threshold=0.7) == [Segment(0.0, 1.0, ())]
    assert active_segments(np.zeros((0, 2)), 2.0, ("a", "b")) == []


@pytest.mark.parametrize("activations, frame_rate, message", [
    (np.zeros((4, 3)), 10.0, r"must be \(frames, 2\)"),
    (np.array([[0.1, np.nan]]), 10.0, "NaN or infinite"),
    (np.zeros((4, 2)), 0.0, "frame_rate"),
    (np.zeros((4, 2)), float("inf"), "frame_rate"),
])
def test_bad_arguments_are_refused_by_name(activations, frame_rate, message):
    with pytest.raises(ValueError, match=message):
        active_segments(activations, frame_rate, ("a", "b"))


def test_segment_parameters_defaults_and_conversion():
    assert segment_parameters() == {"threshold": 0.5, "min_seconds": 0.25}
    assert segment_parameters(threshold=1, min_seconds=0) == {"threshold": 1.0, "min_seconds": 0.0}
    assert segment_parameters(np.float32(0.25), np.int64(2)) == {"threshold": 0.25, "min_seconds": 2.0}


@pytest.mark.parametrize("arguments, message", [
    ({"threshold": 0}, "threshold must be a number in"),
    ({"threshold": 1.5}, "threshold must be a number in"),
    ({"threshold": float("nan")}, "threshold must be a number in"),
    ({"threshold": True}, "threshold must be a number in"),
    ({"threshold": "0.5"}, "threshold must be a number in"),
    ({"min_seconds": -0.1}, "min_seconds must be"),
    ({"min_seconds": float("inf")}, "min_seconds must be"),
    ({"min_seconds": None}, "min_seconds must be"),
])
def test_segment_parameters_refuse_bad_values_by_name(arguments, message):
    with pytest.raises(ValueError, match=message):
        segment_parameters(**arguments)
