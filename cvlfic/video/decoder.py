"""``FaceStreamDecoder``: face records (or a ``.lfics`` file) back to face images, batched."""
from __future__ import annotations

from pathlib import Path
from typing import Iterable, Iterator, List, Tuple, Union

import numpy as np

from cvlfic.errors import CvlficError
from cvlfic.video.lfics import Damage, read_face_stream
from cvlfic.video.records import FaceRecord, StreamInfo


def describe(record: FaceRecord) -> str:
    """``frame F face K`` (with ``run R`` first for the runs after the first)."""
    run = f"run {record.run} " if record.run > 1 else ""
    return f"{run}frame {record.frame_index} face {record.face_index}"


class FaceStreamDecoder:
    """``decode(source)`` yields ``(record, face)`` pairs, ``face`` a BGR uint8 crop.

    ``source``: a ``.lfics`` path, its bytes, or an iterable of ``FaceRecord``. Faces go
    through the codec (``codec.decode_batch``) ``batch_size`` at a time. Damage found on the
    way is kept in ``damage`` (and passed to ``on_damage`` if given); stream descriptions in
    ``info``. A record whose bitstream the codec refuses (any ``CvlficError``: corrupt, or
    an image above the codec's ``max_pixels``) is reported as ``Damage(-1, len(data),
    "corrupt", ...)`` with the error's message, and every other face of its batch is still
    decoded; ``refused`` counts them.
    """

    def __init__(self, codec=None, batch_size: int = 32, on_damage=None):
        if codec is None:
            from cvlfic.lfic import Codec
            codec = Codec(threads=1)
        if batch_size < 1:
            raise ValueError("batch_size must be >= 1")
        self.codec = codec
        self.batch_size = batch_size
        self.on_damage = on_damage
        self.damage: List[Damage] = []
        self.info: List[StreamInfo] = []
        self.refused = 0

    def _report(self, damage: Damage) -> None:
        self.damage.append(damage)
        if self.on_damage is not None:
            self.on_damage(damage)

    def records(self, source: Union[str, Path, bytes, Iterable[FaceRecord]]
                ) -> Iterator[FaceRecord]:
        """The intact face records of a source; damage and stream info are collected."""
        items = (read_face_stream(source) if isinstance(source, (str, Path, bytes, bytearray))
                 else source)
        for item in items:
            if isinstance(item, Damage):
                self._report(item)
            elif isinstance(item, StreamInfo):
                self.info.append(item)
            else:
                yield item

    def decode(self, source) -> Iterator[Tuple[FaceRecord, np.ndarray]]:
        batch: List[FaceRecord] = []
        for record in self.records(source):
            batch.append(record)
            if len(batch) == self.batch_size:
                yield from self._decode_batch(batch)
                batch = []
        if batch:
            yield from self._decode_batch(batch)

    def _decode_batch(self, batch: List[FaceRecord]) -> Iterator[Tuple[FaceRecord, np.ndarray]]:
        try:
            faces = self.codec.decode_batch([r.data for r in batch])
        except CvlficError as exc:
            if len(batch) == 1:
                self.refused += 1
                self._report(Damage(-1, len(batch[0].data), "corrupt",
                                    f"{describe(batch[0])}: {exc}"))
                return
            # Find the bad one(s) by halves: the good faces stay batched, and a batch with
            # b bad records costs at most about 2 b log(batch) calls.
            half = len(batch) // 2
            yield from self._decode_batch(batch[:half])
            yield from self._decode_batch(batch[half:])
            return
        yield from zip(batch, faces)
