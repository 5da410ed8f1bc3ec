"""REST client for a mirzoo model served by TensorFlow Serving (standard library + numpy/soundfile/soxr).

    python examples/tf_serving/rest_client.py song.flac --assets serving/crnn_tagger/1/assets [--wav]
"""

import argparse
import base64
import io
import json
import os
import sys
import urllib.error
import urllib.request

import numpy as np
import soundfile
import soxr


def read_assets(assets_dir):
    """(labels, preset) from an exported version's `assets/` folder."""
    with open(os.path.join(assets_dir, "labels.txt"), encoding="utf-8") as handle:
        labels = [line.rstrip("\n") for line in handle if line.strip()]
    with open(os.path.join(assets_dir, "preset.json"), encoding="utf-8") as handle:
        return labels, json.load(handle)


def load_mono(path, sample_rate):
    """float32 mono audio at `sample_rate`."""
    audio, rate = soundfile.read(path, dtype="float32", always_2d=True)
    mono = audio.mean(axis=1)
    return mono if rate == sample_rate else soxr.resample(mono, rate, sample_rate, quality="HQ").astype(np.float32)


def print_top(scores, labels, top):
    """Print the `top` labels of one clip's scores (a frame model's are averaged over frames first)."""
    if scores.ndim == 2:
        scores = scores.mean(axis=0)
    for index in np.argsort(-scores)[:top]:
        print(f"{labels[index]:<22} {scores[index]:.3f}")


def _post(url, body, timeout):
    request = urllib.request.Request(url, data=json.dumps(body).encode(), headers={"Content-Type": "application/json"})
    with urllib.request.urlopen(request, timeout=timeout) as response:
        predictions = json.loads(response.read())["predictions"]
    # With more than one output (serve_wav's `frames`, a patch tagger's `taggram`), each row is a dict of them.
    if predictions and isinstance(predictions[0], dict):
        predictions = [row["scores"] for row in predictions]
    return np.asarray(predictions, dtype=np.float32)


def predict_waveforms(server, model, waveforms, timeout=60.0):
    """`serving_default` on float32 waveforms `(batch, samples)` → scores."""
    body = {"signature_name": "serving_default", "instances": np.asarray(waveforms, np.float32).tolist()}
    return _post(f"{server}/v1/models/{model}:predict", body, timeout)


def predict_wav_files(server, model, wav_files, timeout=60.0):
    """`serve_wav` on WAV-file bytes → scores (binary strings travel base64-encoded as {"b64": …})."""
    instances = [{"b64": base64.b64encode(data).decode("ascii")} for data in wav_files]
    return _post(f"{server}/v1/models/{model}:predict", {"signature_name": "serve_wav", "instances": instances},
                 timeout)


def failure(server, error):
    """One line for a request that failed: the server's own error message, or why it could not be reached."""
    if isinstance(error, urllib.error.HTTPError):  # the server answered, with an error: TF Serving's {"error": …}
        try:
            message = json.loads(error.read())["error"]
        except (ValueError, KeyError, TypeError):
            message = error.reason
        return f"TF Serving at {server} answered HTTP {error.code}: {' '.join(str(message).split())}"
    reason = error.reason if isinstance(error, urllib.error.URLError) else error
    return f"cannot reach TF Serving at {server} ({reason}); start it (examples/tf_serving/README.md) or pass --server"


def main():
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("audio")
    parser.add_argument("--assets", required=True, help="the exported version's assets/ folder")
    parser.add_argument("--server", default="http://localhost:8501")
    parser.add_argument("--model", default="crnn_tagger")
    parser.add_argument("--wav", action="store_true", help="send 16-bit WAV bytes to serve_wav")
    parser.add_argument("--top", type=int, default=5)
    args = parser.parse_args()
    labels, preset = read_assets(args.assets)
    audio = load_mono(args.audio, preset["sample_rate"])
    try:
        if args.wav:
            buffer = io.BytesIO()
            soundfile.write(buffer, audio, preset["sample_rate"], format="WAV", subtype="PCM_16")
            scores = predict_wav_files(args.server, args.model, [buffer.getvalue()])[0]
        else:
            scores = predict_waveforms(args.server, args.model, audio[None])[0]
    except OSError as error:  # URLError, HTTPError, a timeout or a dropped connection are all OSErrors
        sys.exit(f"rest_client.py: {failure(args.server, error)}")
    print_top(scores, labels, args.top)


if __name__ == "__main__":
    main()
