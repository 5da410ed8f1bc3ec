"""Whole-recording analysis from one served SavedModel (`mirzoo.exporting_analysis.export_analysis`), decoded with
`mirzoo.decoders` only (NumPy): key, chords, beats, downbeats and tempo, onsets, top tags (and piano notes).

    python examples/tf_serving/analysis_client.py song.wav --saved-model serving/analysis/1
    python examples/tf_serving/analysis_client.py song.wav --assets serving/analysis/1/assets \\
        --server http://localhost:8501 --model analysis

With `--saved-model`, the SavedModel is loaded here with plain `tf.saved_model.load`, standing in for TF Serving;
with `--server`, the samples are posted to TF Serving's REST API in its columnar format (standard library only):

    POST http://localhost:8501/v1/models/analysis:predict
    {"signature_name": "serving_default", "inputs": {"waveform": [[0.0, 0.01, ...]]}}   # [batch 1, samples]
    → {"outputs": {"key_probabilities": [[...]], "chords_features": [[[...], ...]], ...}}

(over gRPC: a PredictRequest with `inputs["waveform"]` = `tf.make_tensor_proto(waveform[None])`, as in
grpc_client.py). The recording is sent whole, as mono float32 samples at 44.1 kHz (resampled here with soxr
if the file has another rate): 12 s are 529 200 samples, a JSON body of about 5 MB.

Everything the decoders need comes from the export's `assets/analysis.json`: per head its labels, frame rate,
decoder settings and, for chords, the CRF's parameters.
"""

import argparse
import json
import os
import sys
import urllib.request

import numpy as np

from mirzoo import decoders

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from rest_client import failure, load_mono  # shared helpers beside this file

ANALYSIS_FILE = "analysis.json"


def read_analysis(assets_dir):
    """The export's `analysis.json`: input contract and heads."""
    with open(os.path.join(assets_dir, ANALYSIS_FILE), encoding="utf-8") as handle:
        return json.load(handle)


def rest_request_body(waveform):
    """TF Serving's columnar REST request for `serving_default`: `waveform` float32 `(batch, samples)`."""
    return {"signature_name": "serving_default", "inputs": {"waveform": np.asarray(waveform, np.float32).tolist()}}


def outputs_from_rest(response, analysis):
    """`{output name: array}` from TF Serving's columnar REST response `{"outputs": ...}` (a bare value when the
    signature has one output)."""
    outputs = response["outputs"]
    if not isinstance(outputs, dict):
        (name,) = [name for head in analysis["heads"].values() for name in head["outputs"]]
        outputs = {name: outputs}
    return {name: np.asarray(value, np.float32) for name, value in outputs.items()}


def predict_rest(server, model, waveform, analysis, timeout=300.0):
    """`serving_default` of the model `model` served by TF Serving at `server` (REST), on `waveform`."""
    request = urllib.request.Request(f"{server}/v1/models/{model}:predict",
                                     data=json.dumps(rest_request_body(waveform)).encode(),
                                     headers={"Content-Type": "application/json"})
    with urllib.request.urlopen(request, timeout=timeout) as response:
        return outputs_from_rest(json.loads(response.read()), analysis)


def predict_saved_model(saved_model_dir, waveform):
    """`serving_default` of the SavedModel in `saved_model_dir`, loaded here (what TF Serving would run)."""
    import tensorflow as tf

    serve = tf.saved_model.load(saved_model_dir).signatures["serving_default"]
    return {name: value.numpy() for name, value in serve(waveform=tf.constant(waveform, tf.float32)).items()}


