"""The default backend: the decoder's ONNX graph on ONNX Runtime's CPU provider."""
from __future__ import annotations

from pathlib import Path
from typing import Optional

import numpy as np


class OnnxDecoderRunner:
    name = "onnxruntime"

    def __init__(self, model_path: Path, threads: Optional[int] = None):
        import onnxruntime as ort

        options = ort.SessionOptions()
        options.graph_optimization_level = ort.GraphOptimizationLevel.ORT_ENABLE_ALL
        if threads:
            options.intra_op_num_threads = threads
            options.inter_op_num_threads = 1
        self.session = ort.InferenceSession(str(model_path), options,
                                            providers=["CPUExecutionProvider"])

    def __call__(self, planes: np.ndarray, log2_block: np.ndarray, step: np.ndarray) -> np.ndarray:
        """Padded NCHW float32 inputs -> BGR N x 3 x H x W in [0, 1]."""
        feeds = {"planes": planes, "log2_block": log2_block, "step": step}
        return self.session.run(None, feeds)[0]
