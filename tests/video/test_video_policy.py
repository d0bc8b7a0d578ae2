"""Track-aware storage: the best-shot score, track numbers, and ``--store all|best|best:N``."""
import cv2
import numpy as np
import pytest

from cvlfic.video import read_face_stream
from cvlfic.video.encoder import FaceCandidate
from cvlfic.face.landmarks import DLIB_TEMPLATE_112
from cvlfic.video.policy import StoragePolicy
from cvlfic.video.quality import Quality, face_quality, pose_angles
from cvlfic.video.records import FaceRecord


def candidate(frame: int, track: int, total: float, face: int = 0) -> FaceCandidate:
    record = FaceRecord(frame, frame / 10, (0, 0, 10, 10), np.zeros((5, 2)), b"", face, 0.9,
                        track=track)
    return FaceCandidate(record, np.zeros((4, 4, 3), np.uint8), Quality(total, 1.0, 1.0, 1.0))


def names(faces):
    return [(c.record.track, c.record.frame_index) for c in faces]


def test_policy_specs():
    assert StoragePolicy("all").mode == "all"
    assert StoragePolicy("best").max_delay is None
    assert StoragePolicy("best:10").max_delay == 10 and StoragePolicy("best:2.5s").max_delay == 2.5
    for bad in ("bogus", "all:3", "best:0", "best:-1", "best:x", "every"):
        with pytest.raises(ValueError):
            StoragePolicy(bad)


def test_all_keeps_every_face():
    policy = StoragePolicy("all")
    faces = [candidate(0, 1, 0.2), candidate(0, 2, 0.1)]
    assert policy.push(faces, 0.0, ended=[5]) == faces and policy.flush() == []


def test_best_writes_each_tracks_best_face_when_it_ends_and_flushes_the_rest():
    policy = StoragePolicy("best")
    scores = {1: [0.3, 0.9, 0.5, 0.7], 2: [0.2, 0.1, 0.6, 0.6], 3: [0.4]}
    out = []
    for frame in range(4):
        faces = [candidate(frame, t, s[frame], face=i)
                 for i, (t, s) in enumerate(scores.items()) if frame < len(s)]
        out += names(policy.push(faces, frame / 10, ended=[3] if frame == 2 else []))
        if frame < 2:
            assert out == []  # nothing is written before a track ends
    assert out == [(3, 0)]  # track 3 ended at frame 2: its only face
    assert policy.open_tracks == [1, 2]
    # the end of the stream: every open track's best face (the first of equal scores)
    assert names(policy.flush()) == [(1, 1), (2, 2)]
    assert policy.flush() == [] and policy.open_tracks == []


def test_best_with_a_maximum_delay_writes_long_tracks_periodically():
    policy = StoragePolicy("best:1s")
    out = []
    for frame in range(35):  # 10 frames a second: a 3.5 s track
        total = 1.0 - abs((frame % 10) - 4) / 10  # best at frames 4, 14, 24, 34
        out += names(policy.push([candidate(frame, 7, total)], frame / 10))
    out += names(policy.flush())
    assert out == [(7, 4), (7, 14), (7, 24), (7, 34)]


def test_faces_without_a_track_are_written_at_once():
    policy = StoragePolicy("best")
    assert names(policy.push([candidate(0, 0, 0.5), candidate(0, 1, 0.5)], 0.0)) == [(0, 0)]


def aligned_face(blur: float = 0) -> np.ndarray:
    """A synthetic 112 px face-like crop: textured, with dark eyes and mouth."""
    rng = np.random.default_rng(0)
    crop = np.full((112, 112, 3), 150, np.uint8)
    crop += rng.integers(0, 40, crop.shape, dtype=np.uint8)
    for x, y in DLIB_TEMPLATE_112:
        cv2.circle(crop, (int(x), int(y)), 5, (30, 30, 30), -1)
    if blur:
        crop = cv2.GaussianBlur(crop, (0, 0), blur)
    return crop


def test_quality_factors():
    frontal = DLIB_TEMPLATE_112 * 1.5 + 100  # eye distance 59 px
    yaw, roll, distance = pose_angles(frontal)
    assert abs(yaw) < 0.01 and abs(roll) < 0.01 and distance == pytest.approx(59.3, abs=0.1)
    sharp = face_quality(aligned_face(), frontal, 0.9)
    assert sharp.size == 1.0 and sharp.pose > 0.99 and sharp.detector == 0.9
    blurred = face_quality(aligned_face(blur=2.5), frontal, 0.9)
    assert blurred.sharpness < sharp.sharpness / 2 and blurred.total < sharp.total
    turned = frontal.copy()
    turned[4, 0] += 0.3 * distance  # the nose a third of the eye distance off centre
    assert face_quality(aligned_face(), turned, 0.9).pose < 0.3
    tilted = (frontal - frontal.mean(0)) @ np.array([[0.8, -0.6], [0.6, 0.8]]) + 100
    assert 0.3 < face_quality(aligned_face(), tilted, 0.9).pose < 0.9
    small = face_quality(aligned_face(), DLIB_TEMPLATE_112 * 0.5, 0.9)
    assert small.size == pytest.approx(0.5, abs=0.01)
    assert face_quality(aligned_face(), frontal, 1.7).detector == 1.0


