"""The fast mode's mask search as the numpy implementation before the core's
(``cvlfic_encode_face``) ran it: float32 region errors from rounded block means, the same
greedy order, and the earlier prefix search (the full sequence first). Kept only so that
``search_parity.py`` can compare the two on LFW; nothing in the package uses it."""
from __future__ import annotations

import numpy as np

from cvlfic import bitstream

PLANE_WEIGHTS = np.array([1.0, 0.5, 0.5], np.float32)


def region_errors(bgr, profile, levels):
    region, sizes = profile["region"], profile["block_sizes"]
    planes = bitstream.to_planes(bgr, profile["id"]).astype(np.float32)  # the core's transform
    h, w = planes.shape[:2]
    mh, mw = -(-h // region), -(-w // region)
    planes = np.pad(planes, ((0, mh * region - h), (0, mw * region - w), (0, 0)), mode="edge")
    step = 255.0 / (levels - 1)
    out = np.zeros((mh, mw, len(sizes[0])), np.float32)
    for index in range(len(sizes[0])):
        for c in range(3):
            block = sizes[c][index]
            x = planes[..., c].reshape(mh * region // block, block, mw * region // block, block)
            s1, s2 = x.sum((1, 3)), (x * x).sum((1, 3))
            n = block * block
            q = np.round(np.round(s1 / n) / step) * step
            err = s2 - 2.0 * q * s1 + n * q * q
            per = region // block
            out[..., index] += PLANE_WEIGHTS[c] * err.reshape(mh, per, mw, per).sum((1, 3))
    return out


def longest_fitting_prefix(size_of, total, budget, cost):
    """The previous prefix search: the full sequence first, then interpolation on the cost
    proxy with a bisection after any step that does not halve the bracket."""
    if size_of(0) > budget:
        return -1
    lo, hi = 0, total + 1
    sizes = {0: size_of(0)}
    bisect_next = False
    while hi - lo > 1:
        width = hi - lo
        if bisect_next:
            mid = (lo + hi) // 2
        elif hi > total:
            mid = total
        else:
            span = sizes[hi] - sizes[lo]
            target = float(cost[lo]) + (budget - sizes[lo]) / max(span, 1) * float(cost[hi] - cost[lo])
            mid = int(np.clip(np.searchsorted(cost, target, side="right") - 1, lo + 1, hi - 1))
        sizes[mid] = size_of(mid)
        if sizes[mid] <= budget:
            lo = mid
        else:
            hi = mid
        bisect_next = not bisect_next and 2 * (hi - lo) > width
    return lo


def encode(face, params, budget):
    """The previous fast mode's stream (None when nothing fits), with the encoder's params."""
    import search_reference as ref  # tests/lfic: the greedy order and its costs are unchanged

    profile = bitstream.profile_info(params["profile"])
    shape = bitstream.mask_shape(face.shape[0], face.shape[1], params["profile"])
    prior = params["prior_weight"]
    weight = prior if prior is not None and prior.shape == tuple(shape) else np.ones(shape)
    rates = np.log([r for r, _ in params["rate_levels"]])
    bpp = 8.0 * budget / (face.shape[0] * face.shape[1])
    candidates = [params["rate_levels"][int(np.argmin(np.abs(rates - np.log(max(bpp, 1e-6)))))][1]]
    for attempt in (candidates, list(params["level_candidates"][:1])):
        for levels in attempt:
            errors = region_errors(face, profile, levels).astype(np.float64)
            sequence = ref.greedy_sequence(errors, weight, params["step_cost"])

            def size_of(k):
                return len(bitstream.encode_pooled(face, ref.mask_from_sequence(shape, sequence, k),
                                                   params["profile"], levels))

            k = longest_fitting_prefix(size_of, len(sequence), budget, ref.sequence_costs(sequence, profile))
            if k >= 0:
                return bitstream.encode_pooled(face, ref.mask_from_sequence(shape, sequence, k),
                                               params["profile"], levels)
    return None
