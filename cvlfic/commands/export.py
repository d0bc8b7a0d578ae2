"""``cvlfic export``: the decoder of a model folder as ONNX (fp32 or int8), TorchScript or
TensorRT engines.

Everything is regenerated from the folder's ``decoder.pt`` and ``model.json`` (ONNX,
TorchScript) or its ``decoder.onnx`` (int8 ONNX, TensorRT), and every export is checked
against the torch decoder (or, for int8 and TensorRT, ONNX Runtime's fp32 graph) on real core
reconstructions of several batch sizes and crop sizes; the command fails if the outputs
differ by more than the limit.
"""
from __future__ import annotations

import argparse
import importlib.util
import json
import shutil
import time
from pathlib import Path
from typing import Callable, List, Sequence, Tuple

import numpy as np

from cvlfic import bitstream
from cvlfic.nets.network import decoder_inputs, example_inputs

ONNX_LIMIT = 1e-3  # max abs difference on the 0..1 scale
TENSORRT_LIMITS = {"fp32": 1e-3, "fp16": 2 / 255}  # fp16: what the C++ consumer allows
TORCHSCRIPT_NAME = "decoder_torchscript.pt"
# (batch, height, width): the usual 112x112 crops batched, and an odd size (padded to 64x80).
CHECK_GROUPS = ((2, 112, 112), (1, 53, 77))

Inputs = Tuple[np.ndarray, np.ndarray, np.ndarray]


def sample_inputs(profile: int, groups: Sequence[Tuple[int, int, int]] = CHECK_GROUPS,
                  seed: int = 0) -> List[Inputs]:
    """Decoder inputs from real streams: textured images under random masks and level counts,
    through the core's encoder and decoder, one batch per group."""
    rng = np.random.default_rng(seed)
    info = bitstream.profile_info(profile)
    batches = []
    for batch, height, width in groups:
        rows = []
        for _ in range(batch):
            y, x = np.mgrid[0:height, 0:width]
            image = np.stack([x * 2.0, y * 2.0, (x + y) * 1.0], -1) + rng.normal(0, 20, (height, width, 3))
            image = np.clip(image, 0, 255).astype(np.uint8)
            mask = rng.integers(0, len(info["block_sizes"][0]),
                                bitstream.mask_shape(height, width, profile), dtype=np.uint8)
            levels = int(rng.choice([4, 8, 16, 32]))
            recon, mask, meta = bitstream.decode_pooled(
                bitstream.encode_pooled(image, mask, profile, levels))
            rows.append(decoder_inputs(recon, mask, meta["levels"], info["region"],
                                       info["block_sizes"][0]))
        batches.append(tuple(np.concatenate([r[i] for r in rows]) for i in range(3)))
    return batches


def max_abs_diff(reference: Callable, candidate: Callable, batches: Sequence[Inputs]) -> float:
    return max(float(np.abs(reference(*b) - candidate(*b)).max()) for b in batches)


def report_parity(what: str, diff: float, limit: float, batches: Sequence[Inputs]) -> bool:
    shapes = ", ".join(f"{b[0].shape[0]}x{b[0].shape[2]}x{b[0].shape[3]}" for b in batches)
    ok = diff <= limit
    print(f"parity {what}: max abs diff {diff:.2e} (limit {limit:.0e}, 0..1 scale) on "
          f"batches {shapes}: {'ok' if ok else 'FAILED'}")
    return ok


def torch_reference(decoder) -> Callable:
    import torch

    def run(planes, log2_block, step):
        with torch.inference_mode():
            return decoder.padded_forward(torch.from_numpy(planes), torch.from_numpy(log2_block),
                                          torch.from_numpy(step)).numpy()
    return run


def export_torchscript(decoder, path: Path, meta: dict) -> None:
    """Trace the padded graph (no shape-dependent Python in it, so any batch/H/W works)."""
    import torch

    from cvlfic.nets.export import PaddedGraph

    with torch.no_grad():
        traced = torch.jit.trace(PaddedGraph(decoder).eval(), example_inputs())
    traced.save(str(path), _extra_files={"model.json": json.dumps(meta)})


def _size(path: Path) -> str:
    return f"{path.stat().st_size / 1e6:.1f} MB"


