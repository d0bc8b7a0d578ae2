"""Face-stream records: payload round trip and refusal of bad fields."""
import numpy as np
import pytest

from cvlfic.errors import CorruptStreamError
from cvlfic.video.records import FaceRecord, StreamInfo


def test_face_record_payload_round_trip():
    points = np.arange(10, dtype=np.float32).reshape(5, 2) + 0.25
    record = FaceRecord(2 ** 40, 12.5, (-3, 4, 50, 60), points, b"\xc1abc", face_index=7,
                        score=0.5)
    back = FaceRecord.from_payload(record.to_payload())
    assert (back.frame_index, back.timestamp, back.box, back.face_index, back.score, back.data) \
        == (2 ** 40, 12.5, (-3, 4, 50, 60), 7, 0.5, b"\xc1abc")
    np.testing.assert_array_equal(back.landmarks, points)


def test_bad_records_are_refused():
    with pytest.raises(ValueError):
        FaceRecord(0, 0.0, (0, 0, 1, 1), np.zeros((4, 2)), b"").to_payload()
    with pytest.raises(CorruptStreamError):
        FaceRecord.from_payload(b"\x00" * 10)
    with pytest.raises(CorruptStreamError):
        StreamInfo.from_payload(b"\xff\xfe")
    with pytest.raises(CorruptStreamError):
        StreamInfo.from_payload(b"[1, 2]")
    assert StreamInfo.from_payload(StreamInfo({"fps": 25}).to_payload()).fields == {"fps": 25}
