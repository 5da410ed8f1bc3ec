"""gRPC client for a mirzoo model served by TensorFlow Serving.

Needs `tensorflow` (for the tensor protos) and `tensorflow-serving-api` installed with `--no-deps`.

    python examples/tf_serving/grpc_client.py song.flac --assets serving/crnn_tagger/1/assets
"""

import argparse
import os
import sys

import grpc
import numpy as np
import tensorflow as tf
from tensorflow_serving.apis import predict_pb2, prediction_service_pb2_grpc

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from rest_client import load_mono, print_top, read_assets  # noqa: E402  (shared helpers beside this file)


def predict(target, model, inputs, signature="serving_default", timeout=60.0):
    """Call Predict: `inputs` is `{"waveform": float32 [batch, samples]}` or `{"wav": [bytes, …]}`.

    Returns:
        The `scores` output as a NumPy array.
    """
    request = predict_pb2.PredictRequest()
    request.model_spec.name = model
    request.model_spec.signature_name = signature
    for name, value in inputs.items():
        request.inputs[name].CopyFrom(tf.make_tensor_proto(value))
    with grpc.insecure_channel(target) as channel:
        response = prediction_service_pb2_grpc.PredictionServiceStub(channel).Predict(request, timeout=timeout)
    return tf.make_ndarray(response.outputs["scores"])


def main():
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("audio")
    parser.add_argument("--assets", required=True, help="the exported version's assets/ folder")
    parser.add_argument("--target", default="localhost:8500")
    parser.add_argument("--model", default="crnn_tagger")
    parser.add_argument("--top", type=int, default=5)
    args = parser.parse_args()
    labels, preset = read_assets(args.assets)
    audio = load_mono(args.audio, preset["sample_rate"])
    try:
        scores = predict(args.target, args.model, {"waveform": audio[None].astype(np.float32)})[0]
    except grpc.RpcError as error:
        details = " ".join((error.details() or "").split())  # one line, whatever the server's message holds
        if error.code() in (grpc.StatusCode.UNAVAILABLE, grpc.StatusCode.DEADLINE_EXCEEDED):
            sys.exit(f"grpc_client.py: cannot reach TF Serving at {args.target} ({details}); start it "
                     "(examples/tf_serving/README.md) or pass --target")
        sys.exit(f"grpc_client.py: TF Serving at {args.target} answered {error.code().name}: {details}")
    print_top(scores, labels, args.top)


if __name__ == "__main__":
    main()
