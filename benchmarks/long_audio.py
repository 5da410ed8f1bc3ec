"""`mirzoo.predict` on a 2-hour file: peak memory, and the results equal those of the same audio in pieces.

For each preset (default: the five trained `.synth` presets), a fresh process loads the model and runs
`mirzoo.predict` once on a 2-hour FLAC at the preset's sample rate (16-bit mono; the 3-minute
`harmonic_test_signal` 40 times over, written block by block). It reports its RSS after loading (the
baseline) and its peak RSS (VmHWM from /proc/self/status, reset by execve unlike `ru_maxrss`), and saves
the result. This process then reads the same file in 10-minute pieces, runs `mirzoo.predict` on each piece
as an array, and compares:

  - taggers: window `i` of piece `j` is window `j * windows_per_piece + i` of the whole file (10 minutes is
    a whole number of windows); every window is compared;
  - frame models: frame `i` of piece `j` is frame `j * frames_per_piece + i`; frames in a piece's first
    and last inference chunk see less context in the piece than in the whole file (`mirzoo.inference`
    chunks of `clip_seconds` with 3 s of context), so the table gives the largest difference inside the
    pieces and, separately, at all frames.

    python benchmarks/long_audio.py [--hours 2] [--models PATTERN]
"""

import argparse
import json
import os
import subprocess
import sys
import tempfile
import time

os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "2")

import numpy as np  # noqa: E402
import soundfile  # noqa: E402

import mirzoo  # noqa: E402
from mirzoo.testing import harmonic_test_signal  # noqa: E402

BLOCK_SECONDS = 180.0
PIECE_SECONDS = 600.0
DEFAULT_MODELS = "*.synth"


def memory_mb(field):
    """`VmRSS` (now) or `VmHWM` (peak) of this process image in MB."""
    with open("/proc/self/status", encoding="ascii") as status:
        for line in status:
            if line.startswith(field + ":"):
                return int(line.split()[1]) * 1024 / 1e6
    raise RuntimeError(f"/proc/self/status has no {field} line (this benchmark needs Linux).")


def write_long_file(path, sample_rate, hours):
    block = harmonic_test_signal(sample_rate, BLOCK_SECONDS)
    with soundfile.SoundFile(path, "w", sample_rate, 1, subtype="PCM_16", format="FLAC") as handle:
        for _ in range(int(round(hours * 3600 / BLOCK_SECONDS))):
            handle.write(block)


def child(name, path, output):
    """In a fresh process: load, predict the whole file, report RSS and time, save the result."""
    model = mirzoo.load(name)
    baseline = memory_mb("VmRSS")
    start = time.perf_counter()
    result = mirzoo.predict(model, path)
    seconds = time.perf_counter() - start
    rows = result.taggram if model.preset.task == "tagging" else result.activations
    np.save(output, rows)
    print(json.dumps(dict(baseline=baseline, peak=memory_mb("VmHWM"), seconds=seconds)))


def compare_with_pieces(name, path, whole):
    """Largest |whole - pieces| over all rows and over rows away from piece edges (frame models)."""
    model = mirzoo.load(name)
    preset = model.preset
    rate = preset.sample_rate
    piece = int(PIECE_SECONDS * rate)
    per_piece, edge = None, 0
    if preset.task == "tagging":
        per_piece = int(round(PIECE_SECONDS / preset.clip_seconds))
    else:
        hop = preset.frontend["hop_length"]
        per_piece = piece // hop
        edge = preset.clip_samples // hop  # one inference chunk at each end of a piece
    worst_all, worst_inside = 0.0, 0.0
    with soundfile.SoundFile(path) as handle:
        index = 0
        while True:
            audio = handle.read(piece, dtype="float32")
            if len(audio) < piece:
                break
            result = mirzoo.predict(model, audio, sample_rate=rate)
            rows = result.taggram if preset.task == "tagging" else result.activations[:per_piece]
            reference = whole[index * per_piece : index * per_piece + len(rows)]
            difference = np.abs(rows - reference).max(axis=-1)
            worst_all = max(worst_all, float(difference.max()))
            inside = difference[edge : len(difference) - edge] if edge else difference
            worst_inside = max(worst_inside, float(inside.max()))
            index += 1
    return worst_all, worst_inside, index


def main():
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--hours", type=float, default=2.0)
    parser.add_argument("--models", default=DEFAULT_MODELS, help="shell-style pattern over preset names")
    parser.add_argument("--child", nargs=3, metavar=("PRESET", "PATH", "OUTPUT"), help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.child:
        child(*args.child)
        return
    names = mirzoo.list_models(args.models)
    print(f"{args.hours:g}-hour 16-bit mono FLAC at each preset's rate; {os.cpu_count()} CPUs, "
          f"load average {os.getloadavg()[0]:.2f} at start")
    rows = []
    with tempfile.TemporaryDirectory(prefix="mirzoo-long-") as directory:
        files = {}
        for name in names:
            rate = mirzoo.get_preset(name).sample_rate
            if rate not in files:
                files[rate] = os.path.join(directory, f"long_{rate}.flac")
                print(f"writing {files[rate]}", file=sys.stderr, flush=True)
                write_long_file(files[rate], rate, args.hours)
            output = os.path.join(directory, f"{name}.npy")
            print(f"predict: {name}", file=sys.stderr, flush=True)
            done = subprocess.run([sys.executable, os.path.abspath(__file__), "--child", name, files[rate], output],
                                  capture_output=True, text=True)
            if done.returncode != 0:
                rows.append(f"| `{name}` | failed: {(done.stderr.strip().splitlines() or ['?'])[-1]} |")
                continue
            report = json.loads(done.stdout.strip().splitlines()[-1])
            print(f"pieces: {name}", file=sys.stderr, flush=True)
            worst_all, worst_inside, pieces = compare_with_pieces(name, files[rate], np.load(output))
            rows.append(f"| `{name}` | {report['seconds']:.0f} | {args.hours * 3600 / report['seconds']:.0f}× | "
                        f"{report['baseline']:,.0f} | {report['peak']:,.0f} | {pieces} | {worst_inside:.2e} | "
                        f"{worst_all:.2e} |")
    print("\n| preset | wall s | × real time | RSS after load MB | peak RSS MB | 10-min pieces "
          "| max abs diff, away from piece edges | max abs diff, all rows |")
    print("|---|---:|---:|---:|---:|---:|---:|---:|")
    print("\n".join(rows))
    print(f"\nload average {os.getloadavg()[0]:.2f} at the end")


if __name__ == "__main__":
    main()
