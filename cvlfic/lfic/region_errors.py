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


class RegionErrors:
    """Weighted squared pooling error per region, block index and level count.

    Block sums S1 and sums of squares S2 are computed once per crop; the error of a block
    quantized to q is then S2 - 2 q S1 + n q^2, so each level count costs a few small
    array operations and nothing at full resolution. ``profile`` is
    ``cvlfic.bitstream.profile_info(p)``.
    """

    def __init__(self, bgr: np.ndarray, profile: Dict):
        region = profile["region"]
        self.sizes = profile["block_sizes"]  # [plane][mask index]
        planes = to_profile_planes(bgr, profile["planes"] == "YCbCr")
        h, w = planes.shape[:2]
        self.shape = (-(-h // region), -(-w // region))
        mh, mw = self.shape
        planes = np.pad(planes, ((0, mh * region - h), (0, mw * region - w), (0, 0)), mode="edge")
        self.region = region
        self.sums = {}
        for c in range(3):
            for block in set(self.sizes[c]):
                x = planes[..., c].reshape(mh * region // block, block, mw * region // block, block)
                self.sums[c, block] = (x.sum((1, 3)), (x * x).sum((1, 3)))

    def __call__(self, levels: int) -> np.ndarray:
        """float32 Mh x Mw x n_blocks."""
        mh, mw = self.shape
        step = 255.0 / (levels - 1)
        out = np.zeros((mh, mw, len(self.sizes[0])), np.float32)
        for index in range(len(self.sizes[0])):
            for c in range(3):
                block = self.sizes[c][index]
                s1, s2 = self.sums[c, block]
                n = block * block
                q = np.round(np.round(s1 / n) / step) * step
                err = s2 - 2.0 * q * s1 + n * q * q
                per = self.region // block
                out[..., index] += PLANE_WEIGHTS[c] * err.reshape(mh, per, mw, per).sum((1, 3))
        return out
