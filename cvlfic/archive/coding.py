"""Images to archive rows, on one worker: read, (detect and align,) encode.

A ``FaceCoder`` loads the codec (and, with ``align``, the face detector) once and turns a
batch of images into the coded columns of the archive (``face``, ``size``, ``width``,
``height``, ``rate``, ``model``, ``checksum``, ``error``). Every item gives a row: an image
that cannot be read, holds no face or cannot be coded gets ``face`` None and an ``error`` of
the form ``"<kind>: <reason>"`` (``ERROR_KINDS``).
"""
from __future__ import annotations

import zlib
from dataclasses import asdict, dataclass
from pathlib import Path
from typing import Dict, List, Optional, Sequence, Union

import cv2
import numpy as np

from cvlfic import bitstream
from cvlfic.errors import BudgetError, LimitError
from cvlfic.lfic.model_files import DEFAULT_MODEL
from cvlfic.lfic.modes import DEFAULT_MODE, check_mode

#: The kinds of error rows, the word before the colon of ``error``.
ERROR_KINDS = {
    "unreadable": "the file cannot be read, or is not an image OpenCV decodes",
    "no_face": "--align found no face in the image",
    "too_large": "the image (or, with --align, the aligned crop) is above --max-pixels",
    "budget": "the rate is below the smallest stream of this crop (--max-bytes, --bpp)",
    "detect": "face detection or alignment failed",
    "encode": "the codec failed on this image",
}


class ItemError(Exception):
    """An item that gives an error row: ``kind`` (one of ``ERROR_KINDS``) and the reason."""

    def __init__(self, kind: str, reason: str):
        super().__init__(f"{kind}: {reason}")
        self.kind = kind


def error_kind(error: Optional[str]) -> Optional[str]:
    """The kind of an ``error`` value (None for a face row)."""
    return None if error is None else error.split(":", 1)[0]


def checksum(data: bytes) -> str:
    """The row checksum: CRC-32 (zlib's) of the face bytes as 8 hex digits."""
    return f"{zlib.crc32(data) & 0xFFFFFFFF:08x}"


@dataclass(frozen=True)
class CodingSettings:
    """What a worker needs to code images the same way everywhere (picklable, JSON-able)."""
    model: str = DEFAULT_MODEL
    align: bool = False
    quality: Optional[float] = None
    bpp: Optional[float] = None
    max_bytes: Optional[int] = None
    mode: str = DEFAULT_MODE.value
    detector: str = "auto"
    max_pixels: int = bitstream.DEFAULT_MAX_PIXELS

    def __post_init__(self):
        if sum(v is not None for v in (self.quality, self.bpp, self.max_bytes)) > 1:
            raise ValueError("give at most one of quality, bpp, max_bytes")
        if self.quality is not None and not 0 <= self.quality <= 100:
            raise ValueError(f"quality must be in 0..100, not {self.quality}")
        if self.bpp is not None and not self.bpp > 0:
            raise ValueError(f"bpp must be positive, not {self.bpp}")
        if self.max_bytes is not None and int(self.max_bytes) < 1:
            raise ValueError(f"max_bytes must be positive, not {self.max_bytes}")
        object.__setattr__(self, "mode", check_mode(self.mode).value)  # a plain str in the JSON

    @property
    def rate(self) -> str:
        """The rate setting as the archive records it: ``quality=50``, ``bpp=0.2``, ..."""
        if self.max_bytes is not None:
            return f"max_bytes={int(self.max_bytes)}"
        if self.bpp is not None:
            return f"bpp={self.bpp:g}"
        from cvlfic.lfic.codec import DEFAULT_QUALITY
        return f"quality={DEFAULT_QUALITY if self.quality is None else self.quality:g}"

    def rate_options(self) -> Dict:
        return {"quality": self.quality, "bpp": self.bpp, "max_bytes": self.max_bytes,
                "mode": self.mode}

    def to_json(self) -> Dict:
        return {**asdict(self), "rate": self.rate}

    @classmethod
    def from_json(cls, data: Dict) -> "CodingSettings":
        return cls(**{k: v for k, v in data.items() if k in cls.__dataclass_fields__})


Image = Union[np.ndarray, bytes, str, Path, BaseException]


def decode_image(data: bytes) -> np.ndarray:
    """Bytes of an image file as BGR or gray uint8 (alpha dropped, 16 bits reduced to 8)."""
    buffer = np.frombuffer(data, np.uint8)
    try:
        image = cv2.imdecode(buffer, cv2.IMREAD_UNCHANGED) if buffer.size else None
    except cv2.error as exc:
        raise ItemError("unreadable", f"OpenCV cannot decode it ({str(exc).strip()[:200]})")
    if image is None:
        raise ItemError("unreadable", "not an image OpenCV can decode (PNG, JPEG, WebP, TIFF, ...)")
    return as_8bit(image)


