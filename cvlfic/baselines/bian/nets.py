"""CompNet and RecNet (torch) and the training-time quantizer of the compact image.

CompNet: 112x112 BGR -> 3x28x28 compact image in [0, 1]. RecNet: (dequantized) 3x28x28
compact image -> 112x112 BGR. The coarse rates pool the compact image to 14x14 or 7x7 first
(`coarsen`) and RecNet sees it nearest-upsampled back to 28x28, so one RecNet serves both.
"""
from __future__ import annotations

import torch
import torch.nn.functional as F
from torch import nn

COMPACT = 28  # side of the compact image (the 14x14 rates pool it 2x2)
CHANNELS = 3


class ResBlock(nn.Module):
    def __init__(self, width: int):
        super().__init__()
        self.conv1 = nn.Conv2d(width, width, 3, padding=1)
        self.conv2 = nn.Conv2d(width, width, 3, padding=1)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return x + self.conv2(F.relu(self.conv1(x)))


class CompNet(nn.Module):
    """112x112 -> 28x28x3 in [0, 1] (sigmoid): two stride-2 convs and two residual blocks."""

    def __init__(self, width: int = 64):
        super().__init__()
        self.body = nn.Sequential(
            nn.Conv2d(3, width // 2, 5, stride=2, padding=2), nn.ReLU(),
            nn.Conv2d(width // 2, width, 3, stride=2, padding=1), nn.ReLU(),
            ResBlock(width), ResBlock(width),
            nn.Conv2d(width, CHANNELS, 3, padding=1))

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return torch.sigmoid(self.body(x))


class RecNet(nn.Module):
    """28x28x3 -> 112x112 BGR in [0, 1]: residual blocks at 28x28, two pixel-shuffle x2
    upsamplings, a residual block at 56x56 and at 112x112."""

    def __init__(self, width: int = 64):
        super().__init__()
        half = width // 2
        self.body = nn.Sequential(
            nn.Conv2d(CHANNELS, width, 3, padding=1), nn.ReLU(),
            ResBlock(width), ResBlock(width), ResBlock(width),
            nn.Conv2d(width, 4 * half, 3, padding=1), nn.PixelShuffle(2), nn.ReLU(),
            ResBlock(half),
            nn.Conv2d(half, 4 * 16, 3, padding=1), nn.PixelShuffle(2), nn.ReLU(),
            ResBlock(16),
            nn.Conv2d(16, 3, 3, padding=1))

    def forward(self, c: torch.Tensor) -> torch.Tensor:
        return torch.sigmoid(self.body(c))


def coarsen(c: torch.Tensor, side: int) -> torch.Tensor:
    """28x28 -> side x side by block averaging (the low-rate compact images)."""
    return c if side == COMPACT else F.avg_pool2d(c, COMPACT // side)


def expand(c: torch.Tensor) -> torch.Tensor:
    """A compact image of any side dividing 28 -> 28x28 (nearest), RecNet's input size."""
    factor = COMPACT // c.shape[-1]
    return c if factor == 1 else c.repeat_interleave(factor, -1).repeat_interleave(factor, -2)


def quantize(c: torch.Tensor, bits: int) -> torch.Tensor:
    """Round [0, 1] to 2^bits levels (dequantized back to [0, 1]); straight-through gradient."""
    levels = (1 << bits) - 1
    q = torch.round(c * levels) / levels
    return c + (q - c).detach()
