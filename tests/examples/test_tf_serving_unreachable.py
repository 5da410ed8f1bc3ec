"""The TF Serving clients, run as scripts, say in one line that no server answers: a closed port on 127.0.0.1.

Only 127.0.0.1 is ever contacted (proxy settings are dropped from the clients' environment).
"""

import importlib.util
import json
import os
import pathlib
import socket
import subprocess
import sys

import pytest
import soundfile

from mirzoo.testing import harmonic_test_signal

EXAMPLES = pathlib.Path(__file__).resolve().parents[2] / "examples" / "tf_serving"


@pytest.fixture
def closed_port():
    """A port on 127.0.0.1 that nothing listens on: bound by the system, then released."""
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


@pytest.fixture
def request_files(tmp_path):
    """A clip and the assets folder of a 16 kHz export (what the clients read before they call the server)."""
    assets = tmp_path / "assets"
    assets.mkdir()
    (assets / "labels.txt").write_text("piano\ndrums\n", encoding="utf-8")
    (assets / "preset.json").write_text(json.dumps({"sample_rate": 16000}), encoding="utf-8")
    clip = tmp_path / "clip.wav"
    soundfile.write(clip, harmonic_test_signal(16000, 1.0), 16000)
    return [str(clip), "--assets", str(assets)]


def run_client(script, *args):
    environment = {key: value for key, value in os.environ.items() if not key.lower().endswith("_proxy")}
    return subprocess.run([sys.executable, str(EXAMPLES / script), *args], capture_output=True, text=True,
                          timeout=120, env=environment)


def test_rest_client_without_a_server(closed_port, request_files):
    server = f"http://127.0.0.1:{closed_port}"
    result = run_client("rest_client.py", *request_files, "--server", server)
    assert result.returncode == 1 and result.stdout == ""
    assert result.stderr.startswith(f"rest_client.py: cannot reach TF Serving at {server} (")
    assert "refused" in result.stderr and result.stderr.endswith("or pass --server\n")
    assert result.stderr.count("\n") == 1, result.stderr


def test_grpc_client_without_a_server(closed_port, request_files):
    for module in ("grpc", "tensorflow", "tensorflow_serving"):
        if importlib.util.find_spec(module) is None:
            pytest.skip(f"the gRPC client needs {module} (tensorflow-serving-api: pip install --no-deps)")
    target = f"127.0.0.1:{closed_port}"
    result = run_client("grpc_client.py", *request_files, "--target", target)
    assert result.returncode == 1 and result.stdout == ""
    lines = result.stderr.splitlines()  # TensorFlow may log on import; the client's own words are the last line
    assert lines[-1].startswith(f"grpc_client.py: cannot reach TF Serving at {target} (")
    assert lines[-1].endswith("or pass --target") and "Traceback" not in result.stderr
