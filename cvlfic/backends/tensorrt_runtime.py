"""The decoder on NVIDIA GPUs: TensorRT engines built from the ONNX graph, cached on disk.

An engine only runs on the GPU model and TensorRT version that built it, so the cache key is
(GPU name, TensorRT version, precision, optimization profile, SHA-256 of the ONNX file): a new
driver stack or a re-exported model builds a new engine instead of loading a stale one.
Device memory and the CUDA stream come from torch (a CUDA build) or cuda-python; pycuda is
not needed. Needs TensorRT >= 8.5 (the named-tensor API; JetPack 5.1 and 6 ship it).
"""
from __future__ import annotations

import hashlib
import json
import os
import time
from dataclasses import asdict, dataclass
from pathlib import Path
from typing import Dict, Optional, Tuple

import numpy as np

from cvlfic.errors import ModelFileError
from cvlfic.nets.network import INPUT_NAMES, OUTPUT_NAME, PAD_MULTIPLE

PRECISIONS = ("fp16", "fp32")


@dataclass(frozen=True)
class ShapeProfile:
    """The batch sizes and padded sides an engine accepts, and the ones it is tuned for."""
    min_batch: int = 1
    opt_batch: int = 8
    max_batch: int = 64
    min_side: int = PAD_MULTIPLE
    opt_side: int = 112
    max_side: int = 160

    def __post_init__(self):
        if not 1 <= self.min_batch <= self.opt_batch <= self.max_batch:
            raise ValueError(f"need 1 <= min_batch <= opt_batch <= max_batch: {self}")
        if not PAD_MULTIPLE <= self.min_side <= self.opt_side <= self.max_side:
            raise ValueError(f"need {PAD_MULTIPLE} <= min_side <= opt_side <= max_side: {self}")
        if any(s % PAD_MULTIPLE for s in (self.min_side, self.opt_side, self.max_side)):
            raise ValueError(f"sides must be multiples of {PAD_MULTIPLE}: {self}")

    def shapes(self, dims: Tuple[int, ...]) -> Tuple[Tuple[int, ...], ...]:
        """(min, opt, max) shapes for an input whose ONNX dims are ``dims`` (-1 = dynamic):
        axis 0 is the batch, other dynamic axes are image sides."""
        def fill(batch: int, side: int) -> Tuple[int, ...]:
            return (batch,) + tuple(side if d < 0 else d for d in dims[1:])
        return (fill(self.min_batch, self.min_side), fill(self.opt_batch, self.opt_side),
                fill(self.max_batch, self.max_side))

    def accepts_size(self, height: int, width: int) -> bool:
        return all(self.min_side <= s <= self.max_side for s in (height, width))


DEFAULT_PROFILE = ShapeProfile()


def file_sha256(path: Path) -> str:
    digest = hashlib.sha256()
    with open(path, "rb") as f:
        for chunk in iter(lambda: f.read(1 << 20), b""):
            digest.update(chunk)
    return digest.hexdigest()


def engine_key(gpu_name: str, trt_version: str, precision: str, onnx_sha256: str,
               profile: ShapeProfile = DEFAULT_PROFILE) -> Dict:
    """Everything an engine depends on, plus ``id``: a short hash of it for the file name."""
    if precision not in PRECISIONS:
        raise ValueError(f"precision must be one of {PRECISIONS}, not {precision!r}")
    key = {"gpu": gpu_name, "tensorrt": trt_version, "precision": precision,
           "onnx_sha256": onnx_sha256, "profile": asdict(profile)}
    key["id"] = hashlib.sha256(json.dumps(key, sort_keys=True).encode()).hexdigest()[:16]
    return key


def engine_path(cache: Path, model_name: str, key: Dict) -> Path:
    return cache / f"{model_name}-{key['precision']}-{key['id']}.engine"


def default_cache() -> Path:
    from cvlfic.cache import cache_dir
    return cache_dir() / "tensorrt"


def _logger():
    import tensorrt as trt
    return trt.Logger(trt.Logger.WARNING)


