import os
import subprocess
import sys

import pytest

import mirzoo


def run_python(code, **env):
    return subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=120,
                          env={**os.environ, **env})


def test_public_api():
    assert mirzoo.__version__ and mirzoo.__version__ != "0+unknown"
    assert {"dsp", "layers", "build", "load", "predict", "list_models", "get_preset"} <= set(mirzoo.__all__)


ERRORS = ("AudioError", "CheckpointError", "CorruptWeightsError", "InvalidPresetError", "UnknownModelError",
          "UnsupportedFileError", "WeightsIntegrityError", "WeightsMismatchError")


def test_the_errors_a_caller_may_catch_are_public_value_errors(tmp_path):
    assert set(ERRORS) <= set(mirzoo.__all__)
    assert all(issubclass(getattr(mirzoo, name), ValueError) for name in ERRORS)
    with pytest.raises(mirzoo.UnknownModelError):
        mirzoo.load("no_such_model")
    (tmp_path / "model.keras").write_bytes(b"PK")
    with pytest.raises(mirzoo.UnsupportedFileError):
        mirzoo.load(str(tmp_path / "model.keras"))


def test_every_public_name_resolves_and_export_stays_the_function():
    """The names are imported on first use; a submodule imported first must not shadow a function."""
    result = run_python("import mirzoo.exporting, mirzoo.training, mirzoo.inference, mirzoo\n"
                        "missing = [name for name in mirzoo.__all__ if getattr(mirzoo, name, None) is None]\n"
                        "print(missing, callable(mirzoo.export), callable(mirzoo.train), callable(mirzoo.predict))")
    assert result.returncode == 0, result.stderr[-2000:]
    assert result.stdout.split() == ["[]", "True", "True", "True"]


def test_import_mirzoo_loads_neither_keras_nor_tensorflow():
    result = run_python("import sys, mirzoo; mirzoo.get_preset('crnn_tagger'); mirzoo.list_models()\n"
                        "print(sorted(m for m in ('keras', 'tensorflow') if m in sys.modules))")
    assert result.returncode == 0 and result.stdout.strip() == "[]", result.stderr[-2000:]


def test_decoders_need_only_numpy():
    """A TF Serving client decodes activations with mirzoo.decoders and nothing but NumPy installed."""
    blocked = "".join(f"sys.modules[{name!r}] = None; " for name in ("keras", "tensorflow", "scipy", "soundfile",
                                                                      "soxr", "jax", "torch", "madmom"))
    result = run_python(
        f"import sys; {blocked}\n"
        "import numpy as np\n"
        "from mirzoo import decoders\n"
        "activation = np.full(1000, 0.05, np.float32); activation[25::50] = 0.9\n"
        "beats = decoders.track_beats(activation, 100.0)\n"
        "print(len(decoders.pick_onsets(activation, 100.0)), round(decoders.estimate_tempo(beats)))\n")
    assert result.returncode == 0, result.stderr[-2000:]
    assert result.stdout.split() == ["20", "120"]


def test_import_without_tensorflow_names_the_extra():
    result = run_python("import sys; sys.modules['tensorflow'] = None; import mirzoo; mirzoo.load",
                        KERAS_BACKEND="tensorflow")
    assert result.returncode != 0
    assert "ImportError" in result.stderr and "mirzoo[tensorflow]" in result.stderr


@pytest.mark.parametrize("backend", ["jax", "torch"])
def test_import_with_a_missing_backend_says_so(backend):
    result = run_python(f"import sys; sys.modules[{backend!r}] = None; import mirzoo; mirzoo.build",
                        KERAS_BACKEND=backend)
    assert result.returncode != 0
    assert f"KERAS_BACKEND selects '{backend}'" in result.stderr


def test_front_ends_build_save_and_load_without_librosa_or_scipy(tmp_path):
    code = (
        "import sys; sys.modules['librosa'] = None; sys.modules['scipy'] = None\n"
        "import keras, numpy as np, mirzoo\n"
        "inputs = keras.Input((None,))\n"
        "mel = mirzoo.layers.MelSpectrogram(sample_rate=16000, n_fft=512, hop_length=256)\n"
        "model = keras.Model(inputs, mel(inputs))\n"
        f"model.save({str(tmp_path / 'm.keras')!r})\n"
        f"restored = keras.saving.load_model({str(tmp_path / 'm.keras')!r})\n"
        "print(restored.predict(np.zeros((1, 16000), 'float32'), verbose=0).shape)\n"
    )
    result = run_python(code)
    assert result.returncode == 0, result.stderr[-2000:]
    assert "(1, 63, 128)" in result.stdout


def test_every_package_is_listed_for_installation():
    import pathlib

    import tomllib

    root = pathlib.Path(__file__).resolve().parents[1]
    listed = set(tomllib.loads((root / "pyproject.toml").read_text())["tool"]["setuptools"]["packages"])
    found = {".".join(path.parent.relative_to(root).parts) for path in (root / "mirzoo").rglob("__init__.py")}
    assert found | {"mirzoo.weights"} == listed
