"""FaceStreamEncoder -> .lfics -> FaceStreamDecoder on a few frames of the sample clip."""
import numpy as np
import pytest

from cvlfic.face import Face
from cvlfic.video import FaceStreamDecoder, FaceStreamEncoder, FaceStreamWriter, StreamInfo
from cvlfic.face import installed_detectors
from cvlfic.face import standard_crop

from video_clip import clip_frames

if not installed_detectors():
    pytest.skip("no face detector installed", allow_module_level=True)


def test_encoder_decoder_round_trip(tmp_path):
    from cvlfic.lfic import Codec
    codec = Codec(threads=1)
    frames = clip_frames(6, start=100)
    encoder = FaceStreamEncoder(codec, quality=50, detect_every=3)
    path = tmp_path / "clip.lfics"
    records = []
    with FaceStreamWriter(path) as writer:
        writer.write(StreamInfo({"source": "clip"}))
        for i, frame in enumerate(frames):
            for record in encoder.encode_frame(frame, timestamp=i / 30, frame_index=100 + i):
                writer.write(record)
                records.append(record)
    assert encoder.frames == 6 and encoder.faces == len(records) >= 5
    assert encoder.bytes == sum(len(r.data) for r in records)
    assert all(v >= 0 for v in encoder.stage_seconds.values())
    budget = codec.budget_bytes((112, 112), None, None, 50)
    assert all(len(r.data) <= budget for r in records)

    decoder = FaceStreamDecoder(codec, batch_size=4)
    pairs = list(decoder.decode(path))
    assert decoder.damage == [] and decoder.info[0].fields == {"source": "clip"}
    assert [r.frame_index for r, _ in pairs] == [r.frame_index for r in records]
    for (record, face), original in zip(pairs, records):
        assert record.data == original.data and face.shape == (112, 112, 3)
        frame = frames[record.frame_index - 100]
        crop = standard_crop(frame, Face(record.box, record.landmarks, record.score))
        # the decoded face is the coded crop: close to a fresh crop at the stored landmarks
        assert np.abs(face.astype(int) - crop.astype(int)).mean() < 20
    # decoding the in-memory records gives the same faces
    again = list(FaceStreamDecoder(codec, batch_size=32).decode(records))
    assert all(np.array_equal(a[1], b[1]) for a, b in zip(again, pairs))


def test_encode_frames_iterator_and_bad_input():
    frames = clip_frames(2, start=150)
    encoder = FaceStreamEncoder(detect_every=1)
    records = list(encoder.encode_frames([(frames[0], 1.0), frames[1]]))
    assert encoder.frames == 2 and {r.frame_index for r in records} <= {0, 1}
    assert records and records[0].timestamp == 1.0
    with pytest.raises(TypeError):
        encoder.encode_frame(frames[0].astype(np.float32))
    with pytest.raises(ValueError):
        FaceStreamEncoder(quality=50, bpp=0.2)
