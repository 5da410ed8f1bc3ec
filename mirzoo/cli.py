"""The `mirzoo` command line (also `python -m mirzoo`)."""

import argparse
import json
import os
import sys

import numpy as np

FRONT_ENDS = ("mel", "logfreq")


def _build_front_end(args):
    from mirzoo.layers import LogFrequencySpectrogram, MelSpectrogram

    stft = dict(sample_rate=args.sample_rate, n_fft=args.n_fft, hop_length=args.hop_length)
    if args.kind == "mel":
        return MelSpectrogram(**stft, n_mels=args.n_mels, f_min=args.f_min, f_max=args.f_max, top_db=args.top_db)
    return LogFrequencySpectrogram(**stft, bins_per_octave=args.bins_per_octave, f_min=args.f_min or 30.0,
                                   f_max=args.f_max or 5500.0)


def _output_path(template, audio_path, several):
    """`out.png` for one file; `out_<stem>.png` for each of several."""
    if not several:
        return template
    root, extension = os.path.splitext(template)
    return f"{root}_{os.path.splitext(os.path.basename(audio_path))[0]}{extension}"


def spectrogram_command(args):
    """Compute the front end's output for each file; print a summary, optionally plot and save it."""
    from tqdm import tqdm

    from mirzoo.audio import load_audio
    from mirzoo.plotting import plot_spectrogram

    front_end = _build_front_end(args)
    several = len(args.files) > 1
    failures = 0
    for path in tqdm(args.files, unit="file", disable=not args.progress, file=sys.stderr):
        try:
            waveform, _ = load_audio(path, sample_rate=args.sample_rate)
            if waveform.shape[0] < front_end.min_samples:
                raise ValueError(f"{path}: {waveform.shape[0]} samples is shorter than one frame.")
            features = np.asarray(front_end(waveform[None]))[0]
        except (OSError, ValueError) as error:
            failures += 1
            tqdm.write(f"mirzoo: error: {error}", file=sys.stderr)
            continue
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
            np.save(_output_path(args.save, path, several), features)
        if args.plot:
            summary["plot"] = _output_path(args.plot, path, several)
            unit = "dB" if args.kind == "mel" else "log(1 + magnitude)"
            plot_spectrogram(features, front_end.frame_rate, summary["plot"], title=os.path.basename(path),
                             bin_label="mel band" if args.kind == "mel" else "log-frequency bin", value_label=unit)
        tqdm.write(json.dumps(summary), file=sys.stdout)
    return 1 if failures else 0


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
    spectrogram.add_argument("--sample-rate", type=int, default=22050, help="resample to this rate in Hz")
    spectrogram.add_argument("--n-fft", type=int, default=2048, help="FFT length in samples")
    spectrogram.add_argument("--hop-length", type=int, default=512, help="hop in samples")
    spectrogram.add_argument("--n-mels", type=int, default=128, help="mel bands (mel only)")
    spectrogram.add_argument("--bins-per-octave", type=int, default=24, help="bins per octave (logfreq only)")
    spectrogram.add_argument("--f-min", type=float, default=0.0, help="lowest frequency in Hz")
    spectrogram.add_argument("--f-max", type=float, default=None, help="highest frequency in Hz (default Nyquist)")
    spectrogram.add_argument("--top-db", type=float, default=80.0, help="dynamic range in dB (mel only)")
    spectrogram.add_argument("--plot", metavar="PNG", help="save a figure (one per file: PNG_<name>.png)")
    spectrogram.add_argument("--save", metavar="NPY", help="save the (frames, bins) array as .npy")
    spectrogram.add_argument("--no-progress", dest="progress", action="store_false", help="hide the progress bar")
    spectrogram.set_defaults(handler=spectrogram_command)
    return parser


def main(argv=None):
    parser = build_parser()
    args = parser.parse_args(argv)
    try:
        return args.handler(args)
    except (ValueError, ImportError) as error:
        print(f"mirzoo: error: {error}", file=sys.stderr)
        return 2


if __name__ == "__main__":
    sys.exit(main())
