"""The model's encoder parameters, ``encoder.bin``: what the fast mask search needs.

The file format, its parser and its validation belong to the core (``cvlfic_encoder_*``,
docs/encoder-params.md); this module only turns a model's calibration record (model.json:
the importance prior, the search exponents, the rate-to-levels table, the gray share) into
the file, and loads the file for the core's encoder.
"""
from __future__ import annotations

from pathlib import Path
from typing import Dict, Optional, Sequence, Tuple

import numpy as np

from cvlfic import _core, bitstream

ENCODER_FILE = "encoder.bin"
DEFAULT_LEVEL_CANDIDATES = (4, 6, 8, 12, 16, 24, 32)


def values_per_block_index(block_sizes, region: int) -> np.ndarray:
    """Coded values of one region at each block index, all planes together."""
    return np.array([sum((region // sizes[i]) ** 2 for sizes in block_sizes)
                     for i in range(len(block_sizes[0]))], np.int64)


def encoder_params(profile: int, importance: Optional[np.ndarray] = None,
                   importance_exponent: float = 1.0, cost_exponent: float = 0.0,
                   rate_levels: Sequence[Tuple[float, int]] = (),
                   level_candidates: Sequence[int] = DEFAULT_LEVEL_CANDIDATES,
                   gray_share: float = 1.0) -> bytes:
    """An ``encoder.bin``: the search ranks a refinement step by
    ``importance ** importance_exponent`` x error reduction / (values the step adds) **
    ``cost_exponent``; ``rate_levels`` are (bpp, level count) pairs (none: every candidate is
    searched and the least weighted error wins)."""
    info = bitstream.profile_info(profile)
    prior = None if importance is None else np.asarray(importance, np.float64) ** float(importance_exponent)
    steps = ()
    if cost_exponent:
        added = np.diff(values_per_block_index(info["block_sizes"], info["region"])).astype(np.float64)
        steps = tuple(float(v) for v in added ** float(cost_exponent))
    return _core.write_encoder_params(int(profile), [int(v) for v in level_candidates],
                                      [(float(b), int(v)) for b, v in rate_levels], float(gray_share),
                                      list(steps), prior)


def params_from_metadata(meta: Dict) -> bytes:
    """The ``encoder.bin`` of a model's calibration record (its model.json)."""
    importance = meta.get("importance")
    search = meta.get("mask_search", {})
    return encoder_params(
        int(meta["profile"]),
        None if importance is None else np.asarray(importance, np.float32),
        float(search.get("importance_exponent", 1.0)), float(search.get("cost_exponent", 0.0)),
        [tuple(p) for p in meta.get("rate_levels", [])],
        meta.get("level_candidates", DEFAULT_LEVEL_CANDIDATES), float(meta.get("gray_share", 1.0)))


def write_encoder_file(model_dir: Path, meta: Dict) -> Path:
    """Write ``model_dir/encoder.bin`` from the calibration record ``meta``."""
    path = Path(model_dir) / ENCODER_FILE
    path.write_bytes(params_from_metadata(meta))
    return path


def load_encoder(model_dir: Path) -> "_core.Encoder":
    """The core's encoder of a model folder (``CorruptStreamError``-free: a bad file raises
    ValueError naming it)."""
    path = Path(model_dir) / ENCODER_FILE
    try:
        return _core.Encoder(path.read_bytes())
    except FileNotFoundError:
        raise FileNotFoundError(f"{path} is missing: the model folder has no encoder parameters "
                                f"(write them with cvlfic.lfic.encoder_params.write_encoder_file)") from None
    except ValueError as exc:
        raise ValueError(f"{path}: {exc}") from None
