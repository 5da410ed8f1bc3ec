"""Write the golden input and output of every preset with shipped weights: tests/models/golden/<preset>.npz.

    python scripts/make_golden.py [PRESET ...]      # default: every preset with shipped weights

The input is a short generated clip (harmonic test signal, 4 s at the preset's rate); the output
is what the shipped weights give today. tests/models/test_golden.py fails when either the front
end or the weights drift from it. Rerun only when a change of outputs is intended.
"""

import os
import sys

import numpy as np

import mirzoo
from mirzoo.testing import harmonic_test_signal

GOLDEN = os.path.join(os.path.dirname(os.path.dirname(os.path.abspath(__file__))), "tests", "models", "golden")


def main(names=None):
    os.makedirs(GOLDEN, exist_ok=True)
    for name in names or mirzoo.list_models():
        preset = mirzoo.get_preset(name)
        if preset.weights is None:
            continue
        waveform = harmonic_test_signal(preset.sample_rate, 4.0, seed=7)[None]
        output = np.asarray(mirzoo.load(name).predict(waveform, verbose=0))
        np.savez_compressed(os.path.join(GOLDEN, f"{name}.npz"), waveform=waveform, output=output)
        print(f"{name}: output {output.shape}")


if __name__ == "__main__":
    main(sys.argv[1:])
