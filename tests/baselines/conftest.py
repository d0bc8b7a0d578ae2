"""Shared fixtures of the baseline codec tests."""
import cv2
import pytest

from cvlfic import datasets


@pytest.fixture(scope="module")
def face():
    """A real face chip (the first UTKFace crop) at the standard 112x112 size."""
    if not datasets.has_data():
        pytest.skip("face data not available")
    path = datasets.training_image_paths()[0]
    return cv2.resize(cv2.imread(str(path)), (112, 112), interpolation=cv2.INTER_AREA)


class CodecContract:
    """Checks every baseline codec must pass (shared so the three test files stay short)."""

    @staticmethod
    def other_size_round_trip(codec, face):
        import numpy as np
        image = cv2.resize(face, (96, 130))
        out = codec.decode(codec.encode(image))
        assert out.shape == (130, 96, 3) and out.dtype == np.uint8

    @staticmethod
    def broken_streams_raise(codec, face, foreign: str):
        """A flipped byte, cuts, a JPEG file and a stream of another baseline all raise."""
        from cvlfic.baselines import stream
        from cvlfic.codecs import create_codec
        from cvlfic.errors import CorruptStreamError
        data = codec.encode(face)
        bad = bytearray(data)
        bad[len(bad) // 2] ^= 0x10
        for broken in (bytes(bad), data[:-3], data[:4], b"", create_codec("jpeg", 50).encode(face),
                       stream.pack(foreign, 1, data[1], 112, 112, data[4:-2])):
            with pytest.raises(CorruptStreamError):
                codec.decode(broken)

    @staticmethod
    def bad_inputs_raise(codec):
        import numpy as np
        with pytest.raises(TypeError):
            codec.encode(np.zeros((112, 112, 3), np.float32))
        with pytest.raises(ValueError):
            codec.encode(np.zeros((112, 112), np.uint8))
        with pytest.raises(TypeError):
            codec.decode("not bytes")


@pytest.fixture(scope="session")
def contract():
    return CodecContract
