"""The decoder network in int8: ONNX Runtime static quantization of ``decoder.onnx``.

Two recipes, both measured on LFW (docs/speed.md). The default quantizes the convolutions
(per-channel int8 weights, uint8 activations, QOperator format) and leaves everything else,
the upsampling layers included, in float: ONNX Runtime has no CPU int8 kernel for transposed
convolutions. With ``upsampling``, each upsampling layer is first rewritten as the same sums
in ordinary convolutions (``split_transposed_convs``) with its batch norm folded in and its
ReLU applied per phase (``fold_upsampling_norms``); every convolution then runs in int8 with
its ReLU fused, except the output layer (the last convolution, three channels at full
resolution), which stays in float. That graph is faster and a fifth as far from the fp32
faces in pixels, yet measured a significant loss of LFW accuracy at 0.1 bpp, where the
default measured none. Activation ranges come from calibration: the network inputs of face
crops coded at 0.05, 0.1, 0.2 and 0.3 bpp in turn (faces outside any benchmark: the training
images). The graph keeps the network contract (``cvlfic.nets.network``): same inputs, same
output. ``cvlfic export --format onnx-int8`` writes it as ``decoder_int8.onnx``; the
``onnxruntime-int8`` backend runs it.
"""
from __future__ import annotations

import tempfile
from pathlib import Path
from typing import Iterable, List, Sequence

import numpy as np

from cvlfic.nets.network import INPUT_NAMES

INT8_NAME = "decoder_int8.onnx"
CALIBRATION_RATES = (0.05, 0.1, 0.2, 0.3)


