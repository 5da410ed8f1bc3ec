"""Score the madmom ports with mir_eval on rendered music whose labels are exact, next to librosa.

    python benchmarks/madmom_evaluation.py [--clips 12] [--seconds 30] [--first-seed 100] [--per-clip]

The clips come from `mirzoo.testing.signals.rhythmic_test_signal` at 44.1 kHz (madmom's rate): bass, chords
and a melody on a beat grid, with or without drums. Clip `i` has seed `first_seed + i` (the parity references
of `scripts/make_madmom_references.py` use seeds 0-3), a tempo evenly spaced from 70 to 180 bpm, drums on
even `i`, and 4/4 or 3/4 alternating every two clips, so each combination of metre and drums covers the tempo
range. The ground truth is the generator's own (`rhythmic_test_annotations`, `rhythmic_test_notes`).

- onsets: `mir_eval.onset.f_measure` (50 ms) of `cnn_onsets.madmom` and `brnn_onsets.madmom` (`.onsets`)
  and of `librosa.onset.onset_detect(units="time")` with librosa's defaults;
- beats: `mir_eval.beat.f_measure` (70 ms), Cemgil accuracy (σ 40 ms) and P-score of `blstm_beats.madmom`,
  `lstm_beats.madmom` (`.beats`, decoded offline from the whole clip's activations), the beat column of
  `blstm_downbeats.madmom` (`.downbeats[:, 0]`) and `librosa.beat.beat_track(units="time")`; reference and
  estimates both pass through `mir_eval.beat.trim_beats` first (beats before 5 s dropped, as mir_eval's
  `evaluate` does);
- tempo: relative error of `.tempo` (madmom models) and of beat_track's tempo against the generator's bpm;
- downbeats: `mir_eval.beat.f_measure` of the times at beat position 1 of `blstm_downbeats.madmom` (trimmed
  like beats); librosa has no downbeat tracker, so no baseline;
- chroma: mean cosine similarity, over frames where a pitched note sounds, between the predicted chroma and
  the binary vector of the pitch classes sounding at the frame's time, for `dnn_chroma.madmom`,
  `dnn_chroma.synth` and `librosa.feature.chroma_cqt` (hop 4410 at 44.1 kHz: 10 fps, frame k at k / 10 s, the
  models' frame times); also against the chord part's pitch classes alone.

Tables give the mean ± std (ddof 0) over clips; nothing is hard-coded. `--per-clip` adds one row per clip.
"""

import argparse
import os
import platform
import time

os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "2")

import keras  # noqa: E402
import librosa  # noqa: E402
import mir_eval  # noqa: E402
import numpy as np  # noqa: E402

import mirzoo  # noqa: E402
from mirzoo.evaluation import mean_cosine  # noqa: E402
from mirzoo.models.labels import PITCH_CLASSES  # noqa: E402
from mirzoo.testing.signals import (  # noqa: E402
    rhythmic_test_annotations,
    rhythmic_test_notes,
    rhythmic_test_signal,
)

SAMPLE_RATE = 44100
ONSET_WINDOW = 0.05
TEMPO_TOLERANCE = 0.04
CHROMA_RATE = 10.0
ONSET_MODELS = ("cnn_onsets.madmom", "brnn_onsets.madmom")
BEAT_MODELS = ("blstm_beats.madmom", "lstm_beats.madmom")
DOWNBEAT_MODEL = "blstm_downbeats.madmom"
CHROMA_MODELS = ("dnn_chroma.madmom", "dnn_chroma.synth")


