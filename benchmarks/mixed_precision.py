"""Training step time per compute dtype: float32 against mixed bfloat16 and mixed float16 (`mirzoo.train`'s
`mixed_precision`), in the same run.

For each preset, one model per policy is built with random weights (`keras.mixed_precision` policy set while
building, as `mirzoo.train` does; the front end stays float32 under every policy), compiled alike (Adam, binary
cross-entropy, no metrics), and fed one batch of 16 clips (`mirzoo.testing.harmonic_test_signal`, one seed per
clip) with random 0/1 targets: taggers at their preset's `clip_seconds`, frame models at `--crop-seconds` (6 s,
the voice detectors' training crops).

Timing: two warm-up steps per variant (the first traces), then `--repeats` rounds interleaved across the
variants, each timing `--steps` `train_on_batch` calls. Reports the min and median seconds per step and the
ratio of each policy's min to float32's (below 1: faster). The CPU's flags say which half precisions it has
(oneDNN runs bfloat16 natively with AVX512-BF16 or AMX; without them it emulates it).

    python benchmarks/mixed_precision.py [--models conv2d_singing_voice.synth crnn_tagger.synth] [--steps 3]
"""

import argparse
import os
import platform
import time

os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "2")

import keras  # noqa: E402
import numpy as np  # noqa: E402

import mirzoo  # noqa: E402
from mirzoo.testing import harmonic_test_signal  # noqa: E402

BATCH = 16
POLICIES = ("float32", "mixed_bfloat16", "mixed_float16")


def cpu_flags():
    """The half-precision flags of /proc/cpuinfo (empty elsewhere)."""
    try:
        with open("/proc/cpuinfo", encoding="utf-8") as handle:
            flags = next((line.split(":", 1)[1].split() for line in handle if line.startswith("flags")), [])
    except OSError:
        return []
    return sorted({flag for flag in flags if "bf16" in flag or "fp16" in flag or flag.startswith("amx")})


def variant(name, policy, seconds):
    """`(model, waveforms, targets)`: `name` built and compiled under `policy`."""
    previous = keras.mixed_precision.global_policy()
    keras.mixed_precision.set_global_policy(policy)
    try:
        model = mirzoo.build(name)
        model.compile(optimizer=keras.optimizers.Adam(1e-4), loss="binary_crossentropy")
    finally:
        keras.mixed_precision.set_global_policy(previous)
    rate = model.preset.sample_rate
    waveforms = np.stack([harmonic_test_signal(rate, seconds, seed=seed) for seed in range(BATCH)])
    shape = model(waveforms[:1]).shape[1:]
    targets = (np.random.default_rng(0).random((BATCH, *shape)) > 0.5).astype("float32")
    return model, waveforms, targets


def main():
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--models", nargs="+", default=["conv2d_singing_voice.synth", "crnn_tagger.synth"])
    parser.add_argument("--crop-seconds", type=float, default=6.0, help="frame models' clip length")
    parser.add_argument("--steps", type=int, default=3)
    parser.add_argument("--repeats", type=int, default=3)
    args = parser.parse_args()
    print(f"{platform.processor() or platform.machine()}, {os.cpu_count()} cores; half-precision CPU flags: "
          f"{', '.join(cpu_flags()) or 'none'}; keras {keras.__version__}, backend {keras.backend.backend()}")
    print("| model | policy | s/step (min) | s/step (median) | min vs float32 |")
    print("|---|---|---:|---:|---:|")
    for name in args.models:
        preset = mirzoo.get_preset(name)
        seconds = preset.clip_seconds if preset.task == "tagging" else args.crop_seconds
        variants = {policy: variant(name, policy, seconds) for policy in POLICIES}
        for model, waveforms, targets in variants.values():
            for _ in range(2):
                model.train_on_batch(waveforms, targets)
        times = {policy: [] for policy in POLICIES}
        for _ in range(args.repeats):
            for policy, (model, waveforms, targets) in variants.items():
                start = time.perf_counter()
                for _ in range(args.steps):
                    model.train_on_batch(waveforms, targets)
                times[policy].append((time.perf_counter() - start) / args.steps)
        for policy in POLICIES:
            best, median = min(times[policy]), float(np.median(times[policy]))
            print(f"| {name} ({BATCH} × {seconds:g} s) | {policy} | {best:.3f} | {median:.3f} | "
                  f"{best / min(times['float32']):.2f} |", flush=True)


if __name__ == "__main__":
    main()
