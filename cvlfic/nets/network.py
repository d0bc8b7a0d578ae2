"""The decoder network's input/output contract, in one place.

Every runtime (ONNX Runtime, torch, TensorRT, the C++ example ``examples/cpp_decoder``),
the ONNX/TorchScript export, training and the codec build the network's inputs and read its
output as written here:

Inputs (NCHW float32, H and W padded to a multiple of ``PAD_MULTIPLE`` by replicating the
last row and column):

* ``planes`` N x 3 x H x W: the core's reconstruction (``bitstream.decode_pooled``), the
  profile's planes in its plane order, values 0..255. A gray stream of a YCbCr profile has
  its chroma set to exactly 128 (its reconstruction holds the nearest quantization level).
* ``log2_block`` N x 1 x H x W: per pixel, log2 of the luma (plane 0) block side of its
  region.
* ``step`` N x 1 x 1 x 1: the quantizer step ``1 / (levels - 1)``.

Output ``bgr`` N x 3 x H x W: the restored face, BGR in [0, 1], padded like the inputs;
``restore_outputs`` crops it to the stream's H x W and turns it into uint8 by
``clip(rint(255 x), 0, 255)``, and a gray stream into equal channels (OpenCV's BGR -> gray).

It lives with the network (``cvlfic.nets``) so that every layer that feeds or reads the
network (backends, export, training, the codec in ``cvlfic.lfic``) imports it downwards. It
needs numpy and OpenCV only; the torch helpers import torch when called.
"""
from __future__ import annotations

from typing import Dict, List, Sequence, Tuple

import cv2
import numpy as np

from cvlfic import bitstream

INPUT_NAMES = ("planes", "log2_block", "step")  # the graph's inputs, in call order
OUTPUT_NAME = "bgr"
PAD_MULTIPLE = 16  # the decoder has four stride-2 stages

Inputs = Tuple[np.ndarray, np.ndarray, np.ndarray]


def padding(height: int, width: int) -> Tuple[int, int]:
    """Rows and columns added below and right of an H x W image: up to a multiple of 16."""
    return (-height) % PAD_MULTIPLE, (-width) % PAD_MULTIPLE


def step_value(levels):
    """The ``step`` input of a level count: ``1 / (levels - 1)`` (a float; for a torch tensor
    of level counts, float32 tensor)."""
    if hasattr(levels, "float"):
        return 1.0 / (levels.float() - 1.0)
    return 1.0 / (levels - 1)


# -- inputs from the core's reconstruction (numpy) ------------------------------------------
def decoder_inputs(recon: np.ndarray, mask: np.ndarray, levels: int, region: int,
                   blocks: Sequence[int]) -> Inputs:
    """recon H x W x 3 uint8 (profile planes), mask Mh x Mw -> padded NCHW float32 inputs."""
    h, w = recon.shape[:2]
    log2 = np.log2(np.asarray(blocks, np.float32))[mask]
    log2 = np.repeat(np.repeat(log2, region, 0), region, 1)[:h, :w]
    pad_h, pad_w = padding(h, w)
    pad = ((0, pad_h), (0, pad_w))
    planes = np.pad(recon.astype(np.float32), pad + ((0, 0),), mode="edge").transpose(2, 0, 1)
    log2 = np.pad(log2, pad, mode="edge")
    step = np.full((1, 1, 1, 1), step_value(levels), np.float32)
    return planes[None], log2[None, None], step


def is_gray(bgr: np.ndarray) -> bool:
    """True for an image whose three channels are equal (a gray image)."""
    return bool((bgr[..., 0] == bgr[..., 1]).all() and (bgr[..., 1] == bgr[..., 2]).all())


_NEUTRAL: Dict[Tuple[int, int], Tuple[int, int]] = {}  # (profile, levels) -> a gray pixel's Cb, Cr


def neutral_chroma(profile: Dict, levels: int) -> Tuple[int, int]:
    """The reconstruction's Cb, Cr of a gray pixel at ``levels`` (quantized 128) under
    ``profile`` (``bitstream.profile_info``)."""
    key = (int(profile["id"]), int(levels))
    if key not in _NEUTRAL:
        region = profile["region"]
        gray = np.full((region, region, 3), 128, np.uint8)
        recon = bitstream.reconstruct(gray, bitstream.uniform_mask(region, region, key[0]), key[0], levels)
        _NEUTRAL[key] = (int(recon[0, 0, 1]), int(recon[0, 0, 2]))
    return _NEUTRAL[key]


