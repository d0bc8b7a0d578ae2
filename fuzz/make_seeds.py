"""Writes the fuzz seed corpus: small valid streams of both profiles, several levels and masks.

    python fuzz/make_seeds.py fuzz/corpus
"""
import sys
from pathlib import Path

import numpy as np

from cvlfic import bitstream


def main(out: Path) -> None:
    out.mkdir(parents=True, exist_ok=True)
    rng = np.random.default_rng(0)
    for i, (h, w, profile, levels) in enumerate([(1, 1, 0, 2), (5, 9, 1, 8), (16, 16, 0, 24), (17, 23, 0, 256),
                                                (24, 8, 1, 24), (33, 31, 1, 3), (40, 40, 0, 8)]):
        ramp = np.add.outer(np.arange(h), np.arange(w))[..., None] * np.array([3, 5, 7])
        img = ((ramp + rng.integers(0, 40, (h, w, 3))) % 256).astype(np.uint8)
        sizes = len(bitstream.profile_info(profile)["block_sizes"][0])
        mask = rng.integers(0, sizes, bitstream.mask_shape(h, w, profile), dtype=np.uint8)
        (out / f"seed{i}.cvl").write_bytes(bitstream.encode_pooled(img, mask, profile, levels))


if __name__ == "__main__":
    main(Path(sys.argv[1]))
