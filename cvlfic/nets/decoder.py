"""The decoder G: a residual U-Net (the paper's Table 1 and 2) sized for real time on a CPU.

Input: the RAP reconstruction (three planes of the profile, 0..255), the per-pixel log2
block size, and the quantizer step; output: the restored face, BGR in [0, 1]. The net
predicts a correction on top of the reconstruction turned back to BGR, which makes the
short training runs we can afford on two cores converge.
"""
from __future__ import annotations

from typing import Sequence

import torch
import torch.nn as nn
import torch.nn.functional as F

from cvlfic.nets.network import padding


def conv_bn_relu(cin: int, cout: int, kernel: int, stride: int = 1) -> nn.Sequential:
    return nn.Sequential(
        nn.Conv2d(cin, cout, kernel, stride, kernel // 2, bias=False),
        nn.BatchNorm2d(cout), nn.ReLU(inplace=True))


class ResidualBlock(nn.Module):
    """conv3x3-BN-ReLU, conv3x3-ReLU, add the input (the paper's RB)."""

    def __init__(self, channels: int):
        super().__init__()
        self.body = nn.Sequential(
            nn.Conv2d(channels, channels, 3, 1, 1, bias=False), nn.BatchNorm2d(channels),
            nn.ReLU(inplace=True), nn.Conv2d(channels, channels, 3, 1, 1), nn.ReLU(inplace=True))

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return x + self.body(x)


def stage(head: nn.Module, channels: int, blocks: int) -> nn.Sequential:
    return nn.Sequential(head, *[ResidualBlock(channels) for _ in range(blocks)])


def up(cin: int, cout: int) -> nn.Sequential:
    return nn.Sequential(nn.ConvTranspose2d(cin, cout, 4, 2, 1, bias=False),
                         nn.BatchNorm2d(cout), nn.ReLU(inplace=True))


def ycc_to_bgr(planes: torch.Tensor) -> torch.Tensor:
    """Y, Cb, Cr in 0..255 -> BGR in [0, 1] (JPEG full range; the inverse of the core's transform)."""
    y, cb, cr = planes[:, 0], planes[:, 1] - 128.0, planes[:, 2] - 128.0
    r = y + 1.402 * cr
    g = y - 0.344136 * cb - 0.714136 * cr
    b = y + 1.772 * cb
    return torch.stack([b, g, r], 1) / 255.0


class RapDecoder(nn.Module):
    """G: U-Net with residual blocks. ``widths`` = channels at 1/1, 1/2, 1/4, 1/8, 1/16 scale."""

    def __init__(self, widths: Sequence[int] = (16, 24, 32, 48, 64), ycc: bool = True):
        super().__init__()
        w0, w1, w2, w3, w4 = widths
        self.ycc = ycc
        cin = 5  # three planes, log2 block size, quantizer step
        self.conv1 = stage(conv_bn_relu(cin, w1, 5, 2), w1, 1)
        self.conv2 = stage(conv_bn_relu(w1, w2, 3, 2), w2, 2)
        self.conv3 = stage(conv_bn_relu(w2, w3, 3, 2), w3, 2)
        self.conv4 = stage(conv_bn_relu(w3, w4, 3, 2), w4, 3)
        self.deconv4 = stage(up(w4, w3), w3, 2)
        self.deconv3 = stage(up(2 * w3, w2), w2, 2)
        self.deconv2 = stage(up(2 * w2, w1), w1, 1)
        self.deconv1 = up(2 * w1, w0)
        self.full1 = stage(conv_bn_relu(w0 + cin, w0, 3), w0, 1)
        self.full2 = stage(conv_bn_relu(w0, w0, 3), w0, 1)
        self.out = nn.Conv2d(w0, 3, 3, 1, 1)
        nn.init.zeros_(self.out.weight)
        nn.init.zeros_(self.out.bias)

    def forward(self, planes: torch.Tensor, log2_block: torch.Tensor, step: torch.Tensor) -> torch.Tensor:
        """planes: N x 3 x H x W float 0..255; log2_block: N x 1 x H x W; step: N (= 1/(L-1)).

        Any H, W: the input is padded by edge replication to a multiple of 16 (four stride-2
        stages) and the output cropped back, as ``cvlfic.nets.network`` says.
        """
        h, w = planes.shape[-2:]
        pad_h, pad_w = padding(h, w)
        pad = (0, pad_w, 0, pad_h)
        planes = F.pad(planes, pad, mode="replicate")
        log2_block = F.pad(log2_block, pad, mode="replicate")
        return self.padded_forward(planes, log2_block, step.view(-1, 1, 1, 1))[:, :, :h, :w]

    def padded_forward(self, planes: torch.Tensor, log2_block: torch.Tensor,
                       step: torch.Tensor) -> torch.Tensor:
        """The exported graph (``cvlfic.nets.network``): H and W multiples of 16, ``step``
        shaped N x 1 x 1 x 1."""
        base = ycc_to_bgr(planes) if self.ycc else planes / 255.0
        x = torch.cat([planes / 127.5 - 1.0, log2_block / 2.0 - 1.0,
                       (step * 4.0).expand_as(log2_block)], 1)
        c1 = self.conv1(x)
        c2 = self.conv2(c1)
        c3 = self.conv3(c2)
        d = self.deconv4(self.conv4(c3))
        d = self.deconv3(torch.cat([d, c3], 1))
        d = self.deconv2(torch.cat([d, c2], 1))
        d = self.deconv1(torch.cat([d, c1], 1))
        d = self.full2(self.full1(torch.cat([d, x], 1)))
        return (base + torch.tanh(self.out(d))).clamp(0.0, 1.0)


def multiply_adds(decoder: nn.Module, height: int = 112, width: int = 112) -> int:
    """Multiply-adds of the convolutions for one ``height`` x ``width`` face (after padding
    to 16), counted on a forward pass."""
    total = 0

    def count(module, inputs, output):
        nonlocal total
        per = module.in_channels * module.out_channels * module.kernel_size[0] * module.kernel_size[1]
        # A convolution's kernel meets every output pixel, a transposed one every input pixel.
        pixels = inputs[0] if isinstance(module, nn.ConvTranspose2d) else output
        total += per * pixels.shape[-2] * pixels.shape[-1] // module.groups

    hooks = [m.register_forward_hook(count) for m in decoder.modules()
             if isinstance(m, (nn.Conv2d, nn.ConvTranspose2d))]
    training = decoder.training
    try:
        with torch.no_grad():
            decoder.eval()
            decoder(torch.zeros(1, 3, height, width), torch.zeros(1, 1, height, width), torch.ones(1))
    finally:
        decoder.train(training)
        for h in hooks:
            h.remove()
    return total
