"""examples/make_example_audio.py without the corpus's optional parts: one line naming them, and no file written."""

import os
import pathlib
import subprocess
import sys

SCRIPT = pathlib.Path(__file__).resolve().parents[2] / "examples" / "make_example_audio.py"


def test_without_pyworld_it_names_the_install_step_and_writes_nothing(tmp_path):
    # Run as a script, from an empty folder (its output path is relative), with pyworld made unimportable, and
    # with $CI set, as CI services set it (pyfluidsynth then prints where it found its library on import).
    blocked = ("import runpy, sys; sys.modules['pyworld'] = None; sys.argv = [sys.argv[1]]; "
               "runpy.run_path(sys.argv[0], run_name='__main__')")
    result = subprocess.run([sys.executable, "-c", blocked, str(SCRIPT)], capture_output=True, text=True,
                            timeout=120, cwd=tmp_path, env={**os.environ, "CI": "true"})
    assert result.returncode == 1 and result.stdout == "" and "Traceback" not in result.stderr
    line = result.stderr.splitlines()[-1]  # TensorFlow may log on import (mirzoo.data imports it); then this line
    assert line.startswith("make_example_audio.py needs ")
    assert "the Python package pyworld (pip install 'mirzoo[corpus]')" in line
    assert line.endswith("scripts/install_corpus_deps.sh installs all of them.")
    assert list(tmp_path.iterdir()) == []
