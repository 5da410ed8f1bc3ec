"""The TF Serving clients in examples/tf_serving/ against local test doubles of TF Serving on 127.0.0.1.

No tensorflow_model_server can be installed here, so each double wraps the exported SavedModel
behind the same wire protocol (gRPC PredictionService / REST :predict). The real server is TF Serving.
The REST tests need no more than TensorFlow; the gRPC tests also need grpc and tensorflow-serving-api's
protos, and skip without them.
"""

import base64
import concurrent.futures
import http.server
import io
import json
import os
import pathlib
import subprocess
import sys
import threading

import keras
import numpy as np
import pytest
import soundfile

import mirzoo
from mirzoo.exporting import export
from mirzoo.testing import harmonic_test_signal

pytestmark = pytest.mark.skipif(keras.backend.backend() != "tensorflow", reason="TF Serving clients use TensorFlow")
tf = pytest.importorskip("tensorflow")

EXAMPLES = pathlib.Path(__file__).resolve().parents[2] / "examples" / "tf_serving"
MODEL_NAME = "conv1d_tagger"
FRAME_MODEL_NAME = "dnn_chroma"


@pytest.fixture(scope="module")
def served(tmp_path_factory):
    model = mirzoo.build(MODEL_NAME)
    path = export(model, tmp_path_factory.mktemp("serving") / MODEL_NAME)
    return model, path, tf.saved_model.load(path)


@pytest.fixture(scope="module")
def served_frames(tmp_path_factory):
    """A frame model: its serve_wav has two outputs (`scores`, `frames`)."""
    model = mirzoo.build(FRAME_MODEL_NAME)
    path = export(model, tmp_path_factory.mktemp("serving") / FRAME_MODEL_NAME)
    return model, path, tf.saved_model.load(path)


def run_signature(loaded, signature, inputs, output="scores"):
    outputs = loaded.signatures[signature](**{k: tf.constant(v) for k, v in inputs.items()})
    return outputs[output].numpy() if output else {name: value.numpy() for name, value in outputs.items()}


def rest_predictions(outputs):
    """TF Serving's REST row format: one output → a list of its rows; more → a list of {output: row}."""
    if len(outputs) == 1:
        return next(iter(outputs.values())).tolist()
    return [{name: value[index].tolist() for name, value in outputs.items()}
            for index in range(len(next(iter(outputs.values()))))]


@pytest.fixture(scope="module")
def grpc():
    """The grpc module, once tensorflow-serving-api's protos are known to be importable."""
    grpc = pytest.importorskip("grpc")
    pytest.importorskip("tensorflow_serving.apis", reason="pip install --no-deps tensorflow-serving-api")
    return grpc


@pytest.fixture(scope="module")
def grpc_target(served, grpc):
    from tensorflow_serving.apis import predict_pb2, prediction_service_pb2_grpc

    loaded = served[2]

    class PredictionServiceDouble(prediction_service_pb2_grpc.PredictionServiceServicer):
        def Predict(self, request, context):
            if request.model_spec.name != MODEL_NAME:
                context.abort(grpc.StatusCode.NOT_FOUND, f"Servable not found: {request.model_spec.name}")
            inputs = {name: tf.make_ndarray(proto) for name, proto in request.inputs.items()}
            try:
                scores = run_signature(loaded, request.model_spec.signature_name or "serving_default", inputs)
            except tf.errors.InvalidArgumentError as error:
                context.abort(grpc.StatusCode.INVALID_ARGUMENT, error.message)
            response = predict_pb2.PredictResponse()
            response.outputs["scores"].CopyFrom(tf.make_tensor_proto(scores))
            return response

    server = grpc.server(concurrent.futures.ThreadPoolExecutor(max_workers=2))
    prediction_service_pb2_grpc.add_PredictionServiceServicer_to_server(PredictionServiceDouble(), server)
    port = server.add_insecure_port("127.0.0.1:0")
    server.start()
    yield f"127.0.0.1:{port}"
    server.stop(grace=None)


@pytest.fixture(scope="module")
def rest_server(served, served_frames):
    models = {MODEL_NAME: served[2], FRAME_MODEL_NAME: served_frames[2]}

    class Handler(http.server.BaseHTTPRequestHandler):
        def do_POST(self):
            name = self.path.removeprefix("/v1/models/").removesuffix(":predict")
            if name not in models or self.path != f"/v1/models/{name}:predict":
                self.send_error(404)
                return
            body = json.loads(self.rfile.read(int(self.headers["Content-Length"])))
            signature = body.get("signature_name", "serving_default")
            if signature == "serve_wav":
                inputs = {"wav": [base64.b64decode(item["b64"]) for item in body["instances"]]}
            else:
                inputs = {"waveform": np.asarray(body["instances"], np.float32)}
            outputs = run_signature(models[name], signature, inputs, output=None)
            payload = json.dumps({"predictions": rest_predictions(outputs)}).encode()
            self.send_response(200)
            self.send_header("Content-Type", "application/json")
            self.send_header("Content-Length", str(len(payload)))
            self.end_headers()
            self.wfile.write(payload)

        def log_message(self, *args):
            pass

    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{server.server_address[1]}"
    server.shutdown()
    thread.join(timeout=10)


