"""The lossless core, bitstream version 1 (``docs/bitstream.md``): a thin API over ``cvlfic._core``.

An image is pooled with Regionally Adaptive Pooling (one block size per region, chosen by a
mask), quantized to ``levels`` levels, predicted and range-coded. The *reconstruction* is the
dequantized pooled image at full size, in the profile's plane order (``"YCbCr"`` for profile
0 ``ycc16``, ``"BGR"`` for profile 1 ``rgb8``): it is what the learned decoder takes as input,
and ``decode_pooled`` returns exactly what ``reconstruct`` computes on the encoder side.

The mask is a uint8 array of shape ``mask_shape(h, w, profile)``; each entry indexes the
profile's block-size list (0 = largest block). Bad streams raise
:class:`cvlfic.errors.CorruptStreamError` (a ``ValueError``; ``TruncatedStreamError`` for a
cut stream, ``UnsupportedVersionError`` for another format version), streams of images above
``max_pixels`` raise :class:`cvlfic.errors.LimitError`; bad arguments raise ``ValueError`` /
``TypeError``.
"""
from __future__ import annotations

from typing import Dict, Tuple

import numpy as np

from cvlfic import _core

FORMAT_VERSION: int = _core.FORMAT_VERSION
#: Decoding refuses streams of larger images unless given another ``max_pixels``
#: (``CVLFIC_DEFAULT_MAX_PIXELS`` of the C API: 1024 x 1024); ``MAX_PIXELS`` is the format's cap.
DEFAULT_MAX_PIXELS: int = _core.DEFAULT_MAX_PIXELS
MAX_PIXELS: int = _core.MAX_PIXELS
#: The level counts a stream can carry (coded in 4 bits); 256 is lossless pooling.
LEVELS: Tuple[int, ...] = _core.levels_table()
PROFILE_YCC16 = 0
PROFILE_RGB8 = 1


def profile_info(profile: int) -> Dict:
    """``{"id", "name", "planes", "region", "block_sizes"}``; block_sizes[plane][mask index]."""
    return _core.profile_info(int(profile))


def colour_transform(profile: int) -> Tuple[np.ndarray, int]:
    """``(coef, shift)`` of the profile's forward colour transform (the core's, read from it):
    plane p of a BGR pixel is ``min(255, (coef[p, :3] @ (b, g, r) + coef[p, 3]) >> shift)``;
    coef is an int32 3 x 4 array (the identity, shift 0, for a BGR profile)."""
    coef, shift = _core.colour_transform(int(profile))
    return np.array(coef, np.int32), int(shift)


def to_planes(bgr: np.ndarray, profile: int) -> np.ndarray:
    """BGR uint8 ... x 3 -> the profile's planes (uint8, same shape), as the core computes them."""
    coef, shift = colour_transform(profile)
    x = np.asarray(bgr).astype(np.int32)
    planes = (x @ coef[:, :3].T + coef[:, 3]) >> shift
    return np.minimum(planes, 255).astype(np.uint8)


def quantizer(levels: int) -> Tuple[np.ndarray, np.ndarray]:
    """``(q, d)``: the core's uint8 tables of 256 entries for ``levels``; a block mean v
    (0..255, rounded half up) is coded as level ``q[v]`` and restored as ``d[q[v]]``."""
    q, d = _core.quantizer(int(levels))
    return np.array(q, np.uint8), np.array(d, np.uint8)


def mask_shape(height: int, width: int, profile: int) -> Tuple[int, int]:
    """Shape of the region mask: (ceil(height / R), ceil(width / R))."""
    return _core.mask_shape(int(height), int(width), int(profile))


def uniform_mask(height: int, width: int, profile: int, index: int = 0) -> np.ndarray:
    """A mask using block-size ``index`` in every region."""
    return np.full(mask_shape(height, width, profile), index, dtype=np.uint8)


def _as_mask(mask) -> np.ndarray:
    mask = np.asarray(mask)
    if mask.dtype != np.uint8:
        if not np.issubdtype(mask.dtype, np.integer):
            raise TypeError("mask must be an integer array")
        if mask.size and (mask.min() < 0 or mask.max() > 255):
            raise ValueError("mask entries must be block-size indices")
        mask = mask.astype(np.uint8)
    return mask


def encode_pooled(bgr: np.ndarray, mask, profile: int, levels: int) -> bytes:
    """Pool ``bgr`` (uint8 H x W x 3) under ``mask``, quantize to ``levels``, code it."""
    return _core.encode(bgr, _as_mask(mask), int(profile), int(levels))


def decode_pooled(data: bytes, max_pixels: int = DEFAULT_MAX_PIXELS
                  ) -> Tuple[np.ndarray, np.ndarray, Dict]:
    """``(reconstruction H x W x 3 uint8, mask, info)`` from a stream (see ``read_info``).

    A stream of an image above ``max_pixels`` raises :class:`cvlfic.errors.LimitError`
    before anything of its size is allocated."""
    return _core.decode(bytes(data), int(max_pixels))


def reconstruct(bgr: np.ndarray, mask, profile: int, levels: int) -> np.ndarray:
    """The reconstruction ``decode_pooled(encode_pooled(...))`` gives, without coding."""
    return _core.reconstruct(bgr, _as_mask(mask), int(profile), int(levels))


def read_info(data: bytes, max_pixels: int = DEFAULT_MAX_PIXELS) -> Dict:
    """Header of a stream, checksum verified: version, profile, levels, height, width, mask_shape."""
    return _core.read_info(bytes(data), int(max_pixels))


def analyze(bgr: np.ndarray, mask, profile: int, levels: int, model: int = _core.MODEL_V1):
    """For benchmarks: ``(stats, symbols)``. stats has the ideal code length in bits under the
    coder's adaptive model (``ideal_bits``, ``mask_bits``) and the symbol counts; symbols
    are the coded symbols as bytes (mask indices, then residuals as int8). ``model`` picks
    v1 (``_core.MODEL_V1``) or an untrained variant for comparison (``MODEL_DPCM``: the
    paper's eq. 3; ``MODEL_V1_PREDICTOR_ONLY``, ``MODEL_DPCM_CONTEXTS``, ``MODEL_V1_UNTRAINED``)."""
    return _core.analyze(bgr, _as_mask(mask), int(profile), int(levels), int(model))
