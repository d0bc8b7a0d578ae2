"""Classical image codecs behind the cvlfic codec interface.

JPEG (libjpeg-turbo), JPEG 2000 (raw J2K codestream, OpenJPEG), WebP, AVIF and JPEG XL come
from ``imagecodecs``; mozjpeg from libvips (``pyvips[binary]`` bundles libvips built on
mozjpeg 5, which ``imagecodecs`` wheels lack). Every byte the encoder emits is kept,
headers and containers included, since that is what a user stores.

Settings (larger = more bytes) and default sweeps were chosen by measuring bpp on LFW
112x112 crops (``bench/eval/codec_settings.py``): each sweep starts at the lowest rate the
codec reaches and ends near 1 bpp.
"""
from __future__ import annotations

from functools import lru_cache
from typing import Callable

import numpy as np

from cvlfic.codecs.base import BenchCodec, Setting, check_bgr, check_decoded, register_codec
from cvlfic.errors import CorruptStreamError


def _imagecodecs():
    try:
        import imagecodecs  # noqa: WPS433 (optional dependency)
    except ImportError as exc:
        raise ImportError("classical codecs need imagecodecs (pip install 'cvlfic[eval]')") from exc
    return imagecodecs


class ImagecodecsCodec(BenchCodec):
    """A codec whose encoder and decoder are ``imagecodecs`` functions over RGB arrays."""

    def __init__(self, name: str, setting: Setting,
                 encoder: Callable[[np.ndarray, Setting], bytes],
                 decoder: Callable[[bytes], np.ndarray]):
        super().__init__(name, setting)
        self._encoder = encoder
        self._decoder = decoder

    def encode(self, image: np.ndarray) -> bytes:
        rgb = np.ascontiguousarray(check_bgr(image)[:, :, ::-1])
        return bytes(self._encoder(rgb, self.setting))

    def decode(self, data: bytes) -> np.ndarray:
        if not isinstance(data, (bytes, bytearray, memoryview)) or len(data) == 0:
            raise CorruptStreamError(f"{self.name}: empty or non-bytes stream")
        try:
            rgb = self._decoder(bytes(data))
        except Exception as exc:  # imagecodecs raises codec-specific error classes
            raise CorruptStreamError(f"{self.name}: cannot decode stream: {exc}") from exc
        return check_decoded(rgb, self.name)[:, :, ::-1].copy()


def _jpeg(setting: Setting) -> BenchCodec:
    ic = _imagecodecs()
    # Optimised Huffman tables: standard libjpeg-turbo practice, and at 112x112 the default
    # tables would cost a sizeable share of the file.
    return ImagecodecsCodec("jpeg", setting,
                            lambda rgb, q: ic.jpeg8_encode(rgb, level=int(q), optimize=True),
                            ic.jpeg8_decode)


def _jpeg2000(setting: Setting) -> BenchCodec:
    ic = _imagecodecs()
    # imagecodecs' level is OpenJPEG's fixed-quality mode: the target PSNR in dB.
    return ImagecodecsCodec(
        "jpeg2000", setting,
        lambda rgb, q: ic.jpeg2k_encode(rgb, level=int(q), codecformat="J2K", numthreads=1),
        lambda data: ic.jpeg2k_decode(data, numthreads=1))


def _webp(setting: Setting) -> BenchCodec:
    ic = _imagecodecs()
    return ImagecodecsCodec(
        "webp", setting,
        lambda rgb, q: ic.webp_encode(rgb, level=int(q), lossless=False, method=6),
        ic.webp_decode)


def _avif(setting: Setting) -> BenchCodec:
    ic = _imagecodecs()
    # speed 6 and one thread: 5 ms a crop; the default thread pool is 20x slower on 2 cores.
    return ImagecodecsCodec(
        "avif", setting,
        lambda rgb, q: ic.avif_encode(rgb, level=int(q), speed=6, pixelformat="yuv420",
                                      numthreads=1),
        lambda data: ic.avif_decode(data, numthreads=1))


def _jpegxl(setting: Setting) -> BenchCodec:
    ic = _imagecodecs()
    # level is libjxl's quality (0 maps to the largest distance, 25); a bare codestream is
    # a complete .jxl file.
    return ImagecodecsCodec(
        "jpegxl", setting,
        lambda rgb, q: ic.jpegxl_encode(rgb, level=int(q), effort=7, numthreads=1),
        lambda data: ic.jpegxl_decode(data, numthreads=1))


@lru_cache(maxsize=None)
def _pyvips_with_mozjpeg():
    try:
        import pyvips  # noqa: WPS433 (optional dependency)
    except ImportError as exc:
        raise ImportError("the mozjpeg codec needs pyvips with its bundled libvips "
                          "(pip install 'pyvips[binary]')") from exc
    pyvips.concurrency_set(1)
    # libvips built on plain libjpeg ignores trellis quantisation silently; refuse to
    # label libjpeg output as mozjpeg.
    rng = np.random.default_rng(0)
    noise = rng.integers(0, 256, (32, 32, 3), dtype=np.uint8)
    image = _vips_rgb(pyvips, noise)
    if image.jpegsave_buffer(Q=50, keep="none", trellis_quant=True) == \
            image.jpegsave_buffer(Q=50, keep="none"):
        raise ImportError("this libvips is not built on mozjpeg (trellis quantisation has "
                          "no effect); install pyvips[binary]")
    return pyvips


def _vips_rgb(pyvips, rgb: np.ndarray):
    height, width = rgb.shape[:2]
    return pyvips.Image.new_from_memory(rgb.tobytes(), width, height, 3, "uchar") \
        .copy(interpretation="srgb")


def _mozjpeg_encode(rgb: np.ndarray, quality: Setting) -> bytes:
    pyvips = _pyvips_with_mozjpeg()
    # cjpeg's defaults: trellis quantisation, deringing, progressive with optimised scans,
    # the ImageMagick quantisation tables (table 3), optimised Huffman coding.
    return _vips_rgb(pyvips, rgb).jpegsave_buffer(
        Q=int(quality), keep="none", optimize_coding=True, trellis_quant=True,
        overshoot_deringing=True, interlace=True, optimize_scans=True, quant_table=3)


def _mozjpeg(setting: Setting) -> BenchCodec:
    _pyvips_with_mozjpeg()
    # Any JPEG decoder reads mozjpeg's output; libjpeg-turbo is the common one.
    return ImagecodecsCodec("mozjpeg", setting, _mozjpeg_encode, _imagecodecs().jpeg8_decode)


register_codec("jpeg", _jpeg, (1, 100), (1, 4, 8, 12, 20, 40),
               "JPEG, libjpeg-turbo, 4:2:0, optimised Huffman; setting = quality")
register_codec("mozjpeg", _mozjpeg, (1, 100), (1, 5, 10, 15, 25, 50),
               "JPEG, mozjpeg 5 via libvips (trellis, progressive); setting = quality")
register_codec("jpeg2000", _jpeg2000, (10, 60), (15, 20, 24, 28, 32, 36, 40),
               "JPEG 2000 raw J2K codestream, OpenJPEG; setting = target PSNR in dB")
register_codec("webp", _webp, (0, 100), (0, 5, 15, 30, 50, 80),
               "WebP lossy, libwebp, method 6; setting = quality")
register_codec("avif", _avif, (0, 100), (0, 10, 20, 30, 45, 60),
               "AVIF, libavif/aom, 4:2:0, speed 6; setting = quality")
register_codec("jpegxl", _jpegxl, (0, 100), (0, 10, 20, 35, 55, 70),
               "JPEG XL, libjxl, effort 7; setting = quality (0 = distance 25)")
