"""The byte container shared by the baseline codecs."""
import pytest

from cvlfic.baselines import stream
from cvlfic.errors import CorruptStreamError


def test_round_trip_and_overhead():
    data = stream.pack("napoli", 1, 16, 112, 112, b"payload")
    assert len(data) == 6 + len(b"payload")
    version, frame = stream.unpack("napoli", (1,), data)
    assert version == 1
    assert (frame.setting, frame.height, frame.width, frame.payload) == (16, 112, 112, b"payload")


def test_large_sizes_use_longer_headers():
    data = stream.pack("wang", 2, 0, 300, 1, b"")
    _, frame = stream.unpack("wang", (2,), data)
    assert (frame.height, frame.width, frame.payload) == (300, 1, b"")


def test_every_single_byte_change_and_cut_is_rejected():
    data = stream.pack("bian", 1, 4, 112, 96, bytes(range(40)))
    for i in range(len(data)):
        for flip in (0x01, 0x80):
            bad = bytearray(data)
            bad[i] ^= flip
            with pytest.raises(CorruptStreamError):
                stream.unpack("bian", (1,), bytes(bad))
    for cut in range(len(data)):
        with pytest.raises(CorruptStreamError):
            stream.unpack("bian", (1,), data[:cut])


def test_foreign_and_unknown_versions_are_rejected_clearly():
    data = stream.pack("bian", 1, 4, 112, 112, b"x")
    with pytest.raises(CorruptStreamError, match="not a napoli stream"):
        stream.unpack("napoli", (1,), data)
    with pytest.raises(CorruptStreamError, match="version 1 is not supported"):
        stream.unpack("bian", (2,), data)
    with pytest.raises(TypeError):
        stream.unpack("bian", (1,), "text")


def test_bad_arguments_raise():
    with pytest.raises(ValueError):
        stream.pack("bian", 16, 0, 112, 112, b"")
    with pytest.raises(ValueError):
        stream.pack("bian", 1, 256, 112, 112, b"")
    with pytest.raises(ValueError):
        stream.pack("bian", 1, 0, 0, 112, b"")
