"""dlib's face recognition ResNet (``dlib_face_recognition_resnet_model_v1.dat``) in PyTorch.

``TEMPLATE`` spells out dlib's ``anet_type`` (dnn_face_recognition_ex.cpp) layer by layer,
from input to output; ``DlibResNet`` runs those layers with dlib's semantics:

- input: RGB pixel values (0..255) minus the per-channel means stored in the file, / 256;
- convolutions and pools use the strides and paddings stored in the file (dlib pads 0 when
  the stride is not 1, so a 3x3 stride-2 convolution of an even-sized map ignores its last
  row and column);
- each ``affine`` layer (a frozen batch norm) is folded into the convolution before it;
- ``add_prev`` adds two tensors of different shapes as if the smaller one were zero-padded
  at the end of every dimension (more channels, or one more row/column, on the pooled
  shortcut of the downsampling blocks);
- ``avg_pool`` with a 0 window averages everything; ``fc`` has no bias.

The output is dlib's 128-D descriptor (not normalised; dlib compares them by Euclidean
distance, threshold 0.6).
"""
from __future__ import annotations

from functools import lru_cache
from pathlib import Path
from typing import Dict, List, Tuple, Union

import torch
from torch import nn
from torch.nn import functional as F

from cvlfic.errors import ModelFileError
from cvlfic.face.models import RECOGNITION_RESNET, dlib_model_path
from cvlfic.recognition.chips import DESCRIPTOR_SIZE, INPUT_SIZE
from cvlfic.recognition.dlib_format import DlibNetwork, LayerSpec, read_loss_metric_network



def _block(filters: int, stride: int) -> List[LayerSpec]:
    # affine<con<N,3,3,1,1,relu<affine<con<N,3,3,stride,stride,SUBNET>>>>>
    return [LayerSpec("con", args=(filters, 3, 3, stride, stride)), LayerSpec("affine"),
            LayerSpec("relu"), LayerSpec("con", args=(filters, 3, 3, 1, 1)), LayerSpec("affine")]


def _ares(filters: int) -> List[LayerSpec]:
    # relu<add_prev1<block<N,1,tag1<SUBNET>>>>
    return [LayerSpec("tag", 1), *_block(filters, 1), LayerSpec("add_prev", 1), LayerSpec("relu")]


def _ares_down(filters: int) -> List[LayerSpec]:
    # relu<add_prev2<avg_pool<2,2,2,2,skip1<tag2<block<N,2,tag1<SUBNET>>>>>>>
    return [LayerSpec("tag", 1), *_block(filters, 2), LayerSpec("tag", 2), LayerSpec("skip", 1),
            LayerSpec("avg_pool", args=(2, 2, 2, 2)), LayerSpec("add_prev", 2), LayerSpec("relu")]


TEMPLATE: Tuple[LayerSpec, ...] = (
    LayerSpec("input_rgb_image_sized", args=(INPUT_SIZE, INPUT_SIZE)),
    LayerSpec("con", args=(32, 7, 7, 2, 2)), LayerSpec("affine"), LayerSpec("relu"),
    LayerSpec("max_pool", args=(3, 3, 2, 2)),
    *_ares(32), *_ares(32), *_ares(32),                                    # alevel4
    *_ares_down(64), *_ares(64), *_ares(64), *_ares(64),                   # alevel3
    *_ares_down(128), *_ares(128), *_ares(128),                            # alevel2
    *_ares_down(256), *_ares(256), *_ares(256),                            # alevel1
    *_ares_down(256),                                                      # alevel0
    LayerSpec("avg_pool", args=(0, 0, 1, 1)),                              # avg_pool_everything
    LayerSpec("fc", args=(DESCRIPTOR_SIZE,)),                              # fc_no_bias<128>
)


def add_zero_padded(a: torch.Tensor, b: torch.Tensor) -> torch.Tensor:
    """dlib's ``tt::add`` of differently shaped tensors: the smaller is zero-padded at the end."""
    if a.shape == b.shape:
        return a + b
    size = [max(x, y) for x, y in zip(a.shape, b.shape)]

    def grow(t: torch.Tensor) -> torch.Tensor:
        return F.pad(t, (0, size[3] - t.shape[3], 0, size[2] - t.shape[2],
                         0, size[1] - t.shape[1]))
    return grow(a) + grow(b)


