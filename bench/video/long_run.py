"""Long run: the sample clip looped (re-opened each pass, as a reconnecting stream would be)
through read, detect, align, encode and .lfics writing, for at least 10,000 frames, with
the process's resident memory sampled every 500 frames.

Growth is measured from the sample at 1,000 frames (after warm-up: ONNX Runtime arenas,
OpenCV DNN buffers, first allocations) to the end; the first sample is kept too.

    PYTHONPATH=. nohup python bench/video/long_run.py 10000 > results/video/long_run.json &
"""
import json
import os
import sys
import tempfile
import time
from pathlib import Path

import cv2

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))  # bench/: devdata
import devdata  # noqa: E402  (CVLFIC_DATA: the checkout's data folder when unset)
from cvlfic.lfic import Codec  # noqa: E402
from cvlfic.video import FaceStreamEncoder, FaceStreamWriter  # noqa: E402
from cvlfic.video.sources import open_source  # noqa: E402

SAMPLE_EVERY = 500
WARM_UP = 1000


def rss_mb() -> float:
    with open("/proc/self/status") as f:
        for line in f:
            if line.startswith("VmRSS:"):
                return int(line.split()[1]) / 1024
    raise RuntimeError("no VmRSS in /proc/self/status")


def main():
    target = int(sys.argv[1]) if len(sys.argv) > 1 else 10000
    cv2.setNumThreads(1)
    encoder = FaceStreamEncoder(Codec(threads=1), quality=50, detect_every=3)
    samples, passes, index = [], 0, 0
    start = time.perf_counter()
    with tempfile.TemporaryDirectory() as tmp:
        path = Path(tmp) / "long.lfics"
        with FaceStreamWriter(path) as writer:
            while index < target:
                with open_source(str(devdata.sample_clip_path())) as source:
                    reader = source.backend
                    for frame, seconds in source:
                        for record in encoder.encode_frame(frame, index / 29.97, index):
                            writer.write(record)
                        index += 1
                        if index % SAMPLE_EVERY == 0 or index == 1:
                            samples.append((index, round(rss_mb(), 1)))
                            print(samples[-1], file=sys.stderr, flush=True)
                        if index >= target:
                            break
                passes += 1
        file_bytes = path.stat().st_size
    elapsed = time.perf_counter() - start
    at_warm = next(mb for i, mb in samples if i >= WARM_UP)
    print(json.dumps({
        "frames": index, "passes_over_clip": passes, "reader": reader,
        "faces": encoder.faces, "file_bytes": file_bytes,
        "fps": round(index / elapsed, 1), "seconds": round(elapsed, 1),
        "rss_mb_first_frame": samples[0][1], "rss_mb_after_warm_up": at_warm,
        "rss_mb_end": samples[-1][1], "rss_mb_max": max(mb for _, mb in samples),
        "growth_mb_after_warm_up": round(samples[-1][1] - at_warm, 1),
        "samples": samples, "load_average_end": os.getloadavg()}, indent=1))


if __name__ == "__main__":
    main()