def calibration_faces(count: int, root=None) -> List[np.ndarray]:
    """Up to ``count`` training face crops (``cvlfic.datasets.training_image_paths``, evenly
    spaced through the list) as 112x112 BGR; empty when the data folder has none."""
    import cv2

    from cvlfic import datasets

    paths = datasets.training_image_paths(root)
    paths = paths[::max(1, len(paths) // max(1, count))][:count]
    return [cv2.resize(cv2.imread(str(p)), (112, 112), interpolation=cv2.INTER_AREA) for p in paths]


def calibration_feeds(codec, faces: Iterable[np.ndarray],
                      rates: Sequence[float] = CALIBRATION_RATES) -> List[dict]:
    """The decoder inputs of each face coded at the next rate of ``rates`` (in turn)."""
    feeds = []
    for i, face in enumerate(faces):
        inputs = codec.decoder_inputs(codec.encode(face, bpp=rates[i % len(rates)]))[0]
        feeds.append(dict(zip(INPUT_NAMES, inputs)))
    if not feeds:
        raise ValueError("calibration needs at least one face")
    return feeds


# Rows (columns) of a 4x4 transposed-convolution kernel that output phase a (b) of a stride-2,
# padding-1 upsampling reads, for input rows i - 1 + a and i + a: y[2i + a] sums
# x[i - 1] * w[3] + x[i] * w[1] (a = 0) and x[i] * w[2] + x[i + 1] * w[0] (a = 1).
_PHASE_TAPS = ((3, 1), (2, 0))


def split_transposed_convs(model):
    """Every ConvTranspose of kernel 4, stride 2 and padding 1 (the decoder's upsampling) as
    four 2x2 convolutions, one per output phase, concatenated and interleaved by
    DepthToSpace: each output pixel sums the same products, and the form has int8 kernels
    (ONNX Runtime's CPU provider has none for ConvTranspose). Returns a new model."""
    import onnx
    from onnx import helper, numpy_helper

    model = onnx.ModelProto.FromString(model.SerializeToString())
    inits = {t.name: t for t in model.graph.initializer}
    nodes = []
    for node in model.graph.node:
        attrs = {a.name: helper.get_attribute_value(a) for a in node.attribute}
        if not (node.op_type == "ConvTranspose" and list(attrs.get("kernel_shape", [])) == [4, 4]
                and list(attrs.get("strides", [])) == [2, 2] and list(attrs.get("pads", [])) == [1, 1, 1, 1]
                and attrs.get("group", 1) == 1 and list(attrs.get("dilations", [1, 1])) == [1, 1]
                and not attrs.get("output_padding") and node.input[1] in inits):
            nodes.append(node)
            continue
        w = numpy_helper.to_array(inits[node.input[1]])  # Cin x Cout x 4 x 4
        bias = node.input[2] if len(node.input) > 2 and node.input[2] else None
        phases = []
        for a in range(2):
            for b in range(2):
                rows, cols = _PHASE_TAPS[a], _PHASE_TAPS[b]
                k = w[:, :, list(rows), :][:, :, :, list(cols)].transpose(1, 0, 2, 3)  # Cout x Cin x 2 x 2
                name = f"{node.name}/phase{a}{b}"
                model.graph.initializer.append(numpy_helper.from_array(np.ascontiguousarray(k), name + "/w"))
                inputs = [node.input[0], name + "/w"] + ([bias] if bias else [])
                nodes.append(helper.make_node("Conv", inputs, [name + "/y"], name=name, kernel_shape=[2, 2],
                                              pads=[1 - a, 1 - b, a, b], strides=[1, 1]))
                phases.append(name + "/y")
        nodes.append(helper.make_node("Concat", phases, [node.name + "/phases"], name=node.name + "/concat", axis=1))
        nodes.append(helper.make_node("DepthToSpace", [node.name + "/phases"], list(node.output),
                                      name=node.name + "/interleave", blocksize=2, mode="DCR"))
    del model.graph.node[:]
    model.graph.node.extend(nodes)
    used = {i for n in model.graph.node for i in n.input}
    kept = [t for t in model.graph.initializer if t.name in used]
    del model.graph.initializer[:]
    model.graph.initializer.extend(kept)
    return model


def fold_upsampling_norms(model):
    """After ``split_transposed_convs``: each interleave (DepthToSpace) followed by a
    BatchNormalization and a ReLU, and nothing else reading them, loses both: the norm's
    per-channel scale and shift go into the phase convolutions' weights and biases (the
    interleave only moves pixels, so it commutes with both), and a ReLU follows each phase
    convolution, where the quantizer fuses it. The same function up to float rounding.
    Returns a new model."""
    import onnx
    from onnx import helper, numpy_helper

    model = onnx.ModelProto.FromString(model.SerializeToString())
    graph = model.graph
    inits = {t.name: t for t in graph.initializer}
    readers: dict = {}
    for node in graph.node:
        for name in node.input:
            readers.setdefault(name, []).append(node)
    maker = {out: node for node in graph.node for out in node.output}
    outputs = {o.name for o in graph.output}
    dropped, renamed, added = set(), {}, []
    for node in graph.node:
        if node.op_type != "DepthToSpace" or node.input[0] not in maker:
            continue
        norm = readers.get(node.output[0], [])
        if len(norm) != 1 or norm[0].op_type != "BatchNormalization" or norm[0].output[0] in outputs:
            continue
        norm = norm[0]
        relu = readers.get(norm.output[0], [])
        if len(relu) != 1 or relu[0].op_type != "Relu" or not all(i in inits for i in norm.input[1:5]):
            continue
        relu = relu[0]
        concat = maker[node.input[0]]
        phases = [maker.get(name) for name in concat.input]
        if concat.op_type != "Concat" or not all(p is not None and p.op_type == "Conv" and p.input[1] in inits
                                                  and len(readers[p.output[0]]) == 1 for p in phases):
            continue
        gamma, beta, mean, var = (numpy_helper.to_array(inits[name]).astype(np.float64) for name in norm.input[1:5])
        eps = next((a.f for a in norm.attribute if a.name == "epsilon"), 1e-5)
        scale = gamma / np.sqrt(var + eps)
        shift = beta - mean * scale
        for k, conv in enumerate(phases):
            w = numpy_helper.to_array(inits[conv.input[1]]).astype(np.float64) * scale[:, None, None, None]
            b = shift + (numpy_helper.to_array(inits[conv.input[2]]) * scale if len(conv.input) > 2 and conv.input[2] else 0)
            graph.initializer.extend([numpy_helper.from_array(w.astype(np.float32), conv.name + "/w_folded"),
                                      numpy_helper.from_array(b.astype(np.float32), conv.name + "/b_folded")])
            del conv.input[1:]
            conv.input.extend([conv.name + "/w_folded", conv.name + "/b_folded"])
            added.append(helper.make_node("Relu", [conv.output[0]], [conv.output[0] + "/relu"], name=conv.name + "/relu"))
            concat.input[k] = conv.output[0] + "/relu"
        dropped.update([norm.name, relu.name])
        renamed[relu.output[0]] = node.output[0]
    nodes = [n for n in graph.node if n.name not in dropped] + added
    for n in nodes:
        for j, name in enumerate(n.input):
            n.input[j] = renamed.get(name, name)
    for o in graph.output:
        o.name = renamed.get(o.name, o.name)
    # Topological order again (the new ReLUs were appended).
    known = {i.name for i in graph.input} | {t.name for t in graph.initializer} | {""}
    ordered, pending = [], nodes
    while pending:
        rest = [n for n in pending if not all(i in known for i in n.input)]
        ready = [n for n in pending if all(i in known for i in n.input)]
        if not ready:
            raise ValueError("the graph has a cycle")
        for n in ready:
            ordered.append(n)
            known.update(n.output)
        pending = rest
    del graph.node[:]
    graph.node.extend(ordered)
    used = {i for n in graph.node for i in n.input}
    kept = [t for t in graph.initializer if t.name in used]
    del graph.initializer[:]
    graph.initializer.extend(kept)
    return model


def output_convs(model) -> List[str]:
    """Names of the convolutions nearest the graph's outputs: those reached from an output
    going back through operators that are not convolutions (the decoder's output layer)."""
    maker = {out: node for node in model.graph.node for out in node.output}
    found, seen = [], set()
    stack = [o.name for o in model.graph.output]
    while stack:
        node = maker.get(stack.pop())
        if node is None or node.name in seen:
            continue
        seen.add(node.name)
        if node.op_type == "Conv":
            found.append(node.name)
        else:
            stack.extend(node.input)
    return found


def quantize_decoder(source: Path, out: Path, feeds: Sequence[dict], upsampling: bool = False) -> Path:
    """``source`` (an fp32 decoder.onnx) -> ``out``, int8, calibrated on ``feeds``; with
    ``upsampling``, the upsampling layers too."""
    import onnx
    from onnxruntime.quantization import CalibrationDataReader, QuantFormat, QuantType, quantize_static
    from onnxruntime.quantization.shape_inference import quant_pre_process

    class Reader(CalibrationDataReader):
        def __init__(self):
            self.items = iter(feeds)

        def get_next(self):
            return next(self.items, None)

    out = Path(out)
    with tempfile.TemporaryDirectory() as tmp:
        graph, op_types, kept_float = str(source), ["Conv", "ConvTranspose"], []
        if upsampling:
            graph = str(Path(tmp) / "split.onnx")
            onnx.save(fold_upsampling_norms(split_transposed_convs(onnx.load(str(source)))), graph)
            op_types = ["Conv", "Relu"]
        prepared = str(Path(tmp) / "prepared.onnx")
        quant_pre_process(graph, prepared, skip_symbolic_shape=True)
        if upsampling:
            kept_float = output_convs(onnx.load(prepared))
        partial = out.with_name(out.name + ".part")
        quantize_static(prepared, str(partial), Reader(), quant_format=QuantFormat.QOperator,
                        per_channel=True, activation_type=QuantType.QUInt8, weight_type=QuantType.QInt8,
                        op_types_to_quantize=op_types, nodes_to_exclude=kept_float)
        partial.replace(out)
    return out
