"""Compression of the lossless core on real faces (aligned LFW chips, identities not in pairs.txt).

For uniform masks of 8x8 and 4x4 luma blocks and L = 8 and 24, per face:
- the range coder's payload (stream minus header and CRC) vs the ideal code length under
  its own adaptive context model (sum of -log2 p over every binary decision);
- xz (preset 9; .xz container and raw LZMA2) and zlib (level 9; zlib container and raw
  deflate) on the same symbols as bytes (mask indices, then residuals as int8);
- the v1 model against the paper's DPCM (eq. 3) with one adaptive context, the two mixes
  and v1 without its trained initial probabilities, as ideal code lengths (the variants
  all start from untrained probabilities).

    python bench/core/compression.py --faces 300 --out results/core
"""
from __future__ import annotations

import argparse
import json
import lzma
import sys
import zlib
from pathlib import Path

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parent))
from chips import load_chips  # noqa: E402

from cvlfic import _core, bitstream  # noqa: E402

MODELS = {"v1": _core.MODEL_V1, "dpcm_paper": _core.MODEL_DPCM,
          "v1_prediction_one_context": _core.MODEL_V1_PREDICTOR_ONLY, "dpcm_v1_contexts": _core.MODEL_DPCM_CONTEXTS,
          "v1_untrained": _core.MODEL_V1_UNTRAINED}
RAW_LZMA = [{"id": lzma.FILTER_LZMA2, "preset": 9 | lzma.PRESET_EXTREME}]


def mask_index(profile: int, block: int) -> int:
    return list(bitstream.profile_info(profile)["block_sizes"][0]).index(block)


def header_bytes(h: int, w: int) -> int:
    return 2 + len(_leb128(h - 1)) + len(_leb128(w - 1)) + 2


def _leb128(v: int) -> bytes:
    out = bytearray()
    while True:
        out.append((v & 0x7F) | (0x80 if v >= 0x80 else 0))
        v >>= 7
        if not v:
            return bytes(out)


def measure(chips: np.ndarray, profile: int, block: int, levels: int) -> dict:
    h, w = chips.shape[1:3]
    mask = bitstream.uniform_mask(h, w, profile, mask_index(profile, block))
    tot = {k: 0.0 for k in ("payload_bytes", "ideal_bytes", "stream_bytes", "symbols", "xz", "lzma2_raw",
                            "zlib", "deflate_raw", *[f"ideal_{m}" for m in MODELS])}
    for chip in chips:
        data = bitstream.encode_pooled(chip, mask, profile, levels)
        tot["stream_bytes"] += len(data)
        tot["payload_bytes"] += len(data) - header_bytes(h, w)
        for name, model in MODELS.items():
            stats, symbols = bitstream.analyze(chip, mask, profile, levels, model)
            tot[f"ideal_{name}"] += stats["ideal_bits"] / 8
            if name == "v1":
                tot["ideal_bytes"] += stats["ideal_bits"] / 8
                tot["symbols"] += stats["symbols"]
                tot["xz"] += len(lzma.compress(symbols, format=lzma.FORMAT_XZ, preset=9))
                tot["lzma2_raw"] += len(lzma.compress(symbols, format=lzma.FORMAT_RAW, filters=RAW_LZMA))
                tot["zlib"] += len(zlib.compress(symbols, 9))
                deflate = zlib.compressobj(9, zlib.DEFLATED, -15)
                tot["deflate_raw"] += len(deflate.compress(symbols) + deflate.flush())
    n = len(chips)
    row = {"profile": bitstream.profile_info(profile)["name"], "luma_block": block, "levels": levels,
           "faces": n}
    row.update({f"mean_{k}": v / n for k, v in tot.items()})
    row["coder_over_ideal_pct"] = 100 * (tot["payload_bytes"] / tot["ideal_bytes"] - 1)
    for other in ("xz", "lzma2_raw", "zlib", "deflate_raw"):
        row[f"smaller_than_{other}_pct"] = 100 * (1 - tot["payload_bytes"] / tot[other])
    row["v1_vs_paper_dpcm_pct"] = 100 * (1 - tot["ideal_v1"] / tot["ideal_dpcm_paper"])
    row["bpp"] = 8 * tot["stream_bytes"] / n / (h * w)
    return row


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--faces", type=int, default=300)
    ap.add_argument("--out", type=Path, default=None, help="write compression.json/.md here")
    args = ap.parse_args()
    chips = load_chips(args.faces)
    rows = [measure(chips, p, b, lv) for p in (1, 0) for b in (8, 4) for lv in (8, 24)]
    lines = ["| profile | block | L | bpp | payload B | ideal B | coder/ideal | vs xz | vs raw LZMA2 | vs zlib"
             " | vs raw deflate | v1 vs paper DPCM | DPCM B | v1-pred 1-ctx B | DPCM v1-ctx B | v1 untrained B |",
             "|---|---|---|---|---|---|---|---|---|---|---|---|---|---|---|---|"]
    for r in rows:
        lines.append(
            f"| {r['profile']} | {r['luma_block']} | {r['levels']} | {r['bpp']:.3f} | {r['mean_payload_bytes']:.1f}"
            f" | {r['mean_ideal_bytes']:.1f} | {r['coder_over_ideal_pct']:+.2f}% | {r['smaller_than_xz_pct']:.1f}%"
            f" | {r['smaller_than_lzma2_raw_pct']:.1f}% | {r['smaller_than_zlib_pct']:.1f}%"
            f" | {r['smaller_than_deflate_raw_pct']:.1f}% | {r['v1_vs_paper_dpcm_pct']:.1f}%"
            f" | {r['mean_ideal_dpcm_paper']:.1f} | {r['mean_ideal_v1_prediction_one_context']:.1f}"
            f" | {r['mean_ideal_dpcm_v1_contexts']:.1f} | {r['mean_ideal_v1_untrained']:.1f} |")
    table = "\n".join(lines)
    print(table)
    if args.out:
        args.out.mkdir(parents=True, exist_ok=True)
        (args.out / "compression.json").write_text(json.dumps(rows, indent=1))
        (args.out / "compression.md").write_text(
            f"Per-face means over {args.faces} aligned 112x112 LFW chips (identities not in pairs.txt);"
            " 'vs X' = how much smaller the range-coded payload is than X on the same symbol bytes.\n\n"
            + table + "\n")


if __name__ == "__main__":
    main()
