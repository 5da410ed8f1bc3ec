"""The `mirzoo` command line (also `python -m mirzoo`)."""

import argparse
import json
import math
import os
import sys

import numpy as np

FRONT_ENDS = ("mel", "logfreq")
# Default frequency range of the log-frequency front end, whose bins start at f_min > 0 (Hz).
LOGFREQ_RANGE = (30.0, 5500.0)


def _count(text):
    """argparse type: an integer >= 1."""
    value = int(text)
    if value < 1:
        raise argparse.ArgumentTypeError(f"must be an integer >= 1; received {text}")
    return value


def _positive(text):
    """argparse type: a finite number > 0."""
    value = float(text)
    if not math.isfinite(value) or value <= 0:
        raise argparse.ArgumentTypeError(f"must be a finite number > 0; received {text}")
    return value


def _frequency(text):
    """argparse type: a finite number of Hz >= 0 (the layers check the range against the sample rate)."""
    value = float(text)
    if not math.isfinite(value) or value < 0:
        raise argparse.ArgumentTypeError(f"must be a finite frequency >= 0 Hz; received {text}")
    return value


def _path(text):
    """argparse type: a non-empty path."""
    if not text:
        raise argparse.ArgumentTypeError("must be a path; received an empty string")
    return text


def _build_front_end(args):
    from mirzoo.layers import LogFrequencySpectrogram, MelSpectrogram

    stft = dict(sample_rate=args.sample_rate, n_fft=args.n_fft, hop_length=args.hop_length)
    if args.kind == "mel":
        f_min = 0.0 if args.f_min is None else args.f_min
        return MelSpectrogram(**stft, n_mels=args.n_mels, f_min=f_min, f_max=args.f_max, top_db=args.top_db)
    f_min = LOGFREQ_RANGE[0] if args.f_min is None else args.f_min
    f_max = LOGFREQ_RANGE[1] if args.f_max is None else args.f_max
    return LogFrequencySpectrogram(**stft, bins_per_octave=args.bins_per_octave, f_min=f_min, f_max=f_max)


def _output_paths(template, files):
    """`{file: output}`: `out.png` for one file; `out_<stem>.png` for each of several.

    Raises:
        ValueError: two files would write the same output (same stem in two folders, or a file named twice),
            before anything is computed.
    """
    if template is None:
        return {}
    if len(files) == 1:
        return {files[0]: template}
    root, extension = os.path.splitext(template)
    outputs, writers = {}, {}
    for path in files:
        output = f"{root}_{os.path.splitext(os.path.basename(path))[0]}{extension}"
        if output in writers:
            raise ValueError(f"{writers[output]} and {path} would both be written to {output}; "
                             "rename one or run them one at a time.")
        outputs[path], writers[output] = output, path
    return outputs


def _for_each_file(files, progress, process):
    """Run `process(path)` on each file under a progress bar (stderr) and print the lines it returns.

    A file that fails (OSError, ValueError) gets one `mirzoo: error:` line on stderr and
    the others are still processed.

    Returns:
        The exit status: 1 if any file failed, else 0.
    """
    from tqdm import tqdm

    failures = 0
    for path in tqdm(files, unit="file", disable=not progress, file=sys.stderr):
        try:
            lines = process(path)
        except (OSError, ValueError) as error:
            failures += 1
            tqdm.write(f"mirzoo: error: {error}", file=sys.stderr)
            continue
        for line in lines:
            tqdm.write(line, file=sys.stdout)
    return 1 if failures else 0


def spectrogram_command(args):
    """Compute the front end's output for each file; print a summary, optionally plot and save it."""
    from mirzoo.audio import load_audio
    from mirzoo.plotting import plot_spectrogram

    front_end = _build_front_end(args)
    saves, plots = _output_paths(args.save, args.files), _output_paths(args.plot, args.files)

    def process(path):
        waveform, _ = load_audio(path, sample_rate=args.sample_rate)
        if waveform.shape[0] < front_end.min_samples:
            raise ValueError(f"{path}: {waveform.shape[0]} samples is shorter than one frame.")
        features = np.asarray(front_end(waveform[None]))[0]
        summary = {
            "file": path,
            "front_end": args.kind,
            "seconds": round(waveform.shape[0] / args.sample_rate, 3),
            "frames": int(features.shape[0]),
            "bins": int(features.shape[1]),
            "frame_rate": front_end.frame_rate,
            "min": float(features.min()),
            "max": float(features.max()),
        }
        if args.save:
            np.save(saves[path], features)
        if args.plot:
            summary["plot"] = plots[path]
            unit = "dB" if args.kind == "mel" else "log(1 + magnitude)"
            plot_spectrogram(features, front_end.frame_rate, summary["plot"], title=os.path.basename(path),
                             bin_label="mel band" if args.kind == "mel" else "log-frequency bin", value_label=unit)
        return [json.dumps(summary)]

    return _for_each_file(args.files, args.progress, process)


