"""Training crops: every training image aligned once to the standard 112x112 crop and cached.

Sources: the UTKFace crops (no identities, none in LFW) and the LFW images of identities
that never appear in ``pairs.txt`` (the pairs are the test set; none of their 4,281
identities is trained on).
"""
from __future__ import annotations

from pathlib import Path
from typing import List, Set, Tuple

import cv2
import numpy as np
from tqdm import tqdm

from cvlfic import datasets
from cvlfic.cache import cache_dir
from cvlfic.face import STANDARD_SIZE, align_face, detect_faces


def pair_identities(pairs_path: Path) -> Set[str]:
    """Every identity named in an LFW pairs file."""
    names: Set[str] = set()
    lines = pairs_path.read_text().splitlines()[1:]
    for line in lines:
        fields = line.split("\t")
        if len(fields) == 3:
            names.add(fields[0])
        elif len(fields) == 4:
            names.update((fields[0], fields[2]))
    return names


def lfw_training_paths() -> List[Path]:
    """LFW images whose identity is in no pair of pairs.txt."""
    excluded = pair_identities(datasets.lfw_pairs_path())
    root = datasets.lfw_dir()
    return sorted(p for d in root.iterdir() if d.is_dir() and d.name not in excluded
                  for p in d.glob("*.jpg"))


def training_source_paths() -> List[Path]:
    return datasets.training_image_paths() + lfw_training_paths()


def align_standard(image: np.ndarray, size: int = STANDARD_SIZE) -> Tuple[np.ndarray, bool]:
    """Align the largest face; crops known to hold one centred face fall back to a central box.

    Returns the crop and whether a detector (not the fallback) found the face.
    """
    h, w = image.shape[:2]
    central = (w // 6, h // 6, w - w // 6, h - h // 6)
    faces = detect_faces(image, fallback_box=central)
    return align_face(image, faces[0], size=size), faces[0].score != 0.0


def build_crop_cache(out: Path, size: int = STANDARD_SIZE) -> Path:
    """Align every training source once into ``out`` (uint8 N x size x size x 3 BGR .npy)."""
    paths = training_source_paths()
    crops = np.empty((len(paths), size, size, 3), np.uint8)
    detected = 0
    for i, path in enumerate(tqdm(paths, desc="aligning training crops", unit="img")):
        image = cv2.imread(str(path), cv2.IMREAD_COLOR)
        if image is None:
            raise OSError(f"cannot read {path}")
        crops[i], found = align_standard(image, size)
        detected += found
    tmp = out.with_suffix(".tmp.npy")
    np.save(tmp, crops)
    tmp.rename(out)
    out.with_suffix(".txt").write_text(
        "\n".join(str(p) for p in paths) + f"\n# detected {detected} of {len(paths)}\n")
    return out


def training_crops(size: int = STANDARD_SIZE) -> np.ndarray:
    """The cached training crops (built on first use), memory-mapped."""
    path = cache_dir() / f"train_crops_{size}.npy"
    if not path.is_file():
        build_crop_cache(path, size)
    return np.load(path, mmap_mode="r")
