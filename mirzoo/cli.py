"""The `mirzoo` command line (also `python -m mirzoo`).

Each command imports what it needs when it runs: `--help`, `list`, `info` and a misspelled model name answer
without importing Keras or TensorFlow, and TensorFlow's start-up log lines are hidden unless `--verbose` is
given or `TF_CPP_MIN_LOG_LEVEL=0` asks for all of TensorFlow's messages.
"""

import argparse
import dataclasses
import json
import math
import os
import sys
import textwrap

from mirzoo.formats import event_lines, lab_lines, note_lines, write_lab, write_lines, write_midi
from mirzoo.models.labels import note_name

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


def _probability(text):
    """argparse type: a number in [0, 1]."""
    value = float(text)
    if not 0.0 <= value <= 1.0:
        raise argparse.ArgumentTypeError(f"must be a number in [0, 1]; received {text}")
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


def _output_paths(template, files, option):
    """`{file: output}`: `out.png` for one file; `out_<stem>.png` for each of several.

    Raises:
        ValueError: the output's folder does not exist, or two files would write the same output (same stem
            in two folders, or a file named twice), before anything is computed.
    """
    if template is None:
        return {}
    folder = os.path.dirname(template) or "."
    if not os.path.isdir(folder):
        raise ValueError(f"{option} {template}: the folder {folder} does not exist; create it first.")
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


def _audio_seconds(path):
    """The duration a file's header declares (0 when it cannot be read: the file fails later, with its error)."""
    import soundfile

    try:
        return soundfile.info(path).duration
    except Exception:  # noqa: BLE001 (any unreadable file; its own error is reported when it is processed)
        return 0.0


class _AudioProgress:
    """A progress bar on stderr in seconds of audio over all files, advanced within each file.

    The total is the duration the files' headers declare; a file that fails adds nothing, so the bar
    only reaches its end when every file succeeded, and the last description says how many failed.
    Drawn only when stderr is a terminal (as tqdm's `disable=None`).
    """

    def __init__(self, files, enabled):
        from tqdm import tqdm

        self.files = files
        self.shown = enabled and sys.stderr.isatty()
        self.durations = [_audio_seconds(path) for path in files] if self.shown else [0.0] * len(files)
        total = sum(self.durations)
        self.bar = tqdm(total=total if total > 0 else None, unit="s", disable=not self.shown, file=sys.stderr,
                        desc=f"file 1/{len(files)}", dynamic_ncols=True,
                        bar_format="{desc}: {percentage:3.0f}%|{bar}| {n:.1f}/{total:.1f} s of audio "
                                   "[{elapsed}<{remaining}]" if total > 0 else "{desc}: {n:.1f} s of audio")
        self.done = 0.0  # seconds of audio of the files that succeeded
        self.index = 0

    def _show(self, seconds):
        self.bar.n = seconds
        self.bar.refresh()

    def start(self, index):
        self.index = index
        self.bar.set_description_str(f"file {index + 1}/{len(self.files)}", refresh=False)
        self._show(self.done)

    def within(self, seconds):
        """Seconds of the current file processed so far (capped at its declared duration)."""
        self._show(self.done + min(seconds, self.durations[self.index]))

    def succeeded(self):
        self.done += self.durations[self.index]
        self._show(self.done)

    def close(self, failures):
        ok = len(self.files) - failures
        self.bar.set_description_str(f"{ok} of {len(self.files)} files" + (f", {failures} failed" if failures else ""),
                                     refresh=False)
        self.bar.refresh()
        self.bar.close()

    def write(self, line, stream):
        """Print `line` above the bar. The bar's row is erased with an ANSI erase-line, not overwritten with
        spaces (tqdm.write's way), so the terminal keeps no trailing padding after the printed line."""
        if self.shown:
            sys.stderr.write("\r\x1b[K")
            sys.stderr.flush()
        print(line, file=stream, flush=True)
        if self.shown:
            self.bar.refresh()


def _for_each_file(files, progress, process):
    """Run `process(path, progress_within)` on each file under a progress bar (stderr), print the lines it
    returns, then run its follow-up (plots, saved arrays).

    `process` returns `(lines, follow_up)`: the lines are printed before `follow_up()` runs, so a plot
    that fails never loses the scores. A file that fails (OSError, ValueError), or whose follow-up fails,
    gets one `mirzoo: error:` line on stderr and the others are still processed.

    Returns:
        The exit status: 1 if any file failed, else 0.
    """
    bar = _AudioProgress(files, progress)
    failures = 0
    try:
        for index, path in enumerate(files):
            bar.start(index)
            try:
                lines, follow_up = process(path, bar.within)
                for line in lines:
                    bar.write(line, sys.stdout)
                if follow_up is not None:
                    follow_up()
            except BrokenPipeError:
                raise
            except (OSError, ValueError, ImportError) as error:
                failures += 1
                bar.write(f"mirzoo: error: {error}", sys.stderr)
                continue
            bar.succeeded()
    finally:
        bar.close(failures)
    return 1 if failures else 0


