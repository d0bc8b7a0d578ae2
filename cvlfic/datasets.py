"""The face data sets that evaluation and training read in place: LFW and the UTKFace crops.

The data folder (holding ``lfw/``, ``utkface/``, ...) is given to each function as ``root``
or, when that is None, by the environment variable ``CVLFIC_DATA``; the library has no
default location. A development checkout's tools (tests/conftest.py, bench/devdata.py) set
``CVLFIC_DATA`` to the checkout's own layout when it is unset.
"""
from __future__ import annotations

import os
from pathlib import Path
from typing import List, Optional, Union

DATA_ENV = "CVLFIC_DATA"
PathLike = Union[str, os.PathLike]


def data_root(root: Optional[PathLike] = None) -> Path:
    """The data folder: ``root``, else ``$CVLFIC_DATA``; FileNotFoundError when neither is
    given or the folder does not exist."""
    source = "the given data folder"
    if root is None:
        root = os.environ.get(DATA_ENV)
        source = DATA_ENV
        if not root:
            raise FileNotFoundError(
                f"face data folder not set: set {DATA_ENV} to the folder that holds lfw/ "
                f"(and utkface/, video/), or pass it explicitly")
    path = Path(root).expanduser()
    if not path.is_dir():
        raise FileNotFoundError(f"face data folder {path} ({source}) does not exist")
    return path


def has_data(root: Optional[PathLike] = None) -> bool:
    """Whether a data folder is given (``root`` or ``$CVLFIC_DATA``) and exists."""
    try:
        data_root(root)
        return True
    except FileNotFoundError:
        return False


def data_file(*parts: str, root: Optional[PathLike] = None) -> Path:
    """A file of the data folder (``data_file("lfw", "pairs.txt")``); FileNotFoundError when
    it is absent."""
    path = data_root(root).joinpath(*parts)
    if not path.is_file():
        raise FileNotFoundError(f"{path} is missing from the face data folder")
    return path


def lfw_dir(root: Optional[PathLike] = None) -> Path:
    return data_root(root) / "lfw"


def lfw_pairs_path(root: Optional[PathLike] = None) -> Path:
    return lfw_dir(root) / "pairs.txt"


def lfw_image_path(name: str, index: int, root: Optional[PathLike] = None) -> Path:
    return lfw_dir(root) / name / f"{name}_{index:04d}.jpg"


def training_image_paths(root: Optional[PathLike] = None) -> List[Path]:
    """UTKFace crops usable for training (no identities, none of them in LFW)."""
    base = data_root(root)
    paths = sorted((base / "utkface" / "crop_part1").glob("*.jpg"))
    paths += sorted((base / "train_extra" / "utkface_aligned").glob("*.jpg"))
    return paths
