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
from pathlib import Path

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))  # bench/: devdata
sys.path.insert(0, str(Path(__file__).resolve().parent))  # bench/lfic: decoder_runs
import devdata  # noqa: E402,F401  (CVLFIC_DATA: the checkout's data folder when unset)

from cvlfic.eval import lfw  # noqa: E402
from cvlfic.lfic import Codec  # noqa: E402
from cvlfic.nets.quantize import INT8_NAME, calibration_faces, calibration_feeds, quantize_decoder  # noqa: E402
from cvlfic.recognition import FaceEmbedder  # noqa: E402

from decoder_runs import lfw_side_by_side, median_ms_in_turns, session, timing_feeds  # noqa: E402


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
    feeds, chips = timing_feeds(codec, crops, args.faces)
    median = median_ms_in_turns({"fp32": fp32, "int8": int8}, feeds, chips, embedder, args.rounds)
    print({k: round(v, 2) for k, v in median.items()}, flush=True)
    diffs = [float(np.abs(np.rint(255 * np.clip(fp32.run(None, f)[0], 0, 1))
                          - np.rint(255 * np.clip(int8.run(None, f)[0], 0, 1))).mean()) for f in feeds]

    accuracy = {}
    for bpp in (0.1, 0.2):
        rows = lfw_side_by_side(codec, {"fp32": fp32, "int8": int8}, crops, pairs, bpp, embedder, "fp32")
        accuracy[str(bpp)] = {name: {k: rows[name][k] for k in ("accuracy", "std", "psnr")} for name in rows}
        # Pairs only one decoder judges right, and the exact McNemar p of that split.
        accuracy[str(bpp)]["discordant"] = {"fp32_only": rows["int8"]["reference_only"],
                                            "int8_only": rows["int8"]["this_only"], "p_value": rows["int8"]["p_value"]}
        print(bpp, accuracy[str(bpp)], flush=True)
    doc = {"command": "python bench/lfic/int8_decoder.py " + " ".join(sys.argv[1:]),
           "calibration_faces": len(training), "timing_faces": len(feeds), "rounds": args.rounds,
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
