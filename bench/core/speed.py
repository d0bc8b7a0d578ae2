"""Entropy coding speed of the lossless core on real faces (one core, CPU time): builds
bench/core/speed.cpp against the core sources and runs it on the benchmark's 300 aligned
LFW chips (identities not in pairs.txt).

    python bench/core/speed.py --out results/core
"""
from __future__ import annotations

import argparse
import json
import subprocess
import sys
import tempfile
from pathlib import Path

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parent))
from chips import load_chips  # noqa: E402

ROOT = Path(__file__).resolve().parents[2]


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--faces", type=int, default=300)
    ap.add_argument("--out", type=Path, default=None, help="write speed.json/.md here")
    args = ap.parse_args()
    chips = load_chips(args.faces)
    with tempfile.TemporaryDirectory() as tmp:
        build = Path(tmp) / "build"
        subprocess.run(["cmake", "-S", str(ROOT), "-B", str(build), "-DCVLFIC_BENCH=ON", "-DCMAKE_BUILD_TYPE=Release"],
                       check=True, capture_output=True)
        subprocess.run(["cmake", "--build", str(build), "--target", "core_speed"], check=True, capture_output=True)
        data = Path(tmp) / "chips.bin"
        n, h, w, _ = chips.shape
        data.write_bytes(np.array([n, h, w], np.uint32).tobytes() + np.ascontiguousarray(chips).tobytes())
        rows = json.loads(subprocess.run([str(build / "core_speed"), str(data)], check=True, capture_output=True,
                                         text=True).stdout)
    lines = ["| profile | block | L | symbols/face | encode ns/symbol | decode ns/symbol | encode Msym/s"
             " | decode Msym/s | encode us/face | decode us/face | full encode us/face | full decode us/face |",
             "|---|---|---|---|---|---|---|---|---|---|---|---|"]
    for r in rows:
        lines.append(
            f"| {r['profile']} | {r['luma_block']} | {r['levels']} | {r['symbols_per_face']:.0f}"
            f" | {r['entropy_encode_ns_per_symbol']:.1f} | {r['entropy_decode_ns_per_symbol']:.1f}"
            f" | {r['entropy_encode_msymbols_per_s']:.1f} | {r['entropy_decode_msymbols_per_s']:.1f}"
            f" | {r['entropy_encode_us_per_face']:.1f} | {r['entropy_decode_us_per_face']:.1f}"
            f" | {r['full_encode_us_per_face']:.1f} | {r['full_decode_us_per_face']:.1f} |")
    table = "\n".join(lines)
    print(table)
    if args.out:
        args.out.mkdir(parents=True, exist_ok=True)
        (args.out / "speed.json").write_text(json.dumps(rows, indent=1))
        (args.out / "speed.md").write_text(
            f"One core, CPU time of the thread (best of 7 passes over {args.faces} aligned 112x112 LFW chips)."
            " 'encode'/'decode' = entropy stage: prediction, context modelling and range (de)coding of the"
            " mask and every block value (pooling excluded; decode includes filling the reconstruction)."
            " 'full' = the whole cvlfic_encode / cvlfic_decode call (colour conversion, pooling, framing,"
            " CRC, output).\n\n" + table + "\n")


if __name__ == "__main__":
    main()
