"""``cvlfic demo``: code the faces of a sample photo and show them side by side.

The photo is scikit-image's ``astronaut`` (shipped inside that package; nothing is
downloaded), or any image given with ``--image``. Each face is aligned to the standard
crop, coded at three rates and decoded; the PNG shows every version with its bytes and
dlib's descriptor distance to the original (below 0.6 counts as the same person).
"""
from __future__ import annotations

import argparse
from pathlib import Path

import cv2
import numpy as np

DEMO_BPP = (0.08, 0.15, 0.3)
LABEL_HEIGHT = 30


def sample_photo() -> np.ndarray:
    try:
        from skimage import data
    except ImportError:
        raise SystemExit("the embedded sample needs scikit-image (pip install 'cvlfic[demo]'), "
                         "or pass --image") from None
    return np.ascontiguousarray(data.astronaut()[:, :, ::-1])


def labelled(tile: np.ndarray, lines) -> np.ndarray:
    tile = cv2.resize(tile, (150, 150), interpolation=cv2.INTER_LINEAR)
    canvas = np.full((150 + LABEL_HEIGHT, 150, 3), 255, np.uint8)
    canvas[:150] = tile
    for i, text in enumerate(lines):
        cv2.putText(canvas, text, (3, 162 + 13 * i), cv2.FONT_HERSHEY_SIMPLEX, 0.38, (0, 0, 0), 1,
                    cv2.LINE_AA)
    return canvas


def run(args: argparse.Namespace) -> int:
    from cvlfic.face import STANDARD_SIZE, align_face, detect_faces
    from cvlfic.lfic import Codec
    from cvlfic.recognition.reference import dlib_reference_embed_bgr

    image = cv2.imread(str(args.image)) if args.image else sample_photo()
    if image is None:
        raise SystemExit(f"cannot read {args.image}")
    faces = detect_faces(image) or detect_faces(image, upsample=1)  # small faces need upsampling
    if not faces:
        raise SystemExit("no face found")
    codec = Codec()
    rows = []
    for face in faces:
        crop = align_face(image, face)
        reference = dlib_reference_embed_bgr(align_face(image, face, size=150)[None])[0]
        tiles = [labelled(crop, ["original", f"{crop.nbytes} B raw"])]
        for bpp in DEMO_BPP:
            data = codec.encode(crop, bpp=bpp)
            decoded = codec.decode(data)
            chip = cv2.resize(decoded, (150, 150), interpolation=cv2.INTER_LINEAR)
            distance = float(np.linalg.norm(dlib_reference_embed_bgr(chip[None])[0] - reference))
            rate = 8 * len(data) / STANDARD_SIZE ** 2
            tiles.append(labelled(decoded, [f"{len(data)} B  {rate:.2f} bpp", f"distance {distance:.2f}"]))
            print(f"face {len(rows)}: {len(data):4d} bytes, {rate:.2f} bpp (cap {bpp}), "
                  f"distance {distance:.2f}")
        rows.append(np.concatenate(tiles, 1))
    sheet = np.concatenate(rows, 0)
    cv2.imwrite(str(args.output), sheet)
    print(f"wrote {args.output}")
    return 0


def register(subparsers) -> None:
    parser = subparsers.add_parser("demo", help="code the faces of a sample photo, side by side",
                                   description=__doc__,
                                   formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--image", type=Path, help="a photo (default: scikit-image's astronaut)")
    parser.add_argument("-o", "--output", type=Path, default=Path("cvlfic_demo.png"))
    parser.set_defaults(func=run)
