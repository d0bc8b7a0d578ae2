"""The decoder network in int8: ONNX Runtime static quantization of ``decoder.onnx``.

The convolutions get per-channel int8 weights and uint8 activations (QOperator format); the
other operators stay in float, the transposed convolutions too (ONNX Runtime has no CPU int8
kernel for them) unless ``upsampling`` rewrites them first as the same sums in ordinary
convolutions (``split_transposed_convs``). Activation ranges come from calibration: the
network inputs of face crops coded at 0.05, 0.1, 0.2 and 0.3 bpp in turn (faces outside any
benchmark: the training images). The graph keeps the network
contract (``cvlfic.nets.network``): same inputs, same output. ``cvlfic export --format
onnx-int8`` writes it as ``decoder_int8.onnx``; the ``onnxruntime-int8`` backend runs it.
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


def quantize_decoder(source: Path, out: Path, feeds: Sequence[dict], upsampling: bool = False) -> Path:
    """``source`` (an fp32 decoder.onnx) -> ``out``, int8, calibrated on ``feeds``. With
    ``upsampling``, the transposed convolutions too (``split_transposed_convs``): faster, and
    measured less accurate (docs/speed.md)."""
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
        graph = str(source)
        if upsampling:
            graph = str(Path(tmp) / "split.onnx")
            onnx.save(split_transposed_convs(onnx.load(str(source))), graph)
        prepared = str(Path(tmp) / "prepared.onnx")
        quant_pre_process(graph, prepared, skip_symbolic_shape=True)
        partial = out.with_name(out.name + ".part")
        quantize_static(prepared, str(partial), Reader(), quant_format=QuantFormat.QOperator,
                        per_channel=True, activation_type=QuantType.QUInt8,
                        weight_type=QuantType.QInt8, op_types_to_quantize=["Conv", "ConvTranspose"])
        partial.replace(out)
    return out
