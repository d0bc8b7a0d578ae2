"""``FaceStreamDecoder``: face records (or a ``.lfics`` file) back to face images, batched."""
from __future__ import annotations

from pathlib import Path
from typing import Iterable, Iterator, List, Tuple, Union

import numpy as np

from cvlfic.errors import CorruptStreamError
from cvlfic.video.lfics import Damage, read_face_stream
from cvlfic.video.records import FaceRecord, StreamInfo


class FaceStreamDecoder:
    """``decode(source)`` yields ``(record, face)`` pairs, ``face`` a BGR uint8 crop.

    ``source``: a ``.lfics`` path, its bytes, or an iterable of ``FaceRecord``. Faces go
    through the codec ``batch_size`` at a time. Damage found on the way is kept in
    ``damage`` (and passed to ``on_damage`` if given); stream descriptions in ``info``.
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
        except CorruptStreamError:  # find the bad one(s): decode one at a time
            for record in batch:
                try:
                    face = self.codec.decode(record.data)
                except CorruptStreamError as exc:
                    self._report(Damage(-1, len(record.data), "corrupt",
                                        f"frame {record.frame_index} face "
                                        f"{record.face_index}: {exc}"))
                    continue
                yield record, face
            return
        yield from zip(batch, faces)
