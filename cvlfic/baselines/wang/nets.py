"""Wang et al. 2019: the network that turns the base layer (a face descriptor) into a face.

The paper (abstract only) says the base layer "can also be converted to the fine structure
with deep feature reconstruction"; its architecture is not given. Ours: a fully connected
layer to a 7x7 map, then four x2 upsampling stages (nearest + two 3x3 convs) to 112x112.
"""
from __future__ import annotations

import torch
from torch import nn
from torch.nn import functional as F

DESCRIPTOR_SIZE = 128
WIDTHS = (256, 128, 64, 32, 16)  # channels at 7, 14, 28, 56, 112 pixels


class _Up(nn.Module):
    def __init__(self, cin: int, cout: int):
        super().__init__()
        self.conv1 = nn.Conv2d(cin, cout, 3, padding=1)
        self.bn1 = nn.BatchNorm2d(cout)
        self.conv2 = nn.Conv2d(cout, cout, 3, padding=1)
        self.bn2 = nn.BatchNorm2d(cout)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        x = F.interpolate(x, scale_factor=2.0, mode="nearest")
        x = F.relu(self.bn1(self.conv1(x)))
        return F.relu(self.bn2(self.conv2(x)) + x)


class FeatureDecoder(nn.Module):
    """N x 128 descriptors -> N x 3 x 112 x 112 BGR in [0, 1]."""

    def __init__(self, widths=WIDTHS):
        super().__init__()
        self.widths = tuple(widths)
        self.fc = nn.Linear(DESCRIPTOR_SIZE, 7 * 7 * widths[0])
        self.stages = nn.Sequential(*[_Up(a, b) for a, b in zip(widths[:-1], widths[1:])])
        self.out = nn.Conv2d(widths[-1], 3, 3, padding=1)

    def forward(self, descriptor: torch.Tensor) -> torch.Tensor:
        # dlib descriptors have entries of about +-0.2: scale them to unit-ish range.
        x = F.relu(self.fc(descriptor * 8.0)).view(-1, self.widths[0], 7, 7)
        return torch.sigmoid(self.out(self.stages(x)))
