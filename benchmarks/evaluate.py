"""Evaluate the trained presets on the synthetic corpus's test split and held-out soundfont, with baselines.

    python benchmarks/evaluate.py --corpus CORPUS [--runs RUNS] [--json metrics.json] [--real-music]

- taggers (`conv1d_tagger`, `crnn_tagger`): macro ROC-AUC and PR-AUC over the 12 instrument families,
  track scores from `mirzoo.predict` (mean over windows); with music21 excerpts in the corpus, the
  macro ROC-AUC of generated songs and of excerpts apart too;
- `dnn_chroma`: mean cosine similarity with the true chroma on frames with notes, and frame-wise
  F-measure at 0.5, next to `librosa.feature.chroma_cqt` and `chroma_stft` under the same metrics
  (librosa's chroma is max-normalised per frame, so 0.5 is half the strongest class);
- voice models: frame-wise ROC-AUC and F-measure at 0.5 on the sung clips and their instrumental twins
  together (`pairs`, the headline), and per group: sung clips, twins, songs without a singer, all;
- with `--real-music`: a sanity table on real recordings (Debian's wesnoth-1.16-music, first 30 s of
  each track): the top tags and the fraction of frames each voice model calls voice. No labels exist
  for these: it shows behaviour, not accuracy.

Models come from `RUNS/<arch>/preset` when `--runs` is given (after training), else the packaged weights.
"""

import argparse
import glob
import json
import os

os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "2")

import librosa  # noqa: E402
import numpy as np  # noqa: E402

import mirzoo  # noqa: E402
from mirzoo.data import read_frame_labels, read_manifest  # noqa: E402
from mirzoo.evaluation import average_precision, f_measure, macro, mean_cosine, roc_auc  # noqa: E402

SPLITS = ("test", "test_heldout")
ARCHITECTURES = ("conv1d_tagger", "crnn_tagger", "dnn_chroma", "conv2d_singing_voice", "bilstm_singing_voice")
WESNOTH_MUSIC = "/usr/share/games/wesnoth/1.16/data/core/music"


def load_model(arch, runs):
    """`arch`'s synthetic-corpus preset: the run's (`RUNS/<arch>/preset`) or the packaged `<arch>.synth`."""
    return mirzoo.load(os.path.join(runs, arch, "preset") if runs else f"{arch}.synth")


def labels_at(entry, times):
    targets = read_frame_labels(entry.frame_labels)
    index = np.minimum(np.floor(times * entry.frame_rate + 0.5).astype(int), len(targets) - 1)
    return targets[index]


def evaluate_tagger(model, corpus, split):
    entries = read_manifest(os.path.join(corpus, f"tags_{split}.csv"))
    labels = model.preset.labels
    targets = np.array([[label in e.labels for label in labels] for e in entries], dtype=float)
    scores = np.stack([mirzoo.predict(model, e.audio).scores for e in entries])
    auc, per_label = macro(roc_auc, targets, scores)
    ap, _ = macro(average_precision, targets, scores)
    table = {"clips": len(entries), "macro_roc_auc": auc, "macro_pr_auc": ap,
             "per_label_roc_auc": {label: float(v) for label, v in zip(labels, per_label)}}
    sources = np.array([source_of(e.audio) for e in entries])
    if len(set(sources)) > 1:  # generated songs and music21 excerpts, also apart
        for source in sorted(set(sources)):
            table[f"{source}_macro_roc_auc"], _ = macro(roc_auc, targets[sources == source], scores[sources == source])
    return table


def source_of(path):
    """"works" for an excerpt of a music21 work (`work<i>...`), "songs" for a generated song."""
    return "works" if os.path.basename(path).startswith("work") else "songs"


def librosa_chroma(path, kind, hop_length):
    y, sr = librosa.load(path, sr=22050)
    if kind == "cqt":
        return librosa.feature.chroma_cqt(y=y, sr=sr, hop_length=hop_length).T
    return librosa.feature.chroma_stft(y=y, sr=sr, n_fft=4096, hop_length=hop_length).T


