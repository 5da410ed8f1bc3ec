#!/usr/bin/env bash
# Make a virtualenv with Spotify's basic-pitch on its ONNX runtime, apart from the project's venv, for the
# basic-pitch row of benchmarks/madmom_evaluation_harmony.py:
#
#     scripts/install_basic_pitch.sh [VENV_DIR]          # default /tmp/basic-pitch-venv; PYTHON=python3.11 to choose
#     python benchmarks/madmom_evaluation_harmony.py --basic-pitch-python VENV_DIR/bin/python
#
# basic-pitch 0.4.0 requires tensorflow<2.15.1 on Linux with Python >= 3.11 (no wheel for Python 3.12+), although
# its ONNX model needs only onnxruntime. So it is installed with --no-deps, next to the packages its inference
# code imports (basic_pitch/inference.py, note_creation.py: numpy, scipy, librosa, resampy, pretty_midi,
# mir_eval) and onnxruntime, all pinned to the versions this was checked with (Python 3.11.7, Linux x86-64).
set -euo pipefail

VENV_DIR="${1:-/tmp/basic-pitch-venv}"
PYTHON="${PYTHON:-python3}"

"$PYTHON" -m venv "$VENV_DIR"
"$VENV_DIR/bin/python" -m pip install --quiet --upgrade pip
"$VENV_DIR/bin/python" -m pip install --quiet \
    onnxruntime==1.32.0 \
    numpy==2.4.6 \
    scipy==1.17.1 \
    librosa==0.11.0 \
    resampy==0.4.2 \
    pretty_midi==0.2.11.post0 \
    mir_eval==0.8.2 \
    scikit-learn==1.9.1 \
    typing_extensions==4.16.0 \
    numba==0.68.1 \
    llvmlite==0.50.0 \
    soundfile==0.14.0 \
    soxr==1.1.0 \
    audioread==3.1.0 \
    mido==1.3.3 \
    protobuf==7.36.2 \
    flatbuffers==25.12.19
"$VENV_DIR/bin/python" -m pip install --quiet --no-deps basic-pitch==0.4.0

# Check: the ONNX model loads with onnxruntime as the only runtime.
"$VENV_DIR/bin/python" - <<'EOF'
import logging

logging.disable(logging.WARNING)  # one "not installed" warning per runtime basic-pitch does not find
from basic_pitch import ICASSP_2022_MODEL_PATH  # noqa: E402
from basic_pitch.inference import Model  # noqa: E402

model = Model(ICASSP_2022_MODEL_PATH)
print(f"basic-pitch ready: {model.model_type.name} model {ICASSP_2022_MODEL_PATH}")
EOF
echo "use: --basic-pitch-python $VENV_DIR/bin/python"
