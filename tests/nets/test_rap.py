"""The torch RAP used in training must equal the C++ core's reconstruction bit for bit."""
import numpy as np
import pytest
import torch

from cvlfic import bitstream
from cvlfic.nets.network import block_size_map
from cvlfic.nets.rap import PROFILES, reconstruct


@pytest.mark.parametrize("profile", [0, 1])
@pytest.mark.parametrize("size", [(112, 112), (37, 53), (1, 1), (17, 200)])
def test_torch_rap_equals_core(profile, size):
    rng = np.random.default_rng(sum(size) + profile)
    h, w = size
    ramp = np.linspace(0, 170, w)[None, :, None]
    image = np.clip(rng.integers(0, 86, (h, w, 3)) + ramp, 0, 255).astype(np.uint8)
    shape = bitstream.mask_shape(h, w, profile)
    mask = rng.integers(0, len(PROFILES[profile].blocks), shape).astype(np.uint8)
    for levels in (2, 8, 24, 256):
        core = bitstream.reconstruct(image, mask, profile, levels)
        ours = reconstruct(torch.from_numpy(image).permute(2, 0, 1)[None],
                           torch.from_numpy(mask)[None], levels, PROFILES[profile])
        np.testing.assert_array_equal(ours[0].permute(1, 2, 0).numpy(), core)


def test_levels_per_image_and_validation():
    image = torch.randint(0, 256, (2, 3, 32, 32), dtype=torch.uint8)
    mask = torch.zeros(2, 2, 2, dtype=torch.int64)
    both = reconstruct(image, mask, torch.tensor([4, 24]), PROFILES[0])
    for i, levels in enumerate((4, 24)):
        assert torch.equal(both[i], reconstruct(image[i:i + 1], mask[i:i + 1], levels, PROFILES[0])[0])
    with pytest.raises(ValueError):
        reconstruct(image, mask, 7, PROFILES[0])


def test_block_size_map():
    mask = torch.tensor([[[0, 3]]])
    log2 = block_size_map(mask, 16, 20, PROFILES[0].region, PROFILES[0].blocks)
    assert log2.shape == (1, 1, 16, 20)
    assert float(log2[0, 0, 0, 0]) == 4.0 and float(log2[0, 0, 0, 19]) == 1.0
