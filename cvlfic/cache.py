"""Where cvlfic keeps what it computes and reuses: aligned crops, descriptors, benchmark
measurements, TensorRT engines. ``CVLFIC_CACHE`` overrides the default ``~/.cache/cvlfic``."""
from __future__ import annotations

import os
from pathlib import Path

CACHE_ENV = "CVLFIC_CACHE"


def cache_dir() -> Path:
    """The cache folder (created on first use)."""
    path = Path(os.environ.get(CACHE_ENV, Path.home() / ".cache" / "cvlfic"))
    path.mkdir(parents=True, exist_ok=True)
    return path
