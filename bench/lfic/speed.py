"""Encode and decode time of one 112x112 face: LFIC (fast mode) next to WebP, AVIF, JPEG 2000.

Faces are LFW pair crops (the benchmark's cache). LFIC runs at 0.2 bpp with ONNX Runtime
at batch 1 and the given thread count; each classical codec runs at the setting whose mean
size is closest to LFIC's bytes (from its default sweep). Median wall time and median
process CPU time per face, after a warm-up.

    python bench/lfic/speed.py --faces 50 --threads 2 --out results/speed/speed.json
"""
from __future__ import annotations

import sys

import argparse
import json
import os
import platform
import time
from pathlib import Path

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))  # bench/: devdata
import devdata  # noqa: E402,F401  (CVLFIC_DATA: the checkout's data folder when unset)

from cvlfic.codecs import create_codec, default_settings
from cvlfic.eval import lfw
from cvlfic.lfic import Codec

BPP = 0.2


def timed(fn, items):
    wall, cpu, out = [], [], []
    for item in items:
        t0, c0 = time.perf_counter(), time.process_time()
        out.append(fn(item))
        wall.append(time.perf_counter() - t0)
        cpu.append(time.process_time() - c0)
    return 1000 * float(np.median(wall)), 1000 * float(np.median(cpu)), out


def measure(name, encode, decode, faces):
    encode(faces[0]), decode(encode(faces[0]))  # warm-up (sessions, caches)
    enc_ms, enc_cpu, streams = timed(encode, faces)
    dec_ms, dec_cpu, _ = timed(decode, streams)
    return {"codec": name, "bytes": float(np.mean([len(s) for s in streams])),
            "encode_ms": enc_ms, "encode_cpu_ms": enc_cpu, "decode_ms": dec_ms, "decode_cpu_ms": dec_cpu}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__,
                                     formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--faces", type=int, default=50)
    parser.add_argument("--threads", type=int, default=2)
    parser.add_argument("--out", type=Path, default=Path("results/speed/speed.json"))
    args = parser.parse_args()
    pairs = lfw.parse_pairs()
    keys = [pairs.images[i] for i in np.linspace(0, len(pairs.images) - 1, args.faces).astype(int)]
    faces = list(lfw.load_crops(keys).crops112)
    codec = Codec(threads=args.threads)
    rows = [measure("lfic (fast, onnxruntime)", lambda f: codec.encode(f, bpp=BPP), codec.decode, faces)]
    target = rows[0]["bytes"]
    for name in ("webp", "avif", "jpeg2000"):
        sizes = {s: np.mean([len(create_codec(name, s).encode(f)) for f in faces[:8]])
                 for s in default_settings(name)}
        setting = min(sizes, key=lambda s: abs(sizes[s] - target))
        c = create_codec(name, setting)
        rows.append({**measure(f"{name} {setting}", c.encode, c.decode, faces), "setting": setting})
    result = {"date": time.strftime("%Y-%m-%d %H:%M"), "machine": platform.processor() or platform.machine(),
              "cpus": os.cpu_count(), "load_average": os.getloadavg(), "threads": args.threads,
              "faces": args.faces, "rows": rows}
    args.out.write_text(json.dumps(result, indent=2) + "\n")
    for r in rows:
        print(f"{r['codec']:28s} {r['bytes']:7.1f} B  encode {r['encode_ms']:6.2f} ms "
              f"(cpu {r['encode_cpu_ms']:.2f})  decode {r['decode_ms']:6.2f} ms (cpu {r['decode_cpu_ms']:.2f})")


if __name__ == "__main__":
    main()