def spectrogram_command(args):
    """Compute the front end's output for each file; print a summary, optionally plot and save it."""
    saves, plots = _output_paths(args.save, args.files, "--save"), _output_paths(args.plot, args.files, "--plot")
    _import_keras(args)
    import numpy as np

    from mirzoo.audio import load_audio
    from mirzoo.plotting import plot_spectrogram

    front_end = _build_front_end(args)

    def process(path, progress_within):
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
        if args.plot:
            summary["plot"] = plots[path]

        def follow_up():
            if args.save:
                np.save(saves[path], features)
            if args.plot:
                unit = "dB" if args.kind == "mel" else "log(1 + magnitude)"
                plot_spectrogram(features, front_end.frame_rate, plots[path], title=os.path.basename(path),
                                 bin_label="mel band" if args.kind == "mel" else "log-frequency bin",
                                 value_label=unit)

        return [json.dumps(summary)], follow_up

    return _for_each_file(args.files, args.progress, process)


def _table(rows, indent=""):
    """Rows of cells as left-aligned columns, without trailing spaces."""
    widths = [max(len(row[i]) for row in rows) for i in range(len(rows[0]))]
    return [indent + "  ".join(cell.ljust(width) for cell, width in zip(row, widths)).rstrip() for row in rows]


def list_command(args):
    """One line per preset: name, task, input contract, outputs, weights."""
    from mirzoo.inference import patch_frames_of
    from mirzoo.registry import get_preset, has_converted_weights, list_models

    rows = [("name", "task", "sample_rate", "window/frames", "labels", "weights")]
    for name in list_models(args.pattern):
        preset = get_preset(name)
        if preset.task == "frames":
            timing = f"{preset.frame_rate:g} fps"
        elif preset.task == "classification":
            timing = "whole file"
        else:
            timing = f"{preset.clip_seconds:g} s {'patches' if patch_frames_of(preset) else 'windows'}"
        weights = "trained" if preset.weights else "converted" if has_converted_weights(preset) else "none yet"
        rows.append((name, preset.task, f"{preset.sample_rate} Hz", timing, str(len(preset.labels)), weights))
    for line in _table(rows):
        print(line)
    return 0


def _parameters_text(parameters):
    return ", ".join(f"{key}={value}" for key, value in parameters.items())


def _info_lines(preset, has_converted, parameters=None):
    """A readable summary of a preset, one `field  value` row each, long values wrapped."""
    from mirzoo.inference import patch_frames_of

    if preset.task == "frames":
        task = f"frames: {len(preset.labels)} label(s) per frame, {preset.frame_rate:g} frames per second"
    elif preset.task == "classification":
        task = f"classification: one distribution over {len(preset.labels)} labels for the whole file"
    elif patch_frames_of(preset):
        task = f"tagging: {len(preset.labels)} labels per {preset.clip_seconds:g} s patch, averaged over the file"
    else:
        task = f"tagging: {len(preset.labels)} labels per {preset.clip_seconds:g} s window, averaged over the file"
    frontend = dict(preset.frontend)
    if preset.weights is not None:
        weights = f"{preset.weights.file} (shipped; SHA-256 {preset.weights.sha256[:16]}…)"
    elif has_converted:
        weights = "converted from another package into the user cache on first use (see notes)"
    else:
        weights = "none yet (mirzoo.build gives it freshly initialised)"
    rows = [
        ("name", preset.name),
        ("task", task),
        ("input", f"mono audio at {preset.sample_rate} Hz (other rates are resampled)"),
        ("front end", f"{frontend.pop('kind', '?')}: {_parameters_text(frontend)}"),
        ("body", _parameters_text(preset.arch_config) or "defaults"),
        ("labels", ", ".join(preset.labels)),
        *([("decoder", ": ".join(filter(None, (preset.decoder["name"], _parameters_text(
            {k: v for k, v in preset.decoder.items() if k != "name"})))))] if preset.decoder else []),
        ("weights", weights),
        ("metrics", ", ".join(f"{key} {value:g}" if isinstance(value, float) else f"{key} {value}"
                              for key, value in sorted(preset.metrics.items())) or "none measured"),
        ("licence", preset.license or "not stated"),
        ("paper", preset.paper or "none"),
        ("notes", preset.notes or "none"),
    ]
    if parameters is not None:
        rows.insert(1, ("parameters", f"{parameters:,}"))
    width = max(len(field) for field, _ in rows)
    lines = []
    for field, value in rows:
        wrapped = textwrap.wrap(str(value), width=100 - width - 2) or [""]
        lines.append(f"{field.ljust(width)}  {wrapped[0]}")
        lines.extend(" " * (width + 2) + more for more in wrapped[1:])
    return lines


def info_command(args):
    """The preset as a readable summary, or as JSON (`--format json`); `--parameters` builds the model."""
    from mirzoo.registry import has_converted_weights, resolve_preset

    preset = resolve_preset(args.name)
    parameters = None
    if args.parameters:
        _import_keras(args)
        from mirzoo.loading import build

        parameters = int(build(preset).count_params())
    if args.format == "json":
        details = preset.to_dict()
        if parameters is not None:
            details["parameters"] = parameters
        print(json.dumps(details, indent=2))
        return 0
    print("\n".join(_info_lines(preset, has_converted_weights(preset), parameters)))
    return 0


def _frame_rows(result):
    """`(start, end, labels)` rows of a frame model's segments (at `result.threshold`): for a one-label model
    (voice), the segments where it is active; for several labels (pitch classes), every segment with the labels
    active in it."""
    segments = result.segments()
    if len(result.labels) == 1:
        segments = [segment for segment in segments if segment.labels]
    return [(segment.start, segment.end, segment.labels) for segment in segments]


def _event_kind(result):
    """`"downbeats"`, `"beats"`, `"onsets"`, `"chords"` or `"notes"`: what a frame model's decoder found, or None."""
    for kind in ("downbeats", "beats", "onsets", "chords", "notes"):
        if getattr(result, kind, None) is not None:
            return kind
    return None


