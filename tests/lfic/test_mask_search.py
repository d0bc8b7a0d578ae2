import numpy as np

from cvlfic import bitstream
from cvlfic.lfic.mask_search import greedy_sequence, longest_fitting_prefix, mask_from_sequence
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
