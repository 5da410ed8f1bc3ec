"""Training throughput per preset: the front end in the graph versus the same body fed precomputed features.

For each preset in `mirzoo.list_models()`, built with random weights (speed does not depend on the weight
values), one batch of 16 clips (`mirzoo.testing.harmonic_test_signal`, one seed per clip) and random 0/1
targets of the model's output shape:
  - full: `mirzoo.build(name)`, fed the waveform: every step recomputes the STFT and filterbank of every clip;
  - body: `keras.Model(frontend.output, model.output)`, the very same layers after the front end, fed the
    features that the front-end layer computed once, before timing;
  - front end alone: the front-end layer's forward pass in a `tf.function`, for reading the share.
Both models are compiled identically: Adam, binary cross-entropy, no metrics, Keras's default `jit_compile`.

Clips: taggers use their preset's `clip_seconds` (3 s, 10 s); frame models use a fixed 10 s crop instead of
their 20 s or 30 s training clips, so that every frame model is compared at the same length and a step of
the heaviest one stays short enough to repeat.

Timing: two warm-up steps per variant (the first traces), then `--repeats` repetitions interleaved across
the variants, each at least `--steps` `train_on_batch` calls and at least `--min-seconds` long (fast models
get more steps); a model whose warm-up step is so slow that `--steps` steps would exceed `--budget` seconds
gets fewer (never fewer than 3). The table says how many steps each model got.
Reports examples per second from the min and the median step time, and the front end's share of a training
step, 1 - t_body / t_full, from the min times. Target: at most 15 % for every architecture except
dnn_chroma (exempt, reported anyway).

    python benchmarks/training.py [--steps 10] [--repeats 3] [--min-seconds 2] [--budget 20] [--models PATTERN]
"""

import argparse
import math
import os
import platform
import sys
import time

os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "2")

import keras  # noqa: E402
import numpy as np  # noqa: E402
import tensorflow as tf  # noqa: E402

import mirzoo  # noqa: E402
from mirzoo.testing import harmonic_test_signal  # noqa: E402

BATCH = 16
FRAME_MODEL_SECONDS = 10.0
MIN_STEPS = 3
TARGET_SHARE = 0.15
EXEMPT = ("dnn_chroma",)


def clip_seconds(preset):
    """The tagger's own clip length; the fixed crop for frame models."""
    return preset.clip_seconds if preset.task == "tagging" else FRAME_MODEL_SECONDS


def make_variants(name):
    """The full model and its body, compiled alike, with their inputs, targets and the front-end function."""
    full = mirzoo.build(name)
    preset = full.preset
    frontend = full.get_layer("frontend")
    body = keras.Model(frontend.output, full.output, name=f"{preset.arch}_body")
    audio = tf.constant(np.stack([harmonic_test_signal(preset.sample_rate, clip_seconds(preset), seed=seed)
                                  for seed in range(BATCH)]))
    features = frontend(audio)  # once, outside the timing: what a precomputed-feature pipeline would load
    scores = body(features)
    targets = tf.constant((np.random.default_rng(0).random(scores.shape) < 0.5).astype("float32"))
    for model in (full, body):
        # A fresh optimizer each: the two models share their layers but not the optimizer's slots.
        model.compile(optimizer=keras.optimizers.Adam(1e-3), loss="binary_crossentropy")
    frontend_only = tf.function(frontend)
    return preset, {
        "full": lambda: full.train_on_batch(audio, targets),  # returns the loss as a number: waits for the step
        "body": lambda: body.train_on_batch(features, targets),
        "front end": lambda: np.asarray(frontend_only(audio)),
    }


def seconds_per_call(function, calls):
    start = time.perf_counter()
    for _ in range(calls):
        function()
    return (time.perf_counter() - start) / calls


def steps_for(step_seconds, steps, floor_seconds, budget):
    """Timed steps per repetition for a step of `step_seconds`.

    At least `steps`, and more for fast models so that a repetition lasts `floor_seconds` (ten 10 ms steps
    are too short to time on shared cores); fewer, down to MIN_STEPS, when `steps` would exceed `budget`.
    """
    if steps * step_seconds > budget:
        return max(MIN_STEPS, int(budget // step_seconds))
    return max(steps, math.ceil(floor_seconds / step_seconds))


def measure(name, steps, repeats, floor_seconds, budget):
    """Preset, steps used, and per-variant seconds per call of each repetition."""
    preset, variants = make_variants(name)
    warm = {}
    for variant, function in variants.items():
        function()  # tracing
        warm[variant] = seconds_per_call(function, 1)  # past first-call allocations: sets the step count
    steps = steps_for(max(warm["full"], warm["body"]), steps, floor_seconds, budget)
    times = {variant: [] for variant in variants}
    for _ in range(repeats):
        for variant, function in variants.items():
            times[variant].append(seconds_per_call(function, steps))
    return preset, steps, times


def progress(message):
    print(message, file=sys.stderr, flush=True)


def row(preset, steps, repeats, times):
    full, body = min(times["full"]), min(times["body"])
    full_median, body_median = float(np.median(times["full"])), float(np.median(times["body"]))
    share, share_median = 1.0 - body / full, 1.0 - body_median / full_median
    if preset.arch in EXEMPT:
        verdict = "exempt"
    else:
        verdict = "meets" if share <= TARGET_SHARE else "MISSES"
    cells = [f"`{preset.name}`", f"{BATCH} × {clip_seconds(preset):g} s", f"{steps} × {repeats}",
             f"{BATCH / full:,.1f} / {BATCH / full_median:,.1f}", f"{BATCH / body:,.1f} / {BATCH / body_median:,.1f}",
             f"{1000 * min(times['front end']):,.1f}", f"{100 * share:.0f} % ({100 * share_median:.0f} %)", verdict]
    return "| " + " | ".join(cells) + " |"


def main():
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--steps", type=int, default=10, help="timed train_on_batch calls per repetition, at least")
    parser.add_argument("--repeats", type=int, default=3, help="repetitions, interleaved across the variants")
    parser.add_argument("--min-seconds", type=float, default=2.0,
                        help="seconds one variant's repetition lasts at least: fast models get more steps")
    parser.add_argument("--budget", type=float, default=20.0,
                        help="seconds one variant's repetition may take before its steps are reduced")
    parser.add_argument("--models", default=None, help="shell-style pattern over preset names, e.g. 'crnn*'")
    args = parser.parse_args()
    start = time.perf_counter()
    print(f"TensorFlow {tf.__version__}, Keras {keras.__version__}, mirzoo {mirzoo.__version__}, "
          f"Python {platform.python_version()}, {os.cpu_count()} CPUs, "
          f"load average {os.getloadavg()[0]:.2f} at start")
    rows = []
    for name in mirzoo.list_models(args.models):
        progress(f"timing {name}")
        preset, steps, times = measure(name, args.steps, args.repeats, args.min_seconds, args.budget)
        rows.append(row(preset, steps, args.repeats, times))
    print(f"\n| preset | batch | steps × reps | full ex/s (min / median) | body ex/s (min / median) "
          f"| front end alone ms/batch (min) | front-end share (min; median) | share ≤ {100 * TARGET_SHARE:.0f} % |")
    print("|---|---|---:|---:|---:|---:|---:|---|")
    print("\n".join(rows))
    print(f"\nfull = waveform in, front end in the graph; body = the same layers fed precomputed features; "
          f"share = 1 - t_body / t_full. Frame models cropped to {FRAME_MODEL_SECONDS:g} s.")
    print(f"load average {os.getloadavg()[0]:.2f} at the end; run time {time.perf_counter() - start:.0f} s")


if __name__ == "__main__":
    main()
