"""Where the face data lives: the shared data folder and the on-disk cache.

The project never copies the data; it reads it in place. ``CVLFIC_DATA`` overrides the
search, which otherwise looks for ``shared/data`` beside the checkout (the CI layout).
"""
from __future__ import annotations

import os
from pathlib import Path
from typing import List


def data_root() -> Path:
    """The shared data folder (``shared/data``)."""
    env = os.environ.get("CVLFIC_DATA")
    if env:
        return Path(env)
    starts = [Path.cwd(), Path(__file__).resolve().parent]
    for start in starts:
        for parent in [start, *start.parents]:
            candidate = parent / "shared" / "data"
            if (candidate / "lfw" / "pairs.txt").is_file():
                return candidate
    raise FileNotFoundError(
        "face data not found: set CVLFIC_DATA or place shared/data beside the checkout")


def has_data() -> bool:
    try:
        data_root()
        return True
    except FileNotFoundError:
        return False


def lfw_dir() -> Path:
    return data_root() / "lfw"


def lfw_pairs_path() -> Path:
    return lfw_dir() / "pairs.txt"


def lfw_image_path(name: str, index: int) -> Path:
    return lfw_dir() / name / f"{name}_{index:04d}.jpg"


def training_image_paths() -> List[Path]:
    """UTKFace crops usable for training (no identities, none of them in LFW)."""
    root = data_root()
    paths = sorted((root / "utkface" / "crop_part1").glob("*.jpg"))
    paths += sorted((root / "train_extra" / "utkface_aligned").glob("*.jpg"))
    return paths


def video_clip_path() -> Path:
    """The sample clip; FileNotFoundError when the data (or the clip) is absent."""
    path = data_root() / "video" / "short_hamilton_clip.mp4"
    if not path.is_file():
        raise FileNotFoundError(f"sample clip missing: {path}")
    return path


def cache_dir() -> Path:
    """Where computed crops, embeddings and results caches go (``CVLFIC_CACHE``)."""
    path = Path(os.environ.get("CVLFIC_CACHE", Path.home() / ".cache" / "cvlfic"))
    path.mkdir(parents=True, exist_ok=True)
    return path