def _conv(details: Dict, affine: Dict) -> nn.Conv2d:
    weight = torch.from_numpy(details["weight"])
    bias = torch.from_numpy(details["bias"])
    gamma = torch.from_numpy(affine["gamma"])
    beta = torch.from_numpy(affine["beta"])
    out_ch, in_ch, rows, cols = weight.shape
    conv = nn.Conv2d(in_ch, out_ch, (rows, cols), stride=details["stride"],
                     padding=details["padding"], bias=True)
    with torch.no_grad():
        # affine(conv(x)) = gamma * (W x + b) + beta: one convolution with scaled filters.
        conv.weight.copy_(weight * gamma.view(-1, 1, 1, 1))
        conv.bias.copy_(bias * gamma + beta)
    return conv


def _pool(kind: str, details: Dict) -> nn.Module:
    if details["window"] == (0, 0):
        return nn.AdaptiveAvgPool2d(1) if kind == "avg_pool" else nn.AdaptiveMaxPool2d(1)
    if kind == "avg_pool" and details["padding"] != (0, 0):
        raise ValueError("padded average pooling is not supported")
    cls = nn.AvgPool2d if kind == "avg_pool" else nn.MaxPool2d
    return cls(details["window"], stride=details["stride"], padding=details["padding"])


class DlibResNet(nn.Module):
    """The network of a parsed dlib file: ``N x 3 x 150 x 150`` RGB (0..255) -> ``N x 128``."""

    def __init__(self, network: DlibNetwork):
        super().__init__()
        layers = network.layers
        mean = torch.tensor(layers[0].details["mean_rgb"], dtype=torch.float32)
        self.register_buffer("mean", mean.view(1, 3, 1, 1))
        self.input_size = tuple(int(v) for v in layers[0].details["size"])
        # steps[i] = (kind, tag id); ops[i] is the module of step i (Identity for tag/skip/add).
        self.steps: List[Tuple[str, int]] = []
        self.ops = nn.ModuleList()
        rest = layers[1:]
        i = 0
        while i < len(rest):
            kind, details = rest[i].spec.kind, rest[i].details
            op: nn.Module = nn.Identity()
            if kind == "con":
                if i + 1 >= len(rest) or rest[i + 1].spec.kind != "affine":
                    raise ValueError("every con layer must be followed by an affine layer")
                op = _conv(details, rest[i + 1].details)
                i += 1
            elif kind == "relu":
                op = nn.ReLU()
            elif kind in ("max_pool", "avg_pool"):
                op = _pool(kind, details)
            elif kind == "fc":
                weight = torch.from_numpy(details["weight"])
                op = nn.Linear(weight.shape[0], weight.shape[1], bias=False)
                with torch.no_grad():
                    op.weight.copy_(weight.t())
            elif kind not in ("tag", "skip", "add_prev"):
                raise ValueError(f"unsupported layer kind {kind!r} at position {i}")
            self.steps.append((kind, rest[i].spec.tag))
            self.ops.append(op)
            i += 1

    def forward(self, rgb: torch.Tensor) -> torch.Tensor:
        if rgb.dim() != 4 or tuple(rgb.shape[1:]) != (3, *self.input_size):
            raise ValueError(f"expected N x 3 x {self.input_size[0]} x {self.input_size[1]} "
                             f"RGB input, got {tuple(rgb.shape)}")
        x = (rgb - self.mean) / 256.0
        tagged: Dict[int, torch.Tensor] = {}
        for (kind, tag), op in zip(self.steps, self.ops):
            if kind == "tag":
                tagged[tag] = x
            elif kind == "skip":
                x = tagged[tag]
            elif kind == "add_prev":
                x = add_zero_padded(x, tagged[tag])
            elif kind == "fc":
                x = op(torch.flatten(x, 1))
            else:
                x = op(x)
        return x


def build_recognizer(path: Union[str, Path]) -> DlibResNet:
    """Read a dlib model file of ``TEMPLATE``'s network and build it; a file that parses but
    whose layers don't fit together or hold non-finite weights raises ``ModelFileError``."""
    model = DlibResNet(read_loss_metric_network(path, TEMPLATE))
    with torch.no_grad():
        try:
            out = model(torch.zeros(1, 3, INPUT_SIZE, INPUT_SIZE))
        except RuntimeError as exc:
            raise ModelFileError(f"{path}: the layers' sizes do not fit together ({exc})") from exc
    if not torch.isfinite(out).all():
        raise ModelFileError(f"{path}: the weights hold non-finite values")
    return model


@lru_cache(maxsize=None)
def load_recognizer() -> DlibResNet:
    """dlib's recognizer from ``face-recognition-models``, in eval mode, parameters frozen
    (gradients still flow to the input), channels-last (faster convolutions on CPU).

    One shared instance: don't modify it. Parsing the file takes milliseconds, so nothing
    is cached on disk.
    """
    model = build_recognizer(dlib_model_path(RECOGNITION_RESNET))
    model.eval().requires_grad_(False)
    return model.to(memory_format=torch.channels_last)
