"""Face detectors on the sample clip: recall, false alarms and time per frame (1 thread).

The reference is ``reference_faces.json``: the faces of every 4th frame, labelled by eye
(see its ``how``). A reference face counts as found when a detection's box centre lies in
its box and its centre lies in the detection's box; a detection that matches no face is a
false alarm. Every configuration runs over all frames in order (trackers need that); time
is the mean over all frames, landmarks included. Detectors that are not installed (dlib
for hog; OpenCV < 5 for haar, which OpenCV 5 dropped) are reported as unavailable.

    PYTHONPATH=. python bench/video/detectors.py > results/video/detectors.json
"""
import json
import sys
import time
from pathlib import Path

import cv2

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))  # bench/: devdata
import devdata  # noqa: E402  (CVLFIC_DATA: the checkout's data folder when unset)
from cvlfic.face import FrameDetector  # noqa: E402

CONFIGS = [
    ("blazeface", dict(detector="blazeface")),
    ("blazeface, detect every 3, track", dict(detector="blazeface", detect_every=3)),
    ("blazeface, detect every 5, track", dict(detector="blazeface", detect_every=5)),
    ("haar", dict(detector="haar")),
    ("hog upsample 0", dict(detector="hog", upsample=0)),
    ("hog upsample 1", dict(detector="hog", upsample=1)),
]


def read_frames():
    capture = cv2.VideoCapture(str(devdata.sample_clip_path()))
    frames = []
    while True:
        ok, frame = capture.read()
        if not ok:
            return frames
        frames.append(frame)


def centre_in(box, other):
    cx, cy = (box[0] + box[2]) / 2, (box[1] + box[3]) / 2
    return other[0] <= cx <= other[2] and other[1] <= cy <= other[3]


def matches(a, b):
    return centre_in(a, b) and centre_in(b, a)


def main():
    cv2.setNumThreads(1)
    frames = read_frames()
    labelled = json.loads((Path(__file__).resolve().parents[2] / "results" / "video" / "reference_faces.json").read_text())
    reference = {i: [] for i in range(0, len(frames), labelled["frame_stride"])}
    for c in labelled["candidates"]:
        if c["face"]:
            reference[c["frame"]].append(c["box"])
    total = sum(len(v) for v in reference.values())
    results = {"frames": len(frames), "evaluated_frames": len(reference),
               "reference_faces": total, "opencv": cv2.__version__, "detectors": {}}
    for name, options in CONFIGS:
        try:
            detector = FrameDetector(**options)
        except (ImportError, ValueError) as exc:
            results["detectors"][name] = {"unavailable": str(exc)}
            continue
        found = extra = 0
        start = time.perf_counter()
        boxes = {}
        for i, frame in enumerate(frames):
            faces = detector(frame)
            if i in reference:
                boxes[i] = [f.box for f in faces]
        ms = (time.perf_counter() - start) * 1000 / len(frames)
        for i, ref in reference.items():
            found += sum(any(matches(r, b) for b in boxes[i]) for r in ref)
            extra += sum(not any(matches(r, b) for r in ref) for b in boxes[i])
        results["detectors"][name] = {"recall": round(found / max(total, 1), 3), "found": found,
                                      "false_alarms": extra, "ms_per_frame": round(ms, 2)}
        print(name, results["detectors"][name], file=sys.stderr)
    print(json.dumps(results, indent=1))


if __name__ == "__main__":
    main()
