"""Landmarks for BlazeFace's boxes and the standard crop, with or without dlib.

With dlib (the ``face`` extra) the 5 points come from dlib's predictor on the detected box
and the crop from ``cvlfic.face.align_face``: exactly the standard crop. Without it, the
points are estimated from BlazeFace's keypoints and the crop is cut by the C core
(``cvlfic.face.align.align_face_points``), which gives dlib's chip byte for byte. The
constants were measured on LFW by ``bench/video/calibrate_landmarks.py`` (results in
``results/video/landmark_calibration.json``).
"""
from __future__ import annotations

from typing import List, Sequence, Tuple

import numpy as np

from cvlfic.face.align import STANDARD_SIZE, align_face, align_face_points
from cvlfic.face.blazeface import Detection
from cvlfic.face.detect import Face, dlib_module, landmarks_for_box

# dlib's 5 points (its order) in the 112 px standard crop: where get_face_chip puts them
# on LFW on average (measured, paired with BlazeFace's below; the chip's own reference
# points are in the C core).
DLIB_TEMPLATE_112 = np.array([[82.372, 34.457], [66.687, 34.889], [27.264, 34.606],
                              [42.856, 34.964], [54.618, 64.911]], np.float32)
# BlazeFace's right eye, left eye, nose tip and mouth centre in the same crop.
BLAZEFACE_TEMPLATE_112 = np.array([[35.244, 34.309], [75.966, 34.871], [55.176, 59.228],
                                   [55.278, 79.919]], np.float32)
# dlib's HOG box relative to BlazeFace's box (left, top, right, bottom in box widths/heights):
# dlib's predictor was trained on HOG boxes, so it is given one of that shape.
HOG_BOX_FROM_BLAZEFACE = (0.0419, 0.045, 0.9931, 0.9916)


def similarity(src: np.ndarray, dst: np.ndarray) -> np.ndarray:
    """The 2x3 similarity (rotation, uniform scale, shift) mapping ``src`` points onto
    ``dst`` points in the least-squares sense."""
    src = np.asarray(src, np.float64)
    dst = np.asarray(dst, np.float64)
    s0, d0 = src.mean(0), dst.mean(0)
    a, b = src - s0, dst - d0
    norm = (a ** 2).sum()
    if norm == 0:
        raise ValueError("landmarks are all at one point")
    p = (a * b).sum() / norm
    q = (a[:, 0] * b[:, 1] - a[:, 1] * b[:, 0]).sum() / norm
    rot = np.array([[p, -q], [q, p]])
    return np.hstack([rot, (d0 - rot @ s0)[:, None]])


def hog_like_box(box: Tuple[float, float, float, float]) -> Tuple[int, int, int, int]:
    left, top, right, bottom = box
    w, h = right - left, bottom - top
    rl, rt, rr, rb = HOG_BOX_FROM_BLAZEFACE
    return (int(round(left + rl * w)), int(round(top + rt * h)),
            int(round(left + rr * w)), int(round(top + rb * h)))


def landmarks_from_keypoints(keypoints: np.ndarray) -> np.ndarray:
    """dlib-order 5 points estimated from BlazeFace's keypoints (eyes, nose, mouth)."""
    to_image = similarity(BLAZEFACE_TEMPLATE_112, np.asarray(keypoints)[:4])
    return (DLIB_TEMPLATE_112 @ to_image[:, :2].T + to_image[:, 2]).astype(np.float32)


def blazeface_faces(bgr: np.ndarray, found: Sequence[Detection], use_dlib: bool) -> List[Face]:
    """BlazeFace's detections as faces, largest first: dlib's 5 points on a HOG-shaped box
    when ``use_dlib`` (dlib and its model installed), else points estimated from the
    keypoints."""
    rgb = np.ascontiguousarray(bgr[:, :, ::-1]) if use_dlib and found else None
    faces = []
    for det in found:
        box = hog_like_box(det.box)
        if use_dlib:
            points = landmarks_for_box(rgb, box)
        else:
            points = landmarks_from_keypoints(det.keypoints)
        faces.append(Face(box, points, det.score))
    faces.sort(key=lambda f: -(f.box[2] - f.box[0]) * (f.box[3] - f.box[1]))
    return faces


def standard_crop(bgr: np.ndarray, face: Face, size: int = STANDARD_SIZE) -> np.ndarray:
    """The aligned standard crop: dlib's chip when dlib is installed, else the C core's copy
    of it (the same bytes for the same landmarks; ``bench/core/align_match.py``)."""
    if dlib_module() is not None:
        return align_face(bgr, face, size)
    return align_face_points(bgr, face.landmarks, size)
