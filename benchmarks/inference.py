"""Real-time factor and peak memory of `mirzoo.predict` for every preset, on audio files it writes itself.

For each preset in `mirzoo.list_models()`, built with random weights (no trained weights exist yet; speed
and memory do not depend on the weight values):
  - 3-minute file: wall time of `mirzoo.predict(model, path)`, min and median of `--repeats` calls made after
    one warm-up call on a 100 s file; RTF = wall seconds / 180 s of audio, × real time = 1 / RTF;
  - 60-minute file: peak RSS of a fresh process that imports mirzoo, builds the model and runs `predict`
    once, next to its RSS before `predict` (the baseline); target: peak under 2 GB (2000 MB, decimal) for
    every preset. Read from /proc/self/status (VmHWM, VmRSS; Linux), not `ru_maxrss`: Linux keeps
    `ru_maxrss` across execve, so a child started from this process would report at least the parent's RSS.

The test audio is 44.1 kHz stereo 16-bit FLAC (`mirzoo.testing.harmonic_test_signal`; the 60-minute file
is the 3-minute signal 20 times over), so decoding, downmixing and resampling to the preset's rate are
part of every call, as they are for users. The files live in a temporary directory, deleted at the end.

    python benchmarks/inference.py [--repeats 3] [--models PATTERN] [--rss-timeout 600]
"""

import argparse
import json
import os
import platform
import subprocess
import sys
import tempfile
import time

os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "2")

import keras  # noqa: E402
import numpy as np  # noqa: E402
import soundfile  # noqa: E402
import soxr  # noqa: E402
import tensorflow as tf  # noqa: E402

import mirzoo  # noqa: E402
from mirzoo.audio import stream_audio  # noqa: E402
from mirzoo.testing import harmonic_test_signal  # noqa: E402

FILE_RATE = 44100
TIMED_SECONDS = 180.0
LONG_REPEATS = 20  # 20 × 3 minutes = the 60-minute file
# Long enough that every preset's warm-up meets two input shapes (crnn_tagger: 9 windows of 10 s, batches of
# 8 and 1), after which Keras traces one shape-relaxed predict function that the timed calls reuse.
WARMUP_SECONDS = 100.0
TARGET_MB = 2000.0


def write_files(directory):
    """The warm-up, 3-minute and 60-minute FLAC files: paths by name."""
    signal = harmonic_test_signal(FILE_RATE, TIMED_SECONDS, channels=2)
    paths = {name: os.path.join(directory, f"{name}.flac") for name in ("warmup", "3min", "60min")}
    soundfile.write(paths["warmup"], signal[: int(WARMUP_SECONDS * FILE_RATE)], FILE_RATE, subtype="PCM_16")
    soundfile.write(paths["3min"], signal, FILE_RATE, subtype="PCM_16")
    # Block by block, so that writing an hour costs neither an hour of samples in memory nor its synthesis.
    with soundfile.SoundFile(paths["60min"], "w", FILE_RATE, 2, subtype="PCM_16", format="FLAC") as handle:
        for _ in range(LONG_REPEATS):
            handle.write(signal)
    return paths


def wall_time(function):
    start = time.perf_counter()
    function()
    return time.perf_counter() - start


def time_predict(name, paths, repeats):
    """Wall seconds of each timed `predict` on the 3-minute file."""
    model = mirzoo.build(name)
    mirzoo.predict(model, paths["warmup"])  # tracing and first-call allocations, not counted
    return [wall_time(lambda: mirzoo.predict(model, paths["3min"])) for _ in range(repeats)]


def time_decoding(path, sample_rate, repeats):
    """Min wall seconds to decode, downmix and resample `path` alone: the part of `predict` that is not the model."""
    return min(wall_time(lambda: sum(len(block) for block in stream_audio(path, sample_rate)))
               for _ in range(repeats))


def memory_mb(field):
    """`VmRSS` (now) or `VmHWM` (peak) of this process image, in MB: unlike `ru_maxrss`, reset by execve."""
    with open("/proc/self/status", encoding="ascii") as status:
        for line in status:
            if line.startswith(field + ":"):
                return int(line.split()[1]) * 1024 / 1e6  # the kernel writes kB meaning KiB
    raise RuntimeError(f"/proc/self/status has no {field} line (this benchmark needs Linux).")


