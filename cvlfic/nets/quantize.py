"""The decoder network in int8: ONNX Runtime static quantization of ``decoder.onnx``.

Convolutions and transposed convolutions get per-channel int8 weights and uint8
activations (QOperator format); the other operators stay in float. Activation ranges come
from calibration: the network inputs of face crops coded at 0.05, 0.1, 0.2 and 0.3 bpp in
turn (faces outside any benchmark: the training images). The graph keeps the network
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


def quantize_decoder(source: Path, out: Path, feeds: Sequence[dict]) -> Path:
    """``source`` (an fp32 decoder.onnx) -> ``out``, int8, calibrated on ``feeds``."""
    from onnxruntime.quantization import CalibrationDataReader, QuantFormat, QuantType, quantize_static
    from onnxruntime.quantization.shape_inference import quant_pre_process

    class Reader(CalibrationDataReader):
        def __init__(self):
            self.items = iter(feeds)

        def get_next(self):
            return next(self.items, None)

    out = Path(out)
    with tempfile.TemporaryDirectory() as tmp:
        prepared = str(Path(tmp) / "prepared.onnx")
        quant_pre_process(str(source), prepared, skip_symbolic_shape=True)
        partial = out.with_name(out.name + ".part")
        quantize_static(prepared, str(partial), Reader(), quant_format=QuantFormat.QOperator,
                        per_channel=True, activation_type=QuantType.QUInt8,
                        weight_type=QuantType.QInt8, op_types_to_quantize=["Conv", "ConvTranspose"])
        partial.replace(out)
    return out
