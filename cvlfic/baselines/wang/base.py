"""The base layer of Wang et al. 2019: a quantized, entropy-coded face descriptor.

The descriptor is the 128-D output of cvlfic's dlib-port recognizer on the crop resized to
150x150 (exactly what the LFW benchmark embeds). Each entry is quantized with step
1/``STEP_INVERSE``; the integer minus a per-dimension offset is zig-zagged and written with
a Golomb-Rice code of a per-dimension parameter k (offsets and parameters fitted on training
descriptors, stored in model.json); quotients of ``ESCAPE`` or more are escaped to an order-0
Exp-Golomb code, so outliers cost O(log) bits. Integer-only, so encoder and decoder agree
everywhere.
"""
from __future__ import annotations

from typing import Dict, Sequence, Tuple

import numpy as np

from cvlfic.errors import CorruptStreamError
from cvlfic.recognition.chips import DESCRIPTOR_SIZE

STEP_INVERSE = 16  # quantization step 1/16: LFW base-layer accuracy 98.03% vs 98.07% float
MAX_ORDER = 4
ESCAPE = 12       # Rice quotients from here on are sent as ESCAPE ones + Exp-Golomb-0
MAX_PREFIX = 24   # longest run of leading zeros a valid Exp-Golomb code can have


def quantize(descriptor: np.ndarray) -> np.ndarray:
    d = np.asarray(descriptor, dtype=np.float64).reshape(-1)
    if d.shape != (DESCRIPTOR_SIZE,) or not np.all(np.isfinite(d)):
        raise ValueError("descriptor must be 128 finite numbers")
    return np.round(d * STEP_INVERSE).astype(np.int64)


def dequantize(q: np.ndarray) -> np.ndarray:
    return (np.asarray(q, dtype=np.float32) / STEP_INVERSE).astype(np.float32)


def _zigzag(v: np.ndarray) -> np.ndarray:
    return np.where(v >= 0, 2 * v, -2 * v - 1)


def _unzigzag(u: int) -> int:
    return u // 2 if u % 2 == 0 else -(u + 1) // 2


def _exp_golomb0_bits(u: np.ndarray) -> np.ndarray:
    return 2 * np.floor(np.log2(u + 1)).astype(np.int64) + 1


def code_bits(u: np.ndarray, k: int) -> np.ndarray:
    """Code lengths of the escaped Rice code with parameter k for integers ``u`` >= 0."""
    m = u >> k
    return np.where(m < ESCAPE, m + 1 + k, ESCAPE + _exp_golomb0_bits(np.maximum(u - (ESCAPE << k), 0)))


def fit_tables(q: np.ndarray) -> Dict[str, list]:
    """Per-dimension offsets (medians) and Rice parameters minimising the code length of
    the N x 128 quantized descriptors ``q``."""
    q = np.asarray(q, dtype=np.int64)
    offsets = np.round(np.median(q, axis=0)).astype(np.int64)
    u = _zigzag(q - offsets)
    orders = [int(np.argmin([code_bits(u[:, j], k).sum() for k in range(MAX_ORDER + 1)]))
              for j in range(DESCRIPTOR_SIZE)]
    return {"base_offsets": offsets.tolist(), "base_orders": orders}


class BaseLayerCoder:
    def __init__(self, offsets: Sequence[int], orders: Sequence[int]):
        self.offsets = np.asarray(offsets, dtype=np.int64)
        self.orders = [int(k) for k in orders]
        if self.offsets.shape != (DESCRIPTOR_SIZE,) or len(self.orders) != DESCRIPTOR_SIZE:
            raise ValueError("base-layer tables must have 128 entries")

    def encode(self, q: np.ndarray) -> bytes:
        """128 quantized entries -> bytes (MSB first, zero-padded to a byte)."""
        bits = []
        for u, k in zip(_zigzag(np.asarray(q, np.int64) - self.offsets).tolist(), self.orders):
            m = u >> k
            if m < ESCAPE:  # m ones, a zero, k low bits
                bits.append("1" * m + "0" + (format(u & ((1 << k) - 1), f"0{k}b") if k else ""))
            else:  # ESCAPE ones, then Exp-Golomb order 0 of the rest
                value = u - (ESCAPE << k) + 1
                bits.append("1" * ESCAPE + "0" * (value.bit_length() - 1) + format(value, "b"))
        text = "".join(bits)
        text += "0" * (-len(text) % 8)
        return int(text, 2).to_bytes(len(text) // 8, "big") if text else b""

    def decode(self, data: bytes, pos: int = 0) -> Tuple[np.ndarray, int]:
        """(128 quantized entries, byte position after the base layer)."""
        bitpos = 8 * pos
        total = 8 * len(data)

        def bit() -> int:
            nonlocal bitpos
            if bitpos >= total:
                raise CorruptStreamError("truncated wang stream: base layer runs past the end")
            b = (data[bitpos >> 3] >> (7 - (bitpos & 7))) & 1
            bitpos += 1
            return b

        out = np.empty(DESCRIPTOR_SIZE, np.int64)
        for j, k in enumerate(self.orders):
            m = 0
            while m < ESCAPE and bit() == 1:
                m += 1
            if m < ESCAPE:
                low = 0
                for _ in range(k):
                    low = (low << 1) | bit()
                u = (m << k) | low
            else:
                zeros = 0
                while bit() == 0:
                    zeros += 1
                    if zeros > MAX_PREFIX:
                        raise CorruptStreamError("corrupt wang stream: bad base-layer code")
                value = 1
                for _ in range(zeros):
                    value = (value << 1) | bit()
                u = value - 1 + (ESCAPE << k)
            out[j] = _unzigzag(u) + self.offsets[j]
        return out, (bitpos + 7) >> 3
