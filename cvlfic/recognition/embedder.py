"""Face descriptors from aligned crops: fast batched inference and a differentiable path.

``embed_bgr`` is what the LFW benchmark calls on hundreds of thousands of crops, so it runs
the network through ONNX Runtime when that is installed (faster than PyTorch on this CPU;
see bench/recognizer/README.md); ``embed_tensor`` always runs PyTorch, for training losses.
"""
from __future__ import annotations

import io
import warnings
from typing import Optional

import cv2
import numpy as np
import torch
from torch.nn import functional as F

from cvlfic.recognition.chips import DESCRIPTOR_SIZE, INPUT_SIZE, check_crops
from cvlfic.recognition.resnet import load_recognizer

BACKENDS = ("auto", "onnxruntime", "torch")


def _to_network_input(bgr: np.ndarray) -> np.ndarray:
    """``N x H x W x 3`` BGR uint8 -> ``N x 3 x 150 x 150`` RGB float32 (0..255)."""
    if bgr.shape[1:3] != (INPUT_SIZE, INPUT_SIZE):
        bgr = np.stack([cv2.resize(c, (INPUT_SIZE, INPUT_SIZE), interpolation=cv2.INTER_LINEAR)
                        for c in bgr])
    return np.ascontiguousarray(bgr[..., ::-1].transpose(0, 3, 1, 2), dtype=np.float32)


def _onnx_session(threads: int):
    import onnxruntime as ort

    buffer = io.BytesIO()
    with warnings.catch_warnings():  # the tracer warns about the input-shape checks
        warnings.simplefilter("ignore")
        example = torch.zeros(1, 3, INPUT_SIZE, INPUT_SIZE)
        torch.onnx.export(load_recognizer(), (example,), buffer, input_names=["rgb"],
                          output_names=["descriptor"], dynamo=False,
                          dynamic_axes={"rgb": {0: "n"}, "descriptor": {0: "n"}})
    options = ort.SessionOptions()
    options.intra_op_num_threads = threads
    options.inter_op_num_threads = 1
    options.graph_optimization_level = ort.GraphOptimizationLevel.ORT_ENABLE_ALL
    return ort.InferenceSession(buffer.getvalue(), options, providers=["CPUExecutionProvider"])


class FaceEmbedder:
    """dlib's 128-D face descriptors of aligned face crops.

    ``backend``: ``"onnxruntime"``, ``"torch"`` or ``"auto"`` (ONNX Runtime when installed).
    ``threads``: ONNX Runtime's thread count (default: ``torch.get_num_threads()``); the
    torch backend uses torch's global setting.
    """

    def __init__(self, backend: str = "auto", threads: Optional[int] = None,
                 batch_size: int = 64):
        if backend not in BACKENDS:
            raise ValueError(f"unknown backend {backend!r}; choose from {BACKENDS}")
        if batch_size < 1:
            raise ValueError("batch_size must be positive")
        if backend == "auto":
            try:
                import onnxruntime  # noqa: F401
                backend = "onnxruntime"
            except ImportError:
                backend = "torch"
        self.backend = backend
        self.batch_size = batch_size
        self.threads = threads
        self.model = load_recognizer()
        self._session = None  # built on first use: training only needs embed_tensor

    def _run(self, rgb: np.ndarray) -> np.ndarray:
        if self.backend == "torch":
            with torch.inference_mode():
                return self.model(torch.from_numpy(rgb)).numpy()
        if self._session is None:
            self._session = _onnx_session(self.threads or torch.get_num_threads())
        return self._session.run(None, {"rgb": rgb})[0]

    def embed_bgr(self, crops: np.ndarray) -> np.ndarray:
        """``N x H x W x 3`` BGR uint8 aligned crops -> ``N x 128`` float32 descriptors.

        Crops that are not 150x150 are resized with bilinear interpolation first (the
        112x112 standard crop has the chip's geometry, so resizing is all it needs).
        """
        crops = check_crops(crops)
        out = np.empty((len(crops), DESCRIPTOR_SIZE), dtype=np.float32)
        for start in range(0, len(crops), self.batch_size):
            rgb = _to_network_input(crops[start:start + self.batch_size])
            out[start:start + len(rgb)] = self._run(rgb)
        return out

    def embed_tensor(self, rgb: torch.Tensor) -> torch.Tensor:
        """Differentiable descriptors of ``N x 3 x H x W`` RGB images in [0, 1] -> ``N x 128``.

        Images that are not 150x150 are resized bilinearly inside the graph.
        """
        if not isinstance(rgb, torch.Tensor) or rgb.dim() != 4 or rgb.shape[1] != 3:
            raise ValueError("expected an N x 3 x H x W RGB tensor")
        if tuple(rgb.shape[2:]) != (INPUT_SIZE, INPUT_SIZE):
            rgb = F.interpolate(rgb, size=(INPUT_SIZE, INPUT_SIZE), mode="bilinear",
                                align_corners=False)
        return self.model(rgb * 255.0)
