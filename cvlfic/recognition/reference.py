"""dlib's own descriptors (dlib-bin), the reference the PyTorch port is checked against."""
from __future__ import annotations

from functools import lru_cache

import numpy as np

from cvlfic.face.models import RECOGNITION_RESNET, dlib_model_path
from cvlfic.recognition.chips import INPUT_SIZE, check_crops


@lru_cache(maxsize=None)
def _dlib_recognizer():
    try:
        import dlib
    except ImportError:
        raise ImportError("the reference recognizer needs dlib (pip install 'cvlfic[face]')") from None
    return dlib.face_recognition_model_v1(str(dlib_model_path(RECOGNITION_RESNET)))


def dlib_reference_embed_bgr(chips150: np.ndarray) -> np.ndarray:
    """``N x 150 x 150 x 3`` BGR uint8 aligned chips -> ``N x 128`` float32, by dlib itself."""
    chips150 = check_crops(chips150)
    if chips150.shape[1:3] != (INPUT_SIZE, INPUT_SIZE):
        raise ValueError(f"dlib's recognizer needs 150x150 chips, got {chips150.shape[1:3]}")
    rgb = [np.ascontiguousarray(chip[:, :, ::-1]) for chip in chips150]
    if not rgb:
        return np.empty((0, 128), dtype=np.float32)
    return np.array(_dlib_recognizer().compute_face_descriptor(rgb), dtype=np.float32)
