"""The decoder network in int8: ONNX Runtime static quantization, its speed against the fp32
graph and one dlib descriptor, and its LFW accuracy.

1. Quantization as ``cvlfic export --format onnx-int8`` makes it (``cvlfic.nets.quantize``),
   calibrated on ``--calibration`` training faces (not LFW).
2. Time: one thread, batch 1, 112x112 faces at 0.2 bpp; fp32 decode, int8 decode and one
   descriptor of the project's dlib port take turns face by face (median ms, and ratios).
3. Parity: mean absolute difference of the restored pixels (0..255) int8 against fp32, and
   LFW verification (all 6000 pairs, dlib port) of the int8 decoder's faces at 0.1 and 0.2 bpp
   next to the fp32 decoder's, with the pairs only one of the two judges right and the exact
   McNemar p-value of that split.

    python bench/lfic/int8_decoder.py --out results/speed/int8_decoder.json
    python bench/lfic/int8_decoder.py --upsampling --out results/speed/int8_decoder_upsampling.json
"""
from __future__ import annotations

import argparse
import json
import sys
import tempfile
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
from cvlfic.nets.network import INPUT_NAMES, restore_outputs  # noqa: E402
from cvlfic.nets.quantize import INT8_NAME, calibration_faces, calibration_feeds, quantize_decoder  # noqa: E402
from cvlfic.recognition import FaceEmbedder  # noqa: E402

def session(path):
    """The graph on one thread with sleeping workers, as the descriptor runs."""
    return OnnxDecoderRunner(path, threads=1, spinning=False).session


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--calibration", type=int, default=100, help="training faces for calibration")
    parser.add_argument("--faces", type=int, default=60, help="LFW faces for the timing")
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument("--upsampling", action="store_true", help="the upsampling layers in int8 too")
    parser.add_argument("--out", type=Path, default=Path("results/speed/int8_decoder.json"))
    args = parser.parse_args()
    codec = Codec()
    training = calibration_faces(args.calibration)
    with tempfile.TemporaryDirectory() as tmp:
        int8_path = quantize_decoder(codec.model_dir / "decoder.onnx", Path(tmp) / INT8_NAME,
                                     calibration_feeds(codec, training), upsampling=args.upsampling)
        fp32, int8 = session(str(codec.model_dir / "decoder.onnx")), session(str(int8_path))
        size_int8 = int8_path.stat().st_size
    embedder = FaceEmbedder(threads=1)

    pairs = lfw.parse_pairs()
    crops = lfw.load_crops(pairs.images).crops112
    timing = [np.ascontiguousarray(crops[i]) for i in np.linspace(0, len(crops) - 1, args.faces).astype(int)]
    feeds = [dict(zip(INPUT_NAMES, codec.decoder_inputs(codec.encode(f, bpp=0.2))[0])) for f in timing]
    chips = to_recognizer_size(np.stack(timing))
    times = {"fp32": [], "int8": [], "descriptor": []}
    diffs = []
    for r in range(args.rounds):
        for i, feed in enumerate(feeds):  # take turns: the same load for all three
            t0 = time.perf_counter()
            a = fp32.run(None, feed)[0]
            t1 = time.perf_counter()
            b = int8.run(None, feed)[0]
            t2 = time.perf_counter()
            embedder.embed_bgr(chips[i:i + 1])
            t3 = time.perf_counter()
            times["fp32"].append(t1 - t0)
            times["int8"].append(t2 - t1)
            times["descriptor"].append(t3 - t2)
            if r == 0:
                diffs.append(float(np.abs(np.rint(255 * np.clip(a, 0, 1)) - np.rint(255 * np.clip(b, 0, 1))).mean()))
    median = {k: 1000 * float(np.median(v)) for k, v in times.items()}
    print({k: round(v, 2) for k, v in median.items()}, flush=True)

    indices = pairs.used_images()
    accuracy = {}
    for bpp in (0.1, 0.2):
        d = {name: np.zeros((len(crops), 128), np.float32) for name in ("fp32", "int8")}
        for start in range(0, len(indices), 64):
            part = indices[start:start + 64]
            prepared = [codec._prepare(codec.encode(np.ascontiguousarray(crops[i]), bpp=bpp)) for i in part]
            inputs = [np.concatenate([p[0][k] for p in prepared]) for k in range(len(INPUT_NAMES))]
            for name, net in (("fp32", fp32), ("int8", int8)):
                bgr = net.run(None, dict(zip(INPUT_NAMES, inputs)))[0]
                faces = np.stack(restore_outputs(bgr, [p[1] for p in prepared], [p[2] for p in prepared]))
                d[name][part] = embedder.embed_bgr(to_recognizer_size(faces))
        accuracy[str(bpp)], right = {}, {}
        for name in d:
            distances = pair_distances(d[name], pairs.left, pairs.right)
            v = verify(distances, pairs.same, pairs.fold)
            right[name] = correct_pairs(distances, pairs.same, pairs.fold, v)
            accuracy[str(bpp)][name] = {"accuracy": float(v.accuracy_mean), "std": float(v.accuracy_std)}
        # Pairs only one decoder judges right, and the exact McNemar p of that split.
        fp32_only, int8_only = int(np.sum(right["fp32"] & ~right["int8"])), int(np.sum(right["int8"] & ~right["fp32"]))
        accuracy[str(bpp)]["discordant"] = {"fp32_only": fp32_only, "int8_only": int8_only,
                                            "p_value": mcnemar_p(fp32_only, int8_only)}
        print(bpp, accuracy[str(bpp)], flush=True)
    doc = {"command": "python bench/lfic/int8_decoder.py " + " ".join(sys.argv[1:]),
           "calibration_faces": len(training), "timing_faces": len(timing), "rounds": args.rounds,
           "median_ms": median, "int8_over_fp32": median["int8"] / median["fp32"],
           "int8_over_descriptor": median["int8"] / median["descriptor"],
           "fp32_over_descriptor": median["fp32"] / median["descriptor"],
           "mean_abs_pixel_difference": float(np.mean(diffs)), "int8_bytes": size_int8,
           "fp32_bytes": (codec.model_dir / "decoder.onnx").stat().st_size, "lfw": accuracy}
    args.out.parent.mkdir(parents=True, exist_ok=True)
    args.out.write_text(json.dumps(doc, indent=2) + "\n")
    print(f"wrote {args.out}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
