"""The default backend: the decoder's ONNX graph on ONNX Runtime's CPU provider.

Thread defaults are chosen for a shared CPU (``bench/lfic/busy_neighbour.py``,
``results/speed/busy_neighbour.json``): ONNX Runtime's own default, one spinning worker per
core, is fast on an idle machine and slows down 1.7-2.5x when other processes hold cores, as
its workers spin-wait for each other. Two workers that sleep instead of spinning were the
fastest setting idle, with a busy neighbour and with every core busy (1.2-1.3x of idle).
A process that is one of several coding in parallel (a Ray worker, a pool) should pass
``threads=1``. docs/speed.md says how to choose.
"""
from __future__ import annotations

import os
from pathlib import Path
from typing import Optional

import numpy as np

from cvlfic.nets.network import INPUT_NAMES

DEFAULT_THREADS = min(2, os.cpu_count() or 1)
DEFAULT_SPINNING = False


class OnnxDecoderRunner:
    name = "onnxruntime"

    def __init__(self, model_path: Path, threads: Optional[int] = None,
                 spinning: Optional[bool] = None):
        """``threads``: intra-op threads (None: ``DEFAULT_THREADS``; 0: ONNX Runtime's own
        default, one per physical core). ``spinning``: whether idle workers spin-wait
        (None: ``DEFAULT_SPINNING``)."""
        import onnxruntime as ort

        threads = DEFAULT_THREADS if threads is None else int(threads)
        spinning = DEFAULT_SPINNING if spinning is None else bool(spinning)
        options = ort.SessionOptions()
        options.graph_optimization_level = ort.GraphOptimizationLevel.ORT_ENABLE_ALL
        options.intra_op_num_threads = threads
        options.inter_op_num_threads = 1
        options.add_session_config_entry("session.intra_op.allow_spinning", "1" if spinning else "0")
        options.add_session_config_entry("session.inter_op.allow_spinning", "1" if spinning else "0")
        self.threads, self.spinning = threads, spinning
        self.session = ort.InferenceSession(str(model_path), options,
                                            providers=["CPUExecutionProvider"])

    def __call__(self, planes: np.ndarray, log2_block: np.ndarray, step: np.ndarray) -> np.ndarray:
        """Padded NCHW float32 inputs -> BGR N x 3 x H x W in [0, 1] (cvlfic.nets.network)."""
        feeds = dict(zip(INPUT_NAMES, (planes, log2_block, step)))
        return self.session.run(None, feeds)[0]
