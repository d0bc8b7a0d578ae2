"""Hypothesis strategies for the core tests: images of every size class and content kind."""
from __future__ import annotations

import numpy as np
from hypothesis import strategies as st

from cvlfic import bitstream

# Odd, tiny, region-aligned and the 257x193; sizes are mostly small to keep cases fast.
SIZES = st.one_of(
    st.sampled_from([(1, 1), (1, 2), (2, 1), (257, 193), (16, 16), (8, 8), (17, 9), (112, 112), (3, 129)]),
    st.tuples(st.integers(1, 48), st.integers(1, 48)))


def make_image(h: int, w: int, kind: int, seed: int) -> np.ndarray:
    rng = np.random.default_rng(seed)
    if kind == 0:  # noise: worst case for the coder
        return rng.integers(0, 256, (h, w, 3), dtype=np.uint8)
    if kind == 1:  # constant
        return np.broadcast_to(rng.integers(0, 256, 3, dtype=np.uint8), (h, w, 3)).copy()
    if kind == 2:  # extremes only (saturation, clamping of YCbCr)
        return rng.choice(np.array([0, 255], np.uint8), (h, w, 3))
    ys, xs = np.mgrid[0:h, 0:w]  # smooth gradients plus a little noise: face-like statistics
    base = np.stack([ys * rng.uniform(-3, 3) + xs * rng.uniform(-3, 3) + rng.uniform(0, 255) for _ in range(3)], -1)
    return np.clip(base + rng.normal(0, 6, base.shape), 0, 255).astype(np.uint8)


@st.composite
def cases(draw):
    """(image, mask, profile, levels)."""
    h, w = draw(SIZES)
    profile = draw(st.sampled_from([0, 1]))
    levels = draw(st.sampled_from(bitstream.LEVELS))
    img = make_image(h, w, draw(st.integers(0, 3)), draw(st.integers(0, 2**32 - 1)))
    sizes = len(bitstream.profile_info(profile)["block_sizes"][0])
    shape = bitstream.mask_shape(h, w, profile)
    mode = draw(st.integers(0, 2))
    if mode == 0:
        mask = np.full(shape, draw(st.integers(0, sizes - 1)), np.uint8)
    else:
        rng = np.random.default_rng(draw(st.integers(0, 2**32 - 1)))
        mask = rng.integers(0, sizes, shape, dtype=np.uint8)
    return img, mask, profile, levels
