"""Frame F-measure and frame ROC-AUC of voice detectors on sung clips and their twins.

F is measured at each model's decision threshold (its preset's `"segments"` decoder, else 0.5). Each set also
reports the threshold in 0.05…0.95 (steps of 0.05) that would maximise F on its pairs: measured on a set kept for
choosing it (the checkpoint-selection set), that is the threshold to give a preset's decoder.

Each SET is `DIR:SPLIT`, the manifest DIR/voice_SPLIT.csv: a `mirzoo corpus over-real` build (its pairs' records
add F per voice-to-accompaniment level and per Festival voice) or the synthetic corpus's test set
(scripts/regenerate_synth_voice_test.py). Groups as in benchmarks/evaluate.py: `pairs` (sung clips and twins),
`sung`, `twins`.

`--speeds 1 1,1.5 …` evaluates each model once per list of speeds instead of its preset's own: the same weights,
averaging their frame scores over the audio played at those speeds (`arch_config["speeds"]`,
`mirzoo.models.speeds`). On the selection set, that chooses the views a preset averages.

`--instrumental FOLDER` also measures false alarms on real music that nobody sings in (held out: never used
for training): the share of frames called voice in the first `--seconds` of each recording of FOLDER, passing
over recordings where musicnn.mtt's taggram gives a vocal tag (those of `mirzoo corpus over-real`) >= 0.3 in a
patch.

    python scripts/evaluate_voice_over_real.py --models conv2d_singing_voice.synth runs/conv2d/preset \\
        --sets /tmp/voice/eval:validation /tmp/voice/synth_test:test --json before.json \\
        --instrumental /usr/share/games/wesnoth/1.16/data/core/music
"""

import argparse
import glob
import json
import os

import numpy as np

import mirzoo
from mirzoo.data import read_frame_labels, read_manifest
from mirzoo.data.synth.over_real import TEACHER, VOCAL_TAGS, VOCAL_THRESHOLD
from mirzoo.evaluation import f_measure, roc_auc
from mirzoo.models.labels import MTT_LABELS

LEVEL_BINS_DB = (-12, -6, 0, 6)
THRESHOLDS = np.round(np.arange(0.05, 0.951, 0.05), 2)


def _scores(truth, prediction, threshold):
    return {"f_measure": f_measure(truth, prediction >= threshold), "roc_auc": roc_auc(truth, prediction),
            "voice_fraction_true": float(truth.mean()),
            "voice_fraction_predicted": float((prediction >= threshold).mean())}


def best_threshold(truth, prediction):
    """`(threshold, F)`: the threshold of THRESHOLDS with the highest frame F (the lowest of equals)."""
    scores = [f_measure(truth, prediction >= threshold) for threshold in THRESHOLDS]
    best = int(np.argmax(scores))
    return float(THRESHOLDS[best]), float(scores[best])


def _record(audio):
    """The over-real pair record of a clip, or None (synthetic corpus)."""
    folder = os.path.dirname(os.path.dirname(audio))
    pair = os.path.basename(audio).rsplit("_", 1)[0]
    path = os.path.join(folder, "pairs", f"{pair}.json")
    if not os.path.exists(path):
        return None
    with open(path, encoding="utf-8") as handle:
        return json.load(handle)


def evaluate(model, folder, split):
    groups, threshold = {}, 0.5
    for entry in read_manifest(os.path.join(folder, f"voice_{split}.csv")):
        result = mirzoo.predict(model, entry.audio)
        threshold = result.threshold
        targets = read_frame_labels(entry.frame_labels)
        index = np.minimum(np.floor(result.times * entry.frame_rate + 0.5).astype(int), len(targets) - 1)
        truth, prediction = targets[index][:, 0], result.activations[:, 0]
        kind = "sung" if entry.audio.endswith("_sung.flac") else "twins"
        names = ["pairs", kind]
        record = _record(entry.audio)
        if record is not None:
            bin_ = int(np.clip(np.searchsorted(LEVEL_BINS_DB, record["level_db"], "right") - 1, 0,
                               len(LEVEL_BINS_DB) - 2))
            names += [f"pairs, level [{LEVEL_BINS_DB[bin_]}, {LEVEL_BINS_DB[bin_ + 1]}) dB",
                      f"pairs, voice {record['voice']}"]
        for name in names:
            groups.setdefault(name, ([], []))
            groups[name][0].append(truth)
            groups[name][1].append(prediction)
    table = {}
    for name in sorted(groups, key=lambda n: (n not in ("pairs", "sung", "twins"), n)):
        truths, predictions = groups[name]
        table[name] = {"clips": len(truths), "threshold": threshold,
                       **_scores(np.concatenate(truths), np.concatenate(predictions), threshold)}
    chosen, best_f = best_threshold(np.concatenate(groups["pairs"][0]), np.concatenate(groups["pairs"][1]))
    table["pairs"].update(best_threshold=chosen, best_threshold_f_measure=best_f)
    return table


