"""Writes the golden set of bitstream v1. The files are committed. A change to the format or
the coder must leave every stream decoding and encoding exactly as recorded, or bump the
format version. The ``fast`` cases also pin the fast encoder's choices (which stream fits a
budget, not how it decodes): a deliberate change of the search rewrites them with this
script, alongside its accuracy record (results/lfic/search_parity.md); the ``pooled`` cases
must not change.

    python tests/core/golden/make_golden.py

For each case: NAME.lfic (its stream), NAME.recon.png and NAME.mask.png (the exact decoded
pooled image, H x W x 3 in the profile's plane order, and the mask), and a line of
manifest.txt: ``name input kind height width mask_height mask_width profile levels rate
recon_crc mask_crc``, where input is the source image inputN.png (BGR or gray) and CRC-32 of the raw recon and mask bytes, for readers
without a PNG decoder: tests/core/c_consumer/golden_decode.c). kind
``pooled`` streams were coded under a fixed mask (cvlfic_encode), kind ``fast`` ones by the
fast encoder at ``rate`` bpp with the shipped model's encoder.bin (cvlfic_encode_face).
"""
import zlib
from pathlib import Path

import cv2
import numpy as np

from cvlfic import _core, bitstream
from cvlfic.lfic.encoder_params import load_encoder
from cvlfic.lfic.model_files import find_model

HERE = Path(__file__).resolve().parent


def textured(height, width, seed, gray=False):
    rng = np.random.default_rng(seed)
    y, x = np.mgrid[0:height, 0:width]
    base = np.stack([x * 1.4 + 30, y * 1.6 + 40, (x + y) * 0.7 + 60], -1)
    blob = 60 * np.exp(-(((x - width / 2) / (width / 4)) ** 2 + ((y - height / 2) / (height / 3)) ** 2))
    img = np.clip(base + blob[..., None] + rng.normal(0, 10, (height, width, 3)), 0, 255).astype(np.uint8)
    return cv2.cvtColor(img, cv2.COLOR_BGR2GRAY) if gray else img


def main():
    encoder = load_encoder(find_model())
    rng = np.random.default_rng(1)
    cases = []
    for i, (h, w, gray) in enumerate([(112, 112, False), (112, 112, True), (53, 77, False), (1, 1, False),
                                      (17, 130, False)]):
        img = textured(h, w, i, gray)
        source = f"input{i}"
        cv2.imwrite(str(HERE / f"{source}.png"), img)
        bgr = np.repeat(img[..., None], 3, 2) if gray else img
        for profile in (0, 1):
            n = len(bitstream.profile_info(profile)["block_sizes"][0])
            for levels in (4, 16) if h > 1 else (2, 256):
                mask = rng.integers(0, n, bitstream.mask_shape(h, w, profile), dtype=np.uint8)
                cases.append((f"p{profile}_{h}x{w}{'g' if gray else ''}_L{levels}", source, "pooled",
                              bitstream.encode_pooled(bgr, mask, profile, levels), profile, levels, 0))
        for bpp in (0.1, 0.3):
            status, data, size = encoder.encode(img, _core.RATE_BPP, bpp)
            if data is not None:
                cases.append((f"fast_{h}x{w}{'g' if gray else ''}_{bpp}", source, "fast", data, 0, 0, bpp))
    lines = []
    for name, source, kind, data, profile, levels, rate in cases:
        recon, mask, info = bitstream.decode_pooled(data)
        (HERE / f"{name}.lfic").write_bytes(data)
        cv2.imwrite(str(HERE / f"{name}.recon.png"), recon)
        cv2.imwrite(str(HERE / f"{name}.mask.png"), mask)
        lines.append(f"{name} {source} {kind} {info['height']} {info['width']} {mask.shape[0]} {mask.shape[1]} "
                     f"{info['profile']} {info['levels']} {rate} {zlib.crc32(recon.tobytes()):08x} "
                     f"{zlib.crc32(mask.tobytes()):08x}")
    (HERE / "manifest.txt").write_text("\n".join(lines) + "\n")
    print(f"{len(lines)} golden streams")


if __name__ == "__main__":
    main()
