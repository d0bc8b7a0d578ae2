"""Regionally Adaptive Pooling in torch, integer-exact with the C++ core (bitstream v1).

Training draws random masks and runs this on batches; at run time the C++ core computes
the same reconstruction (``cvlfic.bitstream.reconstruct``), and a test checks they agree
bit for bit. Pooling has no parameters, so nothing here needs a gradient: the decoder
learns from its output, and Algorithm 1 takes gradients with respect to that output.
"""
from __future__ import annotations

from dataclasses import dataclass
from typing import Tuple

import torch
import torch.nn.functional as F

# The profile table of bitstream v1 (mirrors csrc; see docs/bitstream.md).
LEVELS_TABLE = (2, 3, 4, 5, 6, 8, 10, 12, 16, 20, 24, 32, 40, 48, 64, 256)


@dataclass(frozen=True)
class Profile:
    ident: int
    region: int
    blocks: Tuple[int, ...]  # luma block sizes, index 0 = largest
    ycc: bool                # YCbCr with coarser chroma, else three planes alike

    def chroma_block(self, block: int) -> int:
        return min(2 * block, self.region) if self.ycc else block


PROFILES = {
    0: Profile(0, 16, (16, 8, 4, 2), True),
    1: Profile(1, 8, (8, 4), False),
}


def bgr_to_planes(bgr: torch.Tensor, profile: Profile) -> torch.Tensor:
    """uint8-valued N x 3 x H x W BGR (any integer dtype) -> int32 planes of the profile."""
    x = bgr.to(torch.int32)
    if not profile.ycc:
        return x
    b, g, r = x[:, 0], x[:, 1], x[:, 2]
    y = (77 * r + 150 * g + 29 * b + 128) >> 8
    cb = ((-43 * r - 85 * g + 128 * b + 128) >> 8) + 128
    cr = ((128 * r - 107 * g - 21 * b + 128) >> 8) + 128
    return torch.stack([y, cb, cr], 1).clamp_(0, 255)


def _pool_quantize(plane: torch.Tensor, block: int, levels: torch.Tensor) -> torch.Tensor:
    """Block means (rounded), quantized and dequantized, replicated back to full size."""
    n = block * block
    sums = F.avg_pool2d(plane, block) * n  # integer sums, exact after rounding
    means = (sums.round().to(torch.int64) + n // 2) // n
    q = (means * (levels - 1) + 127) // 255
    deq = (q * 255 + (levels - 1) // 2) // (levels - 1)
    return deq.repeat_interleave(block, -2).repeat_interleave(block, -1)


def mask_shape(height: int, width: int, profile: Profile) -> Tuple[int, int]:
    r = profile.region
    return (height + r - 1) // r, (width + r - 1) // r


def reconstruct(bgr: torch.Tensor, mask: torch.Tensor, levels, profile: Profile) -> torch.Tensor:
    """The dequantized pooled image (int64 N x 3 x H x W, profile plane order).

    ``mask``: integer N x Mh x Mw of block-size indices (0 = largest block); ``levels``: an
    int or an integer tensor of N values, each from ``LEVELS_TABLE``.
    """
    levels = torch.as_tensor(levels, dtype=torch.int64).reshape(-1)
    if not all(int(v) in LEVELS_TABLE for v in levels):
        raise ValueError(f"levels must be from {LEVELS_TABLE}")
    levels = levels.view(-1, 1, 1, 1)
    n, _, h, w = bgr.shape
    mh, mw = mask_shape(h, w, profile)
    r = profile.region
    planes = bgr_to_planes(bgr, profile)
    planes = F.pad(planes.to(torch.float32), (0, mw * r - w, 0, mh * r - h), mode="replicate")
    pixel_index = mask.to(torch.int64).repeat_interleave(r, -2).repeat_interleave(r, -1)
    out = torch.zeros(planes.shape, dtype=torch.int64)
    for index, block in enumerate(profile.blocks):
        select = (pixel_index == index).unsqueeze(1)
        if not bool(select.any()):
            continue
        luma = _pool_quantize(planes[:, :1], block, levels)
        chroma = _pool_quantize(planes[:, 1:], profile.chroma_block(block), levels)
        out = torch.where(select, torch.cat([luma, chroma], 1), out)
    return out[:, :, :h, :w]


def block_size_map(mask: torch.Tensor, height: int, width: int, profile: Profile) -> torch.Tensor:
    """Per-pixel log2 of the luma block size, N x 1 x H x W float (the decoder's side input)."""
    r = profile.region
    sizes = torch.log2(torch.tensor(profile.blocks, dtype=torch.float32))
    pixel = sizes[mask.to(torch.int64)].repeat_interleave(r, -2).repeat_interleave(r, -1)
    return pixel[:, None, :height, :width]
