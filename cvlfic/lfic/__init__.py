"""The learned face codec (LFIC): ``encode(face) -> bytes``, ``decode(bytes) -> face``."""
from __future__ import annotations

from functools import lru_cache
from typing import Optional

import numpy as np

from cvlfic.lfic.codec import Codec, bpp_for_quality
from cvlfic.lfic.model_files import DEFAULT_MODEL


@lru_cache(maxsize=1)
def default_codec() -> Codec:
    return Codec(DEFAULT_MODEL)


def encode(face: np.ndarray, **options) -> bytes:
    """Compress a BGR (H x W x 3) or gray (H x W) uint8 face crop (the standard 112x112 crop
    is what it is tuned for).

    Options: ``max_bytes`` (never exceeded), ``bpp`` or ``quality`` (0..100, default 50),
    ``mode`` ("fast", default; "best": the paper's Algorithm 1, needs torch, tens of seconds
    per face on a CPU; "fixed": one block size everywhere, the paper's RFP ablation). Images
    above ``bitstream.DEFAULT_MAX_PIXELS`` raise ``LimitError``: align the face first, or use
    ``Codec(max_pixels=...)``.
    """
    return default_codec().encode(face, **options)


@lru_cache(maxsize=4)
def _codec_with_limit(max_pixels: int) -> Codec:
    return Codec(DEFAULT_MODEL, max_pixels=max_pixels)


def decode(data: bytes, max_pixels: Optional[int] = None) -> np.ndarray:
    """Restore the BGR uint8 face of a cvlfic stream (equal channels for a gray stream).

    Bad data raises ``CorruptStreamError`` (``TruncatedStreamError`` when cut); a stream of an
    image above ``max_pixels`` (default ``bitstream.DEFAULT_MAX_PIXELS``, 1024 x 1024) raises
    ``LimitError`` before anything of its size is allocated."""
    codec = default_codec() if max_pixels is None else _codec_with_limit(int(max_pixels))
    return codec.decode(data)


__all__ = ["Codec", "encode", "decode", "bpp_for_quality", "default_codec"]