def rss_child(name, path):
    """In a fresh process: print the RSS after import + build, the peak RSS after `predict` on `path`, its time."""
    model = mirzoo.build(name)
    baseline = memory_mb("VmRSS")
    seconds = wall_time(lambda: mirzoo.predict(model, path))
    print(json.dumps(dict(baseline=baseline, peak=memory_mb("VmHWM"), seconds=seconds)))


def measure_rss(name, path, timeout):
    """The child's report, or a string saying why there is none."""
    command = [sys.executable, os.path.abspath(__file__), "--rss-child", name, path]
    try:
        done = subprocess.run(command, capture_output=True, text=True, timeout=timeout)
    except subprocess.TimeoutExpired:
        return f"timed out after {timeout:.0f} s"
    if done.returncode != 0:
        last_line = (done.stderr.strip().splitlines() or ["no output"])[-1]
        return f"failed (exit {done.returncode}: {last_line})"
    return json.loads(done.stdout.strip().splitlines()[-1])


def progress(message):
    print(message, file=sys.stderr, flush=True)


def row(name, times, rss):
    fast, typical = min(times), float(np.median(times))
    cells = [f"`{name}`", mirzoo.get_preset(name).task, f"{fast:.2f} / {typical:.2f}",
             f"{fast / TIMED_SECONDS:.4f} / {typical / TIMED_SECONDS:.4f}",
             f"{TIMED_SECONDS / fast:,.0f}× / {TIMED_SECONDS / typical:,.0f}×"]
    if isinstance(rss, str):
        cells += ["–", rss, "–", "not measured"]
    else:
        verdict = "meets" if rss["peak"] < TARGET_MB else "MISSES"
        cells += [f"{rss['seconds']:.1f}", f"{rss['peak']:,.0f}", f"{rss['baseline']:,.0f}", verdict]
    return "| " + " | ".join(cells) + " |"


def report(timings, rss, decoding, repeats):
    print("\n| preset | task | 3-min wall s (min / median) | RTF (min / median) | × real time (min / median) "
          "| 60-min wall s (1 cold call) | 60-min peak RSS MB | baseline RSS MB | peak < 2 GB |")
    print("|---|---|---:|---:|---:|---:|---:|---:|---|")
    for name in timings:
        print(row(name, timings[name], rss[name]))
    rates = ", ".join(f"{rate} Hz {seconds:.2f} s" for rate, seconds in decoding.items())
    print(f"\n3-min wall: {repeats} calls after a warm-up on a {WARMUP_SECONDS:.0f} s file. "
          f"Decode + downmix + resample alone, 3-min file (min of {repeats}): {rates}.")
    print("60-min: one fresh process per preset; baseline = VmRSS after import and build, "
          "peak = VmHWM after predict (includes tracing).")


def main():
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--repeats", type=int, default=3, help="timed calls on the 3-minute file per preset")
    parser.add_argument("--models", default=None, help="shell-style pattern over preset names, e.g. 'crnn*'")
    parser.add_argument("--rss-timeout", type=float, default=600.0,
                        help="seconds allowed to each 60-minute process before it is reported as timed out")
    parser.add_argument("--rss-child", nargs=2, metavar=("PRESET", "PATH"), help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.rss_child:
        rss_child(*args.rss_child)
        return
    names = mirzoo.list_models(args.models)
    print(f"TensorFlow {tf.__version__}, Keras {keras.__version__}, mirzoo {mirzoo.__version__}, "
          f"soundfile {soundfile.__version__} (libsndfile {soundfile.__libsndfile_version__}), "
          f"soxr {soxr.__version__}, Python {platform.python_version()}, {os.cpu_count()} CPUs, "
          f"load average {os.getloadavg()[0]:.2f} at start")
    print("Audio: 44.1 kHz stereo 16-bit FLAC; models built with random weights.")
    with tempfile.TemporaryDirectory(prefix="mirzoo-inference-") as directory:
        progress("writing the test files")
        paths = write_files(directory)
        rates = sorted({mirzoo.get_preset(name).sample_rate for name in names})
        decoding = {rate: time_decoding(paths["3min"], rate, args.repeats) for rate in rates}
        timings, rss = {}, {}
        for name in names:
            progress(f"3-min timing: {name}")
            timings[name] = time_predict(name, paths, args.repeats)
        for name in names:
            progress(f"60-min peak RSS: {name}")
            rss[name] = measure_rss(name, paths["60min"], args.rss_timeout)
    report(timings, rss, decoding, args.repeats)
    print(f"\nload average {os.getloadavg()[0]:.2f} at the end")


if __name__ == "__main__":
    main()