def clip_settings(count, first_seed, seconds):
    """Keyword arguments of `rhythmic_test_signal` (without the rate) for each clip."""
    tempi = np.linspace(70.0, 180.0, count) if count > 1 else np.array([120.0])
    return [dict(seconds=seconds, bpm=float(np.round(bpm, 2)), beats_per_bar=(4, 3)[(i // 2) % 2], drums=i % 2 == 0,
                 seed=first_seed + i) for i, bpm in enumerate(tempi)]


def sounding_chroma(notes, times, part=None):
    """`(frames, 12)` 0/1: the pitch classes (C first) of the notes sounding at each time."""
    keep = np.ones(len(notes.pitches), bool) if part is None else notes.parts == part
    onsets, offsets, classes = notes.onsets[keep], notes.offsets[keep], notes.pitches[keep] % 12
    sounding = (onsets[None, :] <= times[:, None]) & (times[:, None] < offsets[None, :])
    chroma = np.zeros((len(times), 12))
    for pitch_class in range(12):
        chroma[:, pitch_class] = np.any(sounding[:, classes == pitch_class], axis=1)
    return chroma


def tempo_scores(estimate, truth):
    relative = abs(estimate - truth) / truth
    octaves = min(abs(estimate - factor * truth) / (factor * truth) for factor in (1 / 3, 1 / 2, 1, 2, 3))
    return {"relative error": relative, "within 4 %": float(relative <= TEMPO_TOLERANCE),
            "within 4 % of ×⅓ ×½ ×1 ×2 ×3": float(octaves <= TEMPO_TOLERANCE)}


def beat_scores(reference, estimate):
    reference, estimate = mir_eval.beat.trim_beats(reference), mir_eval.beat.trim_beats(np.asarray(estimate))
    return {"F-measure": mir_eval.beat.f_measure(reference, estimate),
            "Cemgil": mir_eval.beat.cemgil(reference, estimate)[0],
            "P-score": mir_eval.beat.p_score(reference, estimate)}


def score_clip(params, models, scores):
    """Run every method on one clip and append its scores to `scores[task][method][metric]`."""
    def add(task, method, values):
        for metric, value in values.items():
            scores.setdefault(task, {}).setdefault(method, {}).setdefault(metric, []).append(float(value))

    y = rhythmic_test_signal(SAMPLE_RATE, **params)
    truth = rhythmic_test_annotations(**params)
    notes = rhythmic_test_notes(**params)
    results = {name: mirzoo.predict(model, y, sample_rate=SAMPLE_RATE) for name, model in models.items()}

    onsets = {name: results[name].onsets for name in ONSET_MODELS}
    onsets["librosa onset_detect"] = librosa.onset.onset_detect(y=y, sr=SAMPLE_RATE, units="time")
    for name, estimate in onsets.items():
        f, p, r = mir_eval.onset.f_measure(truth.onsets, estimate, window=ONSET_WINDOW)
        add("onsets", name, {"F-measure": f, "precision": p, "recall": r})

    downbeat_result = results[DOWNBEAT_MODEL].downbeats
    librosa_tempo, librosa_beats = librosa.beat.beat_track(y=y, sr=SAMPLE_RATE, units="time")
    beats = {name: results[name].beats for name in BEAT_MODELS}
    beats[f"{DOWNBEAT_MODEL} (beat column)"] = downbeat_result[:, 0]
    beats["librosa beat_track"] = librosa_beats
    for name, estimate in beats.items():
        add("beats", name, beat_scores(truth.beats, estimate))

    tempi = {name: results[name].tempo for name in (*BEAT_MODELS, DOWNBEAT_MODEL)}
    tempi["librosa beat_track"] = float(np.atleast_1d(librosa_tempo)[0])
    for name, estimate in tempi.items():
        add("tempo", name, {"estimate": estimate, **tempo_scores(estimate, params["bpm"])})

    reference, estimate = truth.downbeats, downbeat_result[downbeat_result[:, 1] == 1, 0]
    bar_length = int(downbeat_result[:, 1].max()) if len(downbeat_result) else 0
    add("downbeats", DOWNBEAT_MODEL, {
        **{metric: value for metric, value in beat_scores(reference, estimate).items() if metric == "F-measure"},
        "beats per bar found": bar_length, "bar length right": float(bar_length == params["beats_per_bar"])})

    chroma = {}
    for name in CHROMA_MODELS:
        columns = [results[name].labels.index(pitch_class) for pitch_class in PITCH_CLASSES]
        chroma[name] = results[name].activations[:, columns]
    hop = round(SAMPLE_RATE / CHROMA_RATE)
    chroma["librosa chroma_cqt"] = librosa.feature.chroma_cqt(y=y, sr=SAMPLE_RATE, hop_length=hop).T
    frames = min(len(values) for values in chroma.values())
    times = np.arange(frames) / CHROMA_RATE
    sounding, chords = sounding_chroma(notes, times), sounding_chroma(notes, times, part="chord")
    with_notes = sounding.sum(axis=1) > 0
    for name, values in chroma.items():
        add("chroma", name, {"cosine, sounding pitch classes": mean_cosine(sounding, values[:frames], with_notes),
                             "cosine, chord part's pitch classes": mean_cosine(chords, values[:frames], with_notes)})


def print_table(title, task_scores, metrics, formats, intro=""):
    print(f"\n### {title}\n")
    if intro:
        print(intro + "\n")
    print("| method | " + " | ".join(metrics) + " |")
    print("|---|" + "---:|" * len(metrics))
    for method, values in task_scores.items():
        cells = []
        for metric in metrics:
            column = np.array(values[metric])
            if formats[metric] == "count":
                cells.append(f"{int(column.sum())}/{len(column)}")
            else:
                cells.append(f"{column.mean():{formats[metric]}} ± {column.std():{formats[metric]}}")
        print(f"| {method} | " + " | ".join(cells) + " |")


def print_per_clip(clips, scores):
    columns = [(task, method, metric) for task, metric in (("onsets", "F-measure"), ("beats", "F-measure"),
                                                           ("tempo", "estimate"), ("downbeats", "F-measure"),
                                                           ("chroma", "cosine, sounding pitch classes"))
               for method in scores[task]]
    print("\n### Per clip\n")
    print("| seed | bpm | metre | drums | " + " | ".join(f"{task} {metric.split(',')[0]}: {method}"
                                                          for task, method, metric in columns) + " |")
    print("|---:|---:|---|---|" + "---:|" * len(columns))
    for i, params in enumerate(clips):
        cells = [f"{scores[task][method][metric][i]:.{1 if task == 'tempo' else 3}f}"
                 for task, method, metric in columns]
        print(f"| {params['seed']} | {params['bpm']:g} | {params['beats_per_bar']}/4 | "
              f"{'yes' if params['drums'] else 'no'} | " + " | ".join(cells) + " |")


def main():
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--clips", type=int, default=12)
    parser.add_argument("--seconds", type=float, default=30.0)
    parser.add_argument("--first-seed", type=int, default=100, help="clip i has seed first_seed + i (parity: 0-3)")
    parser.add_argument("--per-clip", action="store_true", help="also print one row per clip")
    args = parser.parse_args()
    if args.clips < 1:
        parser.error(f"--clips must be >= 1, got {args.clips}")
    started = time.perf_counter()
    clips = clip_settings(args.clips, args.first_seed, args.seconds)

    print(f"mirzoo {mirzoo.__version__}, Keras {keras.__version__} ({keras.backend.backend()}), "
          f"mir_eval {mir_eval.__version__}, librosa {librosa.__version__}, NumPy {np.__version__}, "
          f"Python {platform.python_version()}, {os.cpu_count()} CPUs, load average {os.getloadavg()[0]:.2f} at start")
    print(f"\n### Setup\n\n{len(clips)} clips of {args.seconds:g} s from `rhythmic_test_signal` at {SAMPLE_RATE} Hz "
          f"(first beat at 0.25 s), seeds {clips[0]['seed']}-{clips[-1]['seed']}:\n")
    print("| seed | bpm | metre | drums |\n|---:|---:|---|---|")
    for params in clips:
        print(f"| {params['seed']} | {params['bpm']:g} | {params['beats_per_bar']}/4 | "
              f"{'yes' if params['drums'] else 'no'} |")
    print(f"\n- onsets: `mir_eval.onset.f_measure`, window ±{1000 * ONSET_WINDOW:g} ms; the reference is every "
          "start of a note or drum hit.\n"
          "- beats and downbeats: `mir_eval.beat` defaults (F-measure ±70 ms, Cemgil σ 40 ms, P-score 20 % of "
          "the median reference interval), after `mir_eval.beat.trim_beats` on reference and estimate (beats "
          "before 5 s dropped, as `mir_eval.beat.evaluate` does).\n"
          f"- tempo: |estimate − bpm| / bpm; \"within 4 %\" counts clips with a relative error ≤ "
          f"{100 * TEMPO_TOLERANCE:g} %, the next column also accepts ⅓, ½, 2 and 3 times the tempo.\n"
          "- chroma: frames at k / 10 s for every method; cosine over the frames where a pitched note sounds "
          "(from its start to the start of its part's next note).\n"
          "- librosa with its defaults (`onset_detect`, `beat_track`, `chroma_cqt` with only `hop_length` set), "
          f"on the same {SAMPLE_RATE} Hz arrays.\n"
          "- every madmom network was trained on real recordings; these clips are rendered (additive synthesis, "
          "noise drums), so the numbers show agreement on clean, steady, quantised music, not accuracy on "
          "recordings.")

    models = {name: mirzoo.load(name) for name in (*ONSET_MODELS, *BEAT_MODELS, DOWNBEAT_MODEL, *CHROMA_MODELS)}
    scores = {}
    for params in clips:
        score_clip(params, models, scores)

    fixed = {"F-measure": ".3f", "precision": ".3f", "recall": ".3f", "Cemgil": ".3f", "P-score": ".3f"}
    print_table("Onsets (F-measure, ±50 ms)", scores["onsets"], ("F-measure", "precision", "recall"), fixed,
                "librosa: `onset_detect(y, sr=44100, units=\"time\")`, all other arguments at their defaults.")
    print_table("Beats (after trim_beats: beats before 5 s ignored)", scores["beats"],
                ("F-measure", "Cemgil", "P-score"), fixed,
                "`lstm_beats.madmom` is the causal network, its activations decoded offline (Viterbi) over the "
                "whole clip. librosa: `beat_track(y, sr=44100, units=\"time\")`, defaults otherwise.")
    print_table("Tempo", scores["tempo"], ("relative error", "within 4 %", "within 4 % of ×⅓ ×½ ×1 ×2 ×3"),
                {"relative error": ".3f", "within 4 %": "count", "within 4 % of ×⅓ ×½ ×1 ×2 ×3": "count"},
                "madmom models: the result's `.tempo`; librosa: the tempo `beat_track` returns.")
    print_table("Downbeats (F-measure ±70 ms, after trim_beats)", scores["downbeats"],
                ("F-measure", "beats per bar found", "bar length right"),
                {"F-measure": ".3f", "beats per bar found": ".2f", "bar length right": "count"},
                "Downbeats are the rows of `.downbeats` at beat position 1; \"beats per bar found\" is the "
                "largest beat position. No librosa baseline: librosa has no downbeat tracker.")
    print_table("Chroma (mean frame cosine similarity, frames with a sounding note)", scores["chroma"],
                ("cosine, sounding pitch classes", "cosine, chord part's pitch classes"),
                {"cosine, sounding pitch classes": ".3f", "cosine, chord part's pitch classes": ".3f"},
                "`dnn_chroma.madmom` was trained on chord labels: it is meant to hear the pitch classes of the "
                "chord, not every sounding note (melody notes outside the triad count against it in "
                "the first column). `dnn_chroma.synth` was trained on the project's synthetic corpus with "
                "every sounding note as target. librosa: `chroma_cqt(y, sr=44100, hop_length=4410)`.")
    if args.per_clip:
        print_per_clip(clips, scores)
    minutes, seconds = divmod(time.perf_counter() - started, 60)
    print(f"\nload average {os.getloadavg()[0]:.2f} at the end; run time {int(minutes)} min {seconds:.0f} s")


if __name__ == "__main__":
    main()