def build_engine(onnx_path: Path, precision: str, profile: ShapeProfile = DEFAULT_PROFILE,
                 workspace_bytes: int = 1 << 30) -> bytes:
    """Parse the ONNX graph and build a serialized engine for one precision and profile."""
    import tensorrt as trt

    logger = _logger()
    builder = trt.Builder(logger)
    # TensorRT 10 networks are always explicit-batch; 8.x needs the flag.
    flags = 0
    if int(trt.__version__.split(".")[0]) < 10:
        flags = 1 << int(trt.NetworkDefinitionCreationFlag.EXPLICIT_BATCH)
    network = builder.create_network(flags)
    parser = trt.OnnxParser(network, logger)
    if not parser.parse(Path(onnx_path).read_bytes()):
        errors = "; ".join(str(parser.get_error(i)) for i in range(parser.num_errors))
        raise ModelFileError(f"TensorRT cannot parse {onnx_path}: {errors}")
    config = builder.create_builder_config()
    config.set_memory_pool_limit(trt.MemoryPoolType.WORKSPACE, workspace_bytes)
    if precision == "fp16":
        config.set_flag(trt.BuilderFlag.FP16)  # layers without fast fp16 kernels stay fp32
    optimization = builder.create_optimization_profile()
    for i in range(network.num_inputs):
        tensor = network.get_input(i)
        optimization.set_shape(tensor.name, *profile.shapes(tuple(tensor.shape)))
    config.add_optimization_profile(optimization)
    serialized = builder.build_serialized_network(network, config)
    if serialized is None:
        raise RuntimeError(f"TensorRT could not build a {precision} engine from {onnx_path}")
    return bytes(serialized)


def cached_engine(onnx_path: Path, model_name: str, precision: str, gpu_name: str,
                  profile: ShapeProfile = DEFAULT_PROFILE, cache: Optional[Path] = None,
                  rebuild: bool = False) -> Tuple[Path, Dict]:
    """The engine file for this GPU/TensorRT/precision/profile/ONNX, built on first use.

    Writes ``<engine>.json`` beside it with the key, so a cache can be inspected by hand.
    """
    import tensorrt as trt

    cache = Path(cache) if cache is not None else default_cache()
    key = engine_key(gpu_name, trt.__version__, precision, file_sha256(onnx_path), profile)
    path = engine_path(cache, model_name, key)
    if path.is_file() and not rebuild:
        return path, key
    cache.mkdir(parents=True, exist_ok=True)
    start = time.perf_counter()
    blob = build_engine(onnx_path, precision, profile)
    key = dict(key, build_seconds=round(time.perf_counter() - start, 1))
    tmp = path.with_suffix(f".tmp{os.getpid()}")
    tmp.write_bytes(blob)
    os.replace(tmp, path)  # never leave a half-written engine under the real name
    path.with_suffix(".engine.json").write_text(json.dumps(key, indent=2) + "\n")
    return path, key


class TorchCuda:
    """Device buffers and the stream from torch (needs a CUDA build of torch)."""

    def __init__(self):
        import torch

        if not torch.cuda.is_available():
            raise RuntimeError("torch sees no CUDA device")
        self.torch = torch
        self.stream = torch.cuda.Stream()

    def gpu_name(self) -> str:
        return self.torch.cuda.get_device_name()

    def infer(self, context, inputs: Dict[str, np.ndarray], output: str, out_shape) -> np.ndarray:
        torch = self.torch
        with torch.cuda.stream(self.stream):
            held = {name: torch.from_numpy(a).to("cuda") for name, a in inputs.items()}
            out = torch.empty(tuple(out_shape), dtype=torch.float32, device="cuda")
            for name, tensor in held.items():
                context.set_tensor_address(name, tensor.data_ptr())
            context.set_tensor_address(output, out.data_ptr())
            if not context.execute_async_v3(self.stream.cuda_stream):
                raise RuntimeError("TensorRT inference failed")
            return out.cpu().numpy()  # a blocking copy on this stream: the result is complete


