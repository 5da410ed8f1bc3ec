"""musicnn: mirzoo's ports against the original musicnn 0.1.0, per 30 s of audio, in one run.

The original runs in its own environment (tensorflow-cpu 2.15.1, numpy 1.26.4, librosa 0.11.0,
`pip install --no-deps musicnn==0.1.0`; see scripts/make_musicnn_references.py), called as a
subprocess that times itself; mirzoo runs in this process. Both see the same 30 s, 16 kHz mono
16-bit WAV (the `long` clip of the parity references: 10 patches) on the same cores.

Per model (MTT_musicnn, MSD_musicnn, MTT_vgg, MSD_vgg):

- original, end to end: `musicnn.extractor.extractor(wav, model, extract_features=False)`, the
  only call musicnn offers from a file to tags; it rebuilds the TF1 graph and restores the
  checkpoint on every call.
- original, inference only: the graph of `musicnn.models.define_model` built and restored once,
  then `sess.run` on the 10 log-mel patches one at a time (`BATCH_SIZE = 1`, as the extractor).
- mirzoo, end to end: `mirzoo.predict(model, wav)` (decode, in-graph log-mel, patches, tags) with
  the model loaded beforehand; the one-off `mirzoo.load` from the cache is reported apart.
- mirzoo, inference only: `model.predict_on_batch(waveform)` on the decoded 30 s, i.e. the whole
  model, front end included; and the network alone on the original's 10 log-mel patches.

The machine may be shared, so the run alternates: `--rounds` rounds, each timing the original (a fresh
subprocess) and then mirzoo, `--repeats` calls per model and measure after one warm-up call. The table
gives the min and the median over all rounds; the ratios use the mins.
Targets (issue 7): mirzoo end to end ≥ 5× faster than the original end to end, and mirzoo's
inference (front end included) no slower than the original's inference only.

    python benchmarks/musicnn.py [--rounds 3] [--repeats 5] [--reference-python /tmp/musicnn-ref-venv/bin/python]

The weights come from an installed musicnn package (converted into the cache on first use).
"""

import argparse
import json
import os
import platform
import statistics
import subprocess
import sys
import tempfile
import time

os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "2")

MODELS = {"MTT_musicnn": "musicnn.mtt", "MSD_musicnn": "musicnn.msd", "MTT_vgg": "musicnn_vgg.mtt",
          "MSD_vgg": "musicnn_vgg.msd"}
ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))


def timings(function, repeats):
    """Seconds of `repeats` calls of `function` after one warm-up call."""
    function()
    result = []
    for _ in range(repeats):
        start = time.perf_counter()
        function()
        result.append(time.perf_counter() - start)
    return result


def original_worker(wav, repeats):
    """Run under the reference Python: time musicnn's own code. Prints one JSON line."""
    import contextlib
    import io

    # This file is itself named musicnn.py: take its folder off the path so that the package is found.
    here = os.path.dirname(os.path.abspath(__file__))
    sys.path[:] = [path for path in sys.path if os.path.abspath(path or os.curdir) != here]
    import numpy as np
    import tensorflow as tf
    from musicnn import configuration, extractor, models

    quiet = contextlib.redirect_stdout(io.StringIO())  # the extractor prints a progress line per call
    results = {"versions": {"tensorflow": tf.__version__, "numpy": np.__version__}}
    for checkpoint in MODELS:
        with quiet:
            end_to_end = timings(lambda: extractor.extractor(wav, model=checkpoint, extract_features=False),
                                 repeats)
            batch, _ = extractor.batch_data(wav, 187, 187)
            front_end = timings(lambda: extractor.batch_data(wav, 187, 187), repeats)
        labels = configuration.MTT_LABELS if "MTT" in checkpoint else configuration.MSD_LABELS
        tf.compat.v1.reset_default_graph()
        x = tf.compat.v1.placeholder(tf.float32, [None, 187, configuration.N_MELS])
        is_training = tf.compat.v1.placeholder(tf.bool)
        logits = models.define_model(x, is_training, checkpoint, len(labels))[0]
        tags = tf.nn.sigmoid(logits)
        with tf.compat.v1.Session() as session:
            tf.compat.v1.train.Saver().restore(session, os.path.join(os.path.dirname(extractor.__file__),
                                                                     checkpoint, ""))

            def patch_by_patch():
                return [session.run(tags, {x: batch[i : i + 1], is_training: False}) for i in range(len(batch))]

            inference = timings(patch_by_patch, repeats)
        results[checkpoint] = {"end_to_end": end_to_end, "front_end": front_end, "inference": inference,
                               "patches": len(batch)}
    print(json.dumps(results))


def run_original(reference_python, wav, repeats):
    command = [reference_python, os.path.abspath(__file__), "--worker", wav, "--repeats", str(repeats)]
    env = {**os.environ, "TF_CPP_MIN_LOG_LEVEL": "2", "CUDA_VISIBLE_DEVICES": ""}
    result = subprocess.run(command, capture_output=True, text=True, env=env, check=False)
    if result.returncode != 0:
        sys.exit(f"the original musicnn failed:\n{result.stderr[-3000:]}")
    return json.loads(result.stdout.strip().splitlines()[-1])


