"""LFW View 2: the pairs list and a cache of aligned crops of every pair image.

The crops are the input of every benchmark run, so they are computed once and kept in
``cvlfic.cache.cache_dir()``: standard 112x112 crops (what codecs compress) and native
150x150 chips (the recognizer's uncompressed reference), both from the same landmarks.
"""
from __future__ import annotations

import json
from dataclasses import dataclass
from pathlib import Path
from typing import Callable, Dict, List, Optional, Sequence, Tuple

import cv2
import numpy as np

from cvlfic import datasets
from cvlfic.cache import cache_dir

# Face box used when dlib's HOG finds nothing even with upsampling: the median HOG box
# (centre (129, 136), side 104) measured on 600 of the deep-funneled 250x250 pair images,
# whose faces are centred by construction.
FALLBACK_BOX = (77, 84, 181, 188)
CROP_CACHE_VERSION = 1

# How each image's face was found (stored per image in the cache).
FOUND_HOG, FOUND_HOG_UPSAMPLED, FOUND_FALLBACK = 0, 1, 2
FOUND_NAMES = {FOUND_HOG: "hog", FOUND_HOG_UPSAMPLED: "hog_upsample1",
               FOUND_FALLBACK: "central_box"}

ImageKey = Tuple[str, int]


@dataclass
class LfwPairs:
    """The 6000 View 2 pairs as index arrays into ``images`` (sorted unique image keys)."""
    images: List[ImageKey]
    left: np.ndarray   # (P,) int index into images
    right: np.ndarray  # (P,) int
    same: np.ndarray   # (P,) bool, True for matched pairs
    fold: np.ndarray   # (P,) int in [0, n_folds)
    n_folds: int

    def select_folds(self, folds: Sequence[int]) -> "LfwPairs":
        """The pairs of the given folds only (same ``images`` list)."""
        keep = np.isin(self.fold, np.asarray(list(folds)))
        return LfwPairs(self.images, self.left[keep], self.right[keep], self.same[keep],
                        self.fold[keep], self.n_folds)

    def used_images(self) -> np.ndarray:
        """Sorted indices of the images these pairs use."""
        return np.unique(np.concatenate([self.left, self.right]))


def parse_pairs(path: Optional[Path] = None, root: Optional[datasets.PathLike] = None) -> LfwPairs:
    """Parse an LFW ``pairs.txt``: a ``folds<TAB>n`` header, then per fold ``n`` matched
    (``name i j``) followed by ``n`` mismatched (``name1 i name2 j``) lines. Default: the
    one of the data folder ``root`` (default ``$CVLFIC_DATA``)."""
    path = Path(path) if path is not None else datasets.lfw_pairs_path(root)
    lines = [line.split() for line in path.read_text().splitlines() if line.strip()]
    if not lines or len(lines[0]) != 2:
        raise ValueError(f"{path}: first line must be '<folds> <pairs per half-fold>'")
    n_folds, per_half = int(lines[0][0]), int(lines[0][1])
    body = lines[1:]
    if len(body) != n_folds * 2 * per_half:
        raise ValueError(f"{path}: expected {n_folds * 2 * per_half} pair lines, got {len(body)}")
    raw: List[Tuple[ImageKey, ImageKey, bool, int]] = []
    for row, fields in enumerate(body):
        fold, pos = divmod(row, 2 * per_half)
        matched = pos < per_half
        if matched and len(fields) == 3:
            a, b = (fields[0], int(fields[1])), (fields[0], int(fields[2]))
        elif not matched and len(fields) == 4:
            a, b = (fields[0], int(fields[1])), (fields[2], int(fields[3]))
        else:
            kind = "matched (name i j)" if matched else "mismatched (name1 i name2 j)"
            raise ValueError(f"{path}: line {row + 2} should be a {kind} pair: {fields}")
        raw.append((a, b, matched, fold))
    images = sorted({key for a, b, _, _ in raw for key in (a, b)})
    index = {key: i for i, key in enumerate(images)}
    return LfwPairs(
        images=images,
        left=np.array([index[a] for a, _, _, _ in raw], dtype=np.int64),
        right=np.array([index[b] for _, b, _, _ in raw], dtype=np.int64),
        same=np.array([m for _, _, m, _ in raw], dtype=bool),
        fold=np.array([f for _, _, _, f in raw], dtype=np.int64),
        n_folds=n_folds,
    )


def find_face(image: np.ndarray):
    """The face to align in an LFW image and how it was found: the largest HOG detection,
    else the largest with one upsampling, else the fixed central box."""
    from cvlfic.face import detect_faces

    faces = detect_faces(image, detector="hog")
    if faces:
        return faces[0], FOUND_HOG
    faces = detect_faces(image, detector="hog", upsample=1)
    if faces:
        return faces[0], FOUND_HOG_UPSAMPLED
    return detect_faces(image, detector="hog", fallback_box=FALLBACK_BOX)[0], FOUND_FALLBACK


def align_lfw_image(image: np.ndarray) -> Tuple[np.ndarray, np.ndarray, int]:
    """(112x112 standard crop, 150x150 chip, how the face was found) of one LFW image."""
    from cvlfic.face import align_face

    face, how = find_face(image)
    return align_face(image, face, size=112), align_face(image, face, size=150), how


@dataclass
class LfwCrops:
    """Aligned crops of ``images`` (same order as ``LfwPairs.images``)."""
    images: List[ImageKey]
    crops112: np.ndarray  # (N, 112, 112, 3) BGR uint8
    chips150: np.ndarray  # (N, 150, 150, 3) BGR uint8
    found: np.ndarray     # (N,) uint8, FOUND_* codes

    def found_counts(self) -> Dict[str, int]:
        return {FOUND_NAMES[code]: int((self.found == code).sum()) for code in FOUND_NAMES}


def crop_cache_dir() -> Path:
    return cache_dir() / f"lfw_crops_v{CROP_CACHE_VERSION}"


def load_crops(images: Sequence[ImageKey],
               progress: Optional[Callable[[int], None]] = None,
               root: Optional[datasets.PathLike] = None) -> LfwCrops:
    """Aligned crops of all ``images``, computed once and then read from the cache.

    ``progress(n)`` is called as images are aligned (only when the cache is built); the
    images are read from the data folder ``root`` (default ``$CVLFIC_DATA``).
    """
    folder = crop_cache_dir()
    keys_file = folder / "images.json"
    wanted = [list(k) for k in images]
    if keys_file.is_file() and json.loads(keys_file.read_text()) == wanted:
        return LfwCrops(list(images), np.load(folder / "crops112.npy", mmap_mode="r"),
                        np.load(folder / "chips150.npy", mmap_mode="r"),
                        np.load(folder / "found.npy"))
    crops112 = np.empty((len(images), 112, 112, 3), np.uint8)
    chips150 = np.empty((len(images), 150, 150, 3), np.uint8)
    found = np.empty(len(images), np.uint8)
    for i, (name, index) in enumerate(images):
        path = datasets.lfw_image_path(name, index, root)
        image = cv2.imread(str(path), cv2.IMREAD_COLOR)
        if image is None:
            raise FileNotFoundError(f"cannot read LFW image {path}")
        crops112[i], chips150[i], found[i] = align_lfw_image(image)
        if progress is not None:
            progress(1)
    folder.mkdir(parents=True, exist_ok=True)
    np.save(folder / "crops112.npy", crops112)
    np.save(folder / "chips150.npy", chips150)
    np.save(folder / "found.npy", found)
    keys_file.write_text(json.dumps(wanted))  # written last: marks the cache complete
    return LfwCrops(list(images), crops112, chips150, found)
