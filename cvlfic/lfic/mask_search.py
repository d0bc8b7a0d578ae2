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


def sequence_costs(sequence: List[int], block_sizes, region: int) -> np.ndarray:
    """Coded values after each prefix of a refinement sequence (length len(sequence) + 1).

    ``block_sizes[plane][index]`` as in ``cvlfic.bitstream.profile_info``.
    """
    per_level = np.array([sum((region // sizes[i]) ** 2 for sizes in block_sizes)
                          for i in range(len(block_sizes[0]))], np.int64)
    level = {}
    added = np.empty(len(sequence), np.int64)
    for step, r in enumerate(sequence):
        j = level.get(r, 0)
        added[step] = per_level[j + 1] - per_level[j]
        level[r] = j + 1
    return np.concatenate([[0], np.cumsum(added)])


def mask_from_sequence(shape, sequence: List[int], steps: int) -> np.ndarray:
    mask = np.zeros(shape[0] * shape[1], np.uint8)
    np.add.at(mask, np.asarray(sequence[:steps], np.int64), 1)
    return mask.reshape(shape)


def longest_fitting_prefix(size_of: Callable[[int], int], total: int, budget: int,
                           cost: Optional[np.ndarray] = None) -> int:
    """Largest k in [0, total] with ``size_of(k) <= budget``; -1 if even k = 0 does not fit.

    Sizes grow with k almost monotonically. ``cost`` (length total + 1, non-decreasing), a
    proxy such as the number of coded values, lets the search interpolate instead of
    bisecting: each core encode costs ~0.1 ms, so fewer calls keep the fast mode fast.
    A bisection step follows any interpolation step that fails to halve the bracket, so the
    search never needs more than about twice the bisection's log2(total) calls.
    """
    if size_of(0) > budget:
        return -1
    lo, hi = 0, total + 1  # size_of(lo) fits; hi is the first index known not to (or past the end)
    sizes = {0: size_of(0)}
    bisect_next = cost is None
    while hi - lo > 1:
        width = hi - lo
        if bisect_next:
            mid = (lo + hi) // 2
        elif hi > total:
            mid = total  # the full sequence often fits at high rates: try it first
        else:
            span = sizes[hi] - sizes[lo]
            target = cost[lo] + (budget - sizes[lo]) / max(span, 1) * (cost[hi] - cost[lo])
            mid = int(np.clip(np.searchsorted(cost, target, side="right") - 1, lo + 1, hi - 1))
        sizes[mid] = size_of(mid)
        if sizes[mid] <= budget:
            lo = mid
        else:
            hi = mid
        # Interpolate while it at least halves the bracket; otherwise take one bisection step.
        bisect_next = cost is None or (not bisect_next and 2 * (hi - lo) > width)
    return lo
