"""What the corpus renderer needs beyond mirzoo's own dependencies, each with the step that installs it.

Python packages come with the `corpus` extra (`pip install 'mirzoo[corpus]'`); FluidSynth's library, the
soundfonts and Festival's singing voice are Debian packages. `scripts/install_corpus_deps.sh` installs all of
them. `require` checks before anything is written or rendered, so a build that cannot finish does not start.
"""

import contextlib
import importlib
import io
import os
import shutil

PIP_STEP = "pip install 'mirzoo[corpus]'"
INSTALL_SCRIPT = "scripts/install_corpus_deps.sh"
# Festival's singing mode sings with this diphone voice (Debian festvox-kallpc16k).
KAL_VOICE = "/usr/share/festival/voices/english/kal_diphone"
# The diphone voices that sing in Festival's singing mode, each with its folder and Debian package: two American
# English men (kal, ked) and an Italian woman and man (lp, pc; they sing the English syllables with Italian letter-to-
# sound rules).
FESTIVAL_VOICES = {
    "kal_diphone": ("english/kal_diphone", "festvox-kallpc16k"),
    "ked_diphone": ("english/ked_diphone", "festvox-kdlpc16k"),
    "lp_diphone": ("italian/lp_diphone", "festvox-italp16k"),
    "pc_diphone": ("italian/pc_diphone", "festvox-itapc16k"),
}
FESTIVAL_VOICE_ROOT = "/usr/share/festival/voices"
# The Debian package of each soundfont the corpus plays.
SOUNDFONT_PACKAGES = {
    "FluidR3_GM.sf2": "fluid-soundfont-gm",
    "sf_GMbank.sf2": "csound-soundfont",
    "OPL-3_FM_128M.sf2": "opl3-soundfont",
    "TimGM6mb.sf2": "timgm6mb-soundfont",
}
# The import name, the PyPI name and, for a binding of a C library, the Debian package of the library.
MODULES = {
    "fluidsynth": ("pyfluidsynth", "libfluidsynth3"),
    "pyworld": ("pyworld", None),
    "music21": ("music21", None),
    "mido": ("mido", None),
}

# What provides a module that a binding imports without declaring it: pyworld 0.3.5 imports pkg_resources, which
# setuptools 81 removed (installing another package, torch for one, can upgrade setuptools past it).
PROVIDERS = {"pkg_resources": '"setuptools<81"'}


def _module_problem(name):
    """What is missing for `import name` and how to install it, or None when the import works."""
    distribution, library = MODULES[name]
    try:
        # pyfluidsynth prints where it found libfluidsynth when $CI is set; a command's stdout is its output.
        with contextlib.redirect_stdout(io.StringIO()):
            importlib.import_module(name)
    except ModuleNotFoundError as error:
        if error.name != name:  # the module is there, one of its own imports is not
            return f"{error.name}, which {distribution} imports (pip install {PROVIDERS.get(error.name, error.name)})"
        return f"the Python package {distribution} ({PIP_STEP})"
    except (ImportError, OSError) as error:  # pyfluidsynth without libfluidsynth: "Couldn't find the FluidSynth …"
        if library is None:
            raise
        return f"the library behind {distribution} (apt-get install {library}; {error})"
    return None


def missing(soundfonts=(), sung=False, works=False, voices=()):
    """Each missing part, as "what (install step)"; empty when the renderer has all it needs.

    Args:
        soundfonts: paths of the `.sf2` files to play (FluidSynth is needed whenever there are any).
        sung: Festival and WORLD are needed (sung melodies).
        works: music21 and mido are needed (excerpts of the music21 corpus).
        voices: Festival voices the melodies are sung with (names of `FESTIVAL_VOICES`), besides kal.

    Raises:
        ValueError: a voice that is not in `FESTIVAL_VOICES`.
    """
    unknown = [voice for voice in voices if voice not in FESTIVAL_VOICES]
    if unknown:
        raise ValueError(f"Unknown Festival voices {unknown}; expected some of {sorted(FESTIVAL_VOICES)}.")
    modules = (["fluidsynth"] if soundfonts else []) + (["pyworld"] if sung else []) + (
        ["music21", "mido"] if works else [])
    problems = [problem for problem in map(_module_problem, modules) if problem is not None]
    for path in soundfonts:
        if not os.path.isfile(path):
            package = SOUNDFONT_PACKAGES.get(os.path.basename(path))
            problems.append(f"the soundfont {path}" + (f" (apt-get install {package})" if package else ""))
    if sung and shutil.which("text2wave") is None:
        problems.append("Festival's text2wave (apt-get install festival festvox-kallpc16k)")
    elif sung and not os.path.isdir(KAL_VOICE):
        problems.append(f"Festival's kal voice, {KAL_VOICE} (apt-get install festvox-kallpc16k)")
    for voice in voices:
        folder, package = FESTIVAL_VOICES[voice]
        path = os.path.join(FESTIVAL_VOICE_ROOT, folder)
        if voice != "kal_diphone" and not os.path.isdir(path):
            problems.append(f"Festival's {voice} voice, {path} (apt-get install {package})")
    return problems


def require(feature, soundfonts=(), sung=False, works=False, voices=()):
    """Raise an ImportError naming everything `feature` lacks, with the install steps (arguments: `missing`)."""
    problems = missing(soundfonts, sung=sung, works=works, voices=voices)
    if problems:
        raise ImportError(f"{feature} needs {'; '.join(problems)}. {INSTALL_SCRIPT} installs all of them.")

