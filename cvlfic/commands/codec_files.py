"""``cvlfic encode`` and ``cvlfic decode``: one face image to a ``.lfic`` stream and back."""
from __future__ import annotations

import argparse
import os
import sys
from pathlib import Path

import cv2
import numpy as np


def read_image(path: Path) -> np.ndarray:
    """An image file as BGR or gray uint8 (the codec codes a gray image as gray). An alpha
    channel is dropped with a note; 16-bit images are reduced to 8 bits."""
    if not path.is_file():
        raise FileNotFoundError(2, "no such file" if not path.exists() else "not a file", str(path))
    image = cv2.imread(str(path), cv2.IMREAD_UNCHANGED)
    if image is None:
        raise ValueError(f"{path} is not an image OpenCV can read (PNG, JPEG, WebP, TIFF, ...)")
    if image.dtype == np.uint16:
        image = (image >> 8).astype(np.uint8)
    elif image.dtype != np.uint8:
        raise ValueError(f"{path}: {image.dtype} pixels are not supported (8- or 16-bit images)")
    if image.ndim == 3 and image.shape[2] == 4:
        print(f"note: {path} has an alpha channel; cvlfic codes colour or gray, the alpha is dropped",
              file=sys.stderr)
        image = image[:, :, :3]
    return np.ascontiguousarray(image)


def aligned_largest_face(image: np.ndarray) -> np.ndarray:
    from cvlfic.face import align_face, detect_faces

    bgr = image if image.ndim == 3 else cv2.cvtColor(image, cv2.COLOR_GRAY2BGR)
    faces = detect_faces(bgr)
    if not faces:
        raise ValueError("no face found (drop --align to code the image as it is)")
    face = align_face(bgr, faces[0])
    return face if image.ndim == 3 else cv2.cvtColor(face, cv2.COLOR_BGR2GRAY)


def output_path(args: argparse.Namespace, suffix: str) -> Path:
    """The output file: -o, or the input with ``suffix``; never the input itself, and an
    existing file only when named with -o or with --force (``face.lfic`` decodes to
    ``face.png`` by default, which may be the original image)."""
    out = args.output or args.input.with_suffix(suffix)
    if out.resolve() == args.input.resolve():
        raise ValueError(f"the output would overwrite the input {args.input}; give another with -o")
    if args.output is None and out.exists() and not args.force:
        raise ValueError(f"{out} exists; name the output with -o, or overwrite it with --force")
    return out


def write_atomically(out: Path, write) -> None:
    """``write(tmp_path)`` then rename over ``out``: a failed or interrupted command leaves no
    partial file (the temporary name keeps the suffix, which picks the image format)."""
    tmp = out.with_name(f".{out.stem}.partial{out.suffix}")
    try:
        write(tmp)
        os.replace(tmp, out)
    finally:
        if tmp.exists():
            tmp.unlink()


def run_encode(args: argparse.Namespace) -> int:
    from cvlfic.lfic import Codec

    out = output_path(args, ".lfic")
    image = read_image(args.input)
    if args.align:
        image = aligned_largest_face(image)
    codec = Codec(args.model, max_pixels=args.max_pixels)
    data = codec.encode(image, max_bytes=args.max_bytes, bpp=args.bpp, quality=args.quality,
                        mode=args.mode)
    write_atomically(out, lambda tmp: tmp.write_bytes(data))
    bpp = 8 * len(data) / (image.shape[0] * image.shape[1])
    kind = "gray" if image.ndim == 2 else "colour"
    print(f"{out}: {len(data)} bytes, {bpp:.3f} bpp, {image.shape[1]}x{image.shape[0]} {kind}")
    return 0


def run_decode(args: argparse.Namespace) -> int:
    from cvlfic.lfic import Codec
    from cvlfic.nets.network import is_gray

    out = output_path(args, ".png")
    data = args.input.read_bytes()
    face = Codec(args.model, max_pixels=args.max_pixels).decode(data)
    if is_gray(face):
        face = np.ascontiguousarray(face[:, :, 0])

    def write(tmp: Path) -> None:
        try:
            ok = cv2.imwrite(str(tmp), face)
        except cv2.error:
            ok = False
        if not ok:
            raise ValueError(f"cannot write {out} (use an image suffix OpenCV writes: .png, .jpg, .webp)")

    write_atomically(out, write)
    print(f"{out}: {face.shape[1]}x{face.shape[0]} {'gray' if face.ndim == 2 else 'colour'}")
    return 0


def positive_int(text: str) -> int:
    value = int(text)
    if value < 1:
        raise argparse.ArgumentTypeError(f"must be a positive number, not {text}")
    return value


def positive_float(text: str) -> float:
    value = float(text)
    if not value > 0:
        raise argparse.ArgumentTypeError(f"must be positive, not {text}")
    return value


def quality_value(text: str) -> float:
    value = float(text)
    if not 0 <= value <= 100:
        raise argparse.ArgumentTypeError(f"must be in 0..100, not {text}")
    return value


def register(subparsers) -> None:
    from cvlfic import bitstream
    from cvlfic.lfic.model_files import DEFAULT_MODEL
    from cvlfic.lfic.modes import DEFAULT_MODE, MODES, modes_help

    limit = (f"largest image in pixels (default {bitstream.DEFAULT_MAX_PIXELS}, 1024x1024; "
             f"at most {bitstream.MAX_PIXELS})")
    enc = subparsers.add_parser("encode", help="compress a face image to a .lfic stream",
                                description="Compress a face crop (or, with --align, the largest "
                                            "face of a photo) to a .lfic stream. Gray images are "
                                            "coded as gray; an alpha channel is dropped.")
    enc.add_argument("input", type=Path, help="image file (PNG, JPEG, ...)")
    enc.add_argument("-o", "--output", type=Path, help="output .lfic (default: INPUT.lfic)")
    rate = enc.add_mutually_exclusive_group()
    rate.add_argument("--max-bytes", type=positive_int, help="byte budget, never exceeded")
    rate.add_argument("--bpp", type=positive_float, help="bits per pixel cap")
    rate.add_argument("--quality", type=quality_value, help="0..100 (default 50)")
    enc.add_argument("--mode", choices=MODES, default=DEFAULT_MODE.value, help=modes_help())
    enc.add_argument("--align", action="store_true", help="detect and align the largest face first")
    enc.add_argument("--max-pixels", type=positive_int, default=bitstream.DEFAULT_MAX_PIXELS,
                     help=limit)
    enc.add_argument("--model", default=DEFAULT_MODEL, help="model name or folder")
    enc.add_argument("-f", "--force", action="store_true", help="overwrite the default output file")
    enc.set_defaults(func=run_encode)

    dec = subparsers.add_parser("decode", help="restore a face image from a .lfic stream",
                                description="Restore the face of a .lfic stream with the learned "
                                            "decoder and write it as an image (PNG by default; "
                                            "gray streams give a gray image).")
    dec.add_argument("input", type=Path, help=".lfic file")
    dec.add_argument("-o", "--output", type=Path, help="output image (default: INPUT.png)")
    dec.add_argument("--max-pixels", type=positive_int, default=bitstream.DEFAULT_MAX_PIXELS,
                     help=limit + "; larger streams are refused")
    dec.add_argument("--model", default=DEFAULT_MODEL, help="model name or folder")
    dec.add_argument("-f", "--force", action="store_true", help="overwrite the default output file")
    dec.set_defaults(func=run_decode)
