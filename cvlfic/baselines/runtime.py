"""Inference plumbing shared by the baselines: model folders, ONNX sessions, resizing."""
from __future__ import annotations

import json
from functools import lru_cache
from pathlib import Path
from typing import Dict

import cv2
import numpy as np

from cvlfic.lfic.model_files import find_model

SIZE = 112  # every baseline works on the standard crop; other sizes are resized in and out


def model_dir(name: str) -> Path:
    """``models/baseline_<name>/`` (or the installed copy); FileNotFoundError if not shipped."""
    return find_model(f"baseline_{name}")


def metadata(name: str) -> Dict:
    return json.loads((model_dir(name) / "model.json").read_text())


@lru_cache(maxsize=None)
def session(name: str, file: str, threads: int = 1):
    """One ONNX Runtime session per (model, file), sequential and single-threaded by default
    (the benchmark and the camera loop call one face at a time)."""
    import onnxruntime as ort
    options = ort.SessionOptions()
    options.intra_op_num_threads = threads
    options.inter_op_num_threads = 1
    return ort.InferenceSession(str(model_dir(name) / file), options,
                                providers=["CPUExecutionProvider"])


def run(name: str, file: str, **inputs: np.ndarray):
    return session(name, file).run(None, inputs)


def to_network(bgr: np.ndarray) -> np.ndarray:
    """BGR uint8 HxWx3 (any size) -> float32 1x3x112x112 BGR in [0, 1]."""
    if bgr.shape[:2] != (SIZE, SIZE):
        bgr = cv2.resize(bgr, (SIZE, SIZE), interpolation=cv2.INTER_AREA)
    return np.ascontiguousarray(bgr.transpose(2, 0, 1)[None], dtype=np.float32) / 255.0


def from_network(x: np.ndarray, height: int, width: int) -> np.ndarray:
    """float 1x3xHxW BGR in [0, 1] -> BGR uint8 at the original size."""
    bgr = (np.clip(x[0], 0.0, 1.0).transpose(1, 2, 0) * 255.0 + 0.5).astype(np.uint8)
    if bgr.shape[:2] != (height, width):
        bgr = cv2.resize(bgr, (width, height), interpolation=cv2.INTER_LINEAR)
    return np.ascontiguousarray(bgr)


def fingerprint(name: str) -> str:
    """Short hash of a shipped baseline's model.json and ONNX files: part of its benchmark
    description, so a retrained model never reuses stale cached results."""
    import hashlib
    folder = model_dir(name)
    digest = hashlib.sha256((folder / "model.json").read_bytes())
    for path in sorted(folder.glob("*.onnx")):
        digest.update(path.read_bytes())
    return digest.hexdigest()[:12]
