"""Distil musicnn's MagnaTagATune tagger into the tutorial's taggers, on a corpus of real music (issue 16).

    python scripts/distill_taggers.py teacher  CORPUS                 # musicnn.mtt taggrams + soft-label manifests
    python scripts/distill_taggers.py features CORPUS                 # each student's front-end output, once
    python scripts/distill_taggers.py train    CORPUS STUDENT --epochs N --out runs/STUDENT
    python scripts/distill_taggers.py compare  CORPUS STUDENT --out runs/STUDENT   # validation table, preset
    python scripts/distill_taggers.py publish  CORPUS STUDENT --out runs/STUDENT   # into weights/
    python scripts/distill_taggers.py evaluate AUDIO [STUDENT] --out WORK   # shipped students on held-out music

CORPUS is `mirzoo corpus debian`'s folder (tracks.jsonl with a train/validation split). Every step is
resumable: run it again after an interruption, or with more epochs to train on. STUDENT is `crnn_tagger` or
`conv1d_tagger`; its preset is `<student>.mtt_distilled`: the `.synth` preset's input contract and front end
with musicnn's 50 MagnaTagATune labels and its own architecture (the CRNN's GRUs are wider), started from the
`.synth` weights where they fit. `compare` writes the preset (weights, SHA-256 and the measured table) into
`--out`/preset, and `publish` copies that preset into `weights/` (and rewrites `weights/SHA256SUMS`), printing
the `WeightsFile` its `<arch>_presets.py` entry declares. `evaluate` measures the shipped
`<student>.mtt_distilled` presets against the teacher, as `compare` does, on every recording under AUDIO (music
the corpus does not hold, such as wesnoth-1.16-music's), keeping the teacher's taggrams in WORK.
"""

import argparse
import json
import os
import sys
import time

TEACHER = "musicnn.mtt"
STUDENTS = ("crnn_tagger", "conv1d_tagger")


def student_model(arch, init="synth"):
    """The student: `<arch>.mtt_distilled`'s network (the `.synth` contract and front end with the teacher's
    labels; the CRNN's GRUs widened), its body started from the `.synth` weights where the shapes fit
    (`init="synth"`: a network that already tells timbres apart), at random (`init=None`), or, whole, from
    another run's preset folder (`init=PATH`: a run that goes on with another loss)."""
    import mirzoo
    from mirzoo import distillation

    model = mirzoo.build(f"{arch}.mtt_distilled")
    if init is not None:
        source = f"{arch}.synth" if init == "synth" else init
        copied = distillation.start_from_trained_layers(model, mirzoo.load(source))
        missing = [layer.name for layer in model.layers if layer.weights and layer.name not in copied]
        if init != "synth" and missing:
            raise SystemExit(f"{init}: not a {arch}.mtt_distilled run: its {', '.join(missing)} do not fit")
        print(f"{arch}: from {source}: {', '.join(copied)}", file=sys.stderr)
    model.preset = model.preset.replace(metrics={}, weights=None)
    return model


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("step", choices=("teacher", "features", "train", "compare", "publish", "evaluate"))
    parser.add_argument("corpus")
    parser.add_argument("student", nargs="?", choices=STUDENTS)
    parser.add_argument("--epochs", type=int, default=10)
    parser.add_argument("--batch-size", type=int, default=32)
    parser.add_argument("--learning-rate", type=float, default=1e-3)
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--steps-per-epoch", type=int, help="default: one pass over the train split's crops")
    parser.add_argument("--out", help="run folder (train, compare); work folder (evaluate)")
    parser.add_argument("--init", default="synth",
                        help="the student's body: 'synth' (the .synth weights where they fit, the default), "
                             "'random', or a run's preset folder (all of its weights)")
    parser.add_argument("--temperature", type=float, default=1.0,
                        help="train with binary cross-entropy softened by this temperature (1: plain)")
    args = parser.parse_args(argv)

    from mirzoo import distillation

    started = time.perf_counter()
    if args.step == "teacher":
        print(distillation.label_with_teacher(args.corpus, TEACHER))
    elif args.step == "evaluate":
        if not args.out:
            parser.error("evaluate needs --out")
        evaluate(args)
    elif args.step == "features":
        for arch in [args.student] if args.student else STUDENTS:
            print(distillation.extract_features(args.corpus, student_model(arch)))
    else:
        if not (args.student and args.out):
            parser.error(f"{args.step} needs a STUDENT and --out")
        model = student_model(args.student, None if args.init == "random" else args.init)
        if args.step == "train":
            record_run(args)
            _, history = distillation.train_student(args.corpus, model, args.out, TEACHER, epochs=args.epochs,
                                                    batch_size=args.batch_size, learning_rate=args.learning_rate,
                                                    seed=args.seed, steps_per_epoch=args.steps_per_epoch,
                                                    temperature=args.temperature,
                                                    fresh_head=args.init in ("synth", "random"))
            print(json.dumps(history))
        elif args.step == "compare":
            compare(args, model)
        else:
            publish(args.out)
    print(f"{args.step}: {time.perf_counter() - started:.0f} s", file=sys.stderr)


