"""Pillow plugin for ``.lfic`` face images: ``Image.open("face.lfic")`` and ``im.save("x.lfic")``.

Importing this module registers the format (``LFIC``, extension ``.lfic``). Opening reads
only the stream header (size, checksum); pixels are decoded on ``load()`` by the default
codec (ONNX Runtime). Saving takes ``quality``, ``bpp`` or ``max_bytes`` (as
``cvlfic.encode``), e.g. ``im.save("face.lfic", max_bytes=300)``; an ``L`` image is saved as a
gray stream.

Like Pillow's ``Image.MAX_IMAGE_PIXELS``, ``MAX_PIXELS`` bounds what is decoded: a stream of a
larger image raises ``PIL.Image.DecompressionBombError`` on open, before any decoding (the
learned decoder costs far more per pixel than a classical one, hence a lower default:
``cvlfic.bitstream.DEFAULT_MAX_PIXELS``).
"""
from __future__ import annotations

import numpy as np
from PIL import Image, ImageFile

from cvlfic import bitstream
from cvlfic.errors import CorruptStreamError, CvlficError

FORMAT = "LFIC"
MAX_PIXELS = bitstream.DEFAULT_MAX_PIXELS
EXTENSION = ".lfic"
_MAGIC_NIBBLE = 0xC  # high nibble of a stream's first byte (docs/bitstream.md)


def _accept(prefix: bytes) -> bool:
    return len(prefix) > 0 and prefix[0] >> 4 == _MAGIC_NIBBLE


class LficImageFile(ImageFile.ImageFile):
    format = FORMAT
    format_description = "cvlfic learned face image"

    def _open(self) -> None:
        data = self.fp.read()
        try:
            info = bitstream.read_info(data, bitstream.MAX_PIXELS)  # the size, then the limit
        except CorruptStreamError as exc:  # Pillow then tries the other formats
            raise SyntaxError(f"not an LFIC stream: {exc}") from None
        pixels = info["width"] * info["height"]
        if pixels > MAX_PIXELS:
            raise Image.DecompressionBombError(
                f"LFIC image of {info['width']}x{info['height']} ({pixels} pixels) is above the "
                f"limit of {MAX_PIXELS} pixels (cvlfic.plugins.pillow_lfic.MAX_PIXELS)")
        self._mode = "RGB"
        self._size = (info["width"], info["height"])
        self.info["lfic"] = info
        self.tile = [ImageFile._Tile(FORMAT, (0, 0) + self.size, 0, None)]


class LficDecoder(ImageFile.PyDecoder):
    _pulls_fd = True

    def decode(self, buffer):
        from cvlfic.lfic import decode

        self.fd.seek(0)
        try:
            bgr = decode(self.fd.read(), max_pixels=MAX_PIXELS)
        except CvlficError as exc:
            raise OSError(f"LFIC stream: {exc}") from None
        self.set_as_raw(np.ascontiguousarray(bgr[:, :, ::-1]).tobytes())
        return -1, 0


def _save(im: Image.Image, fp, filename) -> None:
    from cvlfic.lfic import encode

    options = {k: im.encoderinfo[k] for k in ("quality", "bpp", "max_bytes")
               if im.encoderinfo.get(k) is not None}
    if im.mode == "L":
        fp.write(encode(np.ascontiguousarray(np.asarray(im)), **options))
        return
    rgb = np.asarray(im.convert("RGB"))
    fp.write(encode(np.ascontiguousarray(rgb[:, :, ::-1]), **options))


def register() -> None:
    """Register the LFIC format with Pillow (done on import; safe to repeat)."""
    Image.register_open(FORMAT, LficImageFile, _accept)
    Image.register_decoder(FORMAT, LficDecoder)
    Image.register_save(FORMAT, _save)
    Image.register_extension(FORMAT, EXTENSION)
    Image.register_mime(FORMAT, "image/x-lfic")


register()
