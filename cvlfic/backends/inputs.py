"""The decoder's inputs, built from the core's reconstruction (numpy, no torch)."""
from __future__ import annotations

from typing import Sequence, Tuple

import numpy as np

PAD_MULTIPLE = 16  # the decoder has four stride-2 stages


def decoder_inputs(recon: np.ndarray, mask: np.ndarray, levels: int, region: int,
                   blocks: Sequence[int]) -> Tuple[np.ndarray, np.ndarray, np.ndarray]:
    """recon H x W x 3 uint8 (profile planes), mask Mh x Mw -> padded NCHW float32 inputs."""
    h, w = recon.shape[:2]
    log2 = np.log2(np.asarray(blocks, np.float32))[mask]
    log2 = np.repeat(np.repeat(log2, region, 0), region, 1)[:h, :w]
    pad = ((0, (-h) % PAD_MULTIPLE), (0, (-w) % PAD_MULTIPLE))
    planes = np.pad(recon.astype(np.float32), pad + ((0, 0),), mode="edge").transpose(2, 0, 1)
    log2 = np.pad(log2, pad, mode="edge")
    step = np.full((1, 1, 1, 1), 1.0 / (levels - 1), np.float32)
    return planes[None], log2[None, None], step
