import numpy as np

from cvlfic import bitstream
from cvlfic.lfic.mask_search import (greedy_sequence, longest_fitting_prefix, mask_from_sequence,
                                     search_weights, sequence_costs, values_per_block_index)
from cvlfic.lfic.region_errors import RegionErrors


def test_greedy_refines_the_costliest_region_first_and_covers_all_steps():
    errors = np.zeros((2, 2, 4), np.float32)
    errors[..., 0] = [[10, 100], [1, 50]]
    sequence = greedy_sequence(errors)
    assert sequence[0] == 1
    assert len(sequence) == 4 * 3
    assert np.all(mask_from_sequence((2, 2), sequence, len(sequence)) == 3)


def test_importance_reorders():
    errors = np.zeros((1, 2, 2), np.float32)
    errors[..., 0] = [[10, 20]]
    assert greedy_sequence(errors)[0] == 1
    assert greedy_sequence(errors, np.array([[10.0, 1.0]]))[0] == 0


def test_step_cost_reorders():
    # Region 0 saves 50 at each of its two steps; region 1 saves 30 at its first step only.
    errors = np.array([[[100.0, 50.0, 0.0], [30.0, 0.0, 0.0]]])
    assert list(greedy_sequence(errors)[:3]) == [0, 0, 1]
    # When the second step costs 100 times the first, region 1's cheap step comes before it.
    assert list(greedy_sequence(errors, None, np.array([1.0, 100.0]))[:3]) == [0, 1, 0]


def test_search_weights():
    profile = bitstream.profile_info(0)
    sizes, region = profile["block_sizes"], profile["region"]
    # Y 16/8/4/2 and Cb, Cr 16/16/8/4 in a 16x16 region: 1+1+1, 4+1+1, 16+4+4, 64+16+16 values.
    assert list(values_per_block_index(sizes, region)) == [3, 6, 24, 96]
    importance = np.array([[0.5, 2.0]])
    weight, cost = search_weights(importance, sizes, region)
    assert np.allclose(weight, importance) and cost is None
    weight, cost = search_weights(importance, sizes, region, importance_exponent=2, cost_exponent=1)
    assert np.allclose(weight, [[0.25, 4.0]]) and list(cost) == [3, 18, 72]
    assert search_weights(None, sizes, region, 4, 0)[0] is None


def test_longest_fitting_prefix():
    sizes = [5, 7, 9, 12, 15]
    assert longest_fitting_prefix(lambda k: sizes[k], 4, 12) == 3
    assert longest_fitting_prefix(lambda k: sizes[k], 4, 100) == 4
    assert longest_fitting_prefix(lambda k: sizes[k], 4, 4) == -1


def test_region_errors_match_full_resolution_pooling():
    rng = np.random.default_rng(3)
    image = rng.integers(0, 256, (40, 24, 3), dtype=np.uint8)
    profile = bitstream.profile_info(0)
    errors = RegionErrors(image, profile)(256)  # lossless levels: pure pooling error
    shape = bitstream.mask_shape(40, 24, 0)
    assert errors.shape == (*shape, 4)
    # Finer blocks never lose more than coarser ones (block means minimise squared error).
    assert np.all(np.diff(errors, axis=2) <= 128)  # up to integer rounding of the means
    planes = bitstream.reconstruct(image, np.full(shape, 3, np.uint8), 0, 256)
    assert planes.shape == image.shape


def test_interpolating_search_finds_the_same_prefix_with_fewer_calls():
    rng = np.random.default_rng(1)
    steps = rng.integers(1, 40, 147)
    cost = np.concatenate([[0], np.cumsum(steps)])
    sizes = 9 + (cost * 0.37 + rng.normal(0, 1.5, cost.size)).astype(int)  # near-linear, noisy
    for budget in (5, 9, 40, 157, 300, 10_000):
        calls = {"plain": 0, "interp": 0}

        def size_of(k, kind):
            calls[kind] += 1
            return int(sizes[k])

        plain = longest_fitting_prefix(lambda k: size_of(k, "plain"), 147, budget)
        interp = longest_fitting_prefix(lambda k: size_of(k, "interp"), 147, budget, cost)
        for k in (plain, interp):
            assert k == -1 or sizes[k] <= budget
            assert k == 147 or k == -1 or sizes[k + 1] > budget
        assert calls["interp"] <= calls["plain"] + 1


def test_sequence_costs_count_coded_values():
    profile = bitstream.profile_info(0)
    costs = sequence_costs([0, 0, 0], profile["block_sizes"], profile["region"])
    # 16 -> 8 -> 4 -> 2 in one region: luma 1 -> 4 -> 16 -> 64, chroma 1 -> 1 -> 4 -> 16 each
    assert costs.tolist() == [0, 3, 3 + 12 + 6, 3 + 12 + 6 + 48 + 24]