def instrumental_excerpts(folder, seconds):
    """`{file name: (audio, sample_rate)}`: the first `seconds` of each recording in `folder` where the teacher
    hears no vocals, and the sorted names of those passed over."""
    teacher = mirzoo.load(TEACHER)
    columns = [MTT_LABELS.index(tag) for tag in VOCAL_TAGS]
    kept, passed_over = {}, []
    for path in sorted(glob.glob(os.path.join(folder, "*"))):
        audio, rate = mirzoo.audio.load_audio(path)
        audio = audio[: int(seconds * rate)]
        if mirzoo.predict(teacher, audio, sample_rate=rate).taggram[:, columns].max() >= VOCAL_THRESHOLD:
            passed_over.append(os.path.basename(path))
        else:
            kept[os.path.basename(path)] = (audio, rate)
    return kept, passed_over


def false_alarms(model, excerpts):
    """The share of frames `model` calls voice (at its threshold) in each excerpt, and over all of them."""
    called = {}
    for name, (audio, rate) in excerpts.items():
        result = mirzoo.predict(model, audio, sample_rate=rate)
        called[name] = result.activations[:, 0] >= result.threshold
    shares = {name: float(voice.mean()) for name, voice in called.items()}
    frames = sum(len(voice) for voice in called.values())
    voiced = sum(int(voice.sum()) for voice in called.values())
    return {"recordings": len(shares), "voice_fraction": voiced / max(frames, 1),
            "recordings_over_10_percent": sum(share > 0.1 for share in shares.values()), "per_recording": shares}


def with_speeds(model, speeds):
    """`model` averaging over `speeds` (its own weights, `arch_config["speeds"]` replaced)."""
    preset = model.preset.replace(arch_config=dict(model.preset.arch_config, speeds=speeds))
    views = mirzoo.build(preset)
    views.set_weights(model.get_weights())
    return views


def main():
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--models", nargs="+", required=True, help="preset names or trained preset folders")
    parser.add_argument("--sets", nargs="+", default=[], metavar="DIR:SPLIT")
    parser.add_argument("--json", help="also write the results here")
    parser.add_argument("--instrumental", metavar="FOLDER", help="real recordings without singing (false alarms)")
    parser.add_argument("--seconds", type=float, default=60.0, help="of each --instrumental recording (default 60)")
    parser.add_argument("--speeds", nargs="+", metavar="S,S,…", default=[],
                        help="evaluate each model averaging over each of these lists of speeds (1 among them)")
    args = parser.parse_args()
    speed_lists = [tuple(float(speed) for speed in text.split(",")) for text in args.speeds] or [None]
    results = {}
    excerpts, passed_over = instrumental_excerpts(args.instrumental, args.seconds) if args.instrumental else ({}, [])
    if args.instrumental:
        print(f"{args.instrumental}: {len(excerpts)} recordings; passed over (the teacher hears vocals): "
              f"{', '.join(passed_over) or 'none'}", flush=True)
    for name, speeds in ((name, speeds) for name in args.models for speeds in speed_lists):
        model = mirzoo.load(name) if speeds is None else with_speeds(mirzoo.load(name), speeds)
        name = name if speeds is None else f"{name} at speeds {','.join(f'{speed:g}' for speed in speeds)}"
        if excerpts:
            row = results.setdefault(name, {})["instrumental"] = false_alarms(model, excerpts)
            print(f"{name} | {args.instrumental} | {row['recordings']} recordings | voice fraction "
                  f"{row['voice_fraction']:.3f} | recordings over 10 %: {row['recordings_over_10_percent']}",
                  flush=True)
        for spec in args.sets:
            folder, split = spec.rsplit(":", 1)
            table = evaluate(model, folder, split)
            results.setdefault(name, {})[spec] = table
            for group, row in table.items():
                print(f"{name} | {spec} | {group} | clips {row['clips']} | "
                      f"F@{row['threshold']:g} {row['f_measure']:.3f} | "
                      f"ROC-AUC {row['roc_auc']:.3f} | voice true {row['voice_fraction_true']:.3f} "
                      f"predicted {row['voice_fraction_predicted']:.3f}", flush=True)
            print(f"{name} | {spec} | best threshold {table['pairs']['best_threshold']:g} | "
                  f"F {table['pairs']['best_threshold_f_measure']:.3f}", flush=True)
    if args.json:
        with open(args.json, "w", encoding="utf-8") as handle:
            json.dump(results, handle, indent=2)


if __name__ == "__main__":
    main()