def _event_rows(result, kind):
    """`(time,)` per onset or beat, `(time, position in bar)` per beat of a downbeat model, `(start, end, label)`
    per chord, `(onset, offset, pitch)` per note, as text."""
    if kind == "chords":
        return [(f"{start:.2f}", f"{end:.2f}", label) for start, end, label in result.chords]
    if kind == "notes":
        return [(f"{onset:.3f}", f"{offset:.3f}", f"{int(pitch)}") for onset, offset, pitch in result.notes]
    if kind == "downbeats":
        return [(f"{time:.2f}", f"{int(position)}") for time, position in result.downbeats]
    return [(f"{time:.2f}",) for time in getattr(result, kind)]


def _tempo_text(result):
    return "no tempo (fewer than 2 beats)" if math.isnan(result.tempo) else f"{result.tempo:.1f} BPM"


def _format_events(path, result, args, first, kind):
    """Lines for a model with a decoder: its events as a table, CSV, or one per line (`--format events`,
    the layout madmom and mir_eval read: a time per line, `time<TAB>beat position` for downbeats)."""
    rows = _event_rows(result, kind)
    if args.format == "events":
        header = [f"# {path}"] if len(args.files) > 1 else []
        if kind == "chords":
            return header + lab_lines(result.chords)
        if kind == "notes":
            return header + note_lines(result.notes)
        return header + ["\t".join(row) for row in rows]
    if args.format == "csv":
        columns = {"downbeats": "file,time,beat_position", "chords": "file,start,end,chord",
                   "notes": "file,onset,offset,pitch"}.get(kind, "file,time")
        return ([columns] if first else []) + [",".join((path,) + row) for row in rows]
    if kind == "chords":
        title = f"{path} ({result.duration:.1f} s): {len(rows)} chord segments"
        return [title] + _table([("start", "end", "chord")] + rows, indent="  ")
    if kind == "notes":
        title = f"{path} ({result.duration:.1f} s): {len(rows)} notes"
        table = [("onset", "offset", "pitch", "note")] + [
            (onset, offset, pitch, note_name(int(pitch))) for onset, offset, pitch in rows]
        return [title] + (_table(table, indent="  ") if rows else [])
    if kind == "onsets":
        title = f"{path} ({result.duration:.1f} s): {len(rows)} onsets"
        return [title] + _wrapped_times([row[0] for row in rows])
    if kind == "beats":
        title = f"{path} ({result.duration:.1f} s): {len(rows)} beats, {_tempo_text(result)}"
        return [title] + _wrapped_times([row[0] for row in rows])
    positions = [int(position) for _, position in result.downbeats]
    meter = f", {max(positions)} beats per bar" if positions else ""
    title = (f"{path} ({result.duration:.1f} s): {len(rows)} beats, {positions.count(1)} downbeats{meter}, "
             f"{_tempo_text(result)}")
    bars, bar = [], []
    for time, position in rows:  # one line per bar: its beats' times, the downbeat first
        if position == "1" and bar:
            bars.append(bar)
            bar = []
        bar.append(time)
    bars += [bar] if bar else []
    table = [("bar", "beat times (s)")] + [(str(index), " ".join(times)) for index, times in enumerate(bars, 1)]
    return [title] + (_table(table, indent="  ") if rows else [])


def _wrapped_times(times, per_line=10):
    """Times in seconds, `per_line` to a line, indented."""
    return ["  " + " ".join(times[i : i + per_line]) for i in range(0, len(times), per_line)]


def _format_result(path, result, args, first):
    """Lines to print for one file in the chosen format (`first`: the first file printed, which gets the CSV header)."""
    frames = hasattr(result, "activations")
    kind = _event_kind(result) if frames else None
    if kind is not None and args.format != "json":
        return _format_events(path, result, args, first, kind)
    if args.format == "json":
        top = result.top(args.top)
        return [json.dumps({"file": path, "top": [[label, score] for label, score in top], **result.to_dict()})]
    if hasattr(result, "probabilities") and args.format == "table":  # a classifier: its label, then the runners-up
        found = f"key {result.key}" if result.key is not None else result.label
        table = [("label", "probability")] + [(label, f"{score:.3f}") for label, score in result.top(args.top)]
        return [f"{path} ({result.duration:.1f} s): {found} ({result.probability:.3f})"] + _table(table, indent="  ")
    if frames:
        rows = _frame_rows(result)
        if args.format == "csv":
            return (["file,start,end,labels"] if first else []) + [
                f"{path},{start:.3f},{end:.3f},{';'.join(labels)}" for start, end, labels in rows]
        if len(result.labels) == 1:
            active = sum(end - start for start, end, _ in rows)
            title = (f"{path} ({result.duration:.1f} s): {result.labels[0]} in {len(rows)} segment(s), "
                     f"{active:.1f} s in all (activation >= {result.threshold:g})")
        else:
            title = f"{path} ({result.duration:.1f} s): labels with activation >= {result.threshold:g}, by segment"
        table = [("start", "end", "labels")] + [
            (f"{start:.2f}", f"{end:.2f}", " ".join(labels) or "-") for start, end, labels in rows]
        return [title] + (_table(table, indent="  ") if rows else [])
    top = result.top(args.top)
    if args.format == "csv":
        return (["file,label,score"] if first else []) + [f"{path},{label},{score:.6f}" for label, score in top]
    table = [("label", "score")] + [(label, f"{score:.3f}") for label, score in top]
    return [f"{path} ({result.duration:.1f} s)"] + _table(table, indent="  ")


