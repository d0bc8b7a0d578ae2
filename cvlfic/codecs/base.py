"""One interface for every image codec cvlfic compares, and a registry of codec families.

A ``BenchCodec`` is one family at one setting: ``encode(bgr) -> bytes`` and
``decode(bytes) -> bgr`` of the same size. Families register a factory, an ordered
setting range (larger setting, more bytes) and a default sweep; the benchmark, the
target-bytes search and the baselines (the learned codec too) only use this module.
(``cvlfic.Codec``, the learned codec itself, is another class: ``cvlfic.lfic.Codec``.)

This module imports no codec: the built-in families (``cvlfic.codecs.zoo``) are loaded on
the first lookup, so a family module can import this one without a cycle.
"""
from __future__ import annotations

from abc import ABC, abstractmethod
from dataclasses import dataclass
from typing import Callable, Dict, List, Sequence, Tuple, Union

import numpy as np

from cvlfic.errors import CorruptStreamError

Setting = Union[int, float]


class BenchCodec(ABC):
    """One codec family at one setting, as the benchmark and the target-bytes search use it."""

    def __init__(self, name: str, setting: Setting):
        self.name = name
        self.setting = setting

    @abstractmethod
    def encode(self, image: np.ndarray) -> bytes:
        """Compress a BGR uint8 HxWx3 image; every byte a user would store."""

    @abstractmethod
    def decode(self, data: bytes) -> np.ndarray:
        """Decompress to a BGR uint8 HxWx3 image of the encoded size."""

    def __repr__(self) -> str:
        return f"{type(self).__name__}({self.name!r}, {self.setting!r})"


def check_bgr(image: np.ndarray) -> np.ndarray:
    """Validate a codec input: a C-contiguous BGR uint8 HxWx3 array."""
    if not isinstance(image, np.ndarray) or image.dtype != np.uint8:
        raise TypeError("image must be a numpy uint8 array")
    if image.ndim != 3 or image.shape[2] != 3 or image.shape[0] < 1 or image.shape[1] < 1:
        raise ValueError(f"image must be HxWx3 BGR, got shape {image.shape}")
    return np.ascontiguousarray(image)


def check_decoded(image: np.ndarray, name: str) -> np.ndarray:
    """A decoder's output as BGR uint8 HxWx3, or CorruptStreamError."""
    image = np.asarray(image)
    if image.dtype != np.uint8 or image.ndim != 3 or image.shape[2] != 3:
        raise CorruptStreamError(
            f"{name}: stream decodes to {image.dtype} {image.shape}, not an 8-bit colour image")
    return np.ascontiguousarray(image)


@dataclass(frozen=True)
class CodecFamily:
    """A registered family: ``factory(setting) -> BenchCodec``; settings are numbers in
    ``setting_range`` (inclusive), ordered so a larger setting spends more bytes;
    ``integer`` settings are searched in integer steps."""
    name: str
    factory: Callable[[Setting], BenchCodec]
    setting_range: Tuple[Setting, Setting]
    default_sweep: Tuple[Setting, ...]
    description: str = ""
    integer: bool = True


_REGISTRY: Dict[str, CodecFamily] = {}


def register_codec(name: str, factory: Callable[[Setting], BenchCodec],
                   setting_range: Tuple[Setting, Setting], default_sweep: Sequence[Setting],
                   description: str = "", integer: bool = True) -> CodecFamily:
    """Add a codec family; re-registering a name replaces it (e.g. a reloaded plugin)."""
    lo, hi = setting_range
    if not lo <= hi:
        raise ValueError(f"{name}: setting_range {setting_range} is empty")
    bad = [s for s in default_sweep if not lo <= s <= hi]
    if bad:
        raise ValueError(f"{name}: default sweep settings {bad} outside {setting_range}")
    family = CodecFamily(name, factory, (lo, hi), tuple(default_sweep), description, integer)
    _REGISTRY[name] = family
    return family


def unregister_codec(name: str) -> None:
    """Remove a family (no error when it is not registered)."""
    _REGISTRY.pop(name, None)


def _ensure_builtin() -> None:
    # The built-in families register when their modules are imported; loading them before
    # every lookup keeps the registry complete whichever module a caller imported first.
    from cvlfic.codecs.zoo import load_builtin_families
    load_builtin_families()


def codec_family(name: str) -> CodecFamily:
    _ensure_builtin()
    try:
        return _REGISTRY[name]
    except KeyError:
        raise ValueError(f"unknown codec {name!r}; choose from {list_codecs()}") from None


def list_codecs() -> List[str]:
    _ensure_builtin()
    return sorted(_REGISTRY)


def default_settings(name: str) -> Tuple[Setting, ...]:
    return codec_family(name).default_sweep


def create_codec(name: str, setting: Setting) -> BenchCodec:
    family = codec_family(name)
    lo, hi = family.setting_range
    if not lo <= setting <= hi:
        raise ValueError(f"{name}: setting {setting} outside {family.setting_range}")
    return family.factory(setting)
