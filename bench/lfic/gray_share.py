"""How much of a colour face's stream is its luma: the share a gray face gets of a rate.

For held-out faces (LFW identities not in pairs.txt), the fast mode's colour stream at each
rate is recoded with the same mask and levels from the face's luma alone (chroma flat, as a
gray face codes it). The ratio of the two sizes is what the colour face spends on luma; its
mean over faces and rates is ``gray_share`` in the model's model.json, which ``Codec`` uses to
give a gray face the luma part of a colour face's budget at the same ``bpp``/``quality``.

    python bench/lfic/gray_share.py --faces 200 --out results/lfic/gray_share.json
"""
from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path

import cv2
import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "core"))
from chips import load_chips  # noqa: E402

from cvlfic import bitstream  # noqa: E402
from cvlfic.lfic import Codec  # noqa: E402

RATES = (0.05, 0.1, 0.2, 0.3)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__,
                                     formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--faces", type=int, default=200)
    parser.add_argument("--model", default=None)
    parser.add_argument("--out", type=Path, default=Path("results/lfic/gray_share.json"))
    args = parser.parse_args()
    codec = Codec(args.model) if args.model else Codec()
    faces = load_chips(args.faces, seed=1)
    rows = {}
    for bpp in RATES:
        shares = []
        for face in faces:
            budget = codec.budget_bytes(face.shape, bpp, None, None)
            mask, levels = codec.fast_choice(face, budget)
            colour = bitstream.encode_pooled(face, mask, codec.profile_id, levels)
            luma = cv2.cvtColor(cv2.cvtColor(face, cv2.COLOR_BGR2GRAY), cv2.COLOR_GRAY2BGR)
            gray = bitstream.encode_pooled(luma, mask, codec.profile_id, levels)
            shares.append(len(gray) / len(colour))
        rows[str(bpp)] = {"mean": float(np.mean(shares)), "min": float(np.min(shares)),
                          "max": float(np.max(shares))}
        print(f"{bpp} bpp: luma share {rows[str(bpp)]['mean']:.3f} "
              f"({rows[str(bpp)]['min']:.3f}-{rows[str(bpp)]['max']:.3f})", flush=True)
    overall = float(np.mean([r["mean"] for r in rows.values()]))
    result = {"command": "python bench/lfic/gray_share.py " + " ".join(sys.argv[1:]),
              "model": codec.model_dir.name, "faces": args.faces, "rates": rows, "gray_share": overall}
    args.out.parent.mkdir(parents=True, exist_ok=True)
    args.out.write_text(json.dumps(result, indent=2) + "\n")
    print(f"gray_share {overall:.3f}")


if __name__ == "__main__":
    main()