def load_mirzoo():
    """`{checkpoint: (model, network on log-mel patches, seconds of one mirzoo.load from the cache)}`."""
    import keras

    import mirzoo

    models = {}
    for checkpoint, name in MODELS.items():
        mirzoo.load(name)  # converts into the cache if needed, outside the timing
        start = time.perf_counter()
        model = mirzoo.load(name)
        load = time.perf_counter() - start
        models[checkpoint] = model, keras.Model(model.get_layer("patches").input, model.get_layer("head").output), load
    return models


def run_mirzoo(models, wav, waveform, logmel_patches, repeats):
    import mirzoo

    return {checkpoint: {
        "end_to_end": timings(lambda: mirzoo.predict(model, wav), repeats),
        "inference": timings(lambda: model.predict_on_batch(waveform[None]), repeats),
        "network": timings(lambda: network.predict_on_batch(logmel_patches), repeats),
    } for checkpoint, (model, network, _) in models.items()}


def merge(rounds):
    """Concatenate the timings of several rounds: `{model: {measure: [seconds, …]}}`."""
    merged = {}
    for result in rounds:
        for checkpoint, measures in result.items():
            if checkpoint in MODELS:
                for measure, values in measures.items():
                    merged.setdefault(checkpoint, {}).setdefault(measure, []).extend(
                        values if isinstance(values, list) else [values])
    return merged


def cell(values):
    return f"{min(values):.3f} / {statistics.median(values):.3f}"


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument("--repeats", type=int, default=5)
    parser.add_argument("--reference-python", default="/tmp/musicnn-ref-venv/bin/python")
    parser.add_argument("--worker", metavar="WAV", help=argparse.SUPPRESS)
    args = parser.parse_args(argv)
    if args.worker:
        original_worker(args.worker, args.repeats)
        return 0

    import numpy as np
    import tensorflow as tf

    sys.path.insert(0, os.path.join(ROOT, "scripts"))
    from make_musicnn_references import make_clips, write_wav

    pcm = make_clips()["long"]
    waveform = pcm.astype(np.float32) / 32768.0
    import mirzoo

    frontend = mirzoo.build("musicnn.mtt").get_layer("frontend")
    logmel = np.asarray(frontend(waveform[None]))[0]
    logmel_patches = logmel[: len(logmel) // 187 * 187].reshape(-1, 187, 96)
    with tempfile.TemporaryDirectory() as directory:
        wav = os.path.join(directory, "long.wav")
        write_wav(wav, pcm)
        models = load_mirzoo()
        load_before = os.getloadavg()[0]
        original_rounds, our_rounds = [], []
        for _ in range(args.rounds):
            original_rounds.append(run_original(args.reference_python, wav, args.repeats))
            our_rounds.append(run_mirzoo(models, wav, waveform, logmel_patches, args.repeats))
        load_after = os.getloadavg()[0]
    original, ours = merge(original_rounds), merge(our_rounds)
    original["versions"] = original_rounds[0]["versions"]

    print(f"30 s of 16 kHz audio (10 patches); {args.rounds} rounds × {args.repeats} timed calls after a warm-up; "
          "min / median seconds")
    print(f"mirzoo: TensorFlow {tf.__version__}, Keras {__import__('keras').__version__}; original: TensorFlow "
          f"{original['versions']['tensorflow']}, numpy {original['versions']['numpy']}, musicnn 0.1.0; "
          f"{os.cpu_count()} CPUs ({platform.processor() or platform.machine()}), load average "
          f"{load_before:.2f} before, {load_after:.2f} after")
    print()
    print("| model | original extractor() end to end | original inference only | mirzoo predict(file) end to end "
          "| mirzoo model on waveform | mirzoo network on log-mel | end to end speed-up | inference: original ÷ "
          "mirzoo |")
    print("|---|---:|---:|---:|---:|---:|---:|---:|")
    for checkpoint in MODELS:
        theirs, mine = original[checkpoint], ours[checkpoint]
        speed_up = min(theirs["end_to_end"]) / min(mine["end_to_end"])
        inference_ratio = min(theirs["inference"]) / min(mine["inference"])
        print(f"| {checkpoint} | {cell(theirs['end_to_end'])} | {cell(theirs['inference'])} | "
              f"{cell(mine['end_to_end'])} | {cell(mine['inference'])} | {cell(mine['network'])} | "
              f"{speed_up:.1f}× | {inference_ratio:.1f}× |")
    print()
    print("original librosa front end (batch_data) per 30 s: "
          + ", ".join(f"{c} {cell(original[c]['front_end'])}" for c in MODELS))
    print("mirzoo.load from the cache (one call): " + ", ".join(f"{c} {models[c][2]:.2f} s" for c in MODELS))
    return 0


if __name__ == "__main__":
    sys.exit(main())
