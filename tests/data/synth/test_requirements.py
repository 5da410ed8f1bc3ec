"""The corpus renderer's optional parts: a missing one is named with its install step, before anything is written.

Missing Python packages are simulated with a `sys.modules` entry set to None (what `import` then refuses), in a
subprocess where the command line is run, with monkeypatch where a function is called.
"""

import importlib.abc
import os
import subprocess
import sys

import pytest

from mirzoo.data.synth import build, requirements
from mirzoo.data.synth.build import HELDOUT_SOUNDFONT, TRAIN_SOUNDFONTS

PIP_STEP = "pip install 'mirzoo[corpus]'"


class LibraryMissing(importlib.abc.MetaPathFinder):
    """Imports `fluidsynth` as pyfluidsynth does when FluidSynth's shared library is not installed."""

    def find_spec(self, name, path=None, target=None):
        if name == "fluidsynth":
            raise ImportError("Couldn't find the FluidSynth library.")
        return None


@pytest.fixture
def without(monkeypatch):
    """`without("pyworld", ...)`: those modules cannot be imported for the rest of the test."""
    def block(*modules):
        for module in modules:
            monkeypatch.setitem(sys.modules, module, None)
    return block


def test_missing_python_packages_are_named_with_the_extra(without):
    without("fluidsynth", "pyworld", "music21", "mido")
    problems = requirements.missing(["x.sf2"], works=True)
    assert problems[:3] == [f"the Python package {name} ({PIP_STEP})" for name in ("pyfluidsynth", "music21", "mido")]
    with pytest.raises(ImportError, match=r"^Singing \(Festival and WORLD\) needs the Python package pyworld \(pip "
                                          r"install 'mirzoo\[corpus\]'\)"):
        requirements.require("Singing (Festival and WORLD)", sung=True)


def test_a_module_a_binding_imports_is_named_with_what_provides_it(monkeypatch, tmp_path, without):
    """pyworld 0.3.5 imports pkg_resources, gone since setuptools 81: a stand-in pyworld that imports it, with
    pkg_resources blocked, is reported with the pin that brings it back instead of failing inside the import."""
    (tmp_path / "pyworld").mkdir()
    (tmp_path / "pyworld" / "__init__.py").write_text("import pkg_resources\n")
    monkeypatch.syspath_prepend(str(tmp_path))
    monkeypatch.delitem(sys.modules, "pyworld", raising=False)
    without("pkg_resources")
    assert requirements.missing(sung=True)[0] == 'pkg_resources, which pyworld imports (pip install "setuptools<81")'


def test_fluidsynth_without_its_library_names_the_debian_package(monkeypatch):
    monkeypatch.delitem(sys.modules, "fluidsynth", raising=False)
    monkeypatch.setattr(sys, "meta_path", [LibraryMissing(), *sys.meta_path])
    assert requirements.missing(["x.sf2"])[0] == ("the library behind pyfluidsynth (apt-get install libfluidsynth3; "
                                                 "Couldn't find the FluidSynth library.)")


def test_missing_soundfonts_and_festival_are_named_with_their_debian_packages(monkeypatch, tmp_path):
    monkeypatch.setattr(requirements, "_module_problem", lambda name: None)  # the Python packages are there
    monkeypatch.setattr(requirements, "KAL_VOICE", str(tmp_path / "kal_diphone"))
    fonts = [str(tmp_path / "FluidR3_GM.sf2"), str(tmp_path / "TimGM6mb.sf2"), str(tmp_path / "own.sf2")]
    monkeypatch.setenv("PATH", str(tmp_path))  # no text2wave
    assert requirements.missing(fonts, sung=True) == [
        f"the soundfont {fonts[0]} (apt-get install fluid-soundfont-gm)",
        f"the soundfont {fonts[1]} (apt-get install timgm6mb-soundfont)",
        f"the soundfont {fonts[2]}",
        "Festival's text2wave (apt-get install festival festvox-kallpc16k)",
    ]
    text2wave = tmp_path / "text2wave"
    text2wave.write_text("#!/bin/sh\n")
    text2wave.chmod(0o755)
    assert requirements.missing([], sung=True) == [
        f"Festival's kal voice, {tmp_path / 'kal_diphone'} (apt-get install festvox-kallpc16k)"]
    (tmp_path / "kal_diphone").mkdir()
    assert requirements.missing([], sung=True) == []