def list_command(args):
    """One line per preset: name, task, input contract, outputs, weights."""
    from mirzoo.inference import patch_frames_of
    from mirzoo.registry import get_preset, has_converted_weights, list_models

    rows = [("name", "task", "sample_rate", "window/frames", "labels", "weights")]
    for name in list_models(args.pattern):
        preset = get_preset(name)
        if preset.task == "frames":
            timing = f"{preset.frame_rate:g} fps"
        else:
            timing = f"{preset.clip_seconds:g} s {'patches' if patch_frames_of(preset) else 'windows'}"
        weights = "trained" if preset.weights else "converted" if has_converted_weights(preset) else "none yet"
        rows.append((name, preset.task, f"{preset.sample_rate} Hz", timing, str(len(preset.labels)), weights))
    widths = [max(len(row[i]) for row in rows) for i in range(len(rows[0]))]
    for row in rows:
        print("  ".join(cell.ljust(width) for cell, width in zip(row, widths)).rstrip())
    return 0


def info_command(args):
    """The preset as JSON, plus the model's parameter count."""
    from mirzoo.loading import build, resolve_preset

    preset = resolve_preset(args.name)
    details = preset.to_dict()
    details["parameters"] = int(build(preset).count_params())
    print(json.dumps(details, indent=2))
    return 0


def _format_result(path, result, args, first):
    """Lines to print for one file in the chosen format (`first`: the first file printed, which gets the CSV header)."""
    top = result.top(args.top)
    if args.format == "json":
        return [json.dumps({"file": path, "top": [[label, score] for label, score in top], **result.to_dict()})]
    if args.format == "csv":
        return (["file,label,score"] if first else []) + [f"{path},{label},{score:.6f}" for label, score in top]
    what = "mean activation" if hasattr(result, "activations") else "score"
    return [f"{path} ({result.duration:.1f} s)"] + [f"  {label:<22} {score:.3f}  {what}" for label, score in top]


def predict_command(args):
    """Run a model on each file; one clear stderr line per bad file, the rest still processed."""
    from mirzoo.inference import check_hop, predict
    from mirzoo.loading import load, resolve_preset
    from mirzoo.plotting import plot_activations, plot_taggram

    check_hop(resolve_preset(args.name), args.hop)
    plots = _output_paths(args.plot, args.files)
    model = load(args.name, weights="default" if args.weights is None else args.weights)
    printed = []

    def process(path):
        result = predict(model, path, hop_seconds=args.hop)
        if args.plot:
            plot = plot_taggram if model.preset.task == "tagging" else plot_activations
            plot(result, plots[path], title=f"{model.preset.name}: {os.path.basename(path)}")
        lines = _format_result(path, result, args, first=not printed)
        printed.append(path)
        return lines

    return _for_each_file(args.files, args.progress, process)


def train_command(args):
    """Train a model on manifests; prints the final metrics as JSON."""
    from mirzoo.training import train

    result = train(
        args.name, args.train, args.out, validation_manifest=args.validation, epochs=args.epochs,
        batch_size=args.batch_size, learning_rate=args.learning_rate, strategy=args.strategy, seed=args.seed,
        weights=args.weights, mixed_precision=args.mixed_precision, early_stopping_patience=args.patience,
        cache=args.cache, crop_seconds=args.crop_seconds, mix=args.mix, verbose=2 if not args.progress else "auto",
    )
    print(json.dumps({"preset": result.preset_dir, "epochs": result.epochs, "metrics": result.metrics}))
    return 0