def is_gray_reconstruction(recon: np.ndarray, profile: Dict, levels: int) -> bool:
    """A gray image's reconstruction: its chroma planes are flat at the neutral value
    (profile planes YCbCr), or its three planes are equal (BGR)."""
    if profile["planes"] == "YCbCr":
        cb, cr = neutral_chroma(profile, levels)
        return bool((recon[..., 1] == cb).all() and (recon[..., 2] == cr).all())
    return is_gray(recon)


def stream_inputs(recon: np.ndarray, mask: np.ndarray, levels: int, profile: Dict) -> Tuple[Inputs, bool]:
    """``(inputs, gray)`` of a decoded stream: ``bitstream.decode_pooled``'s reconstruction and
    mask, its level count, and the ``bitstream.profile_info`` of its profile."""
    gray = is_gray_reconstruction(recon, profile, levels)
    if gray and profile["planes"] == "YCbCr":
        recon = recon.copy()
        recon[..., 1:] = 128  # exactly neutral, not its nearest quantization level
    inputs = decoder_inputs(recon, mask, levels, profile["region"], profile["block_sizes"][0])
    return inputs, gray


# -- the output ------------------------------------------------------------------------------
def to_uint8(bgr: np.ndarray) -> np.ndarray:
    """Values in [0, 1] -> uint8: ``clip(rint(255 x), 0, 255)`` (round half to even)."""
    return np.clip(np.rint(bgr * 255.0), 0, 255).astype(np.uint8)


def restore_outputs(bgr: np.ndarray, sizes: Sequence[Tuple[int, int]],
                    gray: Sequence[bool]) -> List[np.ndarray]:
    """Network outputs (N x 3 x H' x W', padded) -> N BGR uint8 faces of their H x W; a gray
    one as three equal channels."""
    faces = []
    for row, ((h, w), is_gray) in enumerate(zip(sizes, gray)):
        face = to_uint8(bgr[row, :, :h, :w].transpose(1, 2, 0))
        if is_gray:
            face = np.repeat(cv2.cvtColor(face, cv2.COLOR_BGR2GRAY)[:, :, None], 3, axis=2)
        faces.append(face)
    return faces


# -- torch: training, Algorithm 1 and export ------------------------------------------------
def block_size_map(mask, height: int, width: int, region: int, blocks: Sequence[int]):
    """Per-pixel log2 of the luma block size, N x 1 x H x W float32 torch tensor, from an
    integer N x Mh x Mw torch mask (the ``log2_block`` input before padding)."""
    import torch

    sizes = torch.log2(torch.tensor(tuple(blocks), dtype=torch.float32))
    pixel = sizes[mask.to(torch.int64)].repeat_interleave(region, -2).repeat_interleave(region, -1)
    return pixel[:, None, :height, :width]


def training_inputs(bgr_u8, masks, levels, profile):
    """What the decoder sees for uint8 N x 3 x H x W BGR crops under masks and level counts
    (torch tensors; ``profile`` a ``cvlfic.nets.rap.Profile``): exactly what the core would
    give, unpadded (``RapDecoder.forward`` pads)."""
    from cvlfic.nets.rap import reconstruct

    h, w = bgr_u8.shape[-2:]
    planes = reconstruct(bgr_u8, masks, levels, profile).float()
    return planes, block_size_map(masks, h, w, profile.region, profile.blocks), step_value(levels)


def example_inputs(height: int = 112, width: int = 112):
    """One padded batch of torch inputs for tracing and ONNX export (values are arbitrary)."""
    import torch

    return (torch.full((1, 3, height, width), 128.0), torch.full((1, 1, height, width), 3.0),
            torch.full((1, 1, 1, 1), 1 / 7))


def dynamic_axes() -> Dict[str, Dict[int, str]]:
    """ONNX dynamic axes: batch, height and width of the images, batch of ``step``."""
    planes, log2_block, step = INPUT_NAMES
    axes = {name: {0: "batch", 2: "height", 3: "width"} for name in (planes, log2_block, OUTPUT_NAME)}
    axes[step] = {0: "batch"}
    return axes
