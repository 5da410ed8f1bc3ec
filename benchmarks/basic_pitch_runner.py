"""Transcribe WAV files with Spotify's basic-pitch and write its note events as JSON; run in basic-pitch's own venv.

    /path/to/basic-pitch-venv/bin/python benchmarks/basic_pitch_runner.py OUT.json IN.wav [IN.wav ...]

`benchmarks/madmom_evaluation_harmony.py` starts this script with the interpreter given as `--basic-pitch-python`
(made by `scripts/install_basic_pitch.sh`), so that basic-pitch's pins never meet the project's venv. It imports
nothing from mirzoo.

The model (basic-pitch's ICASSP 2022 model, in the first format its installed runtime loads: ONNX with
onnxruntime alone) is loaded once and timed on its own; one untimed call on the first file warms it up; then
every file is transcribed by `basic_pitch.inference.predict(path, model)` with basic-pitch's default thresholds
(onset 0.5, frame 0.3, minimum note 127.7 ms, melodia trick on), timed per file (WAV decoding and resampling to
22.05 kHz included, as madmom's processors read the same WAV).

OUT.json: `{"versions": {...}, "model": path, "model_type": "ONNX", "load_seconds": s, "files": [{"path": ...,
"seconds": s, "notes": [[onset s, offset s, MIDI pitch, amplitude], ...]}, ...]}`.
Exit status 3, with the reason on stderr, when basic-pitch or a runtime for its model cannot be imported.
"""

import importlib.metadata
import json
import logging
import platform
import sys
import time


def main():
    if len(sys.argv) < 3:
        sys.exit(f"usage: {sys.argv[0]} OUT.json IN.wav [IN.wav ...]")
    out_path, wav_paths = sys.argv[1], sys.argv[2:]
    # basic_pitch logs one warning per runtime it does not find (TensorFlow, CoreML, TFLite); one is enough.
    logging.disable(logging.WARNING)
    try:
        from basic_pitch import ICASSP_2022_MODEL_PATH
        from basic_pitch.inference import Model, predict
    except Exception as error:  # noqa: BLE001 - ImportError, or NameError when no runtime is installed
        print(f"cannot import basic_pitch in {sys.executable}: {type(error).__name__}: {error}", file=sys.stderr)
        sys.exit(3)
    finally:
        logging.disable(logging.NOTSET)

    started = time.perf_counter()
    model = Model(ICASSP_2022_MODEL_PATH)
    load_seconds = time.perf_counter() - started
    predict(wav_paths[0], model)  # warm-up: onnxruntime allocates its buffers on the first run

    files = []
    for path in wav_paths:
        started = time.perf_counter()
        _, _, events = predict(path, model)
        seconds = time.perf_counter() - started
        notes = sorted([float(start), float(end), int(pitch), float(amplitude)]
                       for start, end, pitch, amplitude, _ in events)
        files.append({"path": path, "seconds": seconds, "notes": notes})

    versions = {"python": platform.python_version()}
    for name in ("basic-pitch", "onnxruntime", "tensorflow", "numpy", "librosa"):
        try:
            versions[name] = importlib.metadata.version(name)
        except importlib.metadata.PackageNotFoundError:
            pass
    with open(out_path, "w") as handle:
        json.dump({"versions": versions, "model": str(ICASSP_2022_MODEL_PATH), "model_type": model.model_type.name,
                   "load_seconds": load_seconds, "files": files}, handle)


if __name__ == "__main__":
    main()
