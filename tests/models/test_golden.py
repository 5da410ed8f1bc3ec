"""Golden outputs: every preset with shipped weights still gives the committed output on the committed input."""

import os

import numpy as np
import pytest

import mirzoo

GOLDEN = os.path.join(os.path.dirname(__file__), "golden")
SHIPPED = [name for name in mirzoo.list_models() if mirzoo.get_preset(name).weights is not None]


def test_every_shipped_preset_has_a_golden_file():
    assert sorted(f[: -len(".npz")] for f in os.listdir(GOLDEN) if f.endswith(".npz")) == sorted(SHIPPED)


@pytest.mark.parametrize("name", SHIPPED)
def test_output_matches_golden(name):
    golden = np.load(os.path.join(GOLDEN, f"{name}.npz"))
    output = mirzoo.load(name).predict(golden["waveform"], verbose=0)
    np.testing.assert_allclose(output, golden["output"], atol=1e-5, rtol=1e-4)
