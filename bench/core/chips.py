"""Aligned 112x112 LFW chips of identities NOT in pairs.txt, cached as one .npy (bench input).

Why not pairs.txt identities: those are the verification test set; tuning or measuring the
lossless core on them would leak into the face-verification results.
"""
from __future__ import annotations

import argparse
import random
import sys
from pathlib import Path

import cv2
import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))  # bench/: devdata
import devdata  # noqa: E402,F401  (CVLFIC_DATA: the checkout's data folder when unset)
from cvlfic import datasets  # noqa: E402
from cvlfic.cache import cache_dir  # noqa: E402


def pairs_identities() -> set:
    names = set()
    with open(datasets.lfw_pairs_path()) as fh:
        next(fh)
        for line in fh:
            parts = line.split()
            names.add(parts[0])
            if len(parts) == 4:
                names.add(parts[2])
    return names


def chip_paths(count: int, seed: int = 0, offset: int = 0) -> list:
    excluded = pairs_identities()
    folders = sorted(p for p in datasets.lfw_dir().iterdir()
                     if p.is_dir() and p.name not in excluded)
    rng = random.Random(seed)
    rng.shuffle(folders)
    # one image per identity, so no person dominates the statistics
    return [sorted(f.glob("*.jpg"))[0] for f in folders[offset:offset + count]]


def load_chips(count: int = 300, seed: int = 0, offset: int = 0) -> np.ndarray:
    """(count, 112, 112, 3) uint8 BGR aligned chips, one per identity, identities
    ``offset .. offset + count`` of a fixed shuffle: the benchmark uses offset 0, the
    training of the initial probabilities the identities after it. Cached after the first run."""
    name = f"bench_core_lfw_chips_{count}_{seed}" + (f"_{offset}" if offset else "")
    cache = cache_dir() / f"{name}.npy"
    if cache.is_file():
        return np.load(cache)
    from cvlfic.face import align_face, detect_faces
    chips = []
    for path in chip_paths(count, seed, offset):
        bgr = cv2.imread(str(path), cv2.IMREAD_COLOR)
        # deep-funneled LFW: the face is centred, so the centre box is a safe fallback
        face = detect_faces(bgr, fallback_box=(70, 70, 180, 180))[0]
        chips.append(align_face(bgr, face))
    out = np.stack(chips)
    np.save(cache, out)
    return out


if __name__ == "__main__":
    ap = argparse.ArgumentParser(description=__doc__)
    ap.add_argument("--count", type=int, default=300)
    ap.add_argument("--offset", type=int, default=0)
    args = ap.parse_args()
    chips = load_chips(args.count, offset=args.offset)
    print(chips.shape, cache_dir())
