"""Parity and speed of the PyTorch port of dlib's face recognition ResNet against dlib-bin.

Parity: 200 LFW images (the first matched pairs of pairs.txt, unique images), detected with
dlib's HOG detector and aligned to 150x150 chips with ``cvlfic.face.align_face``; each
chip's descriptor from the port (torch and ONNX Runtime backends) is compared with
dlib-bin's ``compute_face_descriptor`` of the same chip.

Speed: ms per face at batch 64 with 1 and 2 threads, best of ``--reps`` runs after a
warm-up, for dlib-bin and for the port's variants. The machine is shared, so the load
average is recorded next to the figures.

    python bench/recognizer/run.py            # writes results.json and README.md here
"""
from __future__ import annotations

import argparse
import copy
import json
import os
import platform
import sys
import time
import warnings
from pathlib import Path

import cv2
import dlib
import numpy as np
import onnxruntime
import torch

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))  # bench/: devdata
import devdata  # noqa: E402,F401  (CVLFIC_DATA: the checkout's data folder when unset)
from cvlfic import datasets  # noqa: E402
from cvlfic.face import align_face, detect_faces  # noqa: E402
from cvlfic.recognition import FaceEmbedder, dlib_reference_embed_bgr, load_recognizer  # noqa: E402

HERE = Path(__file__).resolve().parent
BATCH = 64


def lfw_images(count: int) -> list:
    """The first ``count`` unique images of pairs.txt's matched pairs, in file order."""
    seen, images = set(), []
    with open(datasets.lfw_pairs_path()) as fh:
        next(fh)
        for line in fh:
            parts = line.split()
            if len(parts) != 3:
                continue
            for index in (int(parts[1]), int(parts[2])):
                if (parts[0], index) not in seen and len(images) < count:
                    seen.add((parts[0], index))
                    images.append((parts[0], index))
            if len(images) == count:
                return images
    raise RuntimeError(f"pairs.txt has fewer than {count} matched images")


def aligned_chips(count: int) -> np.ndarray:
    chips = []
    for name, index in lfw_images(count):
        bgr = cv2.imread(str(datasets.lfw_image_path(name, index)), cv2.IMREAD_COLOR)
        # deep-funneled LFW: the face is centred, so the centre box is a safe fallback
        face = detect_faces(bgr, fallback_box=(70, 70, 180, 180))[0]
        chips.append(align_face(bgr, face, size=150))
    return np.stack(chips)


def compare(ref: np.ndarray, port: np.ndarray) -> dict:
    cos = (ref * port).sum(1) / np.linalg.norm(ref, axis=1) / np.linalg.norm(port, axis=1)
    return {"cosine_min": float(cos.min()), "cosine_mean": float(cos.mean()),
            "max_abs_diff": float(np.abs(ref - port).max()),
            "all_cosines_at_least_0.9999": bool(cos.min() >= 0.9999)}


def parity(chips: np.ndarray) -> dict:
    ref = dlib_reference_embed_bgr(chips)
    out = {"chips": int(len(chips))}
    for backend in ("torch", "onnxruntime"):
        out[backend] = compare(ref, FaceEmbedder(backend).embed_bgr(chips))
    return out


def best_ms_per_face(run, reps: int) -> dict:
    run()  # warm-up
    walls, cpus = [], []
    for _ in range(reps):
        wall, cpu = time.perf_counter(), time.process_time()
        run()
        walls.append(time.perf_counter() - wall)
        cpus.append(time.process_time() - cpu)
    best = int(np.argmin(walls))
    return {"ms_per_face": 1000 * walls[best] / BATCH,
            "cpu_ms_per_face": 1000 * cpus[best] / BATCH,
            "cpu_over_wall": cpus[best] / walls[best]}


def port_variants(chips: np.ndarray, threads: int):
    """(name, callable) of each way to run the port on a batch of 64 BGR chips."""
    rgb = torch.from_numpy(np.ascontiguousarray(chips[..., ::-1])).permute(0, 3, 1, 2).float()
    channels_last = load_recognizer()  # what FaceEmbedder's torch backend runs
    contiguous = copy.deepcopy(channels_last).to(memory_format=torch.contiguous_format)
    with warnings.catch_warnings(), torch.no_grad():
        warnings.simplefilter("ignore")
        traced = torch.jit.optimize_for_inference(torch.jit.trace(channels_last, rgb[:2]))

    def infer(model, x):
        def run():
            with torch.inference_mode():
                model(x)
        return run

    ort_embedder = FaceEmbedder("onnxruntime", threads=threads)
    torch_embedder = FaceEmbedder("torch")
    return [
        ("torch eager NCHW", infer(contiguous, rgb)),
        ("torch eager channels_last", infer(channels_last, rgb)),
        ("torch jit trace + optimize_for_inference", infer(traced, rgb)),
        ("FaceEmbedder torch embed_bgr (incl. BGR->RGB)", lambda: torch_embedder.embed_bgr(chips)),
        ("FaceEmbedder onnxruntime embed_bgr (incl. BGR->RGB)",
         lambda: ort_embedder.embed_bgr(chips)),
    ]