def _copy_metadata(model_dir: Path, out: Path) -> None:
    """An export folder next to its model.json and encoder.bin is itself a model folder
    (Codec(model=out))."""
    from cvlfic.lfic.encoder_params import ENCODER_FILE

    if out.resolve() != model_dir.resolve():
        for name in ("model.json", ENCODER_FILE):
            if (model_dir / name).is_file():
                shutil.copyfile(model_dir / name, out / name)


def run_onnx(args, model_dir: Path, meta: dict, out: Path) -> bool:
    from cvlfic.backends.onnx_runtime import OnnxDecoderRunner
    from cvlfic.nets.export import export_onnx, load_decoder

    decoder = load_decoder(model_dir)
    path = out / "decoder.onnx"
    export_onnx(decoder, path, opset=args.opset)
    # torch.onnx.export restores the train mode of export_onnx's fresh wrapper module, which
    # leaves the decoder in train mode (BatchNorm would use batch statistics): back to eval.
    decoder.eval()
    _copy_metadata(model_dir, out)
    print(f"wrote {path} ({_size(path)}, opset {args.opset}, dynamic batch/height/width)")
    if args.no_check:
        return True
    batches = sample_inputs(meta["profile"])
    diff = max_abs_diff(torch_reference(decoder), OnnxDecoderRunner(path), batches)
    return report_parity("onnxruntime vs torch", diff, ONNX_LIMIT, batches)


def run_torchscript(args, model_dir: Path, meta: dict, out: Path) -> bool:
    import torch

    from cvlfic.nets.export import load_decoder

    decoder = load_decoder(model_dir)
    path = out / TORCHSCRIPT_NAME
    export_torchscript(decoder, path, meta)
    _copy_metadata(model_dir, out)
    print(f"wrote {path} ({_size(path)}; C++: torch::jit::load, see examples/cpp_decoder)")
    if args.no_check:
        return True
    loaded = torch.jit.load(str(path))
    batches = sample_inputs(meta["profile"])

    def traced(planes, log2_block, step):
        with torch.inference_mode():
            return loaded(torch.from_numpy(planes), torch.from_numpy(log2_block),
                          torch.from_numpy(step)).numpy()
    diff = max_abs_diff(torch_reference(decoder), traced, batches)
    return report_parity("torchscript vs torch", diff, ONNX_LIMIT, batches)


def run_tensorrt(args, model_dir: Path, meta: dict, out: Path) -> bool:
    from cvlfic.backends.onnx_runtime import OnnxDecoderRunner
    from cvlfic.backends.tensorrt_runtime import ShapeProfile, TensorRTDecoderRunner

    if importlib.util.find_spec("tensorrt") is None:
        raise SystemExit("TensorRT is not installed: pip install 'cvlfic[tensorrt]' on an NVIDIA "
                         "GPU (on a Jetson, use JetPack's python3-libnvinfer); see docs/gpu.md")
    try:
        profile = ShapeProfile(opt_batch=min(8, args.max_batch), max_batch=args.max_batch,
                               opt_side=min(112, args.max_side), max_side=args.max_side)
    except ValueError as exc:
        raise SystemExit(str(exc))
    precision = "fp16" if args.fp16 else "fp32"
    start = time.perf_counter()
    runner = TensorRTDecoderRunner(model_dir, precision, profile, cache=out)
    print(f"engine {runner.engine_path} ({_size(runner.engine_path)}, {precision}, "
          f"GPU {runner.key['gpu']}, TensorRT {runner.key['tensorrt']}, batch 1..{profile.max_batch}, "
          f"sides {profile.min_side}..{profile.max_side}) ready in {time.perf_counter() - start:.1f} s")
    if args.no_check:
        return True
    batches = sample_inputs(meta["profile"])
    diff = max_abs_diff(OnnxDecoderRunner(model_dir / "decoder.onnx"), runner, batches)
    return report_parity(f"tensorrt {precision} vs onnxruntime", diff, TENSORRT_LIMITS[precision],
                         batches)


INT8_LIMITS = {"mean": 4 / 255, "p999": 24 / 255}  # mean and 99.9th percentile abs difference


