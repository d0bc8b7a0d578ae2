"""The periodic-texture loss: coding error concentrated on the frequencies of a repeating
pattern.

A decoder built from stride-2 stages can paint a pattern that repeats every 2, 4, 8 or 16
pixels (dots, a faint grid). Such a pattern puts the error ``fake - real`` of every face at
the same frequencies: multiples of H/16 cycles down and W/16 across. The loss averages the
power spectrum of the luma error (Hann window) over the batch and takes, at each of those
frequencies, what it has above the mean of the bins two to three steps around it (where a
pattern-free error is smooth), as a share of the error's whole power. It is about 0 for a
decoder without such a pattern, whatever its error's size, and it does not ask for less error,
only for error that does not repeat. ``bench/lfic/periodic_texture.py`` measures the same
peaks on decoded LFW faces.
"""
from __future__ import annotations

import torch
import torch.nn.functional as F

GRID = 16      # the longest period, pixels (four stride-2 stages)
RING = (2, 3)  # neighbour bins around a grid frequency: Chebyshev distance 2..3

BGR_TO_LUMA = (0.114, 0.587, 0.299)


def _ring_kernel() -> torch.Tensor:
    size = 2 * RING[1] + 1
    d = torch.arange(size) - RING[1]
    chebyshev = torch.maximum(d.abs().view(-1, 1), d.abs().view(1, -1))
    ring = (chebyshev >= RING[0]).float()
    return (ring / ring.sum()).view(1, 1, size, size)


def measurable(height: int, width: int) -> bool:
    """Sizes the loss is defined for: multiples of 16 with room for a ring between grid
    frequencies (at least 112)."""
    return (height % GRID == 0 and width % GRID == 0
            and min(height, width) // GRID >= 2 * RING[1] + 1)


def grid_mask(height: int, width: int) -> torch.Tensor:
    """True at the frequencies of patterns with period 16, 8, 4 or 2 pixels (not at zero)."""
    mask = torch.zeros(height, width, dtype=torch.bool)
    mask[::height // GRID, ::width // GRID] = True
    mask[0, 0] = False
    return mask


def periodic_loss(fake: torch.Tensor, real: torch.Tensor) -> torch.Tensor:
    """fake, real: N x 3 x H x W BGR, H and W ``measurable``. The excess power at the grid
    frequencies as a share of the error's power."""
    h, w = fake.shape[-2:]
    if not measurable(h, w):
        raise ValueError(f"periodic loss: {h}x{w} is not a multiple of {GRID} of at least 112")
    weights = torch.tensor(BGR_TO_LUMA, dtype=fake.dtype, device=fake.device).view(1, 3, 1, 1)
    error = ((fake - real) * weights).sum(1)
    error = error - error.mean((-2, -1), keepdim=True)
    window = torch.outer(torch.hann_window(h, periodic=False, dtype=fake.dtype, device=fake.device),
                         torch.hann_window(w, periodic=False, dtype=fake.dtype, device=fake.device))
    power = (torch.fft.fft2(error * window).abs() ** 2).mean(0)  # the batch's mean spectrum
    # Mean of each bin's ring (the spectrum is periodic: wrap around).
    padded = F.pad(power.view(1, 1, h, w), (RING[1],) * 4, mode="circular")
    surround = F.conv2d(padded, _ring_kernel().to(power)).view(h, w)
    mask = grid_mask(h, w).to(power.device)
    excess = F.relu(power[mask] - surround[mask]).sum()
    # The share is taken of a constant: the loss never asks for more error elsewhere.
    return excess / power.sum().detach().clamp_min(1e-12)
