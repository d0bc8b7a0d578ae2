"""Speed of the video path on this machine.

1. The codec on one 112x112 standard crop: fast-mode encode (quality 50) and decode with
   ONNX Runtime, batch 1, 2 threads; crops are the faces of the sample clip.
2. The sample clip end to end (read/decode video, detect, align, encode, write the .lfics),
   with the time per stage, for each detector setting and frame reader.

    PYTHONPATH=. python bench/video/speed.py [codec] [clip] > results/video/speed.json

Times are wall clock on a shared 2-core machine (the load average is recorded with them);
the clip runs use one thread, so ``fps_by_cpu_time`` (frames per second of the process's own
CPU time) is what one free core would give.
"""
import json
import os
import statistics
import sys
import tempfile
import time
from pathlib import Path

import cv2

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))  # bench/: devdata
import devdata  # noqa: E402  (CVLFIC_DATA: the checkout's data folder when unset)
from cvlfic.lfic import Codec  # noqa: E402
from cvlfic.video import FaceStreamEncoder, FaceStreamWriter  # noqa: E402
from cvlfic.video.sources import open_source, pyav_available  # noqa: E402

CROPS = 24
REPEATS = 5


def clip_crops(count):
    from cvlfic.face import FrameDetector, standard_crop
    detector = FrameDetector()
    crops = []
    with open_source(str(devdata.sample_clip_path()), "opencv") as source:
        for frame, _ in source:
            crops += [standard_crop(frame, f) for f in detector(frame)]
    step = max(1, len(crops) // count)
    return crops[::step][:count]


def codec_speed(threads=2):
    codec = Codec(threads=threads, backend="onnxruntime")
    crops = clip_crops(CROPS)
    streams = [codec.encode(c, quality=50) for c in crops]  # warm-up
    codec.decode(streams[0])
    encode_ms, decode_ms, encode_cpu, decode_cpu = [], [], [], []
    for _ in range(REPEATS):
        for crop, data in zip(crops, streams):
            t0, c0 = time.perf_counter(), time.process_time()
            codec.encode(crop, quality=50)
            t1, c1 = time.perf_counter(), time.process_time()
            codec.decode(data)
            t2, c2 = time.perf_counter(), time.process_time()
            encode_ms.append(1000 * (t1 - t0))
            decode_ms.append(1000 * (t2 - t1))
            encode_cpu.append(1000 * (c1 - c0))
            decode_cpu.append(1000 * (c2 - c1))
    return {"crops": len(crops), "repeats": REPEATS, "threads": threads, "batch": 1,
            "mean_bytes": round(statistics.mean(len(s) for s in streams), 1),
            "encode_ms_median": round(statistics.median(encode_ms), 2),
            "encode_ms_mean": round(statistics.mean(encode_ms), 2),
            "decode_ms_median": round(statistics.median(decode_ms), 2),
            "decode_ms_mean": round(statistics.mean(decode_ms), 2),
            # CPU time of the process (all threads): encode is single-threaded, so this is
            # its time on a free core; decode's sums its 2 threads.
            "encode_cpu_ms_median": round(statistics.median(encode_cpu), 2),
            "decode_cpu_ms_median": round(statistics.median(decode_cpu), 2)}


def clip_run(reader, detect_every, threads=1):
    codec = Codec(threads=threads, backend="onnxruntime")
    encoder = FaceStreamEncoder(codec, quality=50, detect_every=detect_every)
    read_s = write_s = 0.0
    with tempfile.TemporaryDirectory() as tmp, \
            FaceStreamWriter(Path(tmp) / "clip.lfics") as writer, \
            open_source(str(devdata.sample_clip_path()), reader) as source:
        frames = iter(source)
        start, cpu_start = time.perf_counter(), time.process_time()
        while True:
            t0 = time.perf_counter()
            item = next(frames, None)
            read_s += time.perf_counter() - t0
            if item is None:
                break
            records = encoder.encode_frame(*item)
            t1 = time.perf_counter()
            for record in records:
                writer.write(record)
            write_s += time.perf_counter() - t1
        elapsed = time.perf_counter() - start
        cpu = time.process_time() - cpu_start
        backend, size = source.backend, writer.bytes_written
    stages = {"read": read_s, **encoder.stage_seconds, "write": write_s}
    n = encoder.frames
    return {"reader": backend, "detect_every": detect_every, "threads": threads,
            "frames": n, "faces": encoder.faces, "face_bytes": encoder.bytes, "file_bytes": size,
            "fps": round(n / elapsed, 1), "fps_by_cpu_time": round(n / cpu, 1),
            "ms_per_frame": {k: round(1000 * v / n, 2) for k, v in stages.items()},
            "encode_ms_per_face": round(1000 * encoder.stage_seconds["encode"]
                                        / max(encoder.faces, 1), 2)}


def main():
    parts = sys.argv[1:] or ["codec", "clip"]
    cv2.setNumThreads(1)
    results = {"load_average_before": os.getloadavg()}
    if "codec" in parts:
        results["codec"] = codec_speed()
        print("codec", results["codec"], file=sys.stderr)
    if "clip" in parts:
        results["clip"] = []
        for reader in ["pyav", "opencv"] if pyav_available() else ["opencv"]:
            for every in (1, 3):
                results["clip"].append(clip_run(reader, every))
                print(results["clip"][-1], file=sys.stderr)
    results["load_average_after"] = os.getloadavg()
    print(json.dumps(results, indent=1))


if __name__ == "__main__":
    main()
