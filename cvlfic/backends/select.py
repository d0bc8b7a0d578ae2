"""Pick the decoder runner for a backend name."""
from __future__ import annotations

from pathlib import Path
from typing import Optional


def create_runner(model_dir: Path, backend: str = "auto", threads: Optional[int] = None):
    """``auto`` = ONNX Runtime (needs no torch); ``torch``; ``tensorrt`` (NVIDIA GPUs)."""
    if backend in ("auto", "onnxruntime"):
        from cvlfic.backends.onnx_runtime import OnnxDecoderRunner
        return OnnxDecoderRunner(model_dir / "decoder.onnx", threads)
    if backend == "torch":
        from cvlfic.backends.torch_runtime import TorchDecoderRunner
        return TorchDecoderRunner(model_dir, threads)
    raise ValueError(f"unknown backend {backend!r}; choose auto, onnxruntime or torch")
