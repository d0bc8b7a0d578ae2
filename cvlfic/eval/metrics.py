"""Pixel fidelity of decoded images: PSNR and SSIM over RGB, per image."""
from __future__ import annotations

import cv2
import numpy as np

# PSNR of an exact copy is infinite; this cap keeps means finite.
PSNR_CAP_DB = 100.0


def _check_pair(reference: np.ndarray, decoded: np.ndarray) -> None:
    if reference.shape != decoded.shape:
        raise ValueError(f"shape mismatch: {reference.shape} vs {decoded.shape}")
    if reference.dtype != np.uint8 or decoded.dtype != np.uint8:
        raise TypeError("images must be uint8")


def psnr(reference: np.ndarray, decoded: np.ndarray) -> float:
    """PSNR in dB over all pixels and channels of two uint8 images."""
    _check_pair(reference, decoded)
    mse = np.mean((reference.astype(np.float64) - decoded.astype(np.float64)) ** 2)
    if mse == 0:
        return PSNR_CAP_DB
    return float(min(PSNR_CAP_DB, 10.0 * np.log10(255.0 ** 2 / mse)))


def ssim(reference: np.ndarray, decoded: np.ndarray) -> float:
    """Mean SSIM (Wang et al. 2004: 11x11 Gaussian window, sigma 1.5, K1 0.01, K2 0.03),
    averaged over channels; the window is not applied across the border ("valid" part)."""
    _check_pair(reference, decoded)
    c1, c2 = (0.01 * 255) ** 2, (0.03 * 255) ** 2
    x = reference.astype(np.float64)
    y = decoded.astype(np.float64)
    if x.ndim == 2:
        x, y = x[:, :, None], y[:, :, None]

    def blur(a: np.ndarray) -> np.ndarray:
        out = cv2.GaussianBlur(a, (11, 11), 1.5, borderType=cv2.BORDER_REFLECT)
        return out.reshape(a.shape)[5:-5, 5:-5]

    mu_x, mu_y = blur(x), blur(y)
    var_x = blur(x * x) - mu_x ** 2
    var_y = blur(y * y) - mu_y ** 2
    cov = blur(x * y) - mu_x * mu_y
    ssim_map = ((2 * mu_x * mu_y + c1) * (2 * cov + c2)) / \
        ((mu_x ** 2 + mu_y ** 2 + c1) * (var_x + var_y + c2))
    return float(ssim_map.mean())