class CudaPython:
    """Device buffers and the stream from cuda-python's runtime bindings.

    Buffers are kept and grown on demand, so a steady stream of batches allocates nothing.
    """

    def __init__(self):
        self.buffers: Dict[str, Tuple[int, int]] = {}  # name -> (pointer, bytes)
        try:
            from cuda.bindings import runtime as cudart  # cuda-python >= 12.6
        except ImportError:
            from cuda import cudart
        self.cudart = cudart
        if self._call(cudart.cudaGetDeviceCount()) < 1:
            raise RuntimeError("cuda-python sees no CUDA device")
        self.stream = self._call(cudart.cudaStreamCreate())

    def _call(self, result):
        """cuda-python returns (error, *values); raise on error, return the values."""
        error, *values = result
        if error != self.cudart.cudaError_t.cudaSuccess:
            raise RuntimeError(f"CUDA error: {error}")
        return values[0] if len(values) == 1 else None

    def gpu_name(self) -> str:
        device = self._call(self.cudart.cudaGetDevice())
        name = self._call(self.cudart.cudaGetDeviceProperties(device)).name
        name = name.decode() if isinstance(name, bytes) else str(name)
        return name.split("\x00", 1)[0]

    def _buffer(self, name: str, nbytes: int) -> int:
        pointer, size = self.buffers.get(name, (0, 0))
        if size < nbytes:
            if pointer:
                self._call(self.cudart.cudaFree(pointer))
            pointer = self._call(self.cudart.cudaMalloc(nbytes))
            self.buffers[name] = (pointer, nbytes)
        return pointer

    def infer(self, context, inputs: Dict[str, np.ndarray], output: str, out_shape) -> np.ndarray:
        cudart = self.cudart
        for name, array in inputs.items():
            pointer = self._buffer(name, array.nbytes)
            self._call(cudart.cudaMemcpyAsync(pointer, array.ctypes.data, array.nbytes,
                                              cudart.cudaMemcpyKind.cudaMemcpyHostToDevice,
                                              self.stream))
            context.set_tensor_address(name, pointer)
        out = np.empty(tuple(out_shape), np.float32)
        pointer = self._buffer(output, out.nbytes)
        context.set_tensor_address(output, pointer)
        if not context.execute_async_v3(int(self.stream)):
            raise RuntimeError("TensorRT inference failed")
        self._call(cudart.cudaMemcpyAsync(out.ctypes.data, pointer, out.nbytes,
                                          cudart.cudaMemcpyKind.cudaMemcpyDeviceToHost, self.stream))
        self._call(cudart.cudaStreamSynchronize(self.stream))
        return out

    def close(self) -> None:
        for pointer, _ in self.buffers.values():
            self.cudart.cudaFree(pointer)
        self.buffers.clear()

    def __del__(self):
        self.close()


def cuda_device():
    """torch's CUDA if it has one, else cuda-python; RuntimeError saying why neither works."""
    reasons = []
    for make in (TorchCuda, CudaPython):
        try:
            return make()
        except (ImportError, RuntimeError) as exc:
            reasons.append(f"{make.__name__}: {exc}")
    raise RuntimeError("TensorRT needs a CUDA device through torch or cuda-python ("
                       + "; ".join(reasons) + "); pip install 'cvlfic[tensorrt]'")


class TensorRTDecoderRunner:
    """The decoder as a TensorRT engine; same call as the ONNX Runtime runner."""
    name = "tensorrt"

    def __init__(self, model_dir: Path, precision: str = "fp16",
                 profile: ShapeProfile = DEFAULT_PROFILE, cache: Optional[Path] = None):
        import tensorrt as trt

        model_dir = Path(model_dir)
        self.device = cuda_device()
        self.profile = profile
        self.engine_path, self.key = cached_engine(model_dir / "decoder.onnx", model_dir.name,
                                                   precision, self.device.gpu_name(), profile, cache)
        self.runtime = trt.Runtime(_logger())
        self.engine = self.runtime.deserialize_cuda_engine(self.engine_path.read_bytes())
        if self.engine is None:
            raise ModelFileError(f"TensorRT cannot load {self.engine_path}; delete it to rebuild")
        names = {self.engine.get_tensor_name(i) for i in range(self.engine.num_io_tensors)}
        if names != set(INPUT_NAMES) | {OUTPUT_NAME}:
            raise ModelFileError(f"{self.engine_path} has tensors {sorted(names)}, "
                                 f"expected {list(INPUT_NAMES)} -> {OUTPUT_NAME}")
        self.context = self.engine.create_execution_context()

    def __call__(self, planes: np.ndarray, log2_block: np.ndarray, step: np.ndarray) -> np.ndarray:
        """Padded NCHW float32 inputs -> BGR N x 3 x H x W in [0, 1] (cvlfic.nets.network);
        batches above the profile's maximum run in chunks."""
        height, width = planes.shape[2:]
        if not self.profile.accepts_size(height, width):
            raise ValueError(f"{height}x{width} is outside the engine's sides "
                             f"{self.profile.min_side}..{self.profile.max_side}; "
                             "export an engine with a larger --max-side")
        step = step.reshape(-1, 1, 1, 1)
        size = self.profile.max_batch
        chunks = [self._run((planes[i:i + size], log2_block[i:i + size], step[i:i + size]))
                  for i in range(0, len(planes), size)]
        return chunks[0] if len(chunks) == 1 else np.concatenate(chunks)

    def _run(self, arrays) -> np.ndarray:
        inputs = {name: np.ascontiguousarray(a, np.float32) for name, a in zip(INPUT_NAMES, arrays)}
        for name, array in inputs.items():
            if not self.context.set_input_shape(name, array.shape):
                raise ValueError(f"shape {array.shape} of {name} is outside the engine's profile")
        out_shape = tuple(self.context.get_tensor_shape(OUTPUT_NAME))
        return self.device.infer(self.context, inputs, OUTPUT_NAME, out_shape)
