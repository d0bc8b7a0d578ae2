"""Encode + decode time of one 112x112 face with a busy neighbour process, per ONNX Runtime
thread setting: which defaults stay fast when the CPU is shared.

For each setting the same faces are coded on an idle machine, while another process keeps one
core busy (a pure-Python spin loop, like a second service on the box), and while one such
process per core saturates the machine. WebP encode +
decode of the same faces is measured in the same run as the reference, so the figures read as
ratios (busy / idle, LFIC / WebP) rather than absolute times on a shared machine.

    python bench/lfic/busy_neighbour.py --faces 40 --out results/speed/busy_neighbour.json
"""
from __future__ import annotations

import argparse
import json
import os
import platform
import subprocess
import sys
import time
from pathlib import Path

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))  # bench/: devdata
import devdata  # noqa: E402,F401  (CVLFIC_DATA: the checkout's data folder when unset)

from cvlfic.codecs import create_codec
from cvlfic.eval import lfw
from cvlfic.lfic import Codec

BPP = 0.2
# Busy neighbours: none, one process holding a core, one per core (the machine saturated).
STATES = {"idle": 0, "busy": 1, "saturated": os.cpu_count() or 2}
SPIN = "import time\nend = time.time() + 3600\nwhile time.time() < end:\n    pass\n"


def median_ms(fn, items, rounds: int) -> float:
    times = []
    for _ in range(rounds):
        for item in items:
            t0 = time.perf_counter()
            fn(item)
            times.append(time.perf_counter() - t0)
    return 1000 * float(np.median(times))


def setting_label(threads, spinning) -> str:
    if threads is None and spinning is None:
        return "cvlfic default"
    return f"threads={threads or 'ort default'}, spinning={'on' if spinning else 'off'}"


def measure(faces, settings, rounds):
    webp = create_codec("webp", 50)
    rows = []
    for threads, spinning in settings:
        codec = Codec(threads=threads, spinning=spinning)
        both = lambda f: codec.decode(codec.encode(f, bpp=BPP))  # noqa: E731
        both(faces[0])  # warm-up: session, caches
        row = {"threads": threads, "spinning": spinning, "label": setting_label(threads, spinning)}
        for state, neighbours in STATES.items():
            spinners = [subprocess.Popen([sys.executable, "-c", SPIN]) for _ in range(neighbours)]
            time.sleep(0.5 if spinners else 0)
            try:
                row[f"lfic_{state}_ms"] = median_ms(both, faces, rounds)
                row[f"webp_{state}_ms"] = median_ms(lambda f: webp.decode(webp.encode(f)), faces, rounds)
            finally:
                for spinner in spinners:
                    spinner.kill()
                    spinner.wait()
        row["busy_over_idle"] = row["lfic_busy_ms"] / row["lfic_idle_ms"]
        row["saturated_over_idle"] = row["lfic_saturated_ms"] / row["lfic_idle_ms"]
        row["lfic_over_webp_idle"] = row["lfic_idle_ms"] / row["webp_idle_ms"]
        row["lfic_over_webp_busy"] = row["lfic_busy_ms"] / row["webp_busy_ms"]
        rows.append(row)
        print(f"{row['label']:34s} idle {row['lfic_idle_ms']:6.2f} ms  busy {row['lfic_busy_ms']:6.2f} ms "
              f"(x{row['busy_over_idle']:.2f})  saturated {row['lfic_saturated_ms']:6.2f} ms "
              f"(x{row['saturated_over_idle']:.2f})  WebP idle {row['webp_idle_ms']:.2f} busy "
              f"{row['webp_busy_ms']:.2f} saturated {row['webp_saturated_ms']:.2f} ms", flush=True)
    return rows


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__,
                                     formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--faces", type=int, default=40)
    parser.add_argument("--rounds", type=int, default=2)
    parser.add_argument("--out", type=Path, default=Path("results/speed/busy_neighbour.json"))
    args = parser.parse_args()
    pairs = lfw.parse_pairs()
    keys = [pairs.images[i] for i in np.linspace(0, len(pairs.images) - 1, args.faces).astype(int)]
    faces = list(lfw.load_crops(keys).crops112)
    settings = [(None, None), (0, True), (2, True), (2, False), (1, False)]
    rows = measure(faces, settings, args.rounds)
    from cvlfic.backends.onnx_runtime import DEFAULT_SPINNING, DEFAULT_THREADS
    result = {"command": "python bench/lfic/busy_neighbour.py " + " ".join(sys.argv[1:]),
              "date": time.strftime("%Y-%m-%d %H:%M"),
              "machine": platform.processor() or platform.machine(), "cpus": os.cpu_count(),
              "load_average_at_start": os.getloadavg(), "faces": args.faces, "rounds": args.rounds,
              "bpp": BPP, "default": {"threads": DEFAULT_THREADS, "spinning": DEFAULT_SPINNING},
              "rows": rows}
    args.out.parent.mkdir(parents=True, exist_ok=True)
    args.out.write_text(json.dumps(result, indent=2) + "\n")


if __name__ == "__main__":
    main()
