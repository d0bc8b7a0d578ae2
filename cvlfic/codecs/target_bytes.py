"""Target-bytes mode: per image, the best setting of a codec family whose file fits a budget.

Rate control of classical codecs is per setting, not per byte; to compare codecs at equal
file size each image gets the largest setting whose output fits. The search is a
bisection over the family's setting range that only ever keeps an output that fits, so a
non-monotonic codec may land on a smaller setting than optimal but never over budget.
"""
from __future__ import annotations

from dataclasses import dataclass
from typing import Dict, List, Optional, Sequence, Tuple

import numpy as np

from cvlfic.codecs.base import BenchCodec, Setting, codec_family, create_codec

# Bisection steps for families with real-valued settings.
_REAL_STEPS = 12


class BudgetMissError(ValueError):
    """Even the codec's lowest setting does not fit the byte budget."""


@dataclass
class BudgetFit:
    """One image's search result; ``data`` is None when the budget was missed."""
    data: Optional[bytes]
    setting: Optional[Setting]
    encodes: int

    @property
    def missed(self) -> bool:
        return self.data is None


def encode_within(name: str, image: np.ndarray, max_bytes: int) -> BudgetFit:
    """Encode ``image`` with codec family ``name`` at the largest setting (found by
    bisection) whose output has at most ``max_bytes`` bytes."""
    if max_bytes < 1:
        raise ValueError("max_bytes must be positive")
    family = codec_family(name)
    outputs: Dict[Setting, bytes] = {}

    def fits(setting: Setting) -> bool:
        if setting not in outputs:
            outputs[setting] = create_codec(name, setting).encode(image)
        return len(outputs[setting]) <= max_bytes

    lo, hi = family.setting_range
    if not fits(lo):
        return BudgetFit(None, None, len(outputs))
    if fits(hi):
        return BudgetFit(outputs[hi], hi, len(outputs))
    # Invariant: lo fits, hi does not.
    if family.integer:
        while hi - lo > 1:
            mid = (lo + hi) // 2
            lo, hi = (mid, hi) if fits(mid) else (lo, mid)
    else:
        for _ in range(_REAL_STEPS):
            mid = (lo + hi) / 2
            lo, hi = (mid, hi) if fits(mid) else (lo, mid)
    return BudgetFit(outputs[lo], lo, len(outputs))


def encode_all_within(name: str, images: Sequence[np.ndarray],
                      max_bytes: int) -> Tuple[List[BudgetFit], int]:
    """``encode_within`` over many images; also returns the number of misses."""
    fits = [encode_within(name, image, max_bytes) for image in images]
    return fits, sum(fit.missed for fit in fits)


class TargetBytesCodec(BenchCodec):
    """A codec family driven by a byte budget instead of a setting; ``encode`` raises
    ``BudgetMissError`` for an image the family cannot fit into the budget."""

    def __init__(self, name: str, max_bytes: int):
        family = codec_family(name)
        super().__init__(f"{name}@bytes", int(max_bytes))
        self.family = name
        self._decoder = create_codec(name, family.setting_range[0])
        self.last_fit: Optional[BudgetFit] = None

    def encode(self, image: np.ndarray) -> bytes:
        self.last_fit = encode_within(self.family, image, self.setting)
        if self.last_fit.missed:
            raise BudgetMissError(
                f"{self.family}: even its lowest setting exceeds {self.setting} bytes")
        return self.last_fit.data

    def decode(self, data: bytes) -> np.ndarray:
        return self._decoder.decode(data)