def training_step(threads: int, reps: int) -> dict:
    """Forward + backward of embed_tensor (the codec's semantic loss) at batch 64."""
    embedder = FaceEmbedder("torch")
    x = torch.rand(BATCH, 3, 112, 112, requires_grad=True)

    def run():
        embedder.embed_tensor(x).pow(2).sum().backward()
    return best_ms_per_face(run, reps)


def speed(chips: np.ndarray, reps: int, dlib_reps: int) -> dict:
    chips = chips[:BATCH]
    out = {"batch": BATCH,
           "dlib-bin": best_ms_per_face(lambda: dlib_reference_embed_bgr(chips), dlib_reps)}
    for threads in (1, 2):
        torch.set_num_threads(threads)
        row = {name: best_ms_per_face(run, reps) for name, run in port_variants(chips, threads)}
        row["embed_tensor forward+backward (112->150, training)"] = training_step(threads, 2)
        out[f"port, {threads} thread(s)"] = row
    return out


def environment() -> dict:
    cpu = next((line.split(":", 1)[1].strip() for line in open("/proc/cpuinfo")
                if line.startswith("model name")), platform.processor())
    return {"cpu": cpu, "cores": os.cpu_count(), "torch": torch.__version__,
            "onnxruntime": onnxruntime.__version__, "dlib": dlib.__version__,
            "dlib_uses_blas": bool(getattr(dlib, "DLIB_USE_BLAS", False)),
            "python": platform.python_version()}


def render_readme(results: dict) -> str:
    p, s = results["parity"], results["speed"]
    lines = [
        "# Recognizer port: parity with dlib and speed",
        "",
        "Generated by `python bench/recognizer/run.py` (from the repo root, with the dev venv);",
        "raw figures in `results.json`. Machine: "
        f"{results['environment']['cpu']}, {results['environment']['cores']} cores, shared "
        f"with other jobs (load average {results['load_before'][0]:.2f} before, "
        f"{results['load_after'][0]:.2f} after the run, so timings are noisy).",
        "",
        f"## Parity on {p['chips']} aligned LFW chips (150x150)",
        "",
        "| backend | min cosine | mean cosine | max abs diff | all >= 0.9999 |",
        "| --- | --- | --- | --- | --- |",
    ]
    for backend in ("torch", "onnxruntime"):
        r = p[backend]
        lines.append(f"| {backend} | {r['cosine_min']:.8f} | {r['cosine_mean']:.8f} | "
                     f"{r['max_abs_diff']:.2e} | {r['all_cosines_at_least_0.9999']} |")
    dlib_ms = s["dlib-bin"]["ms_per_face"]
    lines += [
        "",
        f"## Speed at batch {s['batch']} (ms per face, best of several runs)",
        "",
        f"dlib-bin {results['environment']['dlib']} (built without BLAS, one thread): "
        f"**{dlib_ms:.2f} ms/face** wall, {s['dlib-bin']['cpu_ms_per_face']:.2f} ms/face of CPU "
        f"time (CPU/wall {s['dlib-bin']['cpu_over_wall']:.2f}; below 1 means it waited for a "
        "core).",
        "",
        "Wall ms/face, its speed-up over dlib-bin's wall time, and CPU ms/face (all threads;",
        "spinning threads count too). CPU time is the steadier figure on a busy machine.",
        "",
        "| variant | 1 thread: wall | vs dlib | CPU | 2 threads: wall | vs dlib | CPU |",
        "| --- | --- | --- | --- | --- | --- | --- |",
    ]
    one, two = s["port, 1 thread(s)"], s["port, 2 thread(s)"]
    for name in one:
        cells = []
        for row in (one[name], two[name]):
            wall = row["ms_per_face"]
            cells.append(f"{wall:.2f} | {dlib_ms / wall:.1f}x | {row['cpu_ms_per_face']:.2f}")
        lines.append(f"| {name} | {cells[0]} | {cells[1]} |")
    lines += [
        "",
        "`FaceEmbedder.embed_bgr` uses ONNX Runtime by default (`backend=\"auto\"`) and PyTorch",
        "channels-last otherwise; `embed_tensor` (differentiable) always runs PyTorch.",
        "The training row is forward + backward to the input pixels (parameters frozen).",
        "",
        "## Commands",
        "",
        "    python bench/recognizer/run.py        # this README and results.json (a few minutes)",
        "    python -m pytest -q tests/recognition  # parser, dlib parity, gradients (seconds)",
        "",
    ]
    return "\n".join(lines)


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__,
                                 formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--count", type=int, default=200, help="LFW chips for the parity check")
    ap.add_argument("--reps", type=int, default=5, help="timed runs per port variant")
    ap.add_argument("--dlib-reps", type=int, default=2, help="timed runs for dlib-bin")
    ap.add_argument("--out", type=Path, default=HERE)
    args = ap.parse_args()
    results = {"environment": environment(), "load_before": os.getloadavg()}
    chips = aligned_chips(args.count)
    results["parity"] = parity(chips)
    print(json.dumps(results["parity"], indent=1))
    results["speed"] = speed(chips, args.reps, args.dlib_reps)
    results["load_after"] = os.getloadavg()
    (args.out / "results.json").write_text(json.dumps(results, indent=1) + "\n")
    (args.out / "README.md").write_text(render_readme(results))
    print(render_readme(results))


if __name__ == "__main__":
    main()