def export_command(args):
    """Export a SavedModel for TF Serving and print its path and op check."""
    from mirzoo.export import export, unregistered_ops

    path = export(args.name, args.base_path, version=args.version,
                  weights="default" if args.weights is None else args.weights)
    missing = unregistered_ops(path)
    print(json.dumps({"saved_model": path, "signatures": ["serving_default", "serve_wav"],
                      "unregistered_ops": missing}))
    return 1 if missing else 0


def corpus_command(args):
    """Build the synthetic corpus (needs scripts/install_corpus_deps.sh)."""
    from mirzoo.data.synth.build import build_corpus

    recipe = build_corpus(args.out, n_songs=args.songs, seconds=args.seconds, sung_fraction=args.sung_fraction,
                          seed=args.seed, processes=args.processes, progress=args.progress, n_works=args.works,
                          midi_cache=args.midi_cache)
    print(json.dumps(recipe))
    return 0


def build_parser():
    from mirzoo import __version__

    parser = argparse.ArgumentParser(prog="mirzoo", description="Music information retrieval models for Keras.")
    parser.add_argument("--version", action="version", version=f"mirzoo {__version__}")
    commands = parser.add_subparsers(dest="command", required=True)

    spectrogram = commands.add_parser(
        "spectrogram", help="compute an on-graph front end on audio files (and plot it)",
        description="Run mirzoo's log-mel or log-frequency front end on audio files; print one JSON line per file.",
    )
    spectrogram.add_argument("files", nargs="+", metavar="FILE", help="WAV, FLAC, OGG or MP3 files")
    spectrogram.add_argument("--kind", choices=FRONT_ENDS, default="mel", help="front end (default: mel)")
    spectrogram.add_argument("--sample-rate", type=_count, default=22050, help="resample to this rate in Hz")
    spectrogram.add_argument("--n-fft", type=_count, default=2048, help="FFT length in samples")
    spectrogram.add_argument("--hop-length", type=_count, default=512, help="hop in samples")
    spectrogram.add_argument("--n-mels", type=_count, default=128, help="mel bands (mel only)")
    spectrogram.add_argument("--bins-per-octave", type=_count, default=24, help="bins per octave (logfreq only)")
    spectrogram.add_argument("--f-min", type=_frequency, default=None,
                             help=f"lowest frequency in Hz (default: 0 for mel, {LOGFREQ_RANGE[0]:g} for logfreq)")
    spectrogram.add_argument("--f-max", type=_frequency, default=None,
                             help=f"highest frequency in Hz (default: Nyquist for mel, {LOGFREQ_RANGE[1]:g} for logfreq)")
    spectrogram.add_argument("--top-db", type=_positive, default=80.0, help="dynamic range in dB (mel only)")
    spectrogram.add_argument("--plot", metavar="PNG", type=_path, help="save a figure (one per file: PNG_<name>.png)")
    spectrogram.add_argument("--save", metavar="NPY", type=_path, help="save the (frames, bins) array as .npy")
    spectrogram.add_argument("--no-progress", dest="progress", action="store_false", help="hide the progress bar")
    spectrogram.set_defaults(handler=spectrogram_command)

    listing = commands.add_parser("list", help="list the registered models")
    listing.add_argument("pattern", nargs="?", help="shell-style filter, e.g. 'crnn*'")
    listing.set_defaults(handler=list_command)

    info = commands.add_parser("info", help="show a model's preset")
    info.add_argument("name", help="arch, arch.tag or a preset directory (./DIR when it shares a registered name)")
    info.set_defaults(handler=info_command)

    predicting = commands.add_parser(
        "predict", help="run a model on audio files",
        description="Tag audio files (taggers) or score their frames (frame models).",
    )
    predicting.add_argument("name", help="arch, arch.tag or a preset directory (./DIR when it shares a registered name)")
    predicting.add_argument("files", nargs="+", metavar="FILE", help="WAV, FLAC, OGG or MP3 files")
    predicting.add_argument("--top", type=_count, default=5, help="labels to show per file (default 5)")
    predicting.add_argument("--format", choices=("table", "json", "csv"), default="table")
    predicting.add_argument("--plot", metavar="PNG", type=_path, help="save the taggram or activations (PNG_<name>.png per file)")
    predicting.add_argument("--hop", type=_positive, default=None,
                            help="taggers: seconds between windows (not for musicnn's fixed patches)")
    predicting.add_argument("--weights", metavar="PATH", type=_path,
                            help="a .weights.h5 file or preset directory to use")
    predicting.add_argument("--no-progress", dest="progress", action="store_false", help="hide the progress bar")
    predicting.set_defaults(handler=predict_command)

    training = commands.add_parser(
        "train", help="train a model on a manifest",
        description="Train an architecture on a manifest (CSV or JSONL); resumable: rerun with the same --out.",
    )
    training.add_argument("name", help="arch, arch.tag or a preset directory (./DIR when it shares a registered name)")
    training.add_argument("--train", required=True, metavar="MANIFEST", help="training manifest (.csv or .jsonl)")
    training.add_argument("--validation", metavar="MANIFEST", help="validation manifest")
    training.add_argument("--out", required=True, metavar="DIR", help="output folder (checkpoints, logs, preset)")
    training.add_argument("--epochs", type=_count, default=10)
    training.add_argument("--batch-size", type=_count, default=16)
    training.add_argument("--learning-rate", type=_positive, default=1e-3)
    training.add_argument("--strategy", choices=("auto", "mirrored", "onedevice", "multiworker"), default="auto")
    training.add_argument("--seed", type=int, default=0)
    training.add_argument("--weights", metavar="PATH", type=_path,
                          help="start from these weights ('default' or a path)")
    training.add_argument("--mixed-precision", action="store_true", help="float16 compute where safe")
    training.add_argument("--patience", type=_count, default=None, help="early stopping patience in epochs")
    training.add_argument("--cache", action="store_true", help="keep decoded audio in memory")
    training.add_argument("--crop-seconds", type=_positive, default=None,
                          help="training crop length (default: the preset's clip_seconds)")
    training.add_argument("--mix", type=float, default=0.0, metavar="P",
                          help="probability of mixing a training example with another (labels: their union)")
    training.add_argument("--no-progress", dest="progress", action="store_false", help="one line per epoch")
    training.set_defaults(handler=train_command)

    exporting = commands.add_parser(
        "export", help="export a SavedModel for TensorFlow Serving",
        description="Write BASE_PATH/<version>/ with serving_default (waveform) and serve_wav (WAV bytes).",
    )
    exporting.add_argument("name", help="arch, arch.tag or a preset directory (./DIR when it shares a registered name)")
    exporting.add_argument("base_path", help="TF Serving model base path")
    exporting.add_argument("--version", type=_count, default=None, help="version number (default: next free)")
    exporting.add_argument("--weights", metavar="PATH", type=_path,
                           help="a .weights.h5 file or preset directory to use")
    exporting.set_defaults(handler=export_command)

    corpus = commands.add_parser("corpus", help="the synthetic training corpus")
    corpus_commands = corpus.add_subparsers(dest="corpus_command", required=True)
    building = corpus_commands.add_parser(
        "build", help="render generated songs with labels and manifests",
        description="Render generated songs (FluidSynth; sung melodies by Festival + WORLD, with instrumental "
                    "twins) and excerpts of the music21 corpus's multi-part works to FLAC with tag, chroma and voice "
                    "labels, and write per-task, per-split manifests. "
                    "Install the system packages first: scripts/install_corpus_deps.sh.",
    )
    building.add_argument("out", help="output folder")
    building.add_argument("--songs", type=int, default=1000)
    building.add_argument("--seconds", type=_positive, default=15.0)
    building.add_argument("--sung-fraction", type=float, default=0.3)
    building.add_argument("--works", type=int, default=0,
                          help="excerpts of music21 works (Bach, Monteverdi, Palestrina, trecento), one per work")
    building.add_argument("--midi-cache", metavar="DIR", help="the works' MIDI cache (default: OUT/midi)")
    building.add_argument("--seed", type=int, default=0)
    building.add_argument("--processes", type=_count, default=2)
    building.add_argument("--no-progress", dest="progress", action="store_false")
    building.set_defaults(handler=corpus_command)
    return parser


def main(argv=None):
    parser = build_parser()
    args = parser.parse_args(argv)
    try:
        return args.handler(args)
    except (OSError, ValueError, ImportError) as error:
        print(f"mirzoo: error: {error}", file=sys.stderr)
        return 2


if __name__ == "__main__":
    sys.exit(main())