def _presets_decoding(name):
    from mirzoo.registry import get_preset, list_models

    return [preset for preset in list_models() if get_preset(preset).decoder.get("name") == name]


def predict_command(args):
    """Run a model on each file; one clear stderr line per bad file, the rest still processed."""
    from mirzoo.registry import resolve_preset

    preset = resolve_preset(args.name)  # a misspelled name fails here, before Keras is imported
    if args.format == "events" and (preset.task != "frames" or not preset.decoder):
        gives = {"frames": "frame activations", "tagging": "tags", "classification": "one label per recording"}
        raise ValueError(f"--format events is for models that decode events (onsets, beats, downbeats, chords, "
                         f"notes); {preset.name} gives {gives[preset.task]}: use table, json or csv.")
    decoder = preset.decoder.get("name")
    for option, value, needed in (("--lab", args.lab, "chords"), ("--midi", args.midi, "notes")):
        if value is not None and decoder != needed:
            raise ValueError(f"{option} writes {needed}; {preset.name} decodes "
                             f"{decoder or 'nothing'}. Models that decode {needed}: "
                             f"{', '.join(_presets_decoding(needed))}.")
    plots = _output_paths(args.plot, args.files, "--plot")
    labs = _output_paths(args.lab, args.files, "--lab")
    midis = _output_paths(args.midi, args.files, "--midi")
    from mirzoo.inference import check_hop, predict

    check_hop(preset, args.hop)
    _import_keras(args)
    from mirzoo.loading import load

    model = load(args.name, weights="default" if args.weights is None else args.weights)
    printed = []

    def process(path, progress_within):
        result = predict(model, path, hop_seconds=args.hop, on_progress=progress_within)
        if args.threshold is not None and hasattr(result, "activations"):  # the table, CSV, JSON and plot decide at it
            result = dataclasses.replace(result, threshold=args.threshold)
        lines = _format_result(path, result, args, first=not printed)
        printed.append(path)

        if args.lab:
            write_lab(labs[path], result.chords)
        if args.midi:
            write_midi(midis[path], result.notes)

        def plot():
            from mirzoo.plotting import plot_activations, plot_classification, plot_piano_roll, plot_taggram

            draw = {"tagging": plot_taggram, "classification": plot_classification}.get(model.preset.task,
                                                                                      plot_activations)
            if getattr(result, "notes", None) is not None:
                draw = plot_piano_roll
            draw(result, plots[path], title=f"{model.preset.name}: {os.path.basename(path)}")

        return lines, plot if args.plot else None

    return _for_each_file(args.files, args.progress, process)


def _analysis_lines(path, analysis, args, first):
    """Lines for one analysed file: a summary, one JSON object, or one CSV row (the catalogue layout)."""
    data = analysis.to_dict()
    if args.format == "json":
        return [json.dumps({"file": path, **data})]
    tempo = "" if analysis.tempo is None or math.isnan(analysis.tempo) else f"{analysis.tempo:.1f}"
    meter = ""
    if analysis.downbeats is not None and len(analysis.downbeats):
        meter = str(int(analysis.downbeats[:, 1].max()))
    tags = ";".join(label for label, _ in analysis.tags or ())
    if args.format == "csv":
        def cell(value):
            text = "" if value is None else str(value)
            return f'"{text}"' if "," in text or '"' in text else text

        header = "file,duration,key,key_probability,tempo,beats_per_bar,beats,onsets,chords,top_tags"
        counts = [len(x) if x is not None else "" for x in (analysis.beats, analysis.onsets, analysis.chords)]
        probability = "" if analysis.key_probability is None else f"{analysis.key_probability:.3f}"
        row = [path, f"{analysis.duration:.2f}", analysis.key, probability, tempo, meter, *counts, tags]
        return ([header] if first else []) + [",".join(cell(value) for value in row)]
    lines = [f"{path} ({analysis.duration:.1f} s)"]
    if analysis.key is not None:
        lines.append(f"  key     {analysis.key} ({analysis.key_probability:.2f})")
    if analysis.beats is not None:
        bars = f", {int((analysis.downbeats[:, 1] == 1).sum())} bars of {meter}" if meter else ""
        lines.append(f"  tempo   {tempo or 'none'} BPM, {len(analysis.beats)} beats{bars}")
    if analysis.chords is not None:
        shown = " ".join(label for _, _, label in analysis.chords[:12])
        more = f" … ({len(analysis.chords)} segments)" if len(analysis.chords) > 12 else ""
        lines.append(f"  chords  {shown}{more}")
    if analysis.onsets is not None:
        lines.append(f"  onsets  {len(analysis.onsets)}")
    if analysis.notes is not None:
        lines.append(f"  notes   {len(analysis.notes)}")
    if analysis.tags is not None:
        lines.append("  tags    " + ", ".join(f"{label} {score:.2f}" for label, score in analysis.tags))
    return lines


