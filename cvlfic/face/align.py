"""Alignment to the standard crop: dlib's ``get_face_chip`` geometry at 112x112, padding 0.25.

This is the crop every codec in cvlfic is tuned and measured on; the recognizer's 150x150
chip has the same geometry, so a standard crop resized to 150 is what it expects.

``align_face`` asks dlib for the chip; ``align_face_points`` computes the same chip in the C
core (``cvlfic_align_face``) from the 5 landmarks alone, without dlib: byte-identical for
padding 0.25 (landmarks are rounded to whole pixels in both).
"""
from __future__ import annotations

import numpy as np

from cvlfic.face.detect import Face, check_image, dlib_module

STANDARD_SIZE = 112
STANDARD_PADDING = 0.25


def align_face(image: np.ndarray, face: Face, size: int = STANDARD_SIZE,
               padding: float = STANDARD_PADDING) -> np.ndarray:
    """Cut the face out of a BGR uint8 image as an aligned ``size`` x ``size`` BGR crop
    (dlib's face chip; without dlib, the core's identical crop at the standard padding)."""
    image = check_image(image)
    if size < 1:
        raise ValueError("size must be positive")
    dlib = dlib_module()
    if dlib is None:
        if padding == STANDARD_PADDING and size >= 2:
            return align_face_points(image, np.rint(np.asarray(face.landmarks, np.float64)), size)
        raise ImportError("alignment at another padding needs dlib (pip install 'cvlfic[face]')")
    rect = dlib.rectangle(*[int(v) for v in face.box])
    points = [dlib.point(int(round(x)), int(round(y))) for x, y in face.landmarks]
    shape = dlib.full_object_detection(rect, points)
    rgb = np.ascontiguousarray(image[:, :, ::-1])
    chip = dlib.get_face_chip(rgb, shape, size=size, padding=padding)
    return np.ascontiguousarray(np.asarray(chip)[:, :, ::-1])


def align_face_points(image: np.ndarray, landmarks, size: int = STANDARD_SIZE) -> np.ndarray:
    """The aligned ``size`` x ``size`` crop from 5 landmarks (dlib's order, image pixels),
    computed by the C core without dlib.

    ``image``: BGR (H, W, 3) or gray (H, W) uint8; the crop has the same channels. The same
    bytes as ``align_face(image, Face(box, landmarks))`` (any box) for ``size`` >= 2.
    Raises ValueError for landmarks that are not finite, lie beyond 2^20 pixels, or are all
    (nearly) at one point, and TypeError for a non-uint8 image.
    """
    from cvlfic import _core
    return _core.align_face(image, landmarks, int(size))


def alignment_transform(landmarks, size: int = STANDARD_SIZE) -> np.ndarray:
    """The 2x3 float64 similarity mapping image coordinates to the crop's (the geometry of
    ``align_face_points``): ``crop_xy = M[:, :2] @ image_xy + M[:, 2]``."""
    from cvlfic import _core
    return _core.align_transform(landmarks, int(size))
