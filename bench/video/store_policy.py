"""``cvlfic video --store``: what ``best`` (one face per track) keeps on the sample clip, what
it costs against ``all``, and how good the kept faces are for recognition.

The clip goes once through cvlfic video's pipeline (``clip_faces.py``); the policies
``all``, ``best`` and ``best:2s`` choose from the same faces, and each choice is written as a
version-2 stream (its size and face count). Recognition: every face is decoded from its
bitstream (what the stream gives back) and described by cvlfic.recognition's FaceEmbedder
(dlib's ResNet, 128-D); for each track of two faces or more, the kept face's mean descriptor
distance to the track's other faces, against the same for a face picked at random from the
track (its expectation: the mean over the track's faces, no sampling), the best face in
hindsight (the track's medoid) and the worst. The same on the original aligned crops
(before coding). Also the rank correlation of each score factor with that distance, within
tracks; the distance reached choosing by each factor alone; and how far coding moves a
face's descriptor (decoded against original crop), for the kept faces against all.
Picture: ``results/video/kept_faces.png``, one row per track, the kept face first (green),
then 8 of the track's other faces evenly spaced.

    PYTHONPATH=. python bench/video/store_policy.py > results/video/store_policy.json
"""
import json
import os
import sys
import tempfile
from pathlib import Path

import cv2
import numpy as np

from cvlfic.lfic import Codec
from cvlfic.recognition import FaceEmbedder
from cvlfic.video.lfics import FaceStreamWriter, read_face_stream
from cvlfic.video.policy import StoragePolicy
from cvlfic.video.records import FaceRecord, StreamInfo

sys.path.insert(0, str(Path(__file__).parent))
from clip_faces import clip_faces  # noqa: E402

ROOT = Path(__file__).resolve().parents[2]
PICTURE = ROOT / "results" / "video" / "kept_faces.png"
FACTORS = ("total", "size", "sharpness", "pose", "detector")


def choose(clip, spec):
    policy = StoragePolicy(spec)
    kept = []
    for seconds, faces, ended in clip.frames:
        kept += policy.push(faces, seconds, ended)
    return kept + policy.flush()


def stream_size(clip, kept, folder) -> int:
    path = Path(folder) / "s.lfics"
    if path.exists():
        path.unlink()
    with FaceStreamWriter(path) as writer:
        writer.write(StreamInfo(dict(clip.info)))
        for c in kept:
            writer.write(c.record)
    back = [i for i in read_face_stream(path) if isinstance(i, FaceRecord)]
    assert len(back) == len(kept)
    return path.stat().st_size


def spearman(a, b) -> float:
    ra, rb = np.argsort(np.argsort(a)), np.argsort(np.argsort(b))
    if ra.std() == 0 or rb.std() == 0:
        return float("nan")
    return float(np.corrcoef(ra, rb)[0, 1])


def track_table(tracks, kept_ids, descriptors):
    """Per track: the kept face's mean distance to the others, random/medoid/worst."""
    rows = []
    for track, faces in sorted(tracks.items()):
        if len(faces) < 2:
            continue
        d = descriptors[[f["index"] for f in faces]]
        dist = np.linalg.norm(d[:, None] - d[None], axis=2)
        to_others = dist.sum(1) / (len(faces) - 1)
        k = [i for i, f in enumerate(faces) if f["id"] in kept_ids]
        assert len(k) == 1, (track, k)
        rows.append({"track": int(track), "faces": len(faces),
                     "kept": round(float(to_others[k[0]]), 4),
                     "random": round(float(to_others.mean()), 4),
                     "best": round(float(to_others.min()), 4),
                     "worst": round(float(to_others.max()), 4),
                     "kept_rank": int((to_others < to_others[k[0]]).sum()) + 1,
                     **{f"spearman_{name}": round(spearman(
                         [-f["quality"][name] for f in faces], to_others), 3)
                        for name in FACTORS}})
    return rows


def by_factor(tracks, descriptors):
    """Mean over tracks (2+ faces) of the chosen face's mean distance to the others, choosing
    by each factor of the score alone (the first of equal scores, as the policy does)."""
    out = {}
    for name in FACTORS:
        values = []
        for faces in tracks.values():
            if len(faces) < 2:
                continue
            d = descriptors[[f["index"] for f in faces]]
            to_others = np.linalg.norm(d[:, None] - d[None], axis=2).sum(1) / (len(faces) - 1)
            chosen = int(np.argmax([f["quality"][name] for f in faces]))
            values.append(to_others[chosen])
        out[name] = round(float(np.mean(values)), 4)
    return out


def coding_drift(tracks, kept_ids, described):
    """Distance between the descriptor of a face decoded from the stream and that of its
    original crop: the kept faces against all faces."""
    drift = np.linalg.norm(described["decoded"] - described["original"], axis=1)
    kept = [f["index"] for faces in tracks.values() for f in faces if f["id"] in kept_ids]
    per_track_random = [float(np.mean(drift[[f["index"] for f in faces]]))
                        for faces in tracks.values()]
    return {"kept_mean": round(float(drift[kept].mean()), 4),
            "random_pick_mean_over_tracks": round(float(np.mean(per_track_random)), 4),
            "all_faces_mean": round(float(drift.mean()), 4)}