def _write_analysis_files(folder, path, analysis):
    """The usual files for one track in `folder`: `<stem>.json`, `.lab` (chords), `.beats` (time, beat position),
    `.onsets`, `.mid` (notes), each only when its task ran."""
    stem = os.path.join(folder, os.path.splitext(os.path.basename(path))[0])
    with open(f"{stem}.json", "w", encoding="utf-8") as handle:
        json.dump({"file": path, **analysis.to_dict()}, handle, indent=1)
        handle.write("\n")
    if analysis.chords is not None:
        write_lab(f"{stem}.lab", analysis.chords)
    beats = analysis.downbeats if analysis.downbeats is not None else analysis.beats  # bars, when the model has them
    if beats is not None:
        write_lines(f"{stem}.beats", event_lines(beats))
    if analysis.onsets is not None:
        write_lines(f"{stem}.onsets", event_lines(analysis.onsets))
    if analysis.notes is not None:
        write_midi(f"{stem}.mid", analysis.notes)


def analyze_command(args):
    """Analyse each file in one pass: key, tempo, beats, downbeats, chords, onsets, tags (notes on request)."""
    tasks, models = _analysis_models(args)
    if args.out is not None and not os.path.isdir(args.out):
        raise ValueError(f"--out {args.out}: not a folder; create it first.")
    stems = {}
    for path in args.files:
        stem = os.path.splitext(os.path.basename(path))[0]
        if args.out is not None and stems.setdefault(stem, path) != path:
            raise ValueError(f"{stems[stem]} and {path} would both write {stem}.* in {args.out}; rename one.")
    _import_keras(args)
    from mirzoo.analysis import DEFAULT_TASKS, Analyzer

    analyzer = Analyzer(DEFAULT_TASKS if tasks is None else tasks, models)
    printed = []

    def process(path, progress_within):
        duration = _audio_seconds(path)
        analysis = analyzer(path, on_progress=lambda fraction: progress_within(fraction * duration))
        lines = _analysis_lines(path, analysis, args, first=not printed)
        printed.append(path)
        return lines, (lambda: _write_analysis_files(args.out, path, analysis)) if args.out else None

    return _for_each_file(args.files, args.progress, process)


def train_command(args):
    """Train a model on manifests; prints the final metrics as JSON."""
    from mirzoo.registry import resolve_preset

    resolve_preset(args.name)  # a misspelled name fails here, before Keras is imported
    _import_keras(args)
    from mirzoo.training import train

    result = train(
        args.name, args.train, args.out, validation_manifest=args.validation, epochs=args.epochs,
        batch_size=args.batch_size, learning_rate=args.learning_rate, strategy=args.strategy, seed=args.seed,
        weights=args.weights, mixed_precision=args.mixed_precision, early_stopping_patience=args.patience,
        cache=args.cache, crop_seconds=args.crop_seconds, mix=args.mix, speed=args.speed, remix=args.remix,
        keep=args.keep,
        verbose=2 if not args.progress else "auto",
    )
    print(json.dumps({"preset": result.preset_dir, "epochs": result.epochs, "metrics": result.metrics}))
    return 0


def export_command(args):
    """Export a SavedModel for TF Serving and print its path and op check."""
    from mirzoo.registry import resolve_preset

    resolve_preset(args.name)  # a misspelled name fails here, before Keras is imported
    _import_keras(args)
    from mirzoo.exporting import export, unregistered_ops

    path = export(args.name, args.base_path, version=args.version,
                  weights="default" if args.weights is None else args.weights)
    missing = unregistered_ops(path)
    print(json.dumps({"saved_model": path, "signatures": ["serving_default", "serve_wav"],
                      "unregistered_ops": missing}))
    return 1 if missing else 0


def _analysis_models(args):
    """`(tasks or None, {task: preset})` from `--tasks` and `--model TASK=PRESET`."""
    from mirzoo.analysis import MODELS

    tasks = None if args.tasks is None else tuple(task for task in args.tasks.split(",") if task.strip())
    models = {}
    for choice in args.model or ():
        task, _, name = choice.partition("=")
        if task not in MODELS or not name:
            raise ValueError(f"--model takes TASK=PRESET with TASK one of {', '.join(MODELS)}; received {choice!r}.")
        models[task] = name
    return tasks, models


def export_analysis_command(args):
    """Export one SavedModel with every analysis head and print its path, heads and op check."""
    from mirzoo.analysis import DEFAULT_TASKS, MODELS, _check_tasks

    tasks, models = _analysis_models(args)
    tasks = _check_tasks(DEFAULT_TASKS if tasks is None else tasks, models)
    _import_keras(args)
    from mirzoo.exporting import unregistered_ops
    from mirzoo.exporting_analysis import export_analysis

    heads = {task: models.get(task, MODELS[task]) for task in tasks}
    path = export_analysis(args.base_path, heads, version=args.version)
    missing = unregistered_ops(path)
    print(json.dumps({"saved_model": path, "heads": heads, "unregistered_ops": missing}))
    return 1 if missing else 0


def corpus_command(args):
    """Build the synthetic corpus (needs scripts/install_corpus_deps.sh)."""
    _import_keras(args)
    from mirzoo.data.synth.build import build_corpus

    recipe = build_corpus(args.out, n_songs=args.songs, seconds=args.seconds, sung_fraction=args.sung_fraction,
                          seed=args.seed, processes=args.processes, progress=args.progress, n_works=args.works,
                          midi_cache=args.midi_cache)
    print(json.dumps(recipe))
    return 0


def debian_corpus_command(args):
    """Build (or resume) the corpus of real music from Debian's archive; prints its summary as JSON."""
    from mirzoo.data.debian import build_debian_corpus

    print(json.dumps(build_debian_corpus(args.track_list, args.out, sample_rate=args.sample_rate,
                                         downloads=args.downloads, progress=args.progress,
                                         refresh_metadata=args.refresh_metadata)))
    return 0


