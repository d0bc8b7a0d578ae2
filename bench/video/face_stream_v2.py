"""Bytes per face of the .lfics face stream, format version 1 against version 2, on the
sample clip.

The clip is coded once (``clip_faces.py``: cvlfic video's defaults); the same records (face
bitstreams, boxes, landmarks on the pixel grid, tracks) are then written in version 1 and in
version 2 with key intervals 1 (every record stands alone), 2, 4, 8 (the default), 16 and 32.
For each file: face data, file size, and the overhead of each face record (its bytes minus
its bitstream's bytes): mean, min, max; for version 2 also for key and delta records apart.

    PYTHONPATH=. python bench/video/face_stream_v2.py > results/video/face_stream_v2.json
"""
import json
import os
import sys
import tempfile
from pathlib import Path

import numpy as np

from cvlfic.video import compact, framing2, lfics
from cvlfic.video.lfics import Damage, FaceStreamWriter, read_face_stream
from cvlfic.video.records import FaceRecord, StreamInfo

sys.path.insert(0, str(Path(__file__).parent))
from clip_faces import clip_faces  # noqa: E402


def measure(path: Path, records) -> dict:
    data = path.read_bytes()
    version = int.from_bytes(data[8:10], "little")
    if version == 1:
        entries = lfics._walk(data, 16, lfics._headers(data, 16), lfics._cut_header_v1)
    else:
        entries = lfics._walk(data, 16, lfics._headers_v2(data, 16), framing2.cut_header)
    faces = [e for e in entries if not isinstance(e, Damage) and e[1] == lfics.TYPE_FACE]
    assert len(faces) == len(records)
    over = np.array([e[4] - e[0] - len(r.data) for e, r in zip(faces, records)])
    back = [i for i in read_face_stream(path) if isinstance(i, FaceRecord)]
    assert [b.data for b in back] == [r.data for r in records]
    out = {"file_bytes": len(data), "face_records": len(records),
           "face_data_bytes": int(sum(len(r.data) for r in records)),
           "overhead_bytes_per_record": {"mean": round(float(over.mean()), 2),
                                         "min": int(over.min()), "max": int(over.max())},
           "file_bytes_per_face": round(len(data) / len(records), 1)}
    if version == 2:
        delta = np.array([compact.is_delta(data[e[2]:e[3]]) for e in faces])
        out["key_records"] = int((~delta).sum())
        out["delta_records"] = int(delta.sum())
        out["overhead_key_mean"] = round(float(over[~delta].mean()), 2)
        if delta.any():
            out["overhead_delta_mean"] = round(float(over[delta].mean()), 2)
    return out


def main():
    clip = clip_faces()
    records = [c.record for c in clip.candidates]
    results = {"clip": clip.info, "encode_seconds": clip.encode_seconds, "faces": len(records),
               "tracks": len({r.track for r in records}), "versions": {}}
    with tempfile.TemporaryDirectory() as tmp:
        for name, version, interval in [("v1", 1, None), ("v2 key_interval=1", 2, 1),
                                        ("v2 key_interval=2", 2, 2),
                                        ("v2 key_interval=4", 2, 4),
                                        ("v2 key_interval=8 (default)", 2, 8),
                                        ("v2 key_interval=16", 2, 16),
                                        ("v2 key_interval=32", 2, 32)]:
            path = Path(tmp) / f"{version}_{interval}.lfics"
            kwargs = {} if interval is None else {"key_interval": interval}
            with FaceStreamWriter(path, version=version, **kwargs) as writer:
                writer.write(StreamInfo(dict(clip.info)))
                for r in records:
                    writer.write(r)
            results["versions"][name] = measure(path, records)
            print(name, results["versions"][name], file=sys.stderr)
    results["load_average_end"] = [round(v, 2) for v in os.getloadavg()]
    print(json.dumps(results, indent=1))


if __name__ == "__main__":
    main()
