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


def base_descriptor(data: bytes) -> np.ndarray:
    """The base-layer descriptor (128 float32) of a wang stream, without decoding pixels.
    Raises cvlfic.CorruptStreamError for a bad stream."""
    from cvlfic.baselines.wang.base import dequantize
    from cvlfic.baselines.wang.codec import split
    _, q, _ = split(data)
    return dequantize(q)


def compare_base(a: bytes, b: bytes) -> float:
    """Euclidean distance of two streams' base-layer descriptors (same person if < 0.6)."""
    return float(np.linalg.norm(base_descriptor(a).astype(np.float64) - base_descriptor(b)))


def base_only(data: bytes) -> bytes:
    """The stream cut to its base layer (setting 0), e.g. for an index of faces."""
    from cvlfic.baselines import stream
    from cvlfic.baselines.wang.codec import NAME, VERSION, _base_coder, split
    frame, q, _ = split(data)
    return stream.pack(NAME, VERSION, 0, frame.height, frame.width, _base_coder().encode(q))
