"""Wang et al. 2019, scalable face compression: a descriptor base layer + a residual layer.

The scalable use: a wang stream starts with the face's recognition descriptor, so faces
can be matched from their streams without decoding any pixels::

    from cvlfic.baselines import wang
    distance = wang.compare_base(stream_a, stream_b)
    same_person = distance < wang.SAME_PERSON_THRESHOLD   # dlib's 0.6

``base_descriptor(data)`` gives the (dequantized) 128-D descriptor; ``base_only(data)``
drops the enhancement layer (a valid setting-0 stream: the face rebuilt from the descriptor).
Needs the shipped model (models/baseline_wang) for the base layer's code tables.
"""
from __future__ import annotations

import numpy as np

# dlib's documented decision threshold for its face descriptors (Euclidean distance).
SAME_PERSON_THRESHOLD = 0.6
# Rounding both descriptors to steps of 1/16 adds, on average, 2 x 128 x step^2 / 12 to the
# squared distance (uniform rounding noise); compare_base removes it so that dlib's
# threshold keeps its meaning (LFW: the 10-fold thresholds move from 0.608 on the float
# descriptors to 0.684 on raw base-layer distances; 0.6^2 + 0.083 = 0.673^2).
QUANTIZATION_BIAS = 2 * 128 / (12 * 16 ** 2)


def corrected_distance(raw: np.ndarray) -> np.ndarray:
    """Raw Euclidean distances of base-layer descriptors -> estimates of the distances of
    the unquantized descriptors (monotonic, so rankings and 10-fold accuracy are unchanged)."""
    raw = np.asarray(raw, dtype=np.float64)
    return np.sqrt(np.maximum(raw * raw - QUANTIZATION_BIAS, 0.0))


def base_descriptor(data: bytes) -> np.ndarray:
    """The base-layer descriptor (128 float32) of a wang stream, without decoding pixels.
    Raises cvlfic.CorruptStreamError for a bad stream."""
    from cvlfic.baselines.wang.base import dequantize
    from cvlfic.baselines.wang.codec import split
    _, q, _ = split(data)
    return dequantize(q)


def compare_base(a: bytes, b: bytes) -> float:
    """Distance of two streams' base-layer descriptors, corrected for quantization noise
    (``corrected_distance``): same person if below ``SAME_PERSON_THRESHOLD`` (0.6)."""
    raw = np.linalg.norm(base_descriptor(a).astype(np.float64) - base_descriptor(b))
    return float(corrected_distance(raw))


def base_only(data: bytes) -> bytes:
    """The stream cut to its base layer (setting 0), e.g. for an index of faces."""
    from cvlfic.baselines import stream
    from cvlfic.baselines.wang.codec import NAME, VERSION, _base_coder, split
    frame, q, _ = split(data)
    return stream.pack(NAME, VERSION, 0, frame.height, frame.width, _base_coder().encode(q))
