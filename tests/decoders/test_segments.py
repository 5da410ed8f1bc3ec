"""active_segments: runs of equal active-label sets, short runs absorbed, against hand-computed segments."""

import numpy as np
import pytest

from mirzoo.decoders import Segment, active_segments


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
