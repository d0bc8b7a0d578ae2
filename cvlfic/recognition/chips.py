"""What the recognizer takes and gives, without importing torch (dlib-only users need it too)."""
from __future__ import annotations

import numpy as np

INPUT_SIZE = 150       # dlib's aligned chip side
DESCRIPTOR_SIZE = 128  # dlib's face descriptor length


def check_crops(crops: np.ndarray) -> np.ndarray:
    """Validate ``N x H x W x 3`` uint8 crops."""
    if not isinstance(crops, np.ndarray) or crops.dtype != np.uint8:
        raise TypeError("crops must be a numpy uint8 array of shape N x H x W x 3")
    if crops.ndim != 4 or crops.shape[3] != 3 or min(crops.shape[1:3]) < 1:
        raise ValueError(f"crops must be N x H x W x 3 BGR, got shape {crops.shape}")
    return crops
