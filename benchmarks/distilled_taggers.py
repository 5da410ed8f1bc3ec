"""Distilled taggers against their teacher: audio-seconds tagged per second, end to end, in one run.

Each model tags the same recording with `mirzoo.predict(model, path)` (decode, resample, in-graph front end,
windows or patches, tags), loaded beforehand; `--rounds` rounds alternate the models so that a shared
machine's load falls on all of them alike. The table gives the median and the best call per model and the
ratios of the best calls to the teacher's. Target (issue 16): the CRNN student faster than `musicnn.mtt`.

    python benchmarks/distilled_taggers.py AUDIO [--rounds 5]
"""

import argparse
import os
import platform
import statistics
import time

os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "2")

MODELS = ("musicnn.mtt", "crnn_tagger.mtt_distilled", "conv1d_tagger.mtt_distilled")


def main():
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("audio")
    parser.add_argument("--rounds", type=int, default=5)
    parser.add_argument("--models", nargs="+", default=MODELS)
    args = parser.parse_args()

    import mirzoo

    models = {name: mirzoo.load(name) for name in args.models}
    duration = None
    for model in models.values():  # warm-up: graphs traced, file cached
        duration = mirzoo.predict(model, args.audio).duration
    seconds = {name: [] for name in models}
    for _ in range(args.rounds):
        for name, model in models.items():
            started = time.perf_counter()
            mirzoo.predict(model, args.audio)
            seconds[name].append(time.perf_counter() - started)
    teacher = min(seconds[args.models[0]])
    print(f"{duration:.1f} s of audio, {args.rounds} rounds, {os.cpu_count()} cores, {platform.processor() or ''}")
    print(f"{'model':<30} {'median s':>9} {'best s':>8} {'audio s/s':>10} {'vs teacher':>11}")
    for name, values in seconds.items():
        best = min(values)
        print(f"{name:<30} {statistics.median(values):>9.3f} {best:>8.3f} {duration / best:>10.0f} "
              f"{teacher / best:>10.2f}x")


if __name__ == "__main__":
    main()
