"""How much each region loses at each block size: the signal the fast mask search ranks by.

Pure numpy and cheap (four poolings of a 112x112 crop), so the fast mode stays real time.
"""
from __future__ import annotations

from typing import Dict

import numpy as np

# Luma matters most to a recognizer; chroma errors count at half weight.
PLANE_WEIGHTS = np.array([1.0, 0.5, 0.5], np.float32)


def to_profile_planes(bgr: np.ndarray, ycc: bool) -> np.ndarray:
    """BGR uint8 -> float32 planes of the profile (the core's integer YCbCr when ``ycc``)."""
    x = bgr.astype(np.int32)
    if not ycc:
        return x.astype(np.float32)
    b, g, r = x[..., 0], x[..., 1], x[..., 2]
    y = (77 * r + 150 * g + 29 * b + 128) >> 8
    cb = ((-43 * r - 85 * g + 128 * b + 128) >> 8) + 128
    cr = ((128 * r - 107 * g - 21 * b + 128) >> 8) + 128
    return np.clip(np.stack([y, cb, cr], -1), 0, 255).astype(np.float32)


def _pooled(plane: np.ndarray, block: int, levels: int) -> np.ndarray:
    h, w = plane.shape
    means = plane.reshape(h // block, block, w // block, block).mean((1, 3))
    step = 255.0 / (levels - 1)
    means = np.round(np.round(means) / step) * step
    return np.repeat(np.repeat(means, block, 0), block, 1)


def region_errors(bgr: np.ndarray, profile: Dict, levels: int) -> np.ndarray:
    """Weighted squared error per region and block index: float32 Mh x Mw x n_blocks.

    ``profile`` is ``cvlfic.bitstream.profile_info(p)``.
    """
    region = profile["region"]
    sizes = profile["block_sizes"]  # [plane][mask index]
    planes = to_profile_planes(bgr, profile["planes"] == "YCbCr")
    h, w = planes.shape[:2]
    mh, mw = -(-h // region), -(-w // region)
    planes = np.pad(planes, ((0, mh * region - h), (0, mw * region - w), (0, 0)), mode="edge")
    out = np.zeros((mh, mw, len(sizes[0])), np.float32)
    for index in range(len(sizes[0])):
        for c in range(3):
            err = (_pooled(planes[..., c], sizes[c][index], levels) - planes[..., c]) ** 2
            out[..., index] += PLANE_WEIGHTS[c] * err.reshape(mh, region, mw, region).sum((1, 3))
    return out