def as_8bit(image: np.ndarray) -> np.ndarray:
    if image.dtype == np.uint16:
        image = (image >> 8).astype(np.uint8)
    elif image.dtype != np.uint8:
        raise ItemError("unreadable",
                        f"{image.dtype} pixels are not supported (8- or 16-bit images)")
    if image.ndim == 3 and image.shape[2] == 4:
        image = image[:, :, :3]
    if image.ndim == 3 and image.shape[2] == 1:
        image = image[:, :, 0]
    if image.ndim not in (2, 3) or (image.ndim == 3 and image.shape[2] != 3):
        raise ItemError("unreadable", f"an image of shape {image.shape} is neither colour nor gray")
    return np.ascontiguousarray(image)


def read_image_file(path: Union[str, Path]) -> np.ndarray:
    try:
        data = Path(path).read_bytes()
    except OSError as exc:
        raise ItemError("unreadable", exc.strerror or str(exc))
    return decode_image(data)


class FaceCoder:
    """The codec and detector of one worker, loaded once; ``encode`` codes a batch."""

    def __init__(self, settings: CodingSettings = CodingSettings(), threads: Optional[int] = 1):
        from cvlfic.lfic import Codec

        self.settings = settings
        self.codec = Codec(settings.model, max_pixels=settings.max_pixels, threads=threads)
        self.model = self.codec.model_dir.name
        if settings.align:
            from cvlfic.face import available_detectors
            if settings.detector not in ("auto", *available_detectors()):
                raise ValueError(f"unknown detector {settings.detector!r}; choose from "
                                 f"{['auto', *available_detectors()]}")

    def prepare(self, image: Image) -> np.ndarray:
        """One input as the crop to encode; raises ``ItemError``."""
        if isinstance(image, BaseException):
            raise image if isinstance(image, ItemError) else ItemError("unreadable", str(image))
        if isinstance(image, (str, Path)):
            image = read_image_file(image)
        elif isinstance(image, (bytes, bytearray, memoryview)):
            image = decode_image(bytes(image))
        elif isinstance(image, np.ndarray):
            image = as_8bit(image)
        else:
            raise ItemError("unreadable", f"an item of type {type(image).__name__} is not an image")
        if self.settings.align:
            image = self.align(image)
        return image

    def align(self, image: np.ndarray) -> np.ndarray:
        from cvlfic.face import align_face, detect_faces

        bgr = image if image.ndim == 3 else cv2.cvtColor(image, cv2.COLOR_GRAY2BGR)
        try:
            faces = detect_faces(bgr, detector=self.settings.detector)
            if not faces:
                raise ItemError("no_face", "no face found")
            face = align_face(bgr, faces[0])
        except ItemError:
            raise
        except Exception as exc:  # noqa: BLE001 (one image's failure is its row's error)
            raise ItemError("detect", f"{type(exc).__name__}: {exc}")
        return face if image.ndim == 3 else cv2.cvtColor(face, cv2.COLOR_BGR2GRAY)

    def encode(self, images: Sequence[Image]) -> Dict[str, np.ndarray]:
        """The coded columns of a batch of images (arrays BGR or gray, bytes of image files,
        paths, or an exception for an item that could not be fetched)."""
        n = len(images)
        face = np.empty(n, dtype=object)
        error = np.empty(n, dtype=object)
        size = np.zeros(n, np.int32)
        width = np.zeros(n, np.int32)
        height = np.zeros(n, np.int32)
        crops: List[np.ndarray] = []
        slots: List[int] = []
        for i, image in enumerate(images):
            try:
                crop = self.prepare(image)
            except ItemError as exc:
                error[i] = str(exc)
                continue
            except Exception as exc:  # noqa: BLE001
                error[i] = f"unreadable: {type(exc).__name__}: {exc}"
                continue
            crops.append(crop)
            slots.append(i)
        results = self.codec.encode_batch(crops, **self.settings.rate_options())
        for i, crop, result in zip(slots, crops, results):
            if result.ok:
                face[i] = result.data
                size[i] = len(result.data)
                height[i], width[i] = crop.shape[:2]
            else:
                error[i] = describe_encode_error(result.error)
        checksums = np.array([None if f is None else checksum(f) for f in face], dtype=object)
        return {"face": face, "size": size, "width": width, "height": height,
                "rate": np.full(n, self.settings.rate, dtype=object),
                "model": np.full(n, self.model, dtype=object),
                "checksum": checksums, "error": error}


def describe_encode_error(exc: BaseException) -> str:
    if isinstance(exc, LimitError):
        return f"too_large: {exc}"
    if isinstance(exc, BudgetError):
        return f"budget: {exc}"
    return f"encode: {type(exc).__name__}: {exc}"
