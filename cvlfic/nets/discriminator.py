"""A DCGAN-style discriminator for the least-squares GAN loss."""
from __future__ import annotations

import torch
import torch.nn as nn


class Discriminator(nn.Module):
    """Strided 4x4 convolutions with LeakyReLU; outputs a patch map of realness scores."""

    def __init__(self, width: int = 32, depth: int = 4):
        super().__init__()
        layers = [nn.Conv2d(3, width, 4, 2, 1), nn.LeakyReLU(0.2, inplace=True)]
        channels = width
        for _ in range(depth - 1):
            layers += [nn.Conv2d(channels, channels * 2, 4, 2, 1, bias=False),
                       nn.BatchNorm2d(channels * 2), nn.LeakyReLU(0.2, inplace=True)]
            channels *= 2
        layers.append(nn.Conv2d(channels, 1, 3, 1, 1))
        self.net = nn.Sequential(*layers)

    def forward(self, bgr01: torch.Tensor) -> torch.Tensor:
        return self.net(bgr01 * 2.0 - 1.0)


def lsgan_d_loss(real_scores: torch.Tensor, fake_scores: torch.Tensor) -> torch.Tensor:
    return 0.5 * (((real_scores - 1.0) ** 2).mean() + (fake_scores ** 2).mean())


def lsgan_g_loss(fake_scores: torch.Tensor) -> torch.Tensor:
    return 0.5 * ((fake_scores - 1.0) ** 2).mean()
