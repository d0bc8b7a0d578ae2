"""Best-shot score of a face: how useful its crop is likely to be for recognition.

Four factors in 0..1, multiplied (a face must be good on all of them):

* ``size``: the eye distance in frame pixels over the eye distance of the 112 px standard
  crop (39.5 px), at most 1: a smaller face is upsampled into the crop and lacks detail;
* ``sharpness``: ``v / (v + SHARPNESS_HALF)`` with ``v`` the variance of the Laplacian of the
  grey crop's centre (blur, motion and compression lower it);
* ``pose``: ``exp(-(yaw / YAW_SCALE)^2 - (roll / ROLL_SCALE)^2)`` from the 5 landmarks: yaw is
  the nose's offset from the eye midpoint along the eye line, in eye distances (0 for a
  frontal face, about 0.3 for a half profile), roll the eye line's tilt in radians;
* ``detector``: the detector's score, clipped to 0..1.

``bench/video/store_policy.py`` measures how well the score picks the face that is
closest, in recognition descriptors, to the rest of its track.
"""
from __future__ import annotations

import math
from dataclasses import dataclass

import cv2
import numpy as np

CROP_EYE_DISTANCE = 39.5   # px between the eye centres in the 112 px standard crop
SHARPNESS_HALF = 50.0      # Laplacian variance scoring 0.5 (sample clip: median 16, 95th pct 400)
YAW_SCALE = 0.25           # nose offset (eye distances) that scores exp(-1)
ROLL_SCALE = 0.6           # eye-line tilt (radians) that scores exp(-1)


@dataclass(frozen=True)
class Quality:
    size: float
    sharpness: float
    pose: float
    detector: float

    @property
    def total(self) -> float:
        return self.size * self.sharpness * self.pose * self.detector


def pose_angles(landmarks: np.ndarray):
    """``(yaw, roll)`` proxies from dlib's 5 points (outer and inner corner of each eye,
    then the nose): the nose's signed offset from the eye midpoint along the eye line in
    eye distances, and the eye line's angle in radians. Also returns the eye distance."""
    p = np.asarray(landmarks, np.float64).reshape(5, 2)
    eye_a, eye_b = (p[0] + p[1]) / 2, (p[2] + p[3]) / 2
    line = eye_a - eye_b
    distance = float(np.hypot(*line))
    if distance < 1e-6:
        return 0.0, 0.0, 0.0
    unit = line / distance
    yaw = float(np.dot(p[4] - (eye_a + eye_b) / 2, unit)) / distance
    roll = math.atan2(line[1], line[0])
    return yaw, roll, distance


def sharpness(crop: np.ndarray) -> float:
    """Variance of the Laplacian of the grey crop, its central 5/7 (the face, not the
    background around it)."""
    grey = cv2.cvtColor(crop, cv2.COLOR_BGR2GRAY) if crop.ndim == 3 else crop
    h, w = grey.shape
    centre = grey[h // 7:h - h // 7, w // 7:w - w // 7]
    return float(cv2.Laplacian(centre, cv2.CV_64F).var())


def face_quality(crop: np.ndarray, landmarks: np.ndarray, score: float) -> Quality:
    yaw, roll, distance = pose_angles(landmarks)
    v = sharpness(crop)
    return Quality(size=min(1.0, distance / CROP_EYE_DISTANCE),
                   sharpness=v / (v + SHARPNESS_HALF),
                   pose=math.exp(-(yaw / YAW_SCALE) ** 2 - (roll / ROLL_SCALE) ** 2),
                   detector=min(1.0, max(0.0, float(score))))
