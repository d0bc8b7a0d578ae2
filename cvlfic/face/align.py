"""Alignment to the standard crop: dlib's ``get_face_chip`` geometry at 112x112, padding 0.25.

This is the crop every codec in cvlfic is tuned and measured on; the recognizer's 150x150
chip has the same geometry, so a standard crop resized to 150 is what it expects.
"""
from __future__ import annotations

import numpy as np

from cvlfic.face.detect import Face, _check_image, _dlib

STANDARD_SIZE = 112
STANDARD_PADDING = 0.25


def align_face(image: np.ndarray, face: Face, size: int = STANDARD_SIZE,
               padding: float = STANDARD_PADDING) -> np.ndarray:
    """Cut the face out of a BGR uint8 image as an aligned ``size`` x ``size`` BGR crop."""
    image = _check_image(image)
    dlib = _dlib()
    if dlib is None:
        raise ImportError("alignment needs dlib (pip install 'cvlfic[face]')")
    if size < 1:
        raise ValueError("size must be positive")
    rect = dlib.rectangle(*[int(v) for v in face.box])
    points = [dlib.point(int(round(x)), int(round(y))) for x, y in face.landmarks]
    shape = dlib.full_object_detection(rect, points)
    rgb = np.ascontiguousarray(image[:, :, ::-1])
    chip = dlib.get_face_chip(rgb, shape, size=size, padding=padding)
    return np.ascontiguousarray(np.asarray(chip)[:, :, ::-1])
