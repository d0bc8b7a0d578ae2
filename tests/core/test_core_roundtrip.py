"""Property tests, 10,500 hypothesis cases: decode(encode(x)) is exactly the encoder's
reconstruction, and the reconstruction is the spec's pooling + quantization (checked
against a numpy reading of docs/bitstream.md)."""
import numpy as np
from hypothesis import HealthCheck, given, settings

from core_reference import reconstruct as reference_reconstruct
from core_strategies import cases
from cvlfic import bitstream

SETTINGS = dict(deadline=None, suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large])


@settings(max_examples=7500, **SETTINGS)
@given(cases())
def test_decode_reproduces_encoder_reconstruction(case):
    img, mask, profile, levels = case
    data = bitstream.encode_pooled(img, mask, profile, levels)
    recon, decoded_mask, info = bitstream.decode_pooled(data)
    expected = bitstream.reconstruct(img, mask, profile, levels)
    assert recon.shape == img.shape and recon.dtype == np.uint8
    np.testing.assert_array_equal(recon, expected)
    np.testing.assert_array_equal(decoded_mask, mask)
    assert info == {"version": 1, "profile": profile, "levels": levels, "height": img.shape[0],
                    "width": img.shape[1], "mask_shape": mask.shape}
    assert bitstream.encode_pooled(img, mask, profile, levels) == data  # deterministic


@settings(max_examples=2500, **SETTINGS)
@given(cases())
def test_reconstruction_matches_numpy_reading_of_the_spec(case):
    img, mask, profile, levels = case
    np.testing.assert_array_equal(bitstream.reconstruct(img, mask, profile, levels),
                                  reference_reconstruct(img, mask, profile, levels))


@settings(max_examples=500, **SETTINGS)
@given(cases())
def test_any_row_stride_and_layout(case):
    img, mask, profile, levels = case
    data = bitstream.encode_pooled(img, mask, profile, levels)
    h, w = img.shape[:2]
    padded = np.zeros((h, w + 5, 3), np.uint8)  # rows further apart than 3 * w
    padded[:, :w] = img
    assert bitstream.encode_pooled(padded[:, :w], mask, profile, levels) == data
    flipped = np.ascontiguousarray(img[::-1])[::-1]  # negative row stride
    assert bitstream.encode_pooled(flipped, mask, profile, levels) == data
    fortran = np.asfortranarray(img)
    assert bitstream.encode_pooled(fortran, mask.astype(np.int64), profile, levels) == data


def test_lossless_pooling_at_256_levels_is_exact_on_smallest_blocks():
    rng = np.random.default_rng(3)
    img = rng.integers(0, 256, (24, 24, 3), dtype=np.uint8)
    mask = bitstream.uniform_mask(24, 24, 1, 1)  # 4x4 blocks
    recon, _, _ = bitstream.decode_pooled(bitstream.encode_pooled(img, mask, 1, 256))
    means = img.astype(np.int64).reshape(6, 4, 6, 4, 3).sum(axis=(1, 3))
    np.testing.assert_array_equal(recon[::4, ::4], (means + 8) // 16)
