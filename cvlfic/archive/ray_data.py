"""Callable classes for Ray Data's ``Dataset.map_batches`` (they also work without Ray).

``EncodeFaces`` loads the codec (and the face detector) once per worker, in ``__init__``, and
encodes one column of images per numpy batch in ``__call__``; ``DecodeFaces`` restores the
faces of a column of streams, batching equal sizes through the network::

    import ray
    from cvlfic.archive import EncodeFaces, DecodeFaces

    ds = ray.data.read_images("s3://bucket/faces/", include_paths=True)   # column "image", RGB
    coded = ds.map_batches(EncodeFaces, fn_constructor_kwargs={"align": True, "quality": 50},
                           compute=ray.data.ActorPoolStrategy(size=8), num_cpus=1,
                           batch_size=32, batch_format="numpy")
    coded.write_parquet("s3://bucket/archive/")
    faces = coded.map_batches(DecodeFaces, compute=ray.data.ActorPoolStrategy(size=8),
                              num_cpus=1, batch_size=64, batch_format="numpy")

Every input row gives one output row, whatever happens to its image: ``face`` is None and
``error`` says why (``cvlfic.archive.coding.ERROR_KINDS``) for an image that cannot be read,
holds no face (with ``align``) or cannot be coded. Other columns pass through unchanged.
"""
from __future__ import annotations

from typing import Dict, Optional

import numpy as np

from cvlfic import bitstream
from cvlfic.archive.coding import CodingSettings, FaceCoder, checksum
from cvlfic.lfic.model_files import DEFAULT_MODEL
from cvlfic.lfic.modes import DEFAULT_MODE

CHANNELS = ("rgb", "bgr")


def _cells(column: np.ndarray):
    """The items of a numpy batch column: a (N, H, W[, C]) array gives N images."""
    if isinstance(column, np.ndarray) and column.dtype != object:
        return [column[i] for i in range(len(column))]
    return list(column)


class EncodeFaces:
    """Encode the images of ``column`` to LFIC streams, one output row per input row.

    A cell is an image array (``channels`` order, ``"rgb"`` as ``ray.data.read_images``
    gives; or gray), the bytes of an image file (JPEG, PNG, ...; as ``read_binary_files`` or
    a WebDataset ``jpg`` column gives) or, with ``paths=True``, a path to read on the worker.
    The input column is dropped (``keep_input=True`` keeps it) and the columns ``face``
    (bytes, None for an error row), ``size``, ``width``, ``height`` (0 for an error row),
    ``rate``, ``model``, ``checksum`` (CRC-32 of ``face``, 8 hex digits) and ``error``
    (None, or ``"<kind>: <reason>"``) are added. ``align`` detects the largest face and
    aligns it to the standard 112x112 crop first. The rate is one of ``quality`` (0..100,
    default 50), ``bpp`` or ``max_bytes``, as in ``Codec.encode``. ``threads``: the decoder's
    CPU threads (default 1: one worker per core; None gives ``Codec``'s default)."""

    def __init__(self, column: str = "image", *, align: bool = False,
                 quality: Optional[float] = None, bpp: Optional[float] = None,
                 max_bytes: Optional[int] = None, mode: str = DEFAULT_MODE.value,
                 model: str = DEFAULT_MODEL,
                 detector: str = "auto", max_pixels: int = bitstream.DEFAULT_MAX_PIXELS,
                 channels: str = "rgb", paths: bool = False, keep_input: bool = False,
                 threads: Optional[int] = 1):
        if channels not in CHANNELS:
            raise ValueError(f"channels must be one of {CHANNELS}, not {channels!r}")
        self.column, self.channels = column, channels
        self.paths, self.keep_input = paths, keep_input
        self.settings = CodingSettings(model=str(model), align=align, quality=quality, bpp=bpp,
                                       max_bytes=max_bytes, mode=mode, detector=detector,
                                       max_pixels=max_pixels)
        self.coder = FaceCoder(self.settings, threads=threads)

    def _image(self, cell):
        if self.paths:
            return str(cell)
        if isinstance(cell, np.ndarray) and cell.dtype != object:
            if cell.ndim == 3 and cell.shape[2] in (3, 4) and self.channels == "rgb":
                return np.ascontiguousarray(cell[:, :, 2::-1])  # RGB(A) -> BGR
            return cell
        return cell  # bytes of an image file, or something the coder reports as unreadable

    def __call__(self, batch: Dict[str, np.ndarray]) -> Dict[str, np.ndarray]:
        if self.column not in batch:
            raise KeyError(f"the batch has no column {self.column!r} (columns: {sorted(batch)})")
        images = [self._image(cell) for cell in _cells(batch[self.column])]
        out = {k: v for k, v in batch.items() if k != self.column or self.keep_input}
        out.update(self.coder.encode(images))
        return out


class DecodeFaces:
    """Restore the faces of the LFIC streams in ``column``, one output row per input row.

    Adds ``output`` (the face, H x W x 3 uint8 in ``channels`` order; None where it fails)
    and ``decode_error`` (None, or the reason: a damaged or truncated stream, a checksum
    that does not match with ``check=True``). Rows without a stream (None, as the error
    rows of ``EncodeFaces``) stay without a face and without a decode error.
    ``images=False`` adds no face column (a verification pass). Streams of equal size go
    through the network ``batch_size`` at a time."""

    def __init__(self, column: str = "face", *, output: str = "image", model: str = DEFAULT_MODEL,
                 max_pixels: int = bitstream.DEFAULT_MAX_PIXELS, channels: str = "rgb",
                 check: bool = False, images: bool = True, batch_size: int = 64,
                 threads: Optional[int] = 1):
        from cvlfic.lfic import Codec

        if channels not in CHANNELS:
            raise ValueError(f"channels must be one of {CHANNELS}, not {channels!r}")
        self.column, self.output, self.channels = column, output, channels
        self.check, self.images, self.batch_size = check, images, batch_size
        self.codec = Codec(model, max_pixels=max_pixels, threads=threads)

    def __call__(self, batch: Dict[str, np.ndarray]) -> Dict[str, np.ndarray]:
        streams = list(batch[self.column])
        n = len(streams)
        errors = np.empty(n, dtype=object)
        todo = []
        for i, data in enumerate(streams):
            if data is None:
                continue
            if self.check and "checksum" in batch and checksum(bytes(data)) != batch["checksum"][i]:
                errors[i] = "checksum mismatch: the face bytes differ from what was written"
                continue
            todo.append(i)
        results = self.codec.decode_batch_results([bytes(streams[i]) for i in todo],
                                                  self.batch_size)
        faces = np.empty(n, dtype=object)
        for i, result in zip(todo, results):
            if result.ok:
                face = result.data
                if self.channels == "rgb":
                    face = np.ascontiguousarray(face[:, :, ::-1])
                faces[i] = face
            else:
                errors[i] = f"{type(result.error).__name__}: {result.error}"
        out = dict(batch)
        if self.images:
            out[self.output] = faces
        out["decode_error"] = errors
        return out
