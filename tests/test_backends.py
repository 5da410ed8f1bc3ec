"""The shipped weights give TensorFlow's results under JAX and PyTorch: `mirzoo.predict` end to end on a file.

TensorFlow, in this process, is the oracle; each other backend runs in a subprocess of its own (a process has one
Keras backend). CI runs the model, predict and saving tests themselves on JAX and PyTorch as well (`.ci/run`).
"""

import importlib.util
import json
import os
import subprocess
import sys

import keras
import numpy as np
import pytest
import soundfile

import mirzoo
from mirzoo.testing import harmonic_test_signal

pytestmark = pytest.mark.skipif(keras.backend.backend() != "tensorflow",
                                reason="TensorFlow is the oracle: this runs in the TensorFlow test run")

# A tagger and a frame model, each with its shipped weights, on a clip at another rate (resampled on the way in).
PRESETS = ["crnn_tagger.synth", "dnn_chroma.synth"]

OTHER_BACKEND = """
import json, sys
import keras
import numpy as np
import mirzoo

clip, out = sys.argv[1:3]
results = {}
for name in sys.argv[3:]:
    result = mirzoo.predict(mirzoo.load(name), clip)
    results[name] = result.taggram if hasattr(result, "taggram") else result.activations
np.savez(out, **results)
print(json.dumps({"backend": keras.backend.backend()}))
"""


@pytest.fixture(scope="module")
def clip(tmp_path_factory):
    path = tmp_path_factory.mktemp("clip") / "clip.flac"
    soundfile.write(path, harmonic_test_signal(44100, 23.0, seed=3, channels=2), 44100)
    return str(path)


@pytest.mark.slow
@pytest.mark.parametrize("backend", ["jax", "torch"])
def test_shipped_presets_give_tensorflows_results(backend, clip, tmp_path):
    if importlib.util.find_spec(backend) is None:
        pytest.skip(f"{backend} is not installed")
    out = tmp_path / "out.npz"
    result = subprocess.run([sys.executable, "-c", OTHER_BACKEND, clip, str(out), *PRESETS], capture_output=True,
                            text=True, timeout=300, env={**os.environ, "KERAS_BACKEND": backend})
    assert result.returncode == 0, result.stderr[-3000:]
    assert json.loads(result.stdout.strip().splitlines()[-1]) == {"backend": backend}
    other = np.load(out)
    for name in PRESETS:
        expected = mirzoo.predict(mirzoo.load(name), clip)
        rows = expected.taggram if hasattr(expected, "taggram") else expected.activations
        assert other[name].shape == rows.shape
        np.testing.assert_allclose(other[name], rows, rtol=0, atol=1e-5, err_msg=f"{name} on {backend}")
        if hasattr(expected, "taggram"):  # the same top labels, in the same order
            scores = other[name].mean(axis=0)
            top = [label for label, _ in expected.top(5)]
            assert [expected.labels[i] for i in np.argsort(-scores, kind="stable")[:5]] == top
