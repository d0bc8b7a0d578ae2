"""Decoders of the same codec side by side: cost, speed against one dlib descriptor, LFW.

For each model folder (all decode the shipped encoder's streams; the first is the
reference): multiply-adds per 112x112 face (``cvlfic.nets.decoder.multiply_adds``); time
of its ``decoder.onnx`` on one thread at batch 1 on LFW faces at 0.2 bpp, taking turns face
by face with one descriptor of the project's dlib port (median ms and the ratio); LFW
verification (all 6000 pairs, dlib port) at 0.1 and 0.2 bpp with PSNR, and the pairs only
the reference or only this decoder gets right (exact McNemar p).

    python bench/lfic/decoder_cost.py --models lfic_ycc16,lfic_ycc16_quarter \
        --out results/lfic/decoder_cost.json
"""
from __future__ import annotations

import argparse
import json
import sys
import time
from pathlib import Path

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))  # bench/: devdata
import devdata  # noqa: E402,F401  (CVLFIC_DATA: the checkout's data folder when unset)

from cvlfic.eval import lfw  # noqa: E402
from cvlfic.eval.sweep import to_recognizer_size  # noqa: E402
from cvlfic.eval.verification import correct_pairs, mcnemar_p, pair_distances, verify  # noqa: E402
from cvlfic.backends.onnx_runtime import OnnxDecoderRunner  # noqa: E402
from cvlfic.lfic import Codec  # noqa: E402
from cvlfic.lfic.model_files import find_model, model_metadata  # noqa: E402
from cvlfic.nets.decoder import RapDecoder, multiply_adds  # noqa: E402
from cvlfic.nets.network import INPUT_NAMES, restore_outputs  # noqa: E402
from cvlfic.recognition import FaceEmbedder  # noqa: E402


def session(path):
    """The graph on one thread with sleeping workers, as the descriptor runs."""
    return OnnxDecoderRunner(path, threads=1, spinning=False).session


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--models", default="lfic_ycc16,lfic_ycc16_quarter", help="model names or folders")
    parser.add_argument("--faces", type=int, default=60, help="LFW faces for the timing")
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument("--out", type=Path, default=Path("results/lfic/decoder_cost.json"))
    args = parser.parse_args()
    folders = [find_model(m) for m in args.models.split(",")]
    codec = Codec()  # the shipped encoder codes every stream
    nets = {f.name: session(f / "decoder.onnx") for f in folders}
    rows = {f.name: {"model": f.name, "widths": model_metadata(f)["widths"],
                     "multiply_adds": multiply_adds(RapDecoder(model_metadata(f)["widths"]))} for f in folders}
    embedder = FaceEmbedder(threads=1)

    pairs = lfw.parse_pairs()
    crops = lfw.load_crops(pairs.images).crops112
    timing = [np.ascontiguousarray(crops[i]) for i in np.linspace(0, len(crops) - 1, args.faces).astype(int)]
    feeds = [dict(zip(INPUT_NAMES, codec.decoder_inputs(codec.encode(f, bpp=0.2))[0])) for f in timing]
    chips = to_recognizer_size(np.stack(timing))
    times = {name: [] for name in [*nets, "descriptor"]}
    for _ in range(args.rounds):
        for i, feed in enumerate(feeds):  # take turns: the same load for all
            for name, net in nets.items():
                t0 = time.perf_counter()
                net.run(None, feed)
                times[name].append(time.perf_counter() - t0)
            t0 = time.perf_counter()
            embedder.embed_bgr(chips[i:i + 1])
            times["descriptor"].append(time.perf_counter() - t0)
    descriptor_ms = 1000 * float(np.median(times["descriptor"]))
    for name in nets:
        ms = 1000 * float(np.median(times[name]))
        rows[name].update({"median_ms": ms, "over_descriptor": ms / descriptor_ms})
        print(name, f"{ms:.2f} ms, {ms / descriptor_ms:.2f}x one descriptor ({descriptor_ms:.2f} ms)", flush=True)

    indices = pairs.used_images()
    reference = folders[0].name
    for bpp in (0.1, 0.2):
        d = {name: np.zeros((len(crops), 128), np.float32) for name in nets}
        psnr = {name: [] for name in nets}
        for start in range(0, len(indices), 64):
            part = indices[start:start + 64]
            prepared = [codec._prepare(codec.encode(np.ascontiguousarray(crops[i]), bpp=bpp)) for i in part]
            inputs = [np.concatenate([p[0][k] for p in prepared]) for k in range(len(INPUT_NAMES))]
            originals = np.stack([crops[i] for i in part]).astype(np.float64)
            for name, net in nets.items():
                bgr = net.run(None, dict(zip(INPUT_NAMES, inputs)))[0]
                faces = np.stack(restore_outputs(bgr, [p[1] for p in prepared], [p[2] for p in prepared]))
                d[name][part] = embedder.embed_bgr(to_recognizer_size(faces))
                mse = ((faces.astype(np.float64) - originals) ** 2).mean((1, 2, 3))
                psnr[name].extend(10 * np.log10(255.0 ** 2 / np.maximum(mse, 1e-10)))
        right = {}
        for name in nets:
            distances = pair_distances(d[name], pairs.left, pairs.right)
            v = verify(distances, pairs.same, pairs.fold)
            right[name] = correct_pairs(distances, pairs.same, pairs.fold, v)
            ref_only = int(np.sum(right[reference] & ~right[name]))
            this_only = int(np.sum(right[name] & ~right[reference]))
            rows[name][str(bpp)] = {"accuracy": float(v.accuracy_mean), "std": float(v.accuracy_std),
                                    "psnr": float(np.mean(psnr[name])), "reference_only": ref_only,
                                    "this_only": this_only, "p_value": mcnemar_p(ref_only, this_only)}
            print(bpp, name, json.dumps(rows[name][str(bpp)]), flush=True)
    doc = {"command": "python bench/lfic/decoder_cost.py " + " ".join(sys.argv[1:]), "reference": reference,
           "timing_faces": len(timing), "rounds": args.rounds, "descriptor_ms": descriptor_ms,
           "models": list(rows.values())}
    args.out.parent.mkdir(parents=True, exist_ok=True)
    args.out.write_text(json.dumps(doc, indent=2) + "\n")
    print(f"wrote {args.out}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
