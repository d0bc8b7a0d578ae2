"""Regionally Adaptive Pooling in torch, integer-exact with the C++ core (bitstream v1).

Training draws random masks and runs this on batches; at run time the C++ core computes
the same reconstruction (``cvlfic.bitstream.reconstruct``), and a test checks they agree
bit for bit. Pooling has no parameters, so nothing here needs a gradient: the decoder
learns from its output, and Algorithm 1 takes gradients with respect to that output.

The format's tables are the core's, read through ``cvlfic.bitstream`` (``_core``): the
profiles (region, block sizes per plane, plane order), the level counts, the colour
transform and the quantizer. Nothing of bitstream v1 is restated here, only the pooling
itself: block means rounded half up, mapped through the quantizer, replicated back.
"""
from __future__ import annotations

from dataclasses import dataclass
from typing import Dict, Tuple

import numpy as np
import torch
import torch.nn.functional as F

from cvlfic import _core, bitstream


@dataclass(frozen=True)
class Profile:
    """A profile as the core describes it (``bitstream.profile_info``, ``colour_transform``)."""
    ident: int
    region: int
    block_sizes: Tuple[Tuple[int, ...], ...]  # [plane][mask index], index 0 = largest
    planes: str                               # plane order of the reconstruction
    coef: Tuple[Tuple[int, int, int, int], ...]  # forward colour transform, (b, g, r, offset) per plane
    shift: int

    @property
    def blocks(self) -> Tuple[int, ...]:
        """Luma (plane 0) block sizes, index 0 = largest."""
        return self.block_sizes[0]

    @property
    def ycc(self) -> bool:
        """Whether the planes are YCbCr (else the BGR channels as they are)."""
        return self.planes == "YCbCr"

    @property
    def identity(self) -> bool:
        return self.shift == 0 and self.coef == ((1, 0, 0, 0), (0, 1, 0, 0), (0, 0, 1, 0))


def _core_profile(ident: int) -> Profile:
    info = bitstream.profile_info(ident)
    coef, shift = bitstream.colour_transform(ident)
    return Profile(ident, int(info["region"]), tuple(tuple(int(b) for b in p) for p in info["block_sizes"]),
                   str(info["planes"]), tuple(tuple(int(c) for c in row) for row in coef.tolist()), shift)


PROFILES: Dict[int, Profile] = {i: _core_profile(i) for i in range(_core.num_profiles())}


def _quantizer_tables() -> Tuple[torch.Tensor, torch.Tensor]:
    """The core's q and d tables of every level count, int64 (len(LEVELS) x 256), by level code."""
    tables = [bitstream.quantizer(levels) for levels in bitstream.LEVELS]
    q = torch.from_numpy(np.stack([t[0] for t in tables]).astype(np.int64))
    d = torch.from_numpy(np.stack([t[1] for t in tables]).astype(np.int64))
    return q, d


_QUANTIZE, _DEQUANTIZE = _quantizer_tables()


def level_codes(levels) -> torch.Tensor:
    """Level counts (an int or N integers, each from ``bitstream.LEVELS``) -> their codes."""
    levels = torch.as_tensor(levels, dtype=torch.int64).reshape(-1)
    table = bitstream.LEVELS
    if not all(int(v) in table for v in levels):
        raise ValueError(f"levels must be from {table}")
    return torch.tensor([table.index(int(v)) for v in levels], dtype=torch.int64)


def bgr_to_planes(bgr: torch.Tensor, profile: Profile) -> torch.Tensor:
    """uint8-valued N x 3 x H x W BGR (any integer dtype) -> int32 planes of the profile."""
    x = bgr.to(torch.int32)
    if profile.identity:
        return x
    b, g, r = x[:, 0], x[:, 1], x[:, 2]
    planes = [(cb * b + cg * g + cr * r + offset) >> profile.shift for cb, cg, cr, offset in profile.coef]
    return torch.stack(planes, 1).clamp_(0, 255)


def _pool_quantize(plane: torch.Tensor, block: int, codes: torch.Tensor) -> torch.Tensor:
    """Block means (rounded half up), quantized and dequantized with the core's tables (level
    codes ``codes``, N x 1 x 1 x 1), replicated back to full size."""
    n = block * block
    sums = F.avg_pool2d(plane, block) * n  # integer sums, exact after rounding
    means = (sums.round().to(torch.int64) + n // 2) // n
    deq = _DEQUANTIZE[codes, _QUANTIZE[codes, means]]
    return deq.repeat_interleave(block, -2).repeat_interleave(block, -1)


def mask_shape(height: int, width: int, profile: Profile) -> Tuple[int, int]:
    return bitstream.mask_shape(height, width, profile.ident)


def reconstruct(bgr: torch.Tensor, mask: torch.Tensor, levels, profile: Profile) -> torch.Tensor:
    """The dequantized pooled image (int64 N x 3 x H x W, profile plane order).

    ``mask``: integer N x Mh x Mw of block-size indices (0 = largest block); ``levels``: an
    int or an integer tensor of N values, each from ``bitstream.LEVELS``.
    """
    codes = level_codes(levels).view(-1, 1, 1, 1)
    n, _, h, w = bgr.shape
    mh, mw = mask_shape(h, w, profile)
    r = profile.region
    planes = bgr_to_planes(bgr, profile)
    planes = F.pad(planes.to(torch.float32), (0, mw * r - w, 0, mh * r - h), mode="replicate")
    pixel_index = mask.to(torch.int64).repeat_interleave(r, -2).repeat_interleave(r, -1)
    out = torch.zeros(planes.shape, dtype=torch.int64)
    for index in range(len(profile.blocks)):
        select = (pixel_index == index).unsqueeze(1)
        if not bool(select.any()):
            continue
        pooled, first = [], 0
        while first < 3:  # planes pooled alike go through together
            block = profile.block_sizes[first][index]
            last = first + 1
            while last < 3 and profile.block_sizes[last][index] == block:
                last += 1
            pooled.append(_pool_quantize(planes[:, first:last], block, codes))
            first = last
        out = torch.where(select, torch.cat(pooled, 1), out)
    return out[:, :, :h, :w]

