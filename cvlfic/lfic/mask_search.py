"""Choosing the region mask: a fast greedy order (default) and the paper's Algorithm 1.

Both produce a *refinement sequence*: region indices in the order in which each is switched
to its next smaller block size, starting from the largest block everywhere (the paper's
eq. 6). Rate control then takes the longest prefix that fits the byte budget.
"""
from __future__ import annotations

from typing import Callable, Optional

import numpy as np


def greedy_sequence(errors: np.ndarray, weight: Optional[np.ndarray] = None,
                    step_cost: Optional[np.ndarray] = None) -> np.ndarray:
    """Refinement order by weighted error reduction per unit of cost (region indices).

    ``errors``: Mh x Mw x n_blocks (``region_errors``); ``weight``: Mh x Mw semantic weight
    per region (the learned prior, see ``search_weights``), or None; ``step_cost``:
    n_blocks - 1 costs of refining from each block index to the next, or None (all equal).
    Each step refines the region whose next step removes the most weighted error per cost.
    A region's ratios are first made non-increasing from coarse to fine, so one sort gives
    the greedy order and every region's steps come in order (no priority queue in the hot
    path).
    """
    mh, mw, n_blocks = errors.shape
    flat = errors.reshape(mh * mw, n_blocks).astype(np.float64)
    w = np.ones(mh * mw) if weight is None else weight.reshape(-1).astype(np.float64)
    gains = w[:, None] * (flat[:, :-1] - flat[:, 1:])
    if step_cost is not None:
        gains = gains / np.asarray(step_cost, np.float64)[None, :]
    gains = np.minimum.accumulate(gains, axis=1)
    order = np.argsort(-gains.reshape(-1), kind="stable")
    return order // (n_blocks - 1)


def values_per_block_index(block_sizes, region: int) -> np.ndarray:
    """Coded values of one region at each block index, all planes together."""
    return np.array([sum((region // sizes[i]) ** 2 for sizes in block_sizes)
                     for i in range(len(block_sizes[0]))], np.int64)


def search_weights(importance: Optional[np.ndarray], block_sizes, region: int,
                   importance_exponent: float = 1.0, cost_exponent: float = 0.0):
    """(weight, step_cost) for ``greedy_sequence`` from the learned prior and the profile.

    weight = importance ** importance_exponent; step_cost = (values a refinement step adds)
    ** cost_exponent. Exponents (1, 0) rank by weighted error alone (models shipped before
    the search was calibrated); ``cvlfic.train.calibrate`` picks them per model.
    """
    weight = None if importance is None else np.asarray(importance, np.float64) ** importance_exponent
    step_cost = None
    if cost_exponent:
        step_cost = np.diff(values_per_block_index(block_sizes, region)).astype(np.float64) ** cost_exponent
    return weight, step_cost


def sequence_costs(sequence, block_sizes, region: int) -> np.ndarray:
    """Coded values after each prefix of a refinement sequence (length len(sequence) + 1).

    ``block_sizes[plane][index]`` as in ``cvlfic.bitstream.profile_info``.
    """
    per_level = values_per_block_index(block_sizes, region)
    regions = np.asarray(sequence, np.int64)
    # The level a step starts from = how often its region came before it.
    order = np.argsort(regions, kind="stable")
    sorted_regions = regions[order]
    starts = np.flatnonzero(np.r_[True, sorted_regions[1:] != sorted_regions[:-1]])
    group_start = np.repeat(starts, np.diff(np.r_[starts, regions.size]))
    levels = np.empty_like(regions)
    levels[order] = np.arange(regions.size) - group_start
    added = per_level[levels + 1] - per_level[levels]
    return np.concatenate([[0], np.cumsum(added)])


def mask_from_sequence(shape, sequence, steps: int) -> np.ndarray:
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
