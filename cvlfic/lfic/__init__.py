"""The learned face codec (LFIC): ``encode(face) -> bytes``, ``decode(bytes) -> face``."""
from __future__ import annotations

from functools import lru_cache

import numpy as np

from cvlfic.lfic.codec import Codec, bpp_for_quality
from cvlfic.lfic.model_files import DEFAULT_MODEL


@lru_cache(maxsize=1)
def default_codec() -> Codec:
    return Codec(DEFAULT_MODEL)


def encode(face: np.ndarray, **options) -> bytes:
    """Compress a BGR uint8 face crop (the standard 112x112 crop is what it is tuned for).

    Options: ``max_bytes`` (never exceeded), ``bpp`` or ``quality`` (0..100, default 50),
    ``mode`` ("fast", default; "best": the paper's Algorithm 1, needs torch; "fixed": one
    block size everywhere, the paper's RFP ablation).
    """
    return default_codec().encode(face, **options)


def decode(data: bytes) -> np.ndarray:
    """Restore the BGR uint8 face of a cvlfic stream (raises CorruptStreamError on bad data)."""
    return default_codec().decode(data)


__all__ = ["Codec", "encode", "decode", "bpp_for_quality", "default_codec"]
