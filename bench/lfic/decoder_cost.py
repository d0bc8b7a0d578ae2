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
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))  # bench/: devdata
sys.path.insert(0, str(Path(__file__).resolve().parent))  # bench/lfic: decoder_runs
import devdata  # noqa: E402,F401  (CVLFIC_DATA: the checkout's data folder when unset)

from cvlfic.eval import lfw  # noqa: E402
from cvlfic.lfic import Codec  # noqa: E402
from cvlfic.lfic.model_files import find_model, model_metadata  # noqa: E402
from cvlfic.nets.decoder import RapDecoder, multiply_adds  # noqa: E402
from cvlfic.recognition import FaceEmbedder  # noqa: E402

from decoder_runs import lfw_side_by_side, median_ms_in_turns, session, timing_feeds  # noqa: E402


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
    rows = {}
    for f in folders:
        widths = model_metadata(f)["widths"]
        rows[f.name] = {"model": f.name, "widths": widths, "multiply_adds": multiply_adds(RapDecoder(widths))}
    embedder = FaceEmbedder(threads=1)

    pairs = lfw.parse_pairs()
    crops = lfw.load_crops(pairs.images).crops112
    feeds, chips = timing_feeds(codec, crops, args.faces)
    median = median_ms_in_turns(nets, feeds, chips, embedder, args.rounds)
    descriptor_ms = median["descriptor"]
    for name in nets:
        rows[name].update({"median_ms": median[name], "over_descriptor": median[name] / descriptor_ms})
        print(name, f"{median[name]:.2f} ms, {median[name] / descriptor_ms:.2f}x one descriptor "
              f"({descriptor_ms:.2f} ms)", flush=True)

    reference = folders[0].name
    for bpp in (0.1, 0.2):
        for name, row in lfw_side_by_side(codec, nets, crops, pairs, bpp, embedder, reference).items():
            rows[name][str(bpp)] = row
            print(bpp, name, json.dumps(row), flush=True)
    doc = {"command": "python bench/lfic/decoder_cost.py " + " ".join(sys.argv[1:]), "reference": reference,
           "timing_faces": len(feeds), "rounds": args.rounds, "descriptor_ms": descriptor_ms,
           "models": list(rows.values())}
    args.out.parent.mkdir(parents=True, exist_ok=True)
    args.out.write_text(json.dumps(doc, indent=2) + "\n")
    print(f"wrote {args.out}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