def record_run(args):
    """Write the run's settings to `--out`/run.json; each call's learning rate is kept with the epoch it starts
    at (a resumed run with a lower rate decays it)."""
    from mirzoo import checkpoints

    os.makedirs(args.out, exist_ok=True)
    path = os.path.join(args.out, "run.json")
    record = {"learning_rates": []}
    if os.path.isfile(path):
        with open(path, encoding="utf-8") as handle:
            record = json.load(handle)
    state = checkpoints.read_state(os.path.join(args.out, "checkpoints"))
    first_epoch = 1 + (state["epoch"] if state else 0)
    rates = [pair for pair in record["learning_rates"] if pair[0] < first_epoch]
    if not rates or rates[-1][1] != args.learning_rate:
        rates.append([first_epoch, args.learning_rate])
    record.update(teacher=TEACHER, init=args.init, batch_size=args.batch_size, seed=args.seed,
                  steps_per_epoch=args.steps_per_epoch, temperature=args.temperature, learning_rates=rates)
    if args.init not in ("synth", "random"):  # the run this one goes on from: its own recipe
        from mirzoo.presets import read_preset

        record["init_training"] = read_preset(args.init).training
    checkpoints.atomic_write_json(record, path)


def compare(args, model):
    import numpy as np

    import mirzoo
    from mirzoo import checkpoints, distillation

    model.load_weights(os.path.join(args.out, "checkpoints", checkpoints.BEST_FILE))
    table = distillation.compare_with_teacher(model, args.corpus, TEACHER)
    print(json.dumps(table, indent=2))
    metrics = {f"teacher_{scope}_{name}": round(value, 3) for scope, values in table.items()
               for name, value in values.items() if name != "count"}
    state = checkpoints.read_state(os.path.join(args.out, "checkpoints"))
    with open(os.path.join(args.out, "run.json"), encoding="utf-8") as handle:
        record = json.load(handle)
    tracks = distillation.read_tracks(args.corpus)
    record.update(
        corpus="mirzoo corpus debian ../shared/data/debian_music_train.csv (Debian game soundtracks)",
        train_tracks=sum(row["split"] == "train" for row in tracks),
        validation_tracks=sum(row["split"] == "validation" for row in tracks),
        validation_packages=sorted({row["package"] for row in tracks if row["split"] == "validation"}),
        epochs=state["epoch"], history=state["history"],
        best_epoch=1 + int(np.nanargmin(np.array(state["history"]["val_loss"], dtype=float))))
    model.preset = model.preset.replace(training=record)
    preset = mirzoo.save_preset(model, os.path.join(args.out, "preset"), metrics=metrics)
    print(preset.name, preset.weights.sha256)


def evaluate(args):
    """The shipped students against the teacher on held-out music: a table per student, printed and written to
    `--out`/<preset>.json."""
    import mirzoo
    from mirzoo import checkpoints, distillation

    corpus = distillation.folder_as_corpus(args.corpus, args.out)
    distillation.label_with_teacher(corpus, TEACHER)
    for arch in [args.student] if args.student else STUDENTS:
        name = f"{arch}.mtt_distilled"
        table = distillation.compare_with_teacher(mirzoo.load(name), corpus, TEACHER, split="test")
        table["tracks_in"] = os.path.abspath(args.corpus)
        checkpoints.atomic_write_json(table, os.path.join(args.out, f"{name}.json"))
        print(name, json.dumps(table, indent=2))


def publish(run):
    from publish_weights import WEIGHTS, write_sums

    import mirzoo
    from mirzoo.presets import read_preset

    source = os.path.join(run, "preset")
    model = mirzoo.load(source)  # checks the run's SHA-256
    model.preset = read_preset(source)
    preset = mirzoo.save_preset(model, os.path.join(WEIGHTS, model.preset.name))
    write_sums()
    print(f"{preset.name}: weights=WeightsFile({preset.weights.file!r}, {preset.weights.sha256!r})")


if __name__ == "__main__":
    main()
