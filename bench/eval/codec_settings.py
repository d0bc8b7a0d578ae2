"""Measure each classical codec's bpp and PSNR per setting on LFW 112x112 crops.

This is how the default sweeps in cvlfic/codecs/classical.py were chosen (lowest reachable
rate up to about 1 bpp). Run from the repo root:

    python bench/eval/codec_settings.py --crops 200 --extra 10 50 60 70 \
        > bench/eval/codec_settings.md
"""
from __future__ import annotations

import sys
from pathlib import Path

import argparse

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))  # bench/: devdata
import devdata  # noqa: E402,F401  (CVLFIC_DATA: the checkout's data folder when unset)

from cvlfic.codecs import codec_family, create_codec
from cvlfic.eval import lfw
from cvlfic.eval.metrics import psnr


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--crops", type=int, default=200, help="evenly spaced LFW crops")
    parser.add_argument("--codecs", default="jpeg,mozjpeg,jpeg2000,webp,avif,jpegxl",
                        help="comma-separated codec names")
    parser.add_argument("--extra", type=int, nargs="*", default=[],
                        help="settings to probe besides each default sweep")
    args = parser.parse_args()
    pairs = lfw.parse_pairs()
    crops = lfw.load_crops(pairs.images).crops112
    picks = np.linspace(0, len(crops) - 1, args.crops).astype(int)
    images = [np.ascontiguousarray(crops[i]) for i in picks]
    pixels = images[0].shape[0] * images[0].shape[1]
    print(f"# Codec settings on {len(images)} LFW 112x112 crops\n")
    print("| codec | setting | in sweep | bpp mean | bpp min | bpp max | PSNR dB |")
    print("|---|---|---|---|---|---|---|")
    for name in args.codecs.split(","):
        family = codec_family(name)
        lo, hi = family.setting_range
        settings = sorted({*family.default_sweep, lo,
                           *[s for s in args.extra if lo <= s <= hi]})
        for setting in settings:
            codec = create_codec(name, setting)
            streams = [codec.encode(image) for image in images]
            bpp = np.array([8 * len(s) / pixels for s in streams])
            quality = np.mean([psnr(im, codec.decode(s)) for im, s in zip(images, streams)])
            mark = "yes" if setting in family.default_sweep else ""
            print(f"| {name} | {setting} | {mark} | {bpp.mean():.3f} | {bpp.min():.3f} | "
                  f"{bpp.max():.3f} | {quality:.2f} |")


if __name__ == "__main__":
    main()
