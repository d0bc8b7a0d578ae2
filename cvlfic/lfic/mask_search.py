"""Choosing the region mask: a fast greedy order (default) and the paper's Algorithm 1.

Both produce a *refinement sequence*: region indices in the order in which each is switched
to its next smaller block size, starting from the largest block everywhere (the paper's
eq. 6). Rate control then takes the longest prefix that fits the byte budget.
"""
from __future__ import annotations

import heapq
from typing import Callable, List, Optional

import numpy as np


def greedy_sequence(errors: np.ndarray, importance: Optional[np.ndarray] = None) -> List[int]:
    """Refinement order by importance-weighted error reduction.

    ``errors``: Mh x Mw x n_blocks (``region_errors``); ``importance``: Mh x Mw semantic
    weight per region (learned from Algorithm 1's gradients, see the model card), or None.
    Each step refines the region whose next step removes the most weighted error.
    """
    mh, mw, n_blocks = errors.shape
    flat = errors.reshape(mh * mw, n_blocks)
    weight = np.ones(mh * mw, np.float32) if importance is None else importance.reshape(-1)
    heap = [(-weight[r] * (flat[r, 0] - flat[r, 1]), r, 0) for r in range(mh * mw)]
    heapq.heapify(heap)
    sequence = []
    while heap:
        _, r, level = heapq.heappop(heap)
        sequence.append(r)
        if level + 2 < n_blocks:
            gain = weight[r] * (flat[r, level + 1] - flat[r, level + 2])
            heapq.heappush(heap, (-gain, r, level + 1))
    return sequence


def mask_from_sequence(shape, sequence: List[int], steps: int) -> np.ndarray:
    mask = np.zeros(shape[0] * shape[1], np.uint8)
    np.add.at(mask, np.asarray(sequence[:steps], np.int64), 1)
    return mask.reshape(shape)


def longest_fitting_prefix(size_of: Callable[[int], int], total: int, budget: int) -> int:
    """Largest k in [0, total] with ``size_of(k) <= budget`` by bisection (sizes grow with k
    almost monotonically; the caller re-checks the chosen k). -1 if even k = 0 does not fit."""
    if size_of(0) > budget:
        return -1
    lo, hi = 0, total
    while lo < hi:
        mid = (lo + hi + 1) // 2
        if size_of(mid) <= budget:
            lo = mid
        else:
            hi = mid - 1
    return lo
