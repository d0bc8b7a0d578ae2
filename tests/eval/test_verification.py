"""The LFW protocol on tiny synthetic cases with known thresholds and accuracies."""
import numpy as np
import pytest

from cvlfic.eval.verification import (best_threshold, pair_distances, tar_at_far, verify)


def test_best_threshold_is_the_midpoint_of_the_best_gap():
    same = np.array([1, 1, 1, 1, 0, 0, 0, 0], bool)
    # Accepting d < t: t in (0.3, 0.5) gets 7 of 8 right, t in (0.7, 0.9) only 6.
    distances = np.array([0.1, 0.2, 0.3, 0.7, 0.5, 0.6, 0.9, 1.0])
    assert best_threshold(distances, same) == pytest.approx(0.4)


def test_ties_go_to_the_smallest_threshold():
    same = np.array([1, 1, 0, 0, 1, 0], bool)
    # (0.2, 0.5) and (0.6, 0.8) both get 5 of 6 right.
    distances = np.array([0.1, 0.2, 0.5, 0.8, 0.6, 0.9])
    assert best_threshold(distances, same) == pytest.approx(0.35)


def test_every_fold_uses_the_threshold_of_the_other_folds():
    # Folds 1 and 2 separate at 0.4; fold 0 is shifted so that threshold fails on it.
    fold = np.array([0, 0, 1, 1, 2, 2])
    same = np.array([1, 0, 1, 0, 1, 0], bool)
    distances = np.array([0.5, 0.9, 0.2, 0.6, 0.2, 0.6])
    result = verify(distances, same, fold)
    assert result.fold_thresholds == pytest.approx([0.4, 0.55, 0.55])
    assert result.fold_accuracies == pytest.approx([0.5, 1.0, 1.0])
    assert result.accuracy_mean == pytest.approx(2.5 / 3)
    assert result.accuracy_std == pytest.approx(np.std([0.5, 1.0, 1.0]))


def test_ten_folds_of_a_known_accuracy():
    same_d = [0.1, 0.2, 0.3, 0.7]
    diff_d = [0.5, 0.6, 0.9, 1.0]
    distances = np.tile(same_d + diff_d, 10)
    same = np.tile([1, 1, 1, 1, 0, 0, 0, 0], 10).astype(bool)
    fold = np.repeat(np.arange(10), 8)
    result = verify(distances, same, fold)
    assert result.accuracy_mean == pytest.approx(7 / 8)
    assert result.accuracy_std == pytest.approx(0.0)
    assert result.fold_thresholds == pytest.approx([0.4] * 10)


def test_tar_at_far_accepts_at_most_the_allowed_impostors():
    impostors = np.linspace(1.0, 2.0, 2000)          # 2000 mismatched: FAR 1e-3 allows 2
    genuine = np.concatenate([np.full(90, 0.5), np.full(10, 1.5)])
    distances = np.concatenate([genuine, impostors])
    same = np.concatenate([np.ones(100, bool), np.zeros(2000, bool)])
    tar, threshold, far = tar_at_far(distances, same, 1e-3)
    assert threshold == pytest.approx(impostors[2])  # accepts the 2 closest impostors
    assert far == pytest.approx(2 / 2000)
    assert tar == pytest.approx(0.90)
    result = verify(distances, same, np.arange(2100) % 10)
    assert result.tar_at_far == pytest.approx(0.90) and result.far_achieved <= 1e-3


def test_pair_distances_and_bad_input():
    descriptors = np.array([[0, 0], [3, 4], [6, 8]], np.float32)
    np.testing.assert_allclose(pair_distances(descriptors, np.array([0, 1]), np.array([1, 2])),
                               [5.0, 5.0])
    with pytest.raises(ValueError):
        verify(np.zeros(4), np.zeros(4, bool), np.zeros(4))  # one fold only
    with pytest.raises(ValueError):
        verify(np.array([0.1, np.nan]), np.array([1, 0], bool), np.array([0, 1]))