def test_render_and_sing_name_their_install_steps(without):
    from mirzoo.data.synth.render import render
    from mirzoo.data.synth.sing import sing
    from mirzoo.data.synth.songs import generate_song

    without("fluidsynth", "pyworld")
    song = generate_song(0, 2.0)
    with pytest.raises(ImportError, match=r"^Rendering with FluidSynth needs the Python package pyfluidsynth"):
        render(song, TRAIN_SOUNDFONTS[0])
    with pytest.raises(ImportError, match=r"needs the Python package pyworld \(pip install 'mirzoo\[corpus\]'\)"):
        sing(song.parts[0].notes, song.tempo, 0)


def test_corpus_build_without_its_packages_says_so_in_one_line_and_writes_nothing(tmp_path):
    out = tmp_path / "new" / "corpus"
    blocked = "import sys; sys.modules['fluidsynth'] = sys.modules['pyworld'] = None; "
    result = subprocess.run([sys.executable, "-c", blocked + "from mirzoo.cli import main; sys.exit(main())",
                             "corpus", "build", str(out), "--songs", "2"], capture_output=True, text=True, timeout=120)
    assert result.returncode == 2 and result.stdout == "" and "Traceback" not in result.stderr
    line = result.stderr.splitlines()[-1]  # TensorFlow may log on import (mirzoo.data imports it); then this line
    assert line.startswith("mirzoo: error: mirzoo corpus build needs the Python package pyfluidsynth "
                           f"({PIP_STEP}); the Python package pyworld ({PIP_STEP})")
    assert line.endswith("scripts/install_corpus_deps.sh installs all of them.")
    assert os.listdir(tmp_path) == []


@pytest.mark.parametrize("existing", [False, True], ids=["new folder", "existing folder"])
def test_a_failed_build_removes_the_folders_it_made(monkeypatch, tmp_path, existing):
    out = tmp_path / "corpus"
    if existing:
        out.mkdir()
        (out / "notes.txt").write_text("mine")
    monkeypatch.setattr(requirements, "require", lambda *args, **kwargs: None)

    def interrupted(directory, *args):
        (out / "audio" / "song00000.flac").write_bytes(b"half")
        (out / "midi" / "bach__bwv1.mid").write_bytes(b"cached")
        raise KeyboardInterrupt

    monkeypatch.setattr(build, "_render_corpus", interrupted)
    with pytest.raises(KeyboardInterrupt):
        build.build_corpus(out, n_songs=1, n_works=1, progress=False)
    assert os.listdir(tmp_path) == (["corpus"] if existing else [])
    if existing:
        assert os.listdir(out) == ["notes.txt"]


@pytest.mark.parametrize("songs, sung_fraction, works, needs", [
    (1, 0.0, 2, {"sung": False, "works": True}),
    (3, 0.3, 0, {"sung": True, "works": False}),
])
def test_the_build_checks_what_its_arguments_need(monkeypatch, songs, sung_fraction, works, needs):
    asked = []

    def require(feature, soundfonts, **kwargs):
        asked.append((feature, soundfonts, kwargs))
        raise ImportError("checked")

    monkeypatch.setattr(requirements, "require", require)
    with pytest.raises(ImportError, match="checked"):
        build.build_corpus("never written", n_songs=songs, sung_fraction=sung_fraction, n_works=works)
    assert asked == [("mirzoo corpus build", (*TRAIN_SOUNDFONTS, HELDOUT_SOUNDFONT), needs)]