def decode(outputs, analysis, row=0):
    """Each head's decoded result for one recording (`row` of the batch), as `mirzoo.predict` decodes it.

    Returns:
        `{head: result}`: key heads `{"key", "probability"}`; chord heads `{"chords": [Chord]}`; downbeat heads
        `{"beats", "downbeats" (rows [seconds, position in the bar]), "tempo"}`; beat heads `{"beats", "tempo"}`;
        onset heads `{"onsets"}`; note heads `{"notes" (rows [onset s, offset s, MIDI pitch])}`; taggers
        `{"tags": [(label, score), ...]}` best first; other heads `{}`.
    """
    results = {}
    for head, spec in analysis["heads"].items():
        values = {name[len(head) + 1:]: np.asarray(outputs[name])[row] for name in spec["outputs"]}
        parameters = dict(spec["decoder"])
        kind = parameters.pop("name", None)
        rate, labels = spec["frame_rate"], spec["labels"]
        if kind == "key":
            probabilities = values["probabilities"]
            best = int(np.argmax(probabilities))
            results[head] = {"key": labels[best], "probability": float(probabilities[best])}
        elif kind == "chords":
            crf = {name: np.asarray(value, np.float32) for name, value in spec["crf"].items()}
            results[head] = {"chords": decoders.decode_chords(values["features"], crf, rate, **parameters)}
        elif kind == "downbeats":
            downbeats = decoders.track_downbeats(values["activations"], rate, **parameters)
            beats = downbeats[:, 0]
            results[head] = {"beats": beats, "downbeats": downbeats, "tempo": decoders.estimate_tempo(beats)}
        elif kind == "beats":
            beats = decoders.track_beats(values["activations"][:, 0], rate, **parameters)
            results[head] = {"beats": beats, "tempo": decoders.estimate_tempo(beats)}
        elif kind == "onsets":
            results[head] = {"onsets": decoders.pick_onsets(values["activations"][:, 0], rate, **parameters)}
        elif kind == "notes":
            activations = values["activations"]  # [notes | onsets | offsets] → (frames, keys, 3)
            per_key = activations.reshape(len(activations), 3, -1).transpose(0, 2, 1)
            results[head] = {"notes": decoders.track_notes(per_key, rate, **parameters)}
        elif "scores" in values:
            order = np.argsort(-values["scores"], kind="stable")
            results[head] = {"tags": [(labels[index], float(values["scores"][index])) for index in order]}
        else:
            results[head] = {}
    return results


def print_results(results, top=5):
    """One block of lines per head."""
    for head, result in results.items():
        if "key" in result:
            print(f"key: {result['key']} ({result['probability']:.2f})")
        if "chords" in result:
            print("chords: " + ", ".join(f"{chord.start:.1f}-{chord.end:.1f} s {chord.label}"
                                         for chord in result["chords"]))
        if "downbeats" in result:
            print("beats (position in bar): " + " ".join(f"{time:.2f}({int(position)})"
                                                         for time, position in result["downbeats"]))
        elif "beats" in result:
            print("beats: " + " ".join(f"{time:.2f}" for time in result["beats"]))
        if "tempo" in result:
            print(f"tempo: {result['tempo']:.1f} bpm")
        if "onsets" in result:
            print(f"onsets ({len(result['onsets'])}): " + " ".join(f"{time:.2f}" for time in result["onsets"]))
        if "notes" in result:
            print(f"notes ({len(result['notes'])}): " + " ".join(f"{onset:.2f}-{offset:.2f} s {int(pitch)}"
                                                                   for onset, offset, pitch in result["notes"]))
        if "tags" in result:
            print(f"{head}: " + ", ".join(f"{label} {score:.2f}" for label, score in result["tags"][:top]))


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("audio")
    source = parser.add_mutually_exclusive_group(required=True)
    source.add_argument("--saved-model", help="an exported version folder, loaded here with tf.saved_model.load")
    source.add_argument("--server", help="TF Serving's REST address, e.g. http://localhost:8501 (needs --assets)")
    parser.add_argument("--assets", help="the exported version's assets/ folder (default: the SavedModel's)")
    parser.add_argument("--model", default="analysis", help="the model name TF Serving serves it under")
    parser.add_argument("--top", type=int, default=5, help="tags to print")
    args = parser.parse_args(argv)
    if args.assets is None:
        if args.saved_model is None:
            parser.error("--server needs --assets (the exported version's assets/ folder)")
        args.assets = os.path.join(args.saved_model, "assets")
    analysis = read_analysis(args.assets)
    waveform = load_mono(args.audio, analysis["input"]["sample_rate"])[None]
    if args.saved_model is not None:
        outputs = predict_saved_model(args.saved_model, waveform)
    else:
        try:
            outputs = predict_rest(args.server, args.model, waveform, analysis)
        except OSError as error:  # URLError, HTTPError, a timeout or a dropped connection are all OSErrors
            sys.exit(f"analysis_client.py: {failure(args.server, error)}")
    print_results(decode(outputs, analysis), args.top)


if __name__ == "__main__":
    main()
