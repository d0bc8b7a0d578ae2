"""PSNR and SSIM against hand-computed values and scikit-image."""
import numpy as np
import pytest

from cvlfic.eval.metrics import PSNR_CAP_DB, psnr, ssim


def test_psnr_of_a_known_error():
    a = np.full((8, 8, 3), 100, np.uint8)
    b = a + 1  # MSE 1
    assert psnr(a, b) == pytest.approx(10 * np.log10(255 ** 2))
    assert psnr(a, a) == PSNR_CAP_DB


def test_ssim_identity_and_degradation():
    rng = np.random.default_rng(0)
    a = rng.integers(0, 256, (32, 32, 3), dtype=np.uint8)
    assert ssim(a, a) == pytest.approx(1.0)
    noisy = np.clip(a + rng.normal(0, 30, a.shape), 0, 255).astype(np.uint8)
    assert 0 < ssim(a, noisy) < 0.95
    with pytest.raises(ValueError):
        ssim(a, a[:16])


def test_ssim_matches_scikit_image():
    metrics = pytest.importorskip("skimage.metrics")
    rng = np.random.default_rng(1)
    y, x = np.mgrid[0:40, 0:48]
    a = np.stack([x * 5, y * 6, (x + y) * 3], -1).astype(np.uint8)
    b = np.clip(a + rng.normal(0, 12, a.shape), 0, 255).astype(np.uint8)
    expected = metrics.structural_similarity(a, b, channel_axis=2, gaussian_weights=True,
                                             sigma=1.5, use_sample_covariance=False,
                                             data_range=255)
    assert ssim(a, b) == pytest.approx(expected, abs=1e-9)
