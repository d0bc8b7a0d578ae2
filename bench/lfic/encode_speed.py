"""Encode time of a 112x112 face: the core's fast encoder (``cvlfic_encode_face``, one
thread) next to WebP (method 6) and JPEG 2000 encodes of the same faces, in one run.

Faces are LFW pair crops (the benchmark's cache). Each classical codec runs at the setting of
its default sweep whose mean size is closest to cvlfic's at that rate. The codecs take turns
face by face, so a busy neighbour slows them alike; the ratios are what to compare across
machines. One core: ``taskset -c 0`` runs it on one (the encoders are single-threaded).

    taskset -c 0 python bench/lfic/encode_speed.py --faces 200 --out results/speed/encode.json
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

from cvlfic import _core
from cvlfic.codecs import create_codec, default_settings
from cvlfic.eval import lfw
from cvlfic.lfic import Codec

RATES = (0.05, 0.1, 0.2, 0.3)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--faces", type=int, default=200)
    parser.add_argument("--rounds", type=int, default=3, help="times each face is encoded by each codec")
    parser.add_argument("--out", type=Path, default=Path("results/speed/encode.json"))
    args = parser.parse_args()
    pairs = lfw.parse_pairs()
    keys = [pairs.images[i] for i in np.linspace(0, len(pairs.images) - 1, args.faces).astype(int)]
    faces = [np.ascontiguousarray(f) for f in lfw.load_crops(keys).crops112]
    encoder = Codec().encoder
    rows = []
    for bpp in RATES:
        streams = [encoder.encode(f, _core.RATE_BPP, bpp)[1] for f in faces]
        target = float(np.mean([len(s) for s in streams]))
        coders = {"cvlfic": lambda f, b=bpp: encoder.encode(f, _core.RATE_BPP, b)}
        settings = {}
        for name in ("webp", "jpeg2000"):
            sizes = {s: np.mean([len(create_codec(name, s).encode(f)) for f in faces[:16]])
                     for s in default_settings(name)}
            settings[name] = min(sizes, key=lambda s: abs(sizes[s] - target))
            coders[name] = create_codec(name, settings[name]).encode
        times = {name: [] for name in coders}
        for _ in range(args.rounds):
            for face in faces:  # take turns: the same load for every codec
                for name, encode in coders.items():
                    t0 = time.perf_counter()
                    encode(face)
                    times[name].append(time.perf_counter() - t0)
        median = {name: 1000 * float(np.median(t)) for name, t in times.items()}
        rows.append({"bpp": bpp, "cvlfic_bytes": target, "settings": settings,
                     "median_ms": median,
                     "ratio_to_webp": median["cvlfic"] / median["webp"],
                     "ratio_to_jpeg2000": median["cvlfic"] / median["jpeg2000"]})
        print(f"{bpp:.2f} bpp ({target:.0f} B): cvlfic {median['cvlfic']:.3f} ms, "
              f"webp {settings['webp']} {median['webp']:.3f} ms ({rows[-1]['ratio_to_webp']:.2f}x), "
              f"jpeg2000 {settings['jpeg2000']} {median['jpeg2000']:.3f} ms ({rows[-1]['ratio_to_jpeg2000']:.2f}x)")
    result = {"command": "python bench/lfic/encode_speed.py " + " ".join(
                  f"--{k.replace('_', '-')} {v}" for k, v in vars(args).items()),
              "date": time.strftime("%Y-%m-%d %H:%M"), "machine": platform.processor() or platform.machine(),
              "cpus": os.cpu_count(), "affinity": len(os.sched_getaffinity(0)),
              "load_average": os.getloadavg(), "faces": args.faces, "rounds": args.rounds, "rows": rows}
    args.out.parent.mkdir(parents=True, exist_ok=True)
    args.out.write_text(json.dumps(result, indent=2) + "\n")


if __name__ == "__main__":
    main()
