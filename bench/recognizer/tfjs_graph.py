"""TensorFlow.js graph models (``model.json`` + weight shards) as PyTorch modules.

A graph model is a TensorFlow graph: nodes with an op, inputs and attributes, weights in
little-endian shards listed by ``weightsManifest``. This runs the ops of the face
recognizers cvlfic benchmarks with (convolutions, depthwise convolutions, their fused forms,
element-wise arithmetic, padding, reshapes, a matrix product, L2 normalization), in the
graph's NHWC layout; any other op is refused by name when the model loads.
"""
from __future__ import annotations

import base64
import json
from pathlib import Path
from typing import Dict, List

import numpy as np
import torch
from torch.nn import functional as F

_DTYPES = {"float32": np.float32, "int32": np.int32}
_ELEMENTWISE = {
    "Add": torch.add, "AddV2": torch.add, "Sub": torch.sub, "Mul": torch.mul,
    "Maximum": torch.maximum, "Minimum": torch.minimum,
}
_UNARY = {"Relu": torch.relu, "Abs": torch.abs, "Square": torch.square, "Rsqrt": torch.rsqrt}
_CONVS = {"Conv2D", "_FusedConv2D", "DepthwiseConv2dNative", "FusedDepthwiseConv2dNative"}
SUPPORTED = set(_ELEMENTWISE) | set(_UNARY) | _CONVS | {
    "Const", "Placeholder", "Identity", "Pad", "Reshape", "MatMul", "Squeeze", "Sum"}


class GraphError(ValueError):
    """A graph model this module cannot run (a missing weight, an unsupported op)."""


def _text(attr: dict) -> str:
    return base64.b64decode(attr["s"]).decode()


def _ints(attr: dict) -> List[int]:
    return [int(v) for v in attr.get("list", {}).get("i", [])]


def read_weights(model_json: Path) -> Dict[str, np.ndarray]:
    """The model's weights by name, from the shards beside ``model_json``."""
    spec = json.loads(Path(model_json).read_text())
    out = {}
    for group in spec["weightsManifest"]:
        data = b"".join((Path(model_json).parent / p).read_bytes() for p in group["paths"])
        offset = 0
        for w in group["weights"]:
            if "quantization" in w or w["dtype"] not in _DTYPES:
                raise GraphError(f"{model_json}: weight {w['name']} is stored as "
                                 f"{w.get('quantization', {}).get('dtype', w['dtype'])}, not supported")
            dtype = np.dtype(_DTYPES[w["dtype"]]).newbyteorder("<")
            count = int(np.prod(w["shape"])) if w["shape"] else 1
            end = offset + count * dtype.itemsize
            if end > len(data):
                raise GraphError(f"{model_json}: the weight shards end inside {w['name']}")
            out[w["name"]] = np.frombuffer(data[offset:end], dtype).reshape(w["shape"]).copy()
            offset = end
        if offset != len(data):
            raise GraphError(f"{model_json}: {len(data) - offset} bytes of the shards are not weights")
    return out


