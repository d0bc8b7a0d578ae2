"""Decoded faces at three rates: LFIC next to other codecs at matching bytes (default JPEG
2000, WebP and AVIF; ``--codecs bian,napoli,wang`` for the literature baselines).

Each row is one LFW pair image (standard 112x112 crop). For each rate, LFIC codes the face
under a bpp cap; the classical codecs then get LFIC's byte count as a budget (their own
quality search, ``encode_within``). A codec that cannot get that small shows its smallest
output with the byte count in red. Labels: bytes, PSNR (dB), SSIM.

    python bench/lfic/picture_grid.py --out results/lfic/picture_grid.png
    python bench/lfic/picture_grid.py --codecs bian,napoli,wang --out results/baselines/picture_grid.png
    python bench/lfic/picture_grid.py --model lfic_ycc16_quarter --out results/lfic/picture_grid_quarter.png
"""
from __future__ import annotations

import sys

import argparse
from pathlib import Path

import cv2
import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))  # bench/: devdata
import devdata  # noqa: E402,F401  (CVLFIC_DATA: the checkout's data folder when unset)

from cvlfic.codecs import create_codec, default_settings, encode_within
from cvlfic.eval import lfw
from cvlfic.eval.metrics import psnr, ssim
from cvlfic.lfic import DEFAULT_MODEL, Codec

RATES = (0.1, 0.2, 0.3)
CLASSICAL = ("jpeg2000", "webp", "avif")
TILE = 112
LABEL = 28


def tile(image: np.ndarray, reference: np.ndarray, nbytes: int, over: bool = False) -> np.ndarray:
    canvas = np.full((TILE + LABEL, TILE, 3), 255, np.uint8)
    canvas[:TILE] = image
    colour = (0, 0, 200) if over else (0, 0, 0)
    cv2.putText(canvas, f"{nbytes} B", (2, TILE + 11), cv2.FONT_HERSHEY_SIMPLEX, 0.35, colour, 1,
                cv2.LINE_AA)
    cv2.putText(canvas, f"{psnr(reference, image):.1f}dB {ssim(reference, image):.2f}",
                (2, TILE + 24), cv2.FONT_HERSHEY_SIMPLEX, 0.33, (0, 0, 0), 1, cv2.LINE_AA)
    return canvas


def header(text: str, width: int) -> np.ndarray:
    canvas = np.full((18, width, 3), 255, np.uint8)
    cv2.putText(canvas, text, (2, 13), cv2.FONT_HERSHEY_SIMPLEX, 0.4, (0, 0, 0), 1, cv2.LINE_AA)
    return canvas


def smallest(name: str, face: np.ndarray) -> bytes:
    return create_codec(name, default_settings(name)[0]).encode(face)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__,
                                     formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--faces", type=int, default=4)
    parser.add_argument("--out", type=Path, default=Path("results/lfic/picture_grid.png"))
    parser.add_argument("--model", default=DEFAULT_MODEL,
                        help="LFIC model name or folder (its columns are labelled lfic)")
    parser.add_argument("--codecs", default=",".join(CLASSICAL),
                        help="codec families next to LFIC (comma-separated)")
    args = parser.parse_args()
    others = [c for c in args.codecs.split(",") if c]
    pairs = lfw.parse_pairs()
    picks = [pairs.images[i] for i in np.linspace(0, len(pairs.images) - 1, args.faces).astype(int)]
    crops = lfw.load_crops(picks).crops112
    codec = Codec(model=args.model)
    columns = ["original"] + [f"{c} {r} bpp" for r in RATES for c in ("lfic", *others)]
    rows = [np.concatenate([header(c, TILE) for c in columns], 1)]
    for face in crops:
        tiles = [tile(face, face, face.nbytes)]
        for rate in RATES:
            data = codec.encode(face, bpp=rate)
            tiles.append(tile(codec.decode(data), face, len(data)))
            for name in others:
                fit = encode_within(name, face, len(data))
                coded = fit.data if not fit.missed else smallest(name, face)
                decoded = create_codec(name, default_settings(name)[0]).decode(coded)
                tiles.append(tile(decoded, face, len(coded), over=fit.missed))
        rows.append(np.concatenate(tiles, 1))
    args.out.parent.mkdir(parents=True, exist_ok=True)
    cv2.imwrite(str(args.out), np.concatenate(rows, 0))
    print(f"wrote {args.out}")


if __name__ == "__main__":
    main()
