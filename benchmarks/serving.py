"""Latency and throughput of exported SavedModels (`serving_default`) next to `model.predict`, per preset.

For each preset (random weights: speed does not depend on their values) the model is exported with
`mirzoo.export`, loaded with `tf.saved_model.load`, and timed in the same run as the Keras model:

- latency: one 30 s clip per call, `--calls` calls after a warm-up, p50 and p99 in milliseconds;
- throughput: a batch of 16 × 30 s clips per call, `--batches` calls, clips per second (median).

    python benchmarks/serving.py [--calls 30] [--batches 3] [--presets crnn_tagger.synth ...]

This times the SavedModel's own graph in-process (what TF Serving executes), not TF Serving's
network stack, which cannot be installed here.
"""

import argparse
import os
import tempfile
import time

os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "2")

import keras  # noqa: E402
import numpy as np  # noqa: E402
import tensorflow as tf  # noqa: E402

import mirzoo  # noqa: E402
from mirzoo.testing import harmonic_test_signal  # noqa: E402

CLIP_SECONDS = 30.0
BATCH = 16


def timed(function, repeats):
    """Wall seconds of each of `repeats` calls (after one warm-up call that traces and allocates)."""
    function()
    durations = []
    for _ in range(repeats):
        start = time.perf_counter()
        function()
        durations.append(time.perf_counter() - start)
    return np.asarray(durations)


def measure(name, directory, calls, batches):
    model = mirzoo.build(name)
    rate = model.preset.sample_rate
    signature = tf.saved_model.load(mirzoo.export(model, os.path.join(directory, name))).signatures["serving_default"]
    one = harmonic_test_signal(rate, CLIP_SECONDS)[None]
    many = np.stack([harmonic_test_signal(rate, CLIP_SECONDS, seed=s) for s in range(BATCH)])
    one_tensor, many_tensor = tf.constant(one), tf.constant(many)
    # The same numbers from both paths, or the timings compare different work.
    np.testing.assert_allclose(signature(waveform=one_tensor)["scores"].numpy(), model.predict(one, verbose=0),
                               atol=1e-4)
    rows = {}
    for label, single, batch in (
        ("SavedModel serving_default", lambda: signature(waveform=one_tensor)["scores"].numpy(),
         lambda: signature(waveform=many_tensor)["scores"].numpy()),
        ("Keras model.predict", lambda: model.predict(one, verbose=0),
         lambda: model.predict(many, batch_size=BATCH, verbose=0)),
    ):
        latency = timed(single, calls) * 1000.0
        throughput = BATCH / timed(batch, batches)
        rows[label] = (np.percentile(latency, 50), np.percentile(latency, 99), float(np.median(throughput)))
    return rows


def main():
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--calls", type=int, default=30, help="latency calls per path")
    parser.add_argument("--batches", type=int, default=3, help="batch-16 calls per path")
    parser.add_argument("--presets", nargs="+", default=None)
    args = parser.parse_args()
    presets = args.presets or mirzoo.list_models()
    print(f"TensorFlow {tf.__version__}, Keras {keras.__version__}, {os.cpu_count()} CPUs, load average "
          f"{os.getloadavg()[0]:.2f}; one {CLIP_SECONDS:g} s clip for latency, {BATCH} × {CLIP_SECONDS:g} s per "
          f"throughput call\n")
    print("| preset | path | latency p50 (ms) | latency p99 (ms) | throughput (clips/s) | SavedModel ÷ predict "
          "(throughput) |")
    print("|---|---|---:|---:|---:|---:|")
    with tempfile.TemporaryDirectory() as directory:
        for name in presets:
            rows = measure(name, directory, args.calls, args.batches)
            ratio = rows["SavedModel serving_default"][2] / rows["Keras model.predict"][2]
            for label, (p50, p99, throughput) in rows.items():
                share = f"{ratio:.2f}×" if label.startswith("SavedModel") else ""
                print(f"| {name} | {label} | {p50:,.1f} | {p99:,.1f} | {throughput:,.1f} | {share} |", flush=True)
    print(f"\nload average at the end: {os.getloadavg()[0]:.2f}")


if __name__ == "__main__":
    main()
