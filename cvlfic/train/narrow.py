"""A narrower decoder started from a trained one: each layer keeps the trained decoder's
channels that matter most (structured pruning), so distillation starts from trained filters
rather than random ones. The cut network is not close to the teacher by itself (on coded
faces its output is further from the teacher's than an untrained decoder's, which returns
the coarse reconstruction): the fine-tuning does the work.

A stage's channels are shared by its first layer and its residual blocks' sums, so one set per
stage, ranked by the magnitude of the first layer's batch-norm scale; a residual block's inner
layer ranks its own channels by its own batch-norm scale. Skip concatenations take the kept
channels of each of their sources; the network's five input channels are all kept.
"""
from __future__ import annotations

from typing import Dict, List, Sequence

import torch

from cvlfic.nets.decoder import RapDecoder

INPUTS = 5  # three planes, log2 block size, quantizer step (RapDecoder's cin)

# (stage, head kind, sources of its input in concatenation order, index into widths)
_STAGES = (
    ("conv1", "conv", ("input",), 1),
    ("conv2", "conv", ("conv1",), 2),
    ("conv3", "conv", ("conv2",), 3),
    ("conv4", "conv", ("conv3",), 4),
    ("deconv4", "up", ("conv4",), 3),
    ("deconv3", "up", ("deconv4", "conv3"), 2),
    ("deconv2", "up", ("deconv3", "conv2"), 1),
    ("deconv1", "bare_up", ("deconv2", "conv1"), 0),
    ("full1", "conv", ("deconv1", "input"), 0),
    ("full2", "conv", ("full1",), 0),
)


def _top(scale: torch.Tensor, count: int) -> torch.Tensor:
    return torch.sort(torch.argsort(scale.abs(), descending=True)[:count]).values


def narrowed_state(teacher: RapDecoder, widths: Sequence[int]) -> Dict[str, torch.Tensor]:
    """A state dict for ``RapDecoder(widths)`` (each width at most the teacher's) made of the
    teacher's weights at the kept channels."""
    src = teacher.state_dict()
    out: Dict[str, torch.Tensor] = {}
    kept: Dict[str, torch.Tensor] = {"input": torch.arange(INPUTS)}
    width_of: Dict[str, int] = {"input": INPUTS}

    def take_norm(prefix: str, index: torch.Tensor) -> None:
        for name in ("weight", "bias", "running_mean", "running_var"):
            out[f"{prefix}.{name}"] = src[f"{prefix}.{name}"][index].clone()
        out[f"{prefix}.num_batches_tracked"] = src[f"{prefix}.num_batches_tracked"].clone()

    for stage, kind, sources, w in _STAGES:
        parts: List[torch.Tensor] = []
        offset = 0
        for s in sources:
            parts.append(kept[s] + offset)
            offset += width_of[s]
        rows = torch.cat(parts)
        head = f"{stage}.0" if kind == "bare_up" else f"{stage}.0.0"
        norm = f"{stage}.1" if kind == "bare_up" else f"{stage}.0.1"
        if widths[w] > src[f"{norm}.weight"].numel():
            raise ValueError(f"{stage}: {widths[w]} channels asked, the teacher has {src[f'{norm}.weight'].numel()}")
        cols = _top(src[f"{norm}.weight"], widths[w])
        weight = src[f"{head}.weight"]
        if kind == "conv":  # out x in x k x k
            out[f"{head}.weight"] = weight[cols][:, rows].clone()
        else:  # transposed: in x out x k x k
            out[f"{head}.weight"] = weight[rows][:, cols].clone()
        take_norm(norm, cols)
        block = 1
        while f"{stage}.{block}.body.0.weight" in src:
            body = f"{stage}.{block}.body"
            inner = _top(src[f"{body}.1.weight"], widths[w])
            out[f"{body}.0.weight"] = src[f"{body}.0.weight"][inner][:, cols].clone()
            take_norm(f"{body}.1", inner)
            out[f"{body}.3.weight"] = src[f"{body}.3.weight"][cols][:, inner].clone()
            out[f"{body}.3.bias"] = src[f"{body}.3.bias"][cols].clone()
            block += 1
        kept[stage], width_of[stage] = cols, src[f"{norm}.weight"].numel()
    out["out.weight"] = src["out.weight"][:, kept["full2"]].clone()
    out["out.bias"] = src["out.bias"].clone()
    return out
