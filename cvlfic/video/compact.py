"""The face record fields of face-stream version 2: bit-packed, on the pixel grid, and
predicted from the previous record of the same track (``docs/face-stream.md``).

A face record is either a *key* (every field coded on its own) or a *delta* on an earlier
face record of the same track: frame and time step, score, box and landmark moves. The
fields are Exp-Golomb codes, most significant bit first, padded with zero bits to a whole
byte; the LFIC bitstream follows. All arithmetic is on integers, so a reader computes the
same predictions as the writer on every platform.

Quantization (what a version-2 record keeps of a :class:`FaceRecord`):

* box: integers (as in version 1); landmarks: rounded to whole pixels;
* timestamp: a whole number of *units* of ``unit`` ticks of 1/120000 s (1 tick by default:
  exact for 23.976, 24, 25, 29.97, 30, 50, 59.94 and 60 fps);
* score: a multiple of 1/256.
"""
from __future__ import annotations

import math
from typing import List, Optional, Tuple

import numpy as np

from cvlfic.errors import CorruptStreamError
from cvlfic.video.records import FaceRecord

TICKS_PER_SECOND = 120000
SCORE_SCALE = 256
SCORE_CENTRE = 192          # scores are coded around 0.75
MAX_PREFIX = 63             # longest Exp-Golomb zero prefix a reader accepts
FIELD_WINDOW = 512          # the fields of a record fit in its first 512 payload bytes

# Key records: the outer eye corners (dlib points 0 and 2) are predicted from the box, in
# 1/1024 of its width and height; points 1, 3 and 4 from the similarity that takes dlib's
# chip template onto points 0 and 2, as (t_j - t_0) / (t_2 - t_0) in 1/65536.
BOX_TEMPLATE = {0: (732, 319), 2: (215, 299)}
SIMILARITY_WEIGHTS = {1: (18654, -463), 3: (46995, -476), 4: (33104, -36127)}

# Exp-Golomb orders (measured on the sample clip; they only change the size, never what is read)
K_KEY = dict(track=2, frame=8, unit=0, period=8, time=4, face=0, score=5, left=9, top=8,
             width=7, aspect=0)
K_KEY_POINTS = {0: (2, 1), 2: (2, 2), 1: (0, 0), 3: (0, 0), 4: (2, 2)}
K_DELTA = dict(ref=0, frame=0, time=0, face=0, score=3, left=0, top=0, width=0, height=0,
               point=0)


class State:
    """A face record as version 2 stores it: integers only. ``units`` is the timestamp in
    units of ``unit`` ticks; ``period`` the frame period in the same units."""
    __slots__ = ("track", "frame", "units", "unit", "period", "face", "score", "box", "points")

    def __init__(self, track, frame, units, unit, period, face, score, box, points):
        self.track, self.frame, self.units = track, frame, units
        self.unit, self.period, self.face, self.score = unit, period, face, score
        self.box, self.points = box, points

    def to_record(self, data: bytes) -> FaceRecord:
        points = np.array(self.points, np.float32).reshape(5, 2)
        return FaceRecord(self.frame, self.units * self.unit / TICKS_PER_SECOND, self.box,
                          points, data, self.face, self.score / SCORE_SCALE, track=self.track)


def _round(value: float) -> int:
    return int(math.floor(value + 0.5))


def quantize(record: FaceRecord, unit: int, period: int) -> State:
    """The integers version 2 stores for ``record`` (``unit``: ticks per time unit;
    ``period``: the frame period in units, 0 when unknown)."""
    points = np.asarray(record.landmarks, np.float64).reshape(-1)
    if points.size != 10:
        raise ValueError("landmarks must be 5 (x, y) points")
    if not np.all(np.isfinite(points)):
        raise ValueError("landmarks must be finite")
    frame, face, track = int(record.frame_index), int(record.face_index), int(record.track)
    if frame < 0 or face < 0 or track < 0:
        raise ValueError("frame index, face index and track must be >= 0")
    if not (math.isfinite(record.timestamp) and math.isfinite(record.score)):
        raise ValueError("timestamp and score must be finite")
    return State(track, frame, _round(record.timestamp * TICKS_PER_SECOND / unit), unit,
                 period, face, _round(record.score * SCORE_SCALE),
                 tuple(int(v) for v in record.box),
                 tuple(int(v) for v in np.floor(points + 0.5)))


# -- Exp-Golomb bits ---------------------------------------------------------------------

def _zigzag(v: int) -> int:
    return 2 * v if v >= 0 else -2 * v - 1


