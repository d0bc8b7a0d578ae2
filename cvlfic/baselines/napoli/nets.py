"""The autoencoder of Napoli Spatafora et al. 2021 (their Fig. 1), with nested channels.

Encoder: conv 8x8/4 pad 2 -> 32, BN, ReLU; conv 2x2/2 -> 64, BN, ReLU; 1x1 conv -> 128, tanh.
Binarizer (their eq. 1, sign chosen so that E[Bin(x)] = x): +1 with probability (1 + x) / 2
in training, sign(x) at test time, straight-through gradient. Decoder, the mirror: transposed
conv 8x8/4 pad 2 -> 32, BN, ReLU (14 -> 56); transposed conv 2x2/2 -> 3 (56 -> 112), sigmoid.
Only the first C of the 128 bit planes are sent; the decoder sees 0 for the others.
"""
from __future__ import annotations

import torch
from torch import nn

from cvlfic.baselines.napoli import CODE_CHANNELS



class Encoder(nn.Module):
    """BGR in [0, 1], N x 3 x 112 x 112 -> tanh activations N x 128 x 14 x 14 (before Bin)."""

    def __init__(self):
        super().__init__()
        self.layers = nn.Sequential(
            nn.Conv2d(3, 32, 8, stride=4, padding=2), nn.BatchNorm2d(32), nn.ReLU(inplace=True),
            nn.Conv2d(32, 64, 2, stride=2), nn.BatchNorm2d(64), nn.ReLU(inplace=True),
            nn.Conv2d(64, CODE_CHANNELS, 1), nn.Tanh())

    def forward(self, bgr: torch.Tensor) -> torch.Tensor:
        return self.layers(bgr * 2.0 - 1.0)


class Decoder(nn.Module):
    """Bits in {-1, 0, +1} (0 = channel not sent), N x 128 x 14 x 14 -> BGR in [0, 1]."""

    def __init__(self):
        super().__init__()
        self.layers = nn.Sequential(
            nn.ConvTranspose2d(CODE_CHANNELS, 32, 8, stride=4, padding=2), nn.BatchNorm2d(32),
            nn.ReLU(inplace=True),
            nn.ConvTranspose2d(32, 3, 2, stride=2), nn.Sigmoid())

    def forward(self, bits: torch.Tensor) -> torch.Tensor:
        return self.layers(bits)


def binarize(x: torch.Tensor, stochastic: bool) -> torch.Tensor:
    """Eq. 1 with P ~ U(0, 1) (stochastic) or P = 1/2 (deterministic); identity gradient."""
    p = torch.rand_like(x) if stochastic else torch.full_like(x, 0.5)
    bits = torch.where((1.0 - x) / 2.0 < p, 1.0, -1.0)
    return x + (bits - x).detach()


def channel_mask(channels: torch.Tensor) -> torch.Tensor:
    """Per-sample counts C (N,) -> N x 128 x 1 x 1 mask keeping the first C bit planes."""
    index = torch.arange(CODE_CHANNELS, device=channels.device)
    return (index[None] < channels[:, None]).float()[:, :, None, None]
