"""CPU time per image of each stage of ``cvlfic archive --align`` in one process (one core),
on the first N LFW images in sorted order: the cost that does not depend on what else the
machine runs. Writes results/archive/cpu_cost.json.

    python bench/archive/cpu_cost.py [N]
"""
import json
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[2] / "bench"))  # bench/: devdata
import devdata  # noqa: E402,F401  (CVLFIC_DATA: the checkout's data folder when unset)
from cvlfic.archive.coding import CodingSettings, FaceCoder, ItemError, read_image_file  # noqa: E402
from cvlfic.archive.job import list_images  # noqa: E402
from cvlfic.datasets import lfw_dir  # noqa: E402


def main():
    n = int(sys.argv[1]) if len(sys.argv) > 1 else 500
    sources, _ = list_images(lfw_dir())
    paths = [lfw_dir() / s for s in sources[:n]]
    coder = FaceCoder(CodingSettings(align=True), threads=1)
    coder.prepare(paths[0])  # load the detector and the landmark model
    coder.codec.decode(coder.codec.encode(coder.prepare(paths[0])))  # and the decoder
    clock = time.process_time
    cost = {"read": 0.0, "detect_align": 0.0, "encode": 0.0, "decode": 0.0}
    crops, streams = [], []
    for path in paths:
        t0 = clock()
        image = read_image_file(path)
        t1 = clock()
        try:
            crops.append(coder.align(image))
        except ItemError:
            pass
        cost["read"] += t1 - t0
        cost["detect_align"] += clock() - t1
    t0 = clock()
    streams = [r.data for r in coder.codec.encode_batch(crops, quality=50)]
    cost["encode"] = clock() - t0
    t0 = clock()
    for start in range(0, len(streams), 64):
        coder.codec.decode_batch_results(streams[start:start + 64])
    cost["decode"] = clock() - t0
    counts = {"read": len(paths), "detect_align": len(paths), "encode": len(crops),
              "decode": len(crops)}
    per_image = {k: round(1000 * v / counts[k], 2) for k, v in cost.items()}
    coding = per_image["read"] + per_image["detect_align"] + per_image["encode"]
    result = {
        "images": len(paths), "faces": len(crops),
        "cpu_ms_per_image": per_image,
        "archive_cpu_ms_per_image": round(coding, 2),
        "images_per_cpu_second": round(1000 / coding, 1),
        "verify_faces_per_cpu_second": round(1000 / per_image["decode"], 1),
        "note": "process CPU time in one process, one thread for the decoder (OpenCV may use "
                "a second thread); a worker per core runs at most this fast",
    }
    out = Path(__file__).resolve().parents[2] / "results" / "archive" / "cpu_cost.json"
    out.write_text(json.dumps(result, indent=2) + "\n")
    print(json.dumps(result, indent=2))


if __name__ == "__main__":
    main()
