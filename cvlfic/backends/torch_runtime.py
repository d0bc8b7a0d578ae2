"""The decoder in torch (where torch is installed; Algorithm 1 needs its gradients)."""
from __future__ import annotations

from pathlib import Path
from typing import Optional

import numpy as np


class TorchDecoderRunner:
    """The same graph in torch (used where torch is installed and gradients are wanted)."""
    name = "torch"

    def __init__(self, model_dir: Path, threads: Optional[int] = None):
        import torch

        from cvlfic.nets.export import load_decoder

        if threads:
            torch.set_num_threads(threads)
        self.decoder = load_decoder(model_dir)

    def __call__(self, planes: np.ndarray, log2_block: np.ndarray, step: np.ndarray) -> np.ndarray:
        """Padded NCHW float32 inputs -> BGR N x 3 x H x W in [0, 1] (cvlfic.nets.network)."""
        import torch

        with torch.inference_mode():
            out = self.decoder.padded_forward(torch.from_numpy(planes), torch.from_numpy(log2_block),
                                              torch.from_numpy(step))
        return out.numpy()
