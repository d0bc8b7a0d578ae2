"""Face detection with 5-point landmarks.

dlib's HOG frontal detector is the default; OpenCV's Haar cascade is the fallback. The
landmarks come from dlib's 5-point shape predictor, whichever detector found the box.
"""
from __future__ import annotations

from dataclasses import dataclass, field
from functools import lru_cache
from typing import List, Optional, Tuple

import cv2
import numpy as np

from cvlfic.face.models import SHAPE_PREDICTOR_5, dlib_model_path


@dataclass
class Face:
    """A detected face: box ``(left, top, right, bottom)`` in pixels, 5 landmarks (x, y)
    in dlib's order (right eye outer, right eye inner, left eye outer, left eye inner,
    nose base), and a detector score (higher is surer)."""
    box: Tuple[int, int, int, int]
    landmarks: np.ndarray = field(repr=False)
    score: float = 0.0


def dlib_module():
    try:
        import dlib  # noqa: WPS433 (optional dependency)
    except ImportError:
        return None
    return dlib


@lru_cache(maxsize=None)
def _hog_detector():
    return dlib_module().get_frontal_face_detector()


@lru_cache(maxsize=None)
def _shape_predictor():
    return dlib_module().shape_predictor(str(dlib_model_path(SHAPE_PREDICTOR_5)))


@lru_cache(maxsize=None)
def _haar_cascade():
    path = cv2.data.haarcascades + "haarcascade_frontalface_default.xml"
    cascade = cv2.CascadeClassifier(path)
    if cascade.empty():
        raise RuntimeError(f"cannot load OpenCV Haar cascade {path}")
    return cascade


def available_detectors() -> List[str]:
    names = ["haar"]
    if dlib_module() is not None:
        names.insert(0, "hog")
    return names


def check_image(image: np.ndarray) -> np.ndarray:
    if not isinstance(image, np.ndarray) or image.dtype != np.uint8:
        raise TypeError("image must be a numpy uint8 array")
    if image.ndim == 2:
        image = cv2.cvtColor(image, cv2.COLOR_GRAY2BGR)
    if image.ndim != 3 or image.shape[2] != 3:
        raise ValueError(f"image must be HxWx3 BGR, got shape {image.shape}")
    return image


def landmarks_for_box(rgb: np.ndarray, box: Tuple[int, int, int, int]) -> np.ndarray:
    """dlib's 5-point landmarks inside ``box`` of an RGB image, as a (5, 2) float array."""
    dlib = dlib_module()
    if dlib is None:
        raise ImportError("landmarks need dlib (pip install 'cvlfic[face]')")
    shape = _shape_predictor()(rgb, dlib.rectangle(*[int(v) for v in box]))
    return np.array([[p.x, p.y] for p in shape.parts()], dtype=np.float32)


def detect_faces(image: np.ndarray, detector: str = "auto", upsample: int = 0,
                 fallback_box: Optional[Tuple[int, int, int, int]] = None) -> List[Face]:
    """Find faces in a BGR uint8 image, largest first.

    ``detector``: ``"hog"`` (dlib), ``"haar"`` (OpenCV) or ``"auto"`` (hog when dlib is
    installed, else haar). ``upsample`` doubles the image that many times before HOG
    detection (finds smaller faces, costs time). ``fallback_box``: used as the face box
    when nothing is found (for crops known to hold one centred face).
    """
    image = check_image(image)
    if detector == "auto":
        detector = available_detectors()[0]
    rgb = np.ascontiguousarray(image[:, :, ::-1])
    boxes: List[Tuple[Tuple[int, int, int, int], float]] = []
    if detector == "hog":
        if dlib_module() is None:
            raise ImportError("the hog detector needs dlib (pip install 'cvlfic[face]')")
        rects, scores, _ = _hog_detector().run(rgb, upsample, 0.0)
        boxes = [((r.left(), r.top(), r.right(), r.bottom()), float(s))
                 for r, s in zip(rects, scores)]
    elif detector == "haar":
        gray = cv2.cvtColor(image, cv2.COLOR_BGR2GRAY)
        found = _haar_cascade().detectMultiScale(gray, scaleFactor=1.1, minNeighbors=5)
        boxes = [((int(x), int(y), int(x + w), int(y + h)), 1.0) for x, y, w, h in found]
    else:
        raise ValueError(f"unknown detector {detector!r}; choose from {available_detectors()}")
    if not boxes and fallback_box is not None:
        boxes = [(tuple(int(v) for v in fallback_box), 0.0)]
    boxes.sort(key=lambda b: -(b[0][2] - b[0][0]) * (b[0][3] - b[0][1]))
    if dlib_module() is None:
        return [Face(box, _box_landmarks(box), score) for box, score in boxes]
    return [Face(box, landmarks_for_box(rgb, box), score) for box, score in boxes]


def _box_landmarks(box: Tuple[int, int, int, int]) -> np.ndarray:
    """Landmarks guessed from the box alone (used only when dlib is absent)."""
    left, top, right, bottom = box
    w, h = right - left, bottom - top
    rel = np.array([[0.74, 0.36], [0.60, 0.37], [0.26, 0.36], [0.40, 0.37], [0.50, 0.62]],
                   dtype=np.float32)
    return rel * np.array([w, h], dtype=np.float32) + np.array([left, top], dtype=np.float32)