def evaluate_chroma(model, corpus, split):
    entries = read_manifest(os.path.join(corpus, f"chroma_{split}.csv"))
    hop = model.preset.frontend["hop_length"]
    pooled = {name: ([], []) for name in ("dnn_chroma", "chroma_cqt", "chroma_stft")}
    for entry in entries:
        result = mirzoo.predict(model, entry.audio)
        truth = labels_at(entry, result.times)
        pooled["dnn_chroma"][0].append(truth)
        pooled["dnn_chroma"][1].append(result.activations)
        for kind in ("cqt", "stft"):
            chroma = librosa_chroma(entry.audio, kind, hop)[: len(truth)]
            pooled[f"chroma_{kind}"][0].append(truth[: len(chroma)])
            pooled[f"chroma_{kind}"][1].append(chroma)
    table = {}
    for name, (truths, predictions) in pooled.items():
        truth, prediction = np.concatenate(truths), np.concatenate(predictions)
        with_notes = truth.sum(axis=1) > 0
        table[name] = {"cosine": mean_cosine(truth, prediction, with_notes),
                       "f_measure": f_measure(truth, prediction >= 0.5)}
    return {"clips": len(entries), **table}


def evaluate_voice(model, corpus, split):
    entries = read_manifest(os.path.join(corpus, f"voice_{split}.csv"))
    groups = {"all": ([], []), "pairs": ([], []), "sung": ([], []), "twins": ([], []), "other": ([], [])}
    for entry in entries:
        result = mirzoo.predict(model, entry.audio)
        truth = labels_at(entry, result.times)[:, 0]
        kind = "sung" if "_sung" in entry.audio else "twins" if "_twin" in entry.audio else "other"
        for group in ("all", kind) + (("pairs",) if kind != "other" else ()):
            groups[group][0].append(truth)
            groups[group][1].append(result.activations[:, 0])
    table = {"clips": len(entries)}
    for group, (truths, predictions) in groups.items():
        if truths:
            truth, prediction = np.concatenate(truths), np.concatenate(predictions)
            table[group] = {"roc_auc": roc_auc(truth, prediction), "f_measure": f_measure(truth, prediction >= 0.5),
                            "voice_fraction_true": float(truth.mean()),
                            "voice_fraction_predicted": float((prediction >= 0.5).mean())}
    return table


def real_music(models, seconds=30.0, limit=12):
    tracks = sorted(glob.glob(os.path.join(WESNOTH_MUSIC, "*.ogg")))[:limit]
    rows = []
    for track in tracks:
        audio, rate = mirzoo.audio.load_audio(track)
        audio = audio[: int(seconds * rate)]
        row = {"track": os.path.basename(track)}
        for arch, model in models.items():
            result = mirzoo.predict(model, audio, sample_rate=rate)
            if model.preset.task == "tagging":
                row[arch] = ", ".join(f"{label} {score:.2f}" for label, score in result.top(3))
            elif model.preset.labels == ("voice",):
                row[arch] = f"{(result.activations[:, 0] >= 0.5).mean():.2f}"
        rows.append(row)
    return rows


def main():
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--corpus", required=True)
    parser.add_argument("--runs", default=None, help="training output folder with <arch>/preset inside")
    parser.add_argument("--json", default=None, help="also write the metrics here")
    parser.add_argument("--real-music", action="store_true", help="add the sanity table on wesnoth-1.16-music")
    parser.add_argument("--models", nargs="+", default=list(ARCHITECTURES), choices=ARCHITECTURES)
    parser.add_argument("--splits", nargs="*", default=list(SPLITS), choices=SPLITS,
                        help="corpus splits to score (none: only the real-music table)")
    args = parser.parse_args()
    archs = args.models
    models = {arch: load_model(arch, args.runs) for arch in archs}
    results = {}
    for arch, model in models.items():
        evaluate = {"tagging": evaluate_tagger}.get(model.preset.task)
        if evaluate is None:
            evaluate = evaluate_chroma if arch == "dnn_chroma" else evaluate_voice
        results[arch] = {split: evaluate(model, args.corpus, split) for split in args.splits}
    print("| model | split | metric | value |\n|---|---|---|---:|")
    for arch, splits in results.items():
        for split, table in splits.items():
            for key, value in table.items():
                if isinstance(value, dict) and key != "per_label_roc_auc":
                    for metric, number in value.items():
                        print(f"| {arch} | {split} | {key} {metric} | {number:.3f} |")
                elif isinstance(value, float):
                    print(f"| {arch} | {split} | {key} | {value:.3f} |")
    if args.real_music:
        rows = real_music(models)
        shown = [arch for arch in archs if arch != "dnn_chroma"]
        print("\n| track (first 30 s) | " + " | ".join(shown) + " |")
        print("|---" * (len(shown) + 1) + "|")
        for row in rows:
            print(f"| {row['track']} | " + " | ".join(row.get(arch, "") for arch in shown) + " |")
        results["real_music"] = rows
    if args.json:
        with open(args.json, "w", encoding="utf-8") as handle:
            json.dump(results, handle, indent=2)


if __name__ == "__main__":
    main()
