"""An independent reading of bitstream v1 (docs/bitstream.md): the CRC and, in numpy, the
pooling and quantization, to check the C++ core against the spec rather than against itself."""
from __future__ import annotations

import numpy as np

LEVELS = (2, 3, 4, 5, 6, 8, 10, 12, 16, 20, 24, 32, 40, 48, 64, 256)
REGION = {0: 16, 1: 8}
BLOCKS = {0: [(16, 8, 4, 2), (16, 16, 8, 4), (16, 16, 8, 4)], 1: [(8, 4)] * 3}


def colour_planes(bgr: np.ndarray, profile: int) -> np.ndarray:
    b, g, r = (bgr[..., i].astype(np.int64) for i in range(3))
    if profile == 1:
        return np.stack([b, g, r], axis=-1)
    y = (77 * r + 150 * g + 29 * b + 128) // 256  # // floors, as the spec's >> does
    cb = (-43 * r - 85 * g + 128 * b + 128) // 256 + 128
    cr = (128 * r - 107 * g - 21 * b + 128) // 256 + 128
    return np.clip(np.stack([y, cb, cr], axis=-1), 0, 255)


def reconstruct(bgr: np.ndarray, mask: np.ndarray, profile: int, levels: int) -> np.ndarray:
    h, w = bgr.shape[:2]
    reg = REGION[profile]
    mh, mw = -(-h // reg), -(-w // reg)
    assert mask.shape == (mh, mw)
    planes = np.pad(colour_planes(bgr, profile), ((0, mh * reg - h), (0, mw * reg - w), (0, 0)), mode="edge")
    out = np.zeros_like(planes)
    for ry in range(mh):
        for rx in range(mw):
            for p in range(3):
                n = BLOCKS[profile][p][mask[ry, rx]]
                region = planes[ry * reg:(ry + 1) * reg, rx * reg:(rx + 1) * reg, p]
                sums = region.reshape(reg // n, n, reg // n, n).sum(axis=(1, 3))
                v = (sums + n * n // 2) // (n * n)
                q = (v * (levels - 1) + 127) // 255
                d = (q * 255 + (levels - 1) // 2) // (levels - 1)
                out[ry * reg:(ry + 1) * reg, rx * reg:(rx + 1) * reg, p] = np.kron(d, np.ones((n, n), np.int64))
    return out[:h, :w].astype(np.uint8)


def crc16(data: bytes) -> int:  # CRC-16/GENIBUS, written from the spec
    crc = 0xFFFF
    for byte in data:
        crc ^= byte << 8
        for _ in range(8):
            crc = ((crc << 1) ^ 0x1021) & 0xFFFF if crc & 0x8000 else (crc << 1) & 0xFFFF
    return crc ^ 0xFFFF


def with_crc(body: bytes) -> bytes:
    return body + crc16(body).to_bytes(2, "big")
