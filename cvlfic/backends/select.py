"""Pick the decoder runner for a backend name."""
from __future__ import annotations

from pathlib import Path
from typing import Optional

BACKENDS = ("auto", "onnxruntime", "onnxruntime-int8", "torch", "tensorrt", "tensorrt-fp32")


def create_runner(model_dir: Path, backend: str = "auto", threads: Optional[int] = None,
                  spinning: Optional[bool] = None):
    """``auto`` = ONNX Runtime (needs no torch); ``onnxruntime-int8``: the model's
    ``decoder_int8.onnx`` (``cvlfic.nets.quantize``); ``torch``; ``tensorrt`` (NVIDIA GPUs, an
    fp16 engine; ``tensorrt-fp32`` for full precision). ``threads`` applies to the CPU backends,
    ``spinning`` to ONNX Runtime (see ``cvlfic.backends.onnx_runtime`` for the defaults)."""
    if backend in ("auto", "onnxruntime"):
        from cvlfic.backends.onnx_runtime import OnnxDecoderRunner
        return OnnxDecoderRunner(model_dir / "decoder.onnx", threads, spinning)
    if backend == "onnxruntime-int8":
        from cvlfic.backends.onnx_runtime import OnnxDecoderRunner
        from cvlfic.nets.quantize import INT8_NAME
        path = model_dir / INT8_NAME
        if not path.is_file():
            raise FileNotFoundError(f"{model_dir.name} has no {INT8_NAME}: make it with "
                                    f"'cvlfic export --format onnx-int8 --model {model_dir}'")
        return OnnxDecoderRunner(path, threads, spinning)
    if backend == "torch":
        from cvlfic.backends.torch_runtime import TorchDecoderRunner
        return TorchDecoderRunner(model_dir, threads)
    if backend in ("tensorrt", "tensorrt-fp32"):
        from cvlfic.backends.tensorrt_runtime import TensorRTDecoderRunner
        return TensorRTDecoderRunner(model_dir, "fp32" if backend == "tensorrt-fp32" else "fp16")
    raise ValueError(f"unknown backend {backend!r}; choose one of {', '.join(BACKENDS)}")
