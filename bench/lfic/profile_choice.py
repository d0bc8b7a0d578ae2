"""Why profile 0 (YCbCr, chroma one block size coarser, region 16): rate vs pooled PSNR.

Before any network, the decoder's input is the RAP reconstruction. For held-out training
crops (never LFW pair identities), code them under uniform masks of every block size and
several level counts in both profiles, and compare bytes with the PSNR of the
reconstruction (turned back to BGR). The profile whose points lie higher at equal bytes
gives the decoder more to work with per byte.

    python bench/lfic/profile_choice.py --crops 200 --out results/lfic/profile_choice.md
"""
from __future__ import annotations

import argparse
from pathlib import Path

import numpy as np
import torch

from cvlfic import bitstream
from cvlfic.eval.metrics import psnr
from cvlfic.nets.decoder import ycc_to_bgr
from cvlfic.nets.network import to_uint8
from cvlfic.train.data import training_crops

LEVELS = (4, 8, 16, 32)


def to_bgr(recon: np.ndarray, profile: int) -> np.ndarray:
    if profile == bitstream.PROFILE_RGB8:
        return recon
    planes = torch.from_numpy(recon.astype(np.float32)).permute(2, 0, 1)[None]
    bgr = ycc_to_bgr(planes)[0].permute(1, 2, 0).numpy()
    return to_uint8(bgr)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__,
                                     formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--crops", type=int, default=200)
    parser.add_argument("--out", type=Path, default=Path("results/lfic/profile_choice.md"))
    args = parser.parse_args()
    crops = training_crops()
    pick = np.random.default_rng(0).choice(len(crops), args.crops, replace=False)
    faces = [np.ascontiguousarray(crops[i]) for i in np.sort(pick)]
    lines = ["| profile | luma block | levels | bytes | bpp | PSNR dB |", "|---|---|---|---|---|---|"]
    for profile in (bitstream.PROFILE_YCC16, bitstream.PROFILE_RGB8):
        info = bitstream.profile_info(profile)
        for index, block in enumerate(info["block_sizes"][0]):
            for levels in LEVELS:
                mask = bitstream.uniform_mask(112, 112, profile, index)
                sizes, quality = [], []
                for face in faces:
                    sizes.append(len(bitstream.encode_pooled(face, mask, profile, levels)))
                    recon = bitstream.reconstruct(face, mask, profile, levels)
                    quality.append(psnr(face, to_bgr(recon, profile)))
                b = float(np.mean(sizes))
                lines.append(f"| {info['name']} | {block} | {levels} | {b:.0f} | {8 * b / 112 ** 2:.3f} "
                             f"| {np.mean(quality):.2f} |")
    text = "# RAP profiles: bytes vs reconstruction PSNR (uniform masks)\n\n" + \
        f"{args.crops} held-out training crops, 112x112. Command: " \
        "`python bench/lfic/profile_choice.py`\n\n" + "\n".join(lines) + "\n"
    args.out.write_text(text)
    print(text)


if __name__ == "__main__":
    main()
