"""Trains bitstream v1's initial probabilities (csrc/src/initial_probs.inc) on aligned LFW
chips of identities not in pairs.txt and not among the benchmark's faces (chips.py: the
identities after the first 300 of the fixed shuffle).

    python bench/core/train_init.py --faces 500 --initial-count 12

Changing the table changes the bitstream: streams written before cannot be read after.
"""
from __future__ import annotations

import argparse
import subprocess
import sys
import tempfile
from pathlib import Path

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parent))
from chips import load_chips  # noqa: E402

ROOT = Path(__file__).resolve().parents[2]
BENCH_FACES = 300  # chips.load_chips(300) is the benchmark set; training starts after it
# The trainer is built with an untrained table: counting does not use it, and the old table
# may not even match the current number of contexts.
PLACEHOLDER = """// Placeholder (untrained); regenerate with bench/core/train_init.py.
constexpr uint32_t kInitialCount = 0;
const uint16_t kInitialP0[kNumProfiles][kNumLevelCodes][Contexts::kTotal] = {};
"""


def build_tool(build_dir: Path) -> Path:
    subprocess.run(["cmake", "-S", str(ROOT), "-B", str(build_dir), "-DCVLFIC_TOOLS=ON", "-DCMAKE_BUILD_TYPE=Release"],
                   check=True, capture_output=True)
    subprocess.run(["cmake", "--build", str(build_dir), "--target", "train_init"], check=True, capture_output=True)
    return build_dir / "train_init"


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--faces", type=int, default=500)
    ap.add_argument("--initial-count", type=int, default=12,
                    help="observations a trained context is assumed to have seen (adaptation rate 1/(n+2))")
    ap.add_argument("--out", type=Path, default=ROOT / "csrc" / "src" / "initial_probs.inc")
    args = ap.parse_args()
    chips = load_chips(args.faces, offset=BENCH_FACES)
    args.out.write_text(PLACEHOLDER)
    with tempfile.TemporaryDirectory() as tmp:
        tool = build_tool(Path(tmp) / "build")
        data = Path(tmp) / "chips.bin"
        n, h, w, _ = chips.shape
        data.write_bytes(np.array([n, h, w], np.uint32).tobytes() + np.ascontiguousarray(chips).tobytes())
        table = subprocess.run([str(tool), str(data), str(args.initial_count)], check=True, capture_output=True,
                               text=True).stdout
    args.out.write_text(table)
    print(f"wrote {args.out} from {n} faces")


if __name__ == "__main__":
    main()
