"""EncodeFaces / DecodeFaces on numpy batches, as map_batches calls them (no Ray needed)."""
import cv2
import numpy as np

from cvlfic.archive import DecodeFaces, EncodeFaces, checksum
from cvlfic.lfic.codec import Codec


def crop():
    y, x = np.mgrid[0:112, 0:112].astype(np.float32)
    base = 60 + 120 * np.exp(-(((x - 56) / 30) ** 2 + ((y - 60) / 38) ** 2))
    return np.clip(np.stack([base * 0.7, base * 0.9, base], -1), 0, 255).astype(np.uint8)


def test_encode_then_decode_a_batch_of_mixed_cells():
    bgr = crop()
    png = cv2.imencode(".png", bgr)[1].tobytes()
    batch = {"id": np.array([10, 11, 12, 13]),
             "image": np.array([bgr[:, :, ::-1].copy(), png, b"garbage", None] + [0],
                               dtype=object)[:-1]}
    out = EncodeFaces(quality=50)(batch)  # arrays are RGB by default, as Ray's readers give
    assert "image" not in out and list(out["id"]) == [10, 11, 12, 13]
    assert out["face"][0] == out["face"][1] == Codec().encode(bgr, quality=50)
    assert out["error"][0] is None and out["error"][1] is None
    assert out["error"][2].startswith("unreadable: ") and out["error"][3].startswith("unreadable: ")
    assert list(out["size"]) == [len(out["face"][0])] * 2 + [0, 0]
    assert out["checksum"][0] == checksum(out["face"][0]) and out["checksum"][2] is None
    assert set(out["rate"]) == {"quality=50"} and set(out["model"]) == {"lfic_ycc16"}

    damaged = bytearray(out["face"][1])
    damaged[-3] ^= 0x01
    out["face"][1] = bytes(damaged)
    decoded = DecodeFaces(channels="bgr", check=True)(out)
    assert decoded["image"][0].shape == (112, 112, 3) and decoded["decode_error"][0] is None
    assert decoded["decode_error"][1].startswith("checksum mismatch")
    assert decoded["image"][2] is None and decoded["decode_error"][2] is None  # no stream
    restored = DecodeFaces(check=False)(out)  # the damage is found by the stream's own CRC
    assert "CorruptStreamError" in restored["decode_error"][1]
    np.testing.assert_array_equal(restored["image"][0], decoded["image"][0][:, :, ::-1])