def clips():
    # One whole window of the 3 s tagger: the SavedModel pads shorter clips to one, model.predict would not.
    return np.stack([harmonic_test_signal(16000, 3.0, seed=s) for s in (0, 1)])


def wav_file(audio):
    buffer = io.BytesIO()
    soundfile.write(buffer, audio, 16000, format="WAV", subtype="PCM_16")
    return buffer.getvalue()


def test_grpc_client_waveform_and_wav(served, grpc_target, serving_example):
    model, _, _ = served
    client = serving_example("grpc_client")
    audio = clips()
    scores = client.predict(grpc_target, MODEL_NAME, {"waveform": audio}, timeout=30)
    np.testing.assert_allclose(scores, model.predict(audio, verbose=0), atol=1e-5)
    pcm = np.round(audio * 32767).astype(np.int16)
    scores = client.predict(grpc_target, MODEL_NAME, {"wav": [wav_file(c) for c in pcm]}, signature="serve_wav",
                            timeout=30)
    np.testing.assert_allclose(scores, model.predict(pcm / 32768.0, verbose=0), atol=1e-5)


def test_grpc_errors_are_status_codes(grpc, grpc_target, serving_example):
    client = serving_example("grpc_client")
    with pytest.raises(grpc.RpcError) as error:
        client.predict(grpc_target, MODEL_NAME, {"wav": [b"not a wav"]}, signature="serve_wav", timeout=30)
    assert error.value.code() == grpc.StatusCode.INVALID_ARGUMENT
    with pytest.raises(grpc.RpcError) as error:
        client.predict(grpc_target, "other_model", {"waveform": clips()}, timeout=30)
    assert error.value.code() == grpc.StatusCode.NOT_FOUND


def test_rest_client_waveform_and_base64_wav(served, rest_server, serving_example):
    model, path, _ = served
    client = serving_example("rest_client")
    labels, preset = client.read_assets(pathlib.Path(path) / "assets")
    assert labels == list(model.preset.labels) and preset["sample_rate"] == 16000
    audio = clips()
    np.testing.assert_allclose(client.predict_waveforms(rest_server, MODEL_NAME, audio, timeout=30),
                               model.predict(audio, verbose=0), atol=1e-5)
    pcm = np.round(audio * 32767).astype(np.int16)
    np.testing.assert_allclose(client.predict_wav_files(rest_server, MODEL_NAME, [wav_file(c) for c in pcm],
                                                        timeout=30),
                               model.predict(pcm / 32768.0, verbose=0), atol=1e-5)


def test_rest_client_reads_scores_from_rows_of_several_outputs(served_frames, rest_server, serving_example):
    # serve_wav of a frame model answers `scores` and `frames`: TF Serving sends a dict per clip.
    model, _, _ = served_frames
    client = serving_example("rest_client")
    pcm = np.round(harmonic_test_signal(22050, 1.0) * 32767).astype(np.int16)
    buffer = io.BytesIO()
    soundfile.write(buffer, pcm, 22050, format="WAV", subtype="PCM_16")
    scores = client.predict_wav_files(rest_server, FRAME_MODEL_NAME, [buffer.getvalue()], timeout=30)
    np.testing.assert_allclose(scores, model.predict(pcm[None] / 32768.0, verbose=0), atol=1e-5)


def test_rest_client_prints_the_servers_error_in_one_line(served, rest_server, tmp_path):
    _, path, _ = served
    clip = tmp_path / "clip.wav"
    soundfile.write(clip, harmonic_test_signal(16000, 1.0), 16000)
    result = subprocess.run([sys.executable, str(EXAMPLES / "rest_client.py"), str(clip), "--assets",
                             str(pathlib.Path(path) / "assets"), "--server", rest_server, "--model", "other_model"],
                            capture_output=True, text=True, timeout=120,
                            env={k: v for k, v in os.environ.items() if not k.lower().endswith("_proxy")})
    assert result.returncode == 1 and result.stdout == ""
    assert result.stderr == f"rest_client.py: TF Serving at {rest_server} answered HTTP 404: Not Found\n"
