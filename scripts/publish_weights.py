"""Copy trained presets from RUNS/<arch>/preset into weights/<preset name>/ and rewrite weights/SHA256SUMS.

    python scripts/publish_weights.py RUNS

Prints, per preset, the `WeightsFile(...)` line and metrics to put in its `<arch>_presets.py`.
"""

import argparse
import os
import shutil

from mirzoo.presets import read_preset, sha256_of

WEIGHTS = os.path.join(os.path.dirname(os.path.dirname(os.path.abspath(__file__))), "weights")


def main():
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("runs")
    args = parser.parse_args()
    lines = []
    for arch in sorted(os.listdir(args.runs)):
        source = os.path.join(args.runs, arch, "preset")
        if not os.path.isfile(os.path.join(source, "preset.json")):
            continue
        preset = read_preset(source)
        target = os.path.join(WEIGHTS, preset.name)
        os.makedirs(target, exist_ok=True)
        for name in (preset.weights.file, "preset.json"):
            shutil.copy2(os.path.join(source, name), os.path.join(target, name))
        digest = sha256_of(os.path.join(target, preset.weights.file))
        if digest != preset.weights.sha256:
            raise SystemExit(f"{source}: the weights' SHA-256 differs from the one training recorded")
        lines.append(f"{digest}  {preset.name}/{preset.weights.file}")
        print(f"{preset.name}: weights=WeightsFile({preset.weights.file!r}, {digest!r}), metrics={preset.metrics!r}")
    with open(os.path.join(WEIGHTS, "SHA256SUMS"), "w", encoding="utf-8") as handle:
        handle.write("\n".join(sorted(lines)) + "\n")


if __name__ == "__main__":
    main()