def run_onnx_int8(args, model_dir: Path, meta: dict, out: Path) -> bool:
    from cvlfic import datasets
    from cvlfic.backends.onnx_runtime import OnnxDecoderRunner
    from cvlfic.lfic import Codec
    from cvlfic.nets.quantize import INT8_NAME, calibration_faces, calibration_feeds, quantize_decoder

    faces = calibration_faces(args.calibration, args.data)
    if not faces:
        raise SystemExit(f"calibration needs training face crops: none under "
                         f"{datasets.data_root(args.data)} (give --data DIR, the folder holding utkface/)")
    codec = Codec(model=model_dir)
    path = quantize_decoder(model_dir / "decoder.onnx", out / INT8_NAME, calibration_feeds(codec, faces),
                            upsampling=args.int8_upsampling)
    _copy_metadata(model_dir, out)
    print(f"wrote {path} ({_size(path)}, int8 convolutions, calibrated on {len(faces)} training faces)")
    if args.no_check:
        return True
    batches = sample_inputs(meta["profile"])
    fp32, int8 = OnnxDecoderRunner(model_dir / "decoder.onnx"), OnnxDecoderRunner(path)
    diffs = np.concatenate([np.abs(fp32(*b) - int8(*b)).reshape(-1) for b in batches])
    mean, p999 = float(diffs.mean()), float(np.quantile(diffs, 0.999))
    ok = mean <= INT8_LIMITS["mean"] and p999 <= INT8_LIMITS["p999"]
    print(f"parity onnxruntime int8 vs fp32: mean abs diff {255 * mean:.2f} / 255 (limit "
          f"{255 * INT8_LIMITS['mean']:.0f}), 99.9th percentile {255 * p999:.1f} / 255 (limit "
          f"{255 * INT8_LIMITS['p999']:.0f}): {'ok' if ok else 'FAILED'}")
    return ok


def run_export(args: argparse.Namespace) -> int:
    from cvlfic.lfic.model_files import find_model, model_metadata

    if args.fp16 and args.format != "tensorrt":
        raise SystemExit("--fp16 applies to --format tensorrt only")
    model_dir = find_model(args.model)
    meta = model_metadata(model_dir)
    if args.out is None:
        from cvlfic.backends.tensorrt_runtime import default_cache
        out = default_cache() if args.format == "tensorrt" else model_dir
    else:
        out = args.out
    out.mkdir(parents=True, exist_ok=True)
    runs = {"onnx": run_onnx, "onnx-int8": run_onnx_int8, "torchscript": run_torchscript,
            "tensorrt": run_tensorrt}
    return 0 if runs[args.format](args, model_dir, meta, out) else 1


def register(subparsers) -> None:
    from cvlfic.lfic.model_files import DEFAULT_MODEL

    p = subparsers.add_parser(
        "export", help="export the decoder to ONNX, TorchScript or TensorRT, with a parity check",
        description="Regenerate the decoder of a model folder (from decoder.pt and model.json) as "
                    "ONNX (dynamic batch, height and width), TorchScript (for LibTorch / C++), "
                    "or TensorRT engines built from its ONNX file (cached per GPU model, "
                    "TensorRT version, precision and ONNX hash). Each export is compared with "
                    "the torch decoder (TensorRT: with ONNX Runtime) and the command fails "
                    "above the limit.")
    p.add_argument("--format", choices=["onnx", "onnx-int8", "torchscript", "tensorrt"], required=True)
    p.add_argument("--model", default=DEFAULT_MODEL, help="model name or folder")
    p.add_argument("--out", type=Path,
                   help="output folder (default: the model folder; TensorRT: the engine cache, "
                        "~/.cache/cvlfic/tensorrt)")
    p.add_argument("--fp16", action="store_true", help="TensorRT: build an fp16 engine (default fp32)")
    p.add_argument("--max-batch", type=int, default=64, help="TensorRT: largest batch (default 64)")
    p.add_argument("--max-side", type=int, default=160,
                   help="TensorRT: largest padded height/width, a multiple of 16 (default 160)")
    p.add_argument("--opset", type=int, default=17, help="ONNX opset (default 17)")
    p.add_argument("--calibration", type=int, default=100,
                   help="onnx-int8: training faces to calibrate on (default 100)")
    p.add_argument("--int8-upsampling", action="store_true",
                   help="onnx-int8: the upsampling layers in int8 too (faster, less accurate; docs/speed.md)")
    p.add_argument("--data", type=Path, metavar="DIR",
                   help="onnx-int8: face data folder, the one holding utkface/ (default: $CVLFIC_DATA)")
    p.add_argument("--no-check", action="store_true", help="skip the parity check")
    p.set_defaults(func=run_export)
