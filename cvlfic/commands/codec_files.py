"""``cvlfic encode`` and ``cvlfic decode``: one face image to a ``.lfic`` stream and back."""
from __future__ import annotations

import argparse
from pathlib import Path

import cv2
import numpy as np


def read_image(path: Path) -> np.ndarray:
    image = cv2.imread(str(path), cv2.IMREAD_COLOR)
    if image is None:
        raise SystemExit(f"cannot read image {path}")
    return image


def aligned_largest_face(image: np.ndarray) -> np.ndarray:
    from cvlfic.face import align_face, detect_faces

    faces = detect_faces(image)
    if not faces:
        raise SystemExit("no face found (drop --align to code the image as it is)")
    return align_face(image, faces[0])


def run_encode(args: argparse.Namespace) -> int:
    from cvlfic.lfic import Codec

    image = read_image(args.input)
    if args.align:
        image = aligned_largest_face(image)
    codec = Codec(args.model)
    data = codec.encode(image, max_bytes=args.max_bytes, bpp=args.bpp, quality=args.quality,
                        mode=args.mode)
    out = args.output or args.input.with_suffix(".lfic")
    out.write_bytes(data)
    bpp = 8 * len(data) / (image.shape[0] * image.shape[1])
    print(f"{out}: {len(data)} bytes, {bpp:.3f} bpp, {image.shape[1]}x{image.shape[0]}")
    return 0


def run_decode(args: argparse.Namespace) -> int:
    from cvlfic.errors import CorruptStreamError
    from cvlfic.lfic import Codec

    try:
        face = Codec(args.model).decode(args.input.read_bytes())
    except CorruptStreamError as exc:
        raise SystemExit(f"{args.input}: {exc}")
    out = args.output or args.input.with_suffix(".png")
    if not cv2.imwrite(str(out), face):
        raise SystemExit(f"cannot write {out}")
    print(f"{out}: {face.shape[1]}x{face.shape[0]}")
    return 0


def register(subparsers) -> None:
    from cvlfic.lfic.model_files import DEFAULT_MODEL

    enc = subparsers.add_parser("encode", help="compress a face image to a .lfic stream",
                                description="Compress a face crop (or, with --align, the largest "
                                            "face of a photo) to a .lfic stream.")
    enc.add_argument("input", type=Path, help="image file (PNG, JPEG, ...)")
    enc.add_argument("-o", "--output", type=Path, help="output .lfic (default: INPUT.lfic)")
    rate = enc.add_mutually_exclusive_group()
    rate.add_argument("--max-bytes", type=int, help="byte budget, never exceeded")
    rate.add_argument("--bpp", type=float, help="bits per pixel cap")
    rate.add_argument("--quality", type=float, help="0..100 (default 50)")
    enc.add_argument("--mode", choices=["fast", "best"], default="fast",
                     help="fast (default) or best (the paper's Algorithm 1; needs torch)")
    enc.add_argument("--align", action="store_true", help="detect and align the largest face first")
    enc.add_argument("--model", default=DEFAULT_MODEL, help="model name or folder")
    enc.set_defaults(func=run_encode)

    dec = subparsers.add_parser("decode", help="restore a face image from a .lfic stream")
    dec.add_argument("input", type=Path, help=".lfic file")
    dec.add_argument("-o", "--output", type=Path, help="output image (default: INPUT.png)")
    dec.add_argument("--model", default=DEFAULT_MODEL, help="model name or folder")
    dec.set_defaults(func=run_decode)