def over_real_command(args):
    """Build (or resume) sung melodies over real accompaniment with their twins; prints the recipe as JSON."""
    _import_keras(args)  # the teacher's label names come from the musicnn preset
    from mirzoo.data.synth.over_real import build_over_real

    print(json.dumps(build_over_real(args.out, args.corpus, args.split, args.pairs, seconds=args.seconds,
                                     seed=args.seed, voices=args.voices, levels_db=tuple(args.levels),
                                     processes=args.processes, progress=args.progress)))
    return 0


def build_parser():
    from mirzoo import __version__

    # --verbose is accepted before or after the command: `mirzoo --verbose predict ...`, `mirzoo predict -v ...`.
    common = argparse.ArgumentParser(add_help=False)
    common.add_argument("-v", "--verbose", action="store_true", default=argparse.SUPPRESS,
                        help="also show TensorFlow's start-up and information log lines")
    parser = argparse.ArgumentParser(prog="mirzoo", description="Music information retrieval models for Keras.",
                                     parents=[common])
    parser.add_argument("--version", action="version", version=f"mirzoo {__version__}")
    commands = parser.add_subparsers(dest="command", required=True)

    def add_command(subparsers, name, **kwargs):
        return subparsers.add_parser(name, parents=[common], **kwargs)

    spectrogram = add_command(
        commands, "spectrogram", help="compute an on-graph front end on audio files (and plot it)",
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
                             help=f"highest frequency in Hz (default: Nyquist for mel, {LOGFREQ_RANGE[1]:g} for "
                                  "logfreq)")
    spectrogram.add_argument("--top-db", type=_positive, default=80.0, help="dynamic range in dB (mel only)")
    spectrogram.add_argument("--plot", metavar="PNG", type=_path, help="save a figure (one per file: PNG_<name>.png)")
    spectrogram.add_argument("--save", metavar="NPY", type=_path, help="save the (frames, bins) array as .npy")
    spectrogram.add_argument("--no-progress", dest="progress", action="store_false", help="hide the progress bar")
    spectrogram.set_defaults(handler=spectrogram_command)

    listing = add_command(commands, "list", help="list the registered models")
    listing.add_argument("pattern", nargs="?", help="shell-style filter, e.g. 'crnn*'")
    listing.set_defaults(handler=list_command)

    info = add_command(commands, "info", help="show a model's preset",
                               description="Describe a preset: task, input contract, front end, labels, weights, "
                                           "metrics, licence.")
    info.add_argument("name", help="arch, arch.tag or a preset directory (./DIR when it shares a registered name)")
    info.add_argument("--format", choices=("text", "json"), default="text",
                      help="a readable summary (default) or the preset as JSON")
    info.add_argument("--parameters", action="store_true",
                      help="also count the model's parameters (builds it: imports Keras, a few seconds)")
    info.set_defaults(handler=info_command)

    predicting = add_command(commands, "predict", help="run a model on audio files",
        description="Tag audio files (taggers: the top labels and their scores) or find segments in them (frame "
                    "models: the sung segments of a voice detector, the pitch classes present over time for "
                    "chroma), or events (madmom's onset, beat and downbeat models: onset times, beat times and "
                    "tempo, beats by bar; its chord models: chord segments; its piano transcriber: notes), or the "
                    "key of a recording (madmom's key CNN).",
    )
    predicting.add_argument("name",
                            help="arch, arch.tag or a preset directory (./DIR when it shares a registered name)")
    predicting.add_argument("files", nargs="+", metavar="FILE", help="WAV, FLAC, OGG or MP3 files")
    predicting.add_argument("--top", type=_count, default=5, help="labels to show per file (default 5)")
    predicting.add_argument("--format", choices=("table", "json", "csv", "events"), default="table",
                            help="events: decoded events as MIR tools read them (a time per line; time and beat "
                                 "position for downbeats; MIREX .lab lines for chords; onset, offset, pitch for "
                                 "notes)")
    predicting.add_argument("--plot", metavar="PNG", type=_path,
                            help="save the taggram or activations (PNG_<name>.png per file)")
    predicting.add_argument("--threshold", type=_probability, default=None,
                            help="frame models: activation at which a label counts as present (default: the "
                                 "preset's decoder threshold, else 0.5)")
    predicting.add_argument("--hop", type=_positive, default=None,
                            help="taggers: seconds between windows (not for musicnn's fixed patches)")
    predicting.add_argument("--weights", metavar="PATH", type=_path,
                            help="a .weights.h5 file or preset directory to use")
    predicting.add_argument("--lab", metavar="LAB", type=_path,
                            help="chord models: write the chords as a MIREX .lab file (LAB_<name>.lab per file)")
    predicting.add_argument("--midi", metavar="MID", type=_path,
                            help="piano transcription: write the notes as a MIDI file (MID_<name>.mid per file)")
    predicting.add_argument("--no-progress", dest="progress", action="store_false", help="hide the progress bar")
    predicting.set_defaults(handler=predict_command)

    analysing = add_command(commands, "analyze", help="key, tempo, beats, chords, onsets and tags of audio files",
        description="One pass per file: decode once, run the analysis models (madmom's key, downbeat, chord and "
                    "onset networks, musicnn's tagger; madmom's piano transcriber with --tasks notes), and print a "
                    "summary, one JSON object per file, or one CSV row per file (a catalogue). --out DIR also "
                    "writes <name>.json, .lab, .beats, .onsets (and .mid) per file.",
    )
    analysing.add_argument("files", nargs="+", metavar="FILE", help="WAV, FLAC, OGG or MP3 files")
    analysing.add_argument("--tasks", metavar="LIST",
                           help="comma-separated, from key, beats, chords, onsets, tags, notes "
                                "(default: key,beats,chords,onsets,tags)")
    analysing.add_argument("--model", action="append", metavar="TASK=PRESET",
                           help="answer TASK with another preset, e.g. chords=cnn_chords.madmom (repeatable)")
    analysing.add_argument("--format", choices=("table", "json", "csv"), default="table",
                           help="json: one object per file (schema: docs/analysis.md); csv: one row per file")
    analysing.add_argument("--out", metavar="DIR", type=_path, help="also write each file's results into DIR")
    analysing.add_argument("--no-progress", dest="progress", action="store_false", help="hide the progress bar")
    analysing.set_defaults(handler=analyze_command)

    training = add_command(commands, "train", help="train a model on a manifest",
        description="Train an architecture on a manifest (CSV or JSONL); resumable: rerun with the same --out.",
    )
    training.add_argument("name", help="arch, arch.tag or a preset directory (./DIR when it shares a registered name)")
    training.add_argument("--train", required=True, metavar="MANIFEST", help="training manifest (.csv or .jsonl)")
    training.add_argument("--validation", metavar="MANIFEST", help="validation manifest")
    training.add_argument("--out", required=True, metavar="DIR", help="output folder (checkpoints, logs, preset)")
    training.add_argument("--epochs", type=_count, default=10)
    training.add_argument("--batch-size", type=_count, default=None,
                          help="clips per batch (default 16, or all usable training clips when fewer)")
    training.add_argument("--learning-rate", type=_positive, default=1e-3)
    training.add_argument("--strategy", choices=("auto", "mirrored", "onedevice", "multiworker"), default="auto")
    training.add_argument("--seed", type=int, default=0)
    training.add_argument("--weights", metavar="PATH", type=_path,
                          help="start from these weights ('default' or a path)")
    training.add_argument("--mixed-precision", nargs="?", const="float16", default=False,
                          choices=("float16", "bfloat16"),
                          help="compute in half precision where safe: float16 (the default when named alone) or "
                               "bfloat16 (CPUs with AVX512-BF16, TPUs)")
    training.add_argument("--patience", type=_count, default=None, help="early stopping patience in epochs")
    training.add_argument("--keep", choices=("best", "last"), default="best",
                          help="the weights the preset saves: the epoch with the lowest validation loss (default) "
                               "or the last epoch; again on a finished run: saves its preset again, no training")
    training.add_argument("--cache", action="store_true", help="keep decoded audio in memory")
    training.add_argument("--crop-seconds", type=_positive, default=None,
                          help="training crop length (default: the preset's clip_seconds)")
    training.add_argument("--mix", type=float, default=0.0, metavar="P",
                          help="probability of mixing a training example with another (labels: their union)")
    training.add_argument("--speed", type=float, default=1.0, metavar="FACTOR",
                          help="play each training crop faster or slower, by up to FACTOR (1-2; pitch and tempo "
                               "together, labels follow; default 1: off)")
    training.add_argument("--remix", type=float, default=0.0, metavar="P",
                          help="probability of laying a training clip's voice (the clip minus the accompaniment "
                               "its manifest names) over another clip's accompaniment at a random level")
    training.add_argument("--no-progress", dest="progress", action="store_false", help="one line per epoch")
    training.set_defaults(handler=train_command)

    exporting = add_command(commands, "export", help="export a SavedModel for TensorFlow Serving",
        description="Write BASE_PATH/<version>/ with serving_default (waveform) and serve_wav (WAV bytes).",
    )
    exporting.add_argument("name", help="arch, arch.tag or a preset directory (./DIR when it shares a registered name)")
    exporting.add_argument("base_path", help="TF Serving model base path")
    exporting.add_argument("--version", type=_count, default=None, help="version number (default: next free)")
    exporting.add_argument("--weights", metavar="PATH", type=_path,
                           help="a .weights.h5 file or preset directory to use")
    exporting.set_defaults(handler=export_command)

    exporting_analysis = add_command(
        commands, "export-analysis", help="export one SavedModel with every analysis head for TF Serving",
        description="Write BASE_PATH/<version>/: waveform (44.1 kHz) in, the activations of every head of "
                    "`mirzoo analyze` out, and assets/analysis.json with what a NumPy client needs to decode them "
                    "(examples/tf_serving/analysis_client.py).",
    )
    exporting_analysis.add_argument("base_path", help="TF Serving model base path")
    exporting_analysis.add_argument("--tasks", metavar="LIST",
                                    help="comma-separated heads, from key, beats, chords, onsets, tags, notes "
                                         "(default: key,beats,chords,onsets,tags)")
    exporting_analysis.add_argument("--model", action="append", metavar="TASK=PRESET",
                                    help="another preset for a head, e.g. chords=cnn_chords.madmom (repeatable)")
    exporting_analysis.add_argument("--version", type=_count, default=None,
                                    help="version number (default: next free)")
    exporting_analysis.set_defaults(handler=export_analysis_command)

    corpus = add_command(commands, "corpus", help="the synthetic training corpus")
    corpus_commands = corpus.add_subparsers(dest="corpus_command", required=True)
    building = add_command(corpus_commands, "build", help="render generated songs with labels and manifests",
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
    debian = add_command(corpus_commands, "debian", help="real music from Debian's archive (game soundtracks)",
        description="Fetch the packages of a track list with apt-get download (nothing is installed), read the "
                    "listed files out of each .deb, check their MD5, downmix, resample and write 16-bit FLAC into "
                    "OUT/audio, and record each track in OUT/tracks.jsonl with its licence (from the package's "
                    "copyright file), its composers (from its tags, else the copyright file) and its split (train or "
                    "validation, by package, each composer in one split). Resumable: finished packages are skipped "
                    "and the .deb files are kept in OUT/debs; tracks recorded without these fields get them without "
                    "their audio being converted again.",
    )
    debian.add_argument("track_list", help="the CSV of tracks (../shared/data/debian_music_train.csv)")
    debian.add_argument("--out", required=True, metavar="DIR", help="the corpus folder")
    debian.add_argument("--sample-rate", type=_count, default=22050, help="Hz (default 22050)")
    debian.add_argument("--downloads", metavar="DIR", help="where the .deb files are cached (default OUT/debs)")
    debian.add_argument("--no-progress", dest="progress", action="store_false", help="hide the progress bar")
    debian.add_argument("--refresh-metadata", action="store_true",
                        help="re-derive every track's licence and credits from its package (no audio is rewritten)")
    debian.set_defaults(handler=debian_corpus_command)
    over_real = add_command(corpus_commands, "over-real", help="sung melodies over real music, with their twins",
        description="Sing generated melodies with Festival + WORLD (random voice, formant stretch and register), mix "
                    "each over a random excerpt of a real track of one split of a `mirzoo corpus debian` folder at a "
                    "random voice-to-accompaniment level, and write the mix and its twin (the excerpt alone) as FLAC "
                    "with voice frame labels and the manifest OUT/voice_SPLIT.csv. Excerpts where musicnn's taggram "
                    "(CORPUS/teacher/musicnn.mtt) hears vocals are passed over. Seeded and resumable.",
    )
    over_real.add_argument("corpus", help="the Debian corpus folder (tracks.jsonl)")
    over_real.add_argument("--split", required=True, choices=("train", "validation"), help="whose tracks to use")
    over_real.add_argument("--pairs", type=_count, required=True, help="sung clips (each with its twin)")
    over_real.add_argument("--out", required=True, metavar="DIR", help="output folder")
    over_real.add_argument("--seconds", type=_positive, default=10.0)
    over_real.add_argument("--seed", type=int, default=0)
    over_real.add_argument("--voices", nargs="+", metavar="VOICE",
                           help="Festival voices (default all: kal_diphone ked_diphone lp_diphone pc_diphone)")
    over_real.add_argument("--levels", type=float, nargs=2, default=(-12.0, 6.0), metavar=("LOW", "HIGH"),
                           help="voice-to-accompaniment level range, dB of RMS over voiced frames (default -12 6)")
    over_real.add_argument("--processes", type=_count, default=1)
    over_real.add_argument("--no-progress", dest="progress", action="store_false", help="hide the progress bar")
    over_real.set_defaults(handler=over_real_command)
    return parser


def main(argv=None):
    parser = build_parser()
    args = parser.parse_args(argv)
    try:
        status = args.handler(args)
        sys.stdout.flush()
        return status
    except BrokenPipeError:
        # The reader went away (`mirzoo list | head -1`): stop quietly, as `ls | head` does, and keep the
        # interpreter's final flush from complaining about the closed pipe.
        _silence_stdout()
        return 141  # 128 + SIGPIPE, the status a shell reports for a writer the pipe closed on
    except (OSError, ValueError, ImportError) as error:
        print(f"mirzoo: error: {error}", file=sys.stderr)
        return 2


def _import_keras(args):
    """Import Keras before a command uses it: quietly (see `_import_keras_quietly`) unless `--verbose` or the
    user's own `TF_CPP_MIN_LOG_LEVEL=0` asks for TensorFlow's messages."""
    if getattr(args, "verbose", False) or os.environ.get("TF_CPP_MIN_LOG_LEVEL") == "0" or "keras" in sys.modules:
        return
    _import_keras_quietly()
    # TensorFlow's Python warnings too (a command that runs several models meets its "retracing" notice).
    import logging

    logging.getLogger("tensorflow").setLevel(logging.ERROR)


def _import_keras_quietly():
    """Import Keras (and TensorFlow, its default backend) with what their native code prints to stderr while
    loading held back: TensorFlow 2.21 logs its oneDNN and CPU-feature notices through absl before any
    logging is configured, which `TF_CPP_MIN_LOG_LEVEL` no longer silences. The held-back text is shown
    if the import fails; `--verbose` skips this."""
    import tempfile

    sys.stderr.flush()
    try:
        saved = os.dup(2)
    except OSError:  # no stderr descriptor to redirect
        import keras  # noqa: F401
        return
    with tempfile.TemporaryFile() as held:
        os.dup2(held.fileno(), 2)
        try:
            import keras  # noqa: F401
        except BaseException:
            os.dup2(saved, 2)
            held.seek(0)
            sys.stderr.write(held.read().decode("utf-8", "replace"))
            raise
        finally:
            os.dup2(saved, 2)
            os.close(saved)


def _silence_stdout():
    try:
        devnull = os.open(os.devnull, os.O_WRONLY)
        os.dup2(devnull, sys.stdout.fileno())
    except (OSError, ValueError, AttributeError):  # stdout is not a file descriptor (captured in tests)
        pass


if __name__ == "__main__":
    sys.exit(main())