# -- on the sample clip -------------------------------------------------------------------

def detector_or_skip():
    from cvlfic.face import installed_detectors
    if not installed_detectors():
        pytest.skip("no face detector installed")


def test_tracks_follow_a_face_and_end_at_a_scene_cut():
    detector_or_skip()
    from cvlfic.face import FrameDetector

    from video_clip import clip_frames
    detector = FrameDetector(detect_every=3)
    seen = []
    for frame in clip_frames(9, start=100):
        faces = detector(frame)
        assert len(detector.tracks) == len(faces) and len(set(detector.tracks)) == len(faces)
        seen.append(detector.tracks[0])  # the largest face: the singer
        assert detector.ended == []
    assert len(set(seen)) == 1  # one track through detections and tracking
    open_tracks = set(detector.tracks) | set(detector._lost)
    detector(np.zeros_like(frame))  # a black frame: a scene cut
    assert set(detector.ended) == open_tracks and detector.tracks == []
    assert detector.end_all() == []


def test_store_best_keeps_the_best_scored_face_of_each_track(tmp_path):
    """The encoder and the policy as ``cvlfic video --store best`` runs them, against the
    scores of every face of the same frames."""
    detector_or_skip()
    from cvlfic.lfic import Codec
    from cvlfic.video import FaceStreamEncoder, FaceStreamWriter

    from video_clip import clip_frames
    frames = clip_frames(12, start=95)
    encoder = FaceStreamEncoder(Codec(threads=1), quality=50, detect_every=3)
    policy = StoragePolicy("best")
    everything, path = {}, tmp_path / "best.lfics"
    with FaceStreamWriter(path) as writer:
        for i, frame in enumerate(frames):
            candidates = encoder.analyse_frame(frame, i / 30, i)
            for c in candidates:
                everything.setdefault(c.record.track, []).append(c)
            for record in encoder.encode_candidates(policy.push(candidates, i / 30,
                                                                encoder.ended_tracks)):
                writer.write(record)
        encoder.end_all()
        for record in encoder.encode_candidates(policy.flush()):
            writer.write(record)
    kept = [i for i in read_face_stream(path) if isinstance(i, FaceRecord)]
    assert encoder.seen == sum(len(v) for v in everything.values()) > len(kept) > 0
    assert sorted(r.track for r in kept) == sorted(everything)  # one face per track
    for record in kept:
        best = max(everything[record.track], key=lambda c: c.quality.total)
        assert (record.frame_index, record.face_index) == \
            (best.record.frame_index, best.record.face_index)
    assert encoder.faces == len(kept)  # only the kept faces were coded


def test_video_command_store_option(tmp_path, capsys):
    detector_or_skip()
    from cvlfic.cli import main

    from video_clip import clip_frames
    folder = tmp_path / "frames"
    folder.mkdir()
    for i, frame in enumerate(clip_frames(6, start=100)):
        cv2.imwrite(str(folder / f"f{i:03d}.png"), frame)
    clip = str(folder / "f%03d.png")
    every, best = tmp_path / "all.lfics", tmp_path / "best.lfics"
    assert main(["video", clip, "-o", str(every), "-q"]) == 0
    assert main(["video", clip, "-o", str(best), "-q", "--store", "best"]) == 0
    out = capsys.readouterr().out
    assert "--store best" in out and "seen" in out
    all_faces = [i for i in read_face_stream(every) if isinstance(i, FaceRecord)]
    kept = [i for i in read_face_stream(best) if isinstance(i, FaceRecord)]
    assert len(kept) == len({f.track for f in all_faces}) < len(all_faces)
    assert best.stat().st_size < every.stat().st_size
    infos = [i for i in read_face_stream(best) if not isinstance(i, FaceRecord)]
    assert infos[0].fields["store"] == "best"
    with pytest.raises(SystemExit, match="storage policy"):
        main(["video", clip, "-o", str(tmp_path / "x.lfics"), "-q", "--store", "some"])
    assert not (tmp_path / "x.lfics").exists()
