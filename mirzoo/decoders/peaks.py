"""Onset peak picking: an onset activation curve → onset times, as madmom's offline `OnsetPeakPickingProcessor`.

The method (Böck, Krebs & Schedl, "Evaluating the Online Capabilities of Onset Detection Methods", ISMIR 2012):
smooth the activations with a Hamming window, keep the frames at or above a moving average plus a threshold,
keep those that are the maximum of their neighbourhood, and report only the first onset within `combine` seconds.
Each step repeats madmom's arithmetic (and scipy.ndimage's, which madmom calls), so the frames agree exactly.
"""

import numpy as np

from mirzoo.decoders import _checks

# The defaults of madmom's `CNNOnsetDetector` and `OnsetDetector` (RNN) scripts: pass with `**`.
CNN_ONSET_PEAK_PICKING = {"threshold": 0.54, "smooth": 0.05, "pre_max": 0.01, "post_max": 0.01, "combine": 0.03}
RNN_ONSET_PEAK_PICKING = {"threshold": 0.35, "smooth": 0.07, "pre_max": 0.01, "post_max": 0.01, "combine": 0.03}


def _moving_average(values, before, after):
    """Mean over frames `[t - before, t + after]`, frames outside the signal counted as 0.

    The running sum of `scipy.ndimage.uniform_filter(mode='constant', origin=floor((before - after) / 2))`
    (scipy 1.17): in float64, the first window summed left to right, then `+ entering - leaving` frame by frame,
    each sum divided by the window size; returned in the input's dtype, so that a threshold against it decides as
    madmom's does.
    """
    size = before + after + 1
    padded = np.concatenate([np.zeros(before), values.astype(np.float64), np.zeros(after)])
    first = np.add.accumulate(padded[:size])[-1]  # accumulate: strictly left to right, as the C loop
    steps = padded[size:] - padded[:len(values) - 1]
    return (np.add.accumulate(np.concatenate([[first], steps])) / size).astype(values.dtype)


def _moving_maximum(values, before, after):
    """Maximum over frames `[t - before, t + after]`, frames outside the signal counted as 0
    (`scipy.ndimage.maximum_filter(mode='constant')` with madmom's origin)."""
    padded = np.concatenate([np.zeros(before, values.dtype), values, np.zeros(after, values.dtype)])
    return np.lib.stride_tricks.sliding_window_view(padded, before + after + 1).max(axis=1)


def _combine_left(times, window):
    """Drop every event within `window` seconds after the last kept one (madmom's `combine_events(..., 'left')`)."""
    window += 1e-12  # madmom's tolerance for times such as 0.03 - 0.00 computed in floating point
    kept = []
    for time in times:
        if not kept or time - kept[-1] > window:
            kept.append(time)
    return np.array(kept, dtype=np.float64)


def pick_onsets(activations, frame_rate, threshold=0.5, smooth=0.0, pre_avg=0.0, post_avg=0.0, pre_max=0.0,
                post_max=0.0, combine=0.03, delay=0.0):
    """Onset times from an onset activation curve (madmom's offline `OnsetPeakPickingProcessor`).

    All durations are in seconds and become frames as `round(seconds * frame_rate)` (half to even). The curve
    is convolved with an unnormalised `np.hamming(smooth frames)` window (`'same'` length), which scales it up
    (a 5-frame window sums to 2.24) before thresholding. A frame is a detection when its value is at least
    `threshold` plus the mean over `[t - pre_avg, t + post_avg]`, and an onset when it is also the maximum of the
    detections over `[t - pre_max, t + post_max]` (frames outside the curve count as 0). Onsets within
    `combine` seconds after a kept onset are dropped; `delay` is added to every time.

    float32 activations are compared in float32, as madmom does with a network's float32 output; other real
    dtypes are used as float64. Use :data:`CNN_ONSET_PEAK_PICKING` or :data:`RNN_ONSET_PEAK_PICKING` for the
    parameters of madmom's onset detector scripts, e.g. `pick_onsets(act, 100, **CNN_ONSET_PEAK_PICKING)`.

    Args:
        activations: `(frames,)` or `(frames, 1)` onset activations (any finite real values; usually [0, 1]).
        frame_rate: frames per second (> 0).
        threshold: detection threshold, on the (smoothed) activation scale.
        smooth: length of the Hamming smoothing window, seconds (0: none; 1 frame is no smoothing — madmom
            refuses a 1-frame window).
        pre_avg, post_avg: seconds of past and future frames in the moving average (both 0: no average).
        pre_max, post_max: seconds of past and future frames a peak must be the maximum of.
        combine: report only the first onset within this many seconds (0: keep all).
        delay: seconds added to every onset time.

    Returns:
        float64 array `(onsets,)` of onset times in seconds, ascending; empty when there is none.

    Raises:
        ValueError: activations that are empty, not finite, not real or not one curve; a frame rate that is not a
            finite positive number; a negative or non-finite duration or threshold.
    """
    activations = _checks.activations(activations)
    frame_rate = _checks.frame_rate(frame_rate)
    threshold = _checks.real_number("threshold", threshold)
    durations = [_checks.real_number(name, value, minimum=0, what="number of seconds") for name, value in (
        ("smooth", smooth), ("pre_avg", pre_avg), ("post_avg", post_avg), ("pre_max", pre_max),
        ("post_max", post_max))]
    combine = _checks.real_number("combine", combine, minimum=0, what="number of seconds")
    delay = _checks.real_number("delay", delay, what="number of seconds")
    smooth_frames, pre_avg, post_avg, pre_max, post_max = (
        int(frames) for frames in np.round(np.array(durations) * frame_rate))

    if smooth_frames > 1:
        activations = np.convolve(activations, np.hamming(smooth_frames), "same")
    if pre_avg + post_avg > 0:
        floor = _moving_average(activations, pre_avg, post_avg) + threshold
    else:
        floor = threshold
    detections = activations * (activations >= floor)
    if pre_max + post_max > 0:
        detections *= detections == _moving_maximum(detections, pre_max, post_max)
    onsets = np.flatnonzero(detections).astype(np.float64) / frame_rate
    if delay:
        onsets += delay
    if combine and len(onsets) > 1:
        onsets = _combine_left(onsets, combine)
    return onsets