def _same_padding(size: int, kernel: int, stride: int):
    total = max((-(-size // stride) - 1) * stride + kernel - size, 0)
    return total // 2, total - total // 2


class TfjsGraph(torch.nn.Module):
    """``forward(x)``: x is ``N x H x W x C`` float32 (the graph's placeholder); returns the
    node named ``output`` (default: the signature's first output, else the last node)."""

    def __init__(self, model_json: Path, output: str = None):
        super().__init__()
        spec = json.loads(Path(model_json).read_text())
        nodes = {n["name"]: n for n in spec["modelTopology"]["node"]}
        if output is None:
            outputs = (spec.get("userDefinedMetadata") or {}).get("signature", {}).get("outputs", {})
            output = next(iter(outputs.values()))["name"] if outputs else spec["modelTopology"]["node"][-1]["name"]
        weights = read_weights(model_json)
        self.output = output
        self.order: List[dict] = []
        seen = set()

        def visit(name: str) -> None:  # depth-first: every input before its node
            stack = [(name, False)]
            while stack:
                n, done = stack.pop()
                if n in seen:
                    continue
                if done:
                    seen.add(n)
                    self.order.append(nodes[n])
                    continue
                if n not in nodes:
                    raise GraphError(f"{model_json}: node {n} is referenced but not defined")
                stack.append((n, True))
                for i in nodes[n].get("input", []):
                    stack.append((i.split(":")[0].lstrip("^"), False))

        visit(output)
        self.consts = {}
        for node in self.order:
            if node["op"] not in SUPPORTED:
                raise GraphError(f"{model_json}: op {node['op']} ({node['name']}) is not supported")
            if node["op"] == "Const":
                if node["name"] not in weights:
                    raise GraphError(f"{model_json}: no weight for constant {node['name']}")
                self.consts[node["name"]] = weights[node["name"]]
        # Convolution kernels as torch wants them: HWIO -> OIHW; depthwise HWCM -> (C*M)1HW.
        self.kernels = torch.nn.ParameterDict()
        self._kernel_of = {}
        for node in self.order:
            if node["op"] in _CONVS:
                name = node["input"][1]
                k = self.consts[name]
                k = k.transpose(3, 2, 0, 1) if "Depthwise" not in node["op"] else \
                    k.transpose(2, 3, 0, 1).reshape(-1, 1, k.shape[0], k.shape[1])
                key = f"k{len(self.kernels)}"
                self.kernels[key] = torch.nn.Parameter(torch.from_numpy(np.ascontiguousarray(k)),
                                                       requires_grad=False)
                self._kernel_of[node["name"]] = key
        self.tensors = {name: torch.from_numpy(np.ascontiguousarray(v)) for name, v in self.consts.items()}

    def _conv(self, node: dict, x: torch.Tensor, values: dict) -> torch.Tensor:
        attr = node.get("attr", {})
        strides = _ints(attr["strides"])[1:3] if "strides" in attr else [1, 1]
        dilations = _ints(attr["dilations"])[1:3] if "dilations" in attr else [1, 1]
        if dilations != [1, 1]:
            raise GraphError(f"{node['name']}: dilated convolutions are not supported")
        if "data_format" in attr and _text(attr["data_format"]) != "NHWC":
            raise GraphError(f"{node['name']}: only NHWC graphs are supported")
        kernel = self.kernels[self._kernel_of[node["name"]]]
        x = x.permute(0, 3, 1, 2)
        if _text(attr["padding"]) == "SAME":
            top, bottom = _same_padding(x.shape[2], kernel.shape[2], strides[0])
            left, right = _same_padding(x.shape[3], kernel.shape[3], strides[1])
            x = F.pad(x, (left, right, top, bottom))
        elif _text(attr["padding"]) != "VALID":
            raise GraphError(f"{node['name']}: padding {_text(attr['padding'])} is not supported")
        groups = x.shape[1] if "Depthwise" in node["op"] else 1
        y = F.conv2d(x, kernel, stride=strides, groups=groups).permute(0, 2, 3, 1)
        fused = [base64.b64decode(s).decode() for s in attr.get("fused_ops", {}).get("list", {}).get("s", [])]
        args = [values[i] for i in node["input"][2:]]
        for op in fused:
            if op == "BiasAdd":
                y = y + args.pop(0)
            elif op == "Relu":
                y = torch.relu(y)
            elif op == "Relu6":
                y = torch.clamp(y, 0, 6)
            elif op == "Prelu":
                alpha = args.pop(0)
                y = torch.relu(y) - alpha * torch.relu(-y)
            else:
                raise GraphError(f"{node['name']}: fused op {op} is not supported")
        return y

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        values: Dict[str, torch.Tensor] = {}
        for node in self.order:
            op, name = node["op"], node["name"]
            inputs = [i.split(":")[0] for i in node.get("input", []) if not i.startswith("^")]
            if op == "Const":
                values[name] = self.tensors[name]
                continue
            if op == "Placeholder":
                values[name] = x
                continue
            a = [values[i] for i in inputs]
            attr = node.get("attr", {})
            if op in _CONVS:
                values[name] = self._conv(node, a[0], values)
            elif op in _ELEMENTWISE:
                values[name] = _ELEMENTWISE[op](a[0], a[1])
            elif op in _UNARY:
                values[name] = _UNARY[op](a[0])
            elif op == "Identity":
                values[name] = a[0]
            elif op == "Pad":
                p = self.consts[inputs[1]].astype(int)  # [[0,0],[top,bottom],[left,right],[0,0]]
                values[name] = F.pad(a[0], (int(p[3][0]), int(p[3][1]), int(p[2][0]), int(p[2][1]),
                                            int(p[1][0]), int(p[1][1])))
            elif op == "Reshape":
                values[name] = a[0].reshape([int(v) for v in self.consts[inputs[1]].reshape(-1)])
            elif op == "MatMul":
                left = a[0].transpose(-1, -2) if attr.get("transpose_a", {}).get("b") else a[0]
                right = a[1].transpose(-1, -2) if attr.get("transpose_b", {}).get("b") else a[1]
                values[name] = left @ right
            elif op == "Squeeze":
                dims = _ints(attr.get("squeeze_dims", {}))
                y = a[0]
                for d in sorted(dims, reverse=True):
                    y = y.squeeze(d)
                values[name] = y
            elif op == "Sum":
                axes = [int(v) for v in self.consts[inputs[1]].reshape(-1)]
                values[name] = a[0].sum(dim=axes, keepdim=bool(attr.get("keep_dims", {}).get("b")))
            else:  # unreachable: checked in __init__
                raise GraphError(f"op {op} is not supported")
        return values[self.output]
