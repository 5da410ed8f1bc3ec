"""Publish trained presets from RUNS/<arch>/preset into weights/<preset name>/ and rewrite weights/SHA256SUMS.

Presets missing from RUNS keep their published weights; SHA256SUMS lists every preset in weights/. A run is
published under the preset it was trained from (its `training.base_preset`), or with `--tag TAG` under
`<arch>.TAG`, which must be registered (its description, labels and decoder are the registry's).

    python scripts/publish_weights.py RUNS
    python scripts/publish_weights.py voice/runs --tag over_real

Prints, per preset, the `WeightsFile(...)` to put in its `<arch>_presets.py`.
"""

import argparse
import os

import mirzoo
from mirzoo.presets import read_preset

WEIGHTS = os.path.join(os.path.dirname(os.path.dirname(os.path.abspath(__file__))), "weights")


def main():
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("runs")
    parser.add_argument("--tag", help="publish each run as <arch>.TAG (a registered preset)")
    args = parser.parse_args()
    for arch in sorted(os.listdir(args.runs)):
        source = os.path.join(args.runs, arch, "preset")
        if not os.path.isfile(os.path.join(source, "preset.json")):
            continue
        # A trained preset is named after its run; it is published under the preset it was trained for (or TAG), with
        # that preset's description, the run's metrics and its training record. Loading checks the run's hash;
        # saving again keeps the weights only (no optimizer state).
        trained = read_preset(source)
        name = f"{trained.arch}.{args.tag}" if args.tag else trained.training.get("base_preset", trained.name)
        model = mirzoo.load(source)
        model.preset = mirzoo.get_preset(name).replace(metrics=trained.metrics, training=trained.training)
        preset = mirzoo.save_preset(model, os.path.join(WEIGHTS, name))
        print(f"{preset.name}: weights=WeightsFile({preset.weights.file!r}, {preset.weights.sha256!r})")
    write_sums()


def write_sums():
    """Rewrite weights/SHA256SUMS: one line per preset folder in weights/."""
    lines = []
    for name in sorted(os.listdir(WEIGHTS)):
        if os.path.isfile(os.path.join(WEIGHTS, name, "preset.json")):
            weights = read_preset(os.path.join(WEIGHTS, name)).weights
            lines.append(f"{weights.sha256}  {name}/{weights.file}")
    with open(os.path.join(WEIGHTS, "SHA256SUMS"), "w", encoding="utf-8") as handle:
        handle.write("\n".join(sorted(lines)) + "\n")


if __name__ == "__main__":
    main()
