"""A numpy restatement of the core's fast mask search (csrc/src/search.cpp), for the tests
only: the core's streams must be byte-identical to what this gives with the core's plain
``encode_pooled`` as the coder. It reads the encoder parameters from the core (the one parser)."""
from __future__ import annotations

import numpy as np

from cvlfic import bitstream


def _planes(bgr: np.ndarray, profile: dict) -> np.ndarray:
    x = bgr.astype(np.int64)
    if profile["planes"] != "YCbCr":
        return x
    b, g, r = x[..., 0], x[..., 1], x[..., 2]
    y = (77 * r + 150 * g + 29 * b + 128) >> 8
    cb = ((-43 * r - 85 * g + 128 * b + 128) >> 8) + 128
    cr = ((128 * r - 107 * g - 21 * b + 128) >> 8) + 128
    return np.clip(np.stack([y, cb, cr], -1), 0, 255)


def _level_index(means: np.ndarray, levels: int) -> np.ndarray:
    return (means * (levels - 1) + 127) // 255


def region_errors(bgr: np.ndarray, profile: dict, levels: int) -> np.ndarray:
    """int64 Mh x Mw x n_sizes: weighted squared error of each region at each block index, as
    the core pools (means rounded half to even) and quantizes, against the quantizer's ideal
    levels (index * 255 / (L - 1)), less the region's sum of squared pixels (the same at every
    index), scaled by (L - 1)^2; the luma class counts twice."""
    region = profile["region"]
    planes = _planes(bgr, profile)
    h, w = planes.shape[:2]
    mh, mw = -(-h // region), -(-w // region)
    planes = np.pad(planes, ((0, mh * region - h), (0, mw * region - w), (0, 0)), mode="edge")
    n_sizes = len(profile["block_sizes"][0])
    # The luma plane (YCbCr) or green (BGR: the reference plane of profile rgb8) counts twice.
    weights = [2, 1, 1] if profile["planes"] == "YCbCr" else [1, 2, 1]
    out = np.zeros((mh, mw, n_sizes), np.int64)
    for s in range(n_sizes):
        for c in range(3):
            n = profile["block_sizes"][c][s]
            x = planes[..., c].reshape(mh * region // n, n, mw * region // n, n)
            s1 = x.sum((1, 3))
            mean = s1 // (n * n)
            rem = s1 - mean * n * n  # half to even
            mean += (2 * rem > n * n) | ((2 * rem == n * n) & (mean % 2 == 1))
            d = 255 * _level_index(mean, levels)
            err = n * n * d * d - 2 * (levels - 1) * d * s1
            per = region // n
            out[..., s] += weights[c] * err.reshape(mh, per, mw, per).sum((1, 3))
    return out


def greedy_sequence(errors: np.ndarray, weight: np.ndarray, step_cost) -> np.ndarray:
    mh, mw, n = errors.shape
    flat = errors.reshape(mh * mw, n).astype(np.float64)
    gains = weight.reshape(-1)[:, None] * (flat[:, :-1] - flat[:, 1:])
    if len(step_cost):
        gains = gains / np.asarray(step_cost, np.float64)[None, :]
    gains = np.minimum.accumulate(gains, axis=1)
    return np.argsort(-gains.reshape(-1), kind="stable") // (n - 1)


def sequence_costs(sequence, profile: dict) -> np.ndarray:
    region = profile["region"]
    per_level = np.array([sum((region // sizes[i]) ** 2 for sizes in profile["block_sizes"])
                          for i in range(len(profile["block_sizes"][0]))], np.int64)
    seen = {}
    costs = [0]
    for r in sequence:
        s = seen.get(int(r), 0)
        seen[int(r)] = s + 1
        costs.append(costs[-1] + int(per_level[s + 1] - per_level[s]))
    return np.array(costs, np.int64)


def mask_from_sequence(shape, sequence, k: int) -> np.ndarray:
    mask = np.zeros(shape[0] * shape[1], np.uint8)
    np.add.at(mask, np.asarray(sequence[:k], np.int64), 1)
    return mask.reshape(shape)


FIRST_SLOPE = 0.7  # kFirstSlope in search.cpp
STALLS = 3  # kStalls in search.cpp


def longest_fitting_prefix(size_of, total: int, budget: int, cost: np.ndarray, first_slope: float) -> int:
    """Largest k found with size_of(k) <= budget (-1 if k = 0 does not fit): a first step
    extrapolated from k = 0 with ``first_slope`` bytes per coded value, then secant steps
    through the two probed prefixes whose sizes are closest to the budget (ties: the shorter),
    kept inside the bracket; a bisection after STALLS steps in a row that do not halve the
    bracket, or when the secant does not rise."""
    sizes = {0: size_of(0)}
    if sizes[0] > budget:
        return -1
    lo, hi = 0, total + 1
    stalls = 0

    def at_cost(target):
        return int(np.clip(np.searchsorted(cost, target, side="right") - 1, lo + 1, hi - 1))

    while hi - lo > 1:
        width = hi - lo
        if len(sizes) == 1:
            mid = at_cost(float(cost[0]) + (budget - sizes[0]) / first_slope)
        else:
            a, b = sorted(sizes, key=lambda k: (abs(sizes[k] - budget), k))[:2]
            slope = (sizes[b] - sizes[a]) / float(cost[b] - cost[a]) if cost[b] != cost[a] else 0.0
            if stalls >= STALLS or not slope > 0:
                mid = (lo + hi) // 2
            else:
                mid = at_cost(float(cost[a]) + (budget - sizes[a]) / slope)
        sizes[mid] = size_of(mid)
        if sizes[mid] <= budget:
            lo = mid
        else:
            hi = mid
        stalls = stalls + 1 if 2 * (hi - lo) > width else 0
    return lo


def _leb128_len(v: int) -> int:
    n = 1
    while v >= 0x80:
        v >>= 7
        n += 1
    return n


def levels_for_budget(params: dict, shape, budget: int):
    if not params["rate_levels"]:
        return tuple(params["level_candidates"])
    bpp = max(8.0 * budget / (shape[0] * shape[1]), 1e-6)
    distance = [max(r / bpp, bpp / r) for r, _ in params["rate_levels"]]
    return (params["rate_levels"][int(np.argmin(distance))][1],)


def search(face: np.ndarray, params: dict, budget: int, candidates=None):
    """(mask, levels) of the fast mode, or None when nothing fits."""
    profile = bitstream.profile_info(params["profile"])
    shape = bitstream.mask_shape(face.shape[0], face.shape[1], params["profile"])
    prior = params["prior_weight"]
    weight = prior if prior is not None and prior.shape == tuple(shape) else np.ones(shape)
    if candidates is None:
        candidates = levels_for_budget(params, face.shape, budget)
    best = None
    for levels in candidates:
        errors = region_errors(face, profile, levels)
        sequence = greedy_sequence(errors, weight, params["step_cost"])

        def size_of(k: int) -> int:
            mask = mask_from_sequence(shape, sequence, k)
            return len(bitstream.encode_pooled(face, mask, params["profile"], levels))

        # Bytes per coded value of the coarsest stream's payload (header: 2 bytes and the
        # sizes - 1 as LEB128; a CRC-16 at the end), times the first slope's share.
        overhead = 2 + _leb128_len(face.shape[0] - 1) + _leb128_len(face.shape[1] - 1) + 2
        values0 = sum((profile["region"] // sizes[0]) ** 2 for sizes in profile["block_sizes"])
        first = FIRST_SLOPE * (size_of(0) - overhead) / (values0 * shape[0] * shape[1])
        if not first > 0:
            first = 1.0  # an empty coarsest payload (a tiny image): one byte per value
        k = longest_fitting_prefix(size_of, len(sequence), budget, sequence_costs(sequence, profile), first)
        if k < 0:
            continue
        mask = mask_from_sequence(shape, sequence, k)
        picked = np.take_along_axis(errors, mask[..., None].astype(np.int64), 2)[..., 0]
        distortion = float(np.cumsum((weight * picked).reshape(-1))[-1])  # in raster order
        distortion /= float((levels - 1) ** 2)  # pixel units, comparable across level counts
        if best is None or distortion < best[0]:
            best = (distortion, mask, levels)
    if best is None and tuple(candidates) != tuple(params["level_candidates"][:1]):
        return search(face, params, budget, params["level_candidates"][:1])
    return None if best is None else (best[1], best[2])


def encode(face: np.ndarray, params: dict, budget: int) -> bytes:
    """The fast mode's stream of a BGR face within ``budget`` bytes (None when nothing fits)."""
    choice = search(face, params, budget)
    if choice is None:
        return None
    return bitstream.encode_pooled(face, choice[0], params["profile"], choice[1])