class BitWriter:
    def __init__(self):
        self.value = 0
        self.bits = 0

    def bit(self, b: int) -> None:
        self.value = (self.value << 1) | b
        self.bits += 1

    def ue(self, v: int, k: int) -> None:
        """Exp-Golomb of order ``k`` of ``v`` >= 0: n - 1 - k zero bits, then the n bits
        of v + 2^k."""
        v += 1 << k
        n = v.bit_length()
        self.value = (self.value << (2 * n - 1 - k)) | v
        self.bits += 2 * n - 1 - k

    def se(self, v: int, k: int) -> None:
        self.ue(_zigzag(v), k)

    def to_bytes(self) -> bytes:
        pad = -self.bits % 8
        return (self.value << pad).to_bytes((self.bits + pad) // 8, "big")


# -- predictions -------------------------------------------------------------------------

def _box_point(box, j: int) -> Tuple[int, int]:
    left, top, right, bottom = box
    ax, ay = BOX_TEMPLATE[j]
    return left + (((right - left) * ax + 512) >> 10), top + (((bottom - top) * ay + 512) >> 10)


def _similar_point(p0, p2, j: int) -> Tuple[int, int]:
    wr, wi = SIMILARITY_WEIGHTS[j]
    dx, dy = p2[0] - p0[0], p2[1] - p0[1]
    return p0[0] + ((dx * wr - dy * wi + 32768) >> 16), p0[1] + ((dx * wi + dy * wr + 32768) >> 16)


# -- key and delta -----------------------------------------------------------------------

def pack_key(s: State) -> bytes:
    w = BitWriter()
    w.bit(0)
    k = K_KEY
    w.ue(s.track, k["track"])
    w.ue(s.frame, k["frame"])
    w.ue(s.unit - 1, k["unit"])
    w.ue(s.period, k["period"])
    w.se(s.units - s.frame * s.period, k["time"])
    w.ue(s.face, k["face"])
    w.se(s.score - SCORE_CENTRE, k["score"])
    left, top, right, bottom = s.box
    w.se(left, k["left"])
    w.se(top, k["top"])
    w.se(right - left, k["width"])
    w.se((bottom - top) - (right - left), k["aspect"])
    pts = s.points
    p = {j: (pts[2 * j], pts[2 * j + 1]) for j in range(5)}
    for j in (0, 2):
        px, py = _box_point(s.box, j)
        w.se(p[j][0] - px, K_KEY_POINTS[j][0])
        w.se(p[j][1] - py, K_KEY_POINTS[j][1])
    for j in (1, 3, 4):
        px, py = _similar_point(p[0], p[2], j)
        w.se(p[j][0] - px, K_KEY_POINTS[j][0])
        w.se(p[j][1] - py, K_KEY_POINTS[j][1])
    return w.to_bytes()


def pack_delta(s: State, ref: State, distance: int) -> bytes:
    """``s`` as a delta on ``ref``, the face record ``distance`` face records back (same
    track, same ``unit`` and ``period``)."""
    w = BitWriter()
    w.bit(1)
    k = K_DELTA
    w.ue(distance - 1, k["ref"])
    step = s.frame - ref.frame
    w.se(step - 1, k["frame"])
    w.se(s.units - ref.units - step * ref.period, k["time"])
    w.se(s.face - ref.face, k["face"])
    if s.score == ref.score:
        w.bit(0)
    else:
        w.bit(1)
        w.se(s.score - ref.score, k["score"])
    left, top, right, bottom = s.box
    rl, rt, rr, rb = ref.box
    dl, dt = left - rl, top - rt
    w.se(dl, k["left"])
    w.se(dt, k["top"])
    w.se((right - left) - (rr - rl), k["width"])
    w.se((bottom - top) - (rb - rt), k["height"])
    for i in range(10):
        w.se(s.points[i] - ref.points[i] - (dt if i % 2 else dl), k["point"])
    return w.to_bytes()


def is_delta(payload) -> bool:
    return len(payload) > 0 and payload[0] >= 0x80


def _codes(value: int, length: int, orders) -> Tuple[List[int], int]:
    """Exp-Golomb codes of the given orders from the bits of ``value`` (``length`` bits
    left, its top bit first): their values and the bits left after them."""
    out = []
    for k in orders:
        used = length
        length = (value & ((1 << length) - 1)).bit_length()  # bits from the first 1 on
        zeros = used - length
        n = zeros + 1 + k
        if length == 0 or zeros > MAX_PREFIX or n > length:
            raise CorruptStreamError("face record fields: bad variable-length code")
        length -= n
        out.append(((value >> length) & ((1 << n) - 1)) - (1 << k))
    return out, length


def _signed(z: int) -> int:
    return z >> 1 if not z & 1 else -((z + 1) >> 1)


def _bit(value: int, length: int) -> Tuple[int, int]:
    if length <= 0:
        raise CorruptStreamError("face record fields run past their end")
    return (value >> (length - 1)) & 1, length - 1


_KEY_ORDERS = (K_KEY["track"], K_KEY["frame"], K_KEY["unit"], K_KEY["period"],
               K_KEY["time"], K_KEY["face"], K_KEY["score"], K_KEY["left"], K_KEY["top"],
               K_KEY["width"], K_KEY["aspect"],
               *K_KEY_POINTS[0], *K_KEY_POINTS[2], *K_KEY_POINTS[1], *K_KEY_POINTS[3],
               *K_KEY_POINTS[4])
_DELTA_HEAD = (K_DELTA["ref"], K_DELTA["frame"], K_DELTA["time"], K_DELTA["face"])
_DELTA_SCORE = (K_DELTA["score"],)
_DELTA_TAIL = (K_DELTA["left"], K_DELTA["top"], K_DELTA["width"], K_DELTA["height"]) + \
    (K_DELTA["point"],) * 10


def _fields(payload) -> Tuple[int, int, int]:
    window = bytes(payload[:FIELD_WINDOW])
    return int.from_bytes(window, "big"), 8 * len(window), len(window)


def _end(value: int, length: int, size: int) -> int:
    """Bytes the fields used, given ``length`` bits left of ``size`` bytes; the padding
    bits must be zero."""
    pad = length % 8
    if (value & ((1 << length) - 1)) >> (length - pad):
        raise CorruptStreamError("face record fields: padding bits are not zero")
    return size - (length - pad) // 8


def reference_distance(payload) -> int:
    """The distance (in face records) back to the record a delta is predicted from."""
    value, length, _ = _fields(payload)
    (ref,), _ = _codes(value, length - 1, _DELTA_HEAD[:1])
    return ref + 1


def unpack(payload, ref: Optional[State]) -> Tuple[State, int]:
    """The state a face payload codes and the size of its fields in bytes. A delta needs
    ``ref``, the state of the record it refers to."""
    value, length, size = _fields(payload)
    delta, length = _bit(value, length)
    if not delta:
        codes, length = _codes(value, length, _KEY_ORDERS)
        track, frame, unit, period = codes[0], codes[1], codes[2] + 1, codes[3]
        time, face, score, left, top, width, aspect, *res = [
            _signed(z) if i != 1 else z for i, z in enumerate(codes[4:])]  # face: unsigned
        units = time + frame * period
        score += SCORE_CENTRE
        box = (left, top, left + width, top + width + aspect)
        p0 = _box_point(box, 0)
        p0 = (p0[0] + res[0], p0[1] + res[1])
        p2 = _box_point(box, 2)
        p2 = (p2[0] + res[2], p2[1] + res[3])
        p1 = _similar_point(p0, p2, 1)
        p3 = _similar_point(p0, p2, 3)
        p4 = _similar_point(p0, p2, 4)
        points = (p0[0], p0[1], p1[0] + res[4], p1[1] + res[5], p2[0], p2[1],
                  p3[0] + res[6], p3[1] + res[7], p4[0] + res[8], p4[1] + res[9])
        return (State(track, frame, units, unit, period, face, score, box, points),
                _end(value, length, size))
    if ref is None:
        raise ValueError("a delta face record needs the record it refers to")
    (_, step, dtime, dface), length = _codes(value, length, _DELTA_HEAD)
    step = _signed(step) + 1
    frame = ref.frame + step
    face = ref.face + _signed(dface)
    if frame < 0 or face < 0:
        raise CorruptStreamError("face record: negative frame or face index")
    units = ref.units + _signed(dtime) + step * ref.period
    changed, length = _bit(value, length)
    score = ref.score
    if changed:
        (dscore,), length = _codes(value, length, _DELTA_SCORE)
        score += _signed(dscore)
    codes, length = _codes(value, length, _DELTA_TAIL)
    dl, dt, dw, dh, *moves = [_signed(z) for z in codes]
    rl, rt, rr, rb = ref.box
    left, top = rl + dl, rt + dt
    box = (left, top, left + rr - rl + dw, top + rb - rt + dh)
    rp = ref.points
    points = (rp[0] + dl + moves[0], rp[1] + dt + moves[1], rp[2] + dl + moves[2],
              rp[3] + dt + moves[3], rp[4] + dl + moves[4], rp[5] + dt + moves[5],
              rp[6] + dl + moves[6], rp[7] + dt + moves[7], rp[8] + dl + moves[8],
              rp[9] + dt + moves[9])
    return (State(ref.track, frame, units, ref.unit, ref.period, face, score, box, points),
            _end(value, length, size))
