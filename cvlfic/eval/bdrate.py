"""BD-rate (Bjontegaard) with verification accuracy as the quality axis.

BD-rate is the mean log-rate difference between two rate-quality curves over the quality
range both cover, interpolated with Akima or PCHIP (the ``bjontegaard`` package). It
needs quality to rise strictly with rate; measured accuracy curves are noisy near
saturation, so points that do not beat every cheaper point of the same curve (dominated
points) are dropped first and reported. A curve left with fewer than two points, or two
curves whose accuracy ranges do not overlap, give no BD-rate, with a message saying why.
"""
from __future__ import annotations

import warnings
from dataclasses import asdict, dataclass, field
from typing import Dict, List, Optional, Sequence, Tuple

import numpy as np

METHODS = ("akima", "pchip")


@dataclass
class BdRateResult:
    """``bd_rate_percent`` < 0 means the test codec needs fewer bits than the anchor for the
    same accuracy; None when it cannot be computed (``message`` says why)."""
    bd_rate_percent: Optional[float]
    overlap: Optional[Tuple[float, float]]  # accuracy range integrated over
    overlap_fraction: float  # overlap / union of the two accuracy ranges
    method: str
    dropped_anchor: List[float] = field(default_factory=list)  # rates of dominated points
    dropped_test: List[float] = field(default_factory=list)
    message: str = ""

    def to_dict(self) -> Dict:
        return asdict(self)


def monotone_frontier(rates: Sequence[float], quality: Sequence[float]):
    """Sort by rate and keep only points whose quality beats every cheaper point.

    Returns (rates, quality, dropped rates)."""
    rates = np.asarray(rates, dtype=np.float64)
    quality = np.asarray(quality, dtype=np.float64)
    order = np.lexsort((-quality, rates))  # by rate; at equal rate, best quality first
    kept_r, kept_q, dropped = [], [], []
    for r, q in zip(rates[order], quality[order]):
        if kept_q and (q <= kept_q[-1] or r == kept_r[-1]):
            dropped.append(float(r))
            continue
        kept_r.append(float(r))
        kept_q.append(float(q))
    return np.array(kept_r), np.array(kept_q), dropped


def _check_curve(label: str, rates: np.ndarray, quality: np.ndarray) -> None:
    if rates.shape != quality.shape or rates.ndim != 1:
        raise ValueError(f"{label}: rates and quality must be 1-D and of equal length")
    if not (np.all(np.isfinite(rates)) and np.all(np.isfinite(quality))):
        raise ValueError(f"{label}: rates and quality must be finite")
    if np.any(rates <= 0):
        raise ValueError(f"{label}: rates must be positive (BD-rate works on log rate)")


def bd_rate(anchor_rates: Sequence[float], anchor_quality: Sequence[float],
            test_rates: Sequence[float], test_quality: Sequence[float],
            method: str = "akima") -> BdRateResult:
    """BD-rate of the test curve against the anchor curve, in percent."""
    if method not in METHODS:
        raise ValueError(f"method must be one of {METHODS}, got {method!r}")
    curves = []
    for label, r, q in (("anchor", anchor_rates, anchor_quality),
                        ("test", test_rates, test_quality)):
        r, q = np.asarray(r, dtype=np.float64), np.asarray(q, dtype=np.float64)
        _check_curve(label, r, q)
        curves.append(monotone_frontier(r, q))
    (ra, qa, dropped_a), (rt, qt, dropped_t) = curves
    notes = []
    if dropped_a or dropped_t:
        listed = [f"{label} bpp {', '.join(f'{r:.3f}' for r in rates)}"
                  for label, rates in (("anchor", dropped_a), ("test", dropped_t)) if rates]
        notes.append(f"dropped points whose accuracy does not rise with rate "
                     f"({'; '.join(listed)})")
    result = BdRateResult(None, None, 0.0, method, dropped_a, dropped_t)
    for label, r in (("anchor", ra), ("test", rt)):
        if r.size < 2:
            result.message = "; ".join(notes + [
                f"{label} curve has {r.size} point(s) with rising accuracy; need 2"])
            return result
    lo, hi = max(qa[0], qt[0]), min(qa[-1], qt[-1])
    union = max(qa[-1], qt[-1]) - min(qa[0], qt[0])
    if hi <= lo:
        result.message = "; ".join(notes + [
            f"accuracy ranges do not overlap (anchor {qa[0]:.4f}-{qa[-1]:.4f}, "
            f"test {qt[0]:.4f}-{qt[-1]:.4f})"])
        return result
    import bjontegaard

    with warnings.catch_warnings():
        warnings.simplefilter("ignore")  # overlap is reported below, not warned about
        value = bjontegaard.bd_rate(ra, qa, rt, qt, method=method,
                                    require_matching_points=False, min_overlap=0)
    result.bd_rate_percent = float(value)
    result.overlap = (float(lo), float(hi))
    result.overlap_fraction = float((hi - lo) / union)
    result.message = "; ".join(notes)
    return result
