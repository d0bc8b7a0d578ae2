"""LFW View 2 verification protocol on descriptor distances.

A pair is declared "same person" when the Euclidean distance of its two descriptors is
below a threshold. Accuracy: for each fold, the threshold that maximises accuracy on the
other folds is applied to the held-out fold; mean and std (population, ddof=0) over folds.
TAR at a FAR: pooled over all pairs, since one fold's 300 mismatched pairs cannot resolve
a FAR of 1e-3.
"""
from __future__ import annotations

import math
from dataclasses import asdict, dataclass
from typing import Dict, List

import numpy as np


@dataclass
class VerificationResult:
    accuracy_mean: float
    accuracy_std: float
    fold_accuracies: List[float]
    fold_thresholds: List[float]
    far_target: float
    tar_at_far: float
    far_threshold: float
    far_achieved: float

    def to_dict(self) -> Dict:
        return asdict(self)


def pair_distances(descriptors: np.ndarray, left: np.ndarray, right: np.ndarray) -> np.ndarray:
    """Euclidean distance between ``descriptors[left[i]]`` and ``descriptors[right[i]]``."""
    descriptors = np.asarray(descriptors, dtype=np.float64)
    return np.linalg.norm(descriptors[left] - descriptors[right], axis=1)


def best_threshold(distances: np.ndarray, same: np.ndarray) -> float:
    """The threshold maximising accuracy of ``distance < threshold`` <=> same.

    Candidates are the midpoints between consecutive distinct distances (plus one below
    the smallest and one above the largest); ties go to the smallest threshold.
    """
    distances = np.asarray(distances, dtype=np.float64)
    same = np.asarray(same, dtype=bool)
    if distances.size == 0:
        raise ValueError("no pairs to choose a threshold on")
    values = np.unique(distances)
    candidates = np.concatenate([[values[0] - 1.0], (values[:-1] + values[1:]) / 2,
                                 [values[-1] + 1.0]])
    # Counts of matched / mismatched pairs strictly below each candidate, via sorting.
    order = np.sort(distances[same])
    other = np.sort(distances[~same])
    true_accepts = np.searchsorted(order, candidates, side="left")
    false_accepts = np.searchsorted(other, candidates, side="left")
    correct = true_accepts + (other.size - false_accepts)
    return float(candidates[int(np.argmax(correct))])


def accuracy_at(distances: np.ndarray, same: np.ndarray, threshold: float) -> float:
    return float(np.mean((np.asarray(distances) < threshold) == np.asarray(same, dtype=bool)))


def tar_at_far(distances: np.ndarray, same: np.ndarray, far: float = 1e-3):
    """(TAR, threshold, achieved FAR) at the largest threshold whose FAR is <= ``far``.

    Accepting ``distance < threshold``, at most ``floor(far * mismatched)`` mismatched
    pairs may be accepted, so the threshold is the next mismatched distance.
    """
    distances = np.asarray(distances, dtype=np.float64)
    same = np.asarray(same, dtype=bool)
    impostors = np.sort(distances[~same])
    genuine = distances[same]
    if impostors.size == 0 or genuine.size == 0:
        raise ValueError("TAR@FAR needs both matched and mismatched pairs")
    allowed = int(np.floor(far * impostors.size + 1e-9))
    threshold = impostors[allowed] if allowed < impostors.size else np.inf
    achieved = float(np.mean(impostors < threshold))
    return float(np.mean(genuine < threshold)), float(threshold), achieved


def verify(distances: np.ndarray, same: np.ndarray, fold: np.ndarray,
           far: float = 1e-3) -> VerificationResult:
    """Run the 10-fold (or n-fold) protocol on per-pair distances."""
    distances = np.asarray(distances, dtype=np.float64)
    same = np.asarray(same, dtype=bool)
    fold = np.asarray(fold)
    if not distances.shape == same.shape == fold.shape:
        raise ValueError("distances, same and fold must have one entry per pair")
    if not np.all(np.isfinite(distances)):
        raise ValueError("distances must be finite")
    folds = np.unique(fold)
    if folds.size < 2:
        raise ValueError("cross-validation needs at least 2 folds")
    accuracies, thresholds = [], []
    for k in folds:
        test = fold == k
        threshold = best_threshold(distances[~test], same[~test])
        thresholds.append(threshold)
        accuracies.append(accuracy_at(distances[test], same[test], threshold))
    tar, far_threshold, achieved = tar_at_far(distances, same, far)
    return VerificationResult(
        accuracy_mean=float(np.mean(accuracies)), accuracy_std=float(np.std(accuracies)),
        fold_accuracies=accuracies, fold_thresholds=thresholds, far_target=far,
        tar_at_far=tar, far_threshold=far_threshold, far_achieved=achieved)


def correct_pairs(distances: np.ndarray, same: np.ndarray, fold: np.ndarray, verification) -> np.ndarray:
    """Per pair: judged right at its fold's threshold (chosen on the other folds)."""
    threshold = np.asarray(verification.fold_thresholds)[np.searchsorted(np.unique(fold), fold)]
    return (distances < threshold) == same


def mcnemar_p(b: int, c: int) -> float:
    """Two-sided exact McNemar p-value of b against c discordant pairs."""
    n, k = b + c, min(b, c)
    if n == 0:
        return 1.0
    tail = sum(math.comb(n, i) for i in range(k + 1)) / 2.0 ** n
    return min(1.0, 2.0 * tail)