def summarise(rows):
    weights = np.array([r["faces"] for r in rows], float)
    out = {}
    for key in ("kept", "random", "best", "worst"):
        values = np.array([r[key] for r in rows])
        out[key] = {"mean_over_tracks": round(float(values.mean()), 4),
                    "mean_over_faces": round(float((values * weights).sum() / weights.sum()), 4)}
    out["tracks_kept_at_or_below_random"] = int(sum(r["kept"] <= r["random"] for r in rows))
    out["tracks"] = len(rows)
    for name in FACTORS:
        values = [r[f"spearman_{name}"] for r in rows if r["faces"] >= 5 and
                  not np.isnan(r[f"spearman_{name}"])]
        out[f"spearman_{name}_mean_tracks_5plus"] = round(float(np.mean(values)), 3)
    return out


def picture(tracks, kept_ids, decoded, columns=9):
    rows = []
    for track, faces in sorted(tracks.items(), key=lambda t: -len(t[1])):
        kept = [f for f in faces if f["id"] in kept_ids][0]
        others = [f for f in faces if f is not kept]
        if len(others) > columns - 1:
            others = [others[i] for i in np.linspace(0, len(others) - 1, columns - 1).astype(int)]
        tiles = []
        for f in [kept] + others:
            tile = cv2.copyMakeBorder(decoded[f["index"]], 3, 19, 3, 3, cv2.BORDER_CONSTANT,
                                      value=(60, 200, 60) if f is kept else (40, 40, 40))
            cv2.putText(tile, f"#{f['frame']} q{100 * f['quality']['total']:.0f}",
                        (4, tile.shape[0] - 5), cv2.FONT_HERSHEY_SIMPLEX, 0.35,
                        (255, 255, 255), 1, cv2.LINE_AA)
            tiles.append(tile)
        row = np.zeros((tiles[0].shape[0], columns * tiles[0].shape[1] + 70, 3), np.uint8)
        cv2.putText(row, f"track {track}", (4, 40), cv2.FONT_HERSHEY_SIMPLEX, 0.45,
                    (255, 255, 255), 1, cv2.LINE_AA)
        cv2.putText(row, f"{len(faces)} faces", (4, 60), cv2.FONT_HERSHEY_SIMPLEX, 0.4,
                    (200, 200, 200), 1, cv2.LINE_AA)
        for i, tile in enumerate(tiles):
            row[:, 70 + i * tile.shape[1]:70 + (i + 1) * tile.shape[1]] = tile
        rows.append(row)
    return np.concatenate(rows)


def main():
    clip = clip_faces()
    candidates = clip.candidates
    ids = {id(c): i for i, c in enumerate(candidates)}
    results = {"clip": clip.info, "encode_seconds": clip.encode_seconds, "policies": {}}
    kept_by = {}
    with tempfile.TemporaryDirectory() as tmp:
        for spec in ("all", "best", "best:2s"):
            kept = choose(clip, spec)
            kept_by[spec] = {ids[id(c)] for c in kept}
            results["policies"][spec] = {
                "faces": len(kept), "face_data_bytes": int(sum(len(c.record.data) for c in kept)),
                "stream_bytes": stream_size(clip, kept, tmp)}
    full = results["policies"]["all"]
    for spec, row in results["policies"].items():
        row["faces_vs_all"] = round(row["faces"] / full["faces"], 4)
        row["stream_bytes_vs_all"] = round(row["stream_bytes"] / full["stream_bytes"], 4)

    codec = Codec(threads=1)
    decoded = np.stack(codec.decode_batch([c.record.data for c in candidates]))
    originals = np.stack([c.crop for c in candidates])
    embedder = FaceEmbedder(threads=1)
    described = {"decoded": embedder.embed_bgr(decoded), "original": embedder.embed_bgr(originals)}
    tracks = {}
    for i, c in enumerate(candidates):
        q = c.quality
        tracks.setdefault(c.record.track, []).append({
            "index": i, "id": i, "frame": c.record.frame_index,
            "quality": {"total": q.total, "size": q.size, "sharpness": q.sharpness,
                        "pose": q.pose, "detector": q.detector}})
    results["tracks"] = {str(t): len(f) for t, f in sorted(tracks.items())}
    results["recognition"] = {
        "embedder": f"cvlfic.recognition.FaceEmbedder ({embedder.backend}), dlib ResNet, "
                    "Euclidean distance between 128-D descriptors",
        "note": "per track of 2+ faces: mean distance of a face to the track's other faces; "
                "'random' is the expectation for a face picked at random from the track, "
                "'best'/'worst' the best and worst face in hindsight"}
    for which, descriptors in described.items():
        rows = track_table(tracks, kept_by["best"], descriptors)
        results["recognition"][which] = {"summary": summarise(rows),
                                         "kept_by_factor_alone": by_factor(tracks, descriptors),
                                         "per_track": rows}
        print(which, results["recognition"][which]["summary"],
              results["recognition"][which]["kept_by_factor_alone"], file=sys.stderr)
    results["recognition"]["coding_drift"] = coding_drift(tracks, kept_by["best"], described)
    print(results["recognition"]["coding_drift"], file=sys.stderr)
    PICTURE.parent.mkdir(parents=True, exist_ok=True)
    cv2.imwrite(str(PICTURE), picture(tracks, kept_by["best"], decoded),
                [cv2.IMWRITE_PNG_COMPRESSION, 9])
    results["picture"] = str(PICTURE.relative_to(ROOT))
    results["load_average_end"] = [round(v, 2) for v in os.getloadavg()]
    print(json.dumps(results, indent=1))


if __name__ == "__main__":
    main()
