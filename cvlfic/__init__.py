"""cvlfic: a learned face-image codec for video analytics.

Public names are imported lazily, so ``import cvlfic`` is cheap and a missing optional
extra only matters for the names that need it.
"""
from importlib import import_module
from typing import Any

from cvlfic.errors import (BudgetError, CorruptStreamError, CvlficError, LimitError, ModelFileError,
                           TruncatedStreamError, UnsupportedVersionError)

__version__ = "0.1.0"

_LAZY = {
    "create_codec": "cvlfic.codecs",
    "list_codecs": "cvlfic.codecs",
    "register_codec": "cvlfic.codecs",
    "encode_pooled": "cvlfic.bitstream",
    "decode_pooled": "cvlfic.bitstream",
    "reconstruct": "cvlfic.bitstream",
    "read_info": "cvlfic.bitstream",
    "encode": "cvlfic.lfic",
    "decode": "cvlfic.lfic",
    "Codec": "cvlfic.lfic",
    "detect_faces": "cvlfic.face",
    "align_face": "cvlfic.face",
    "Face": "cvlfic.face",
    "FaceStreamEncoder": "cvlfic.video",
    "FaceStreamDecoder": "cvlfic.video",
    "FaceEmbedder": "cvlfic.recognition",
    "load_recognizer": "cvlfic.recognition",
}

__all__ = ["BudgetError", "CorruptStreamError", "CvlficError", "LimitError", "ModelFileError",
           "TruncatedStreamError", "UnsupportedVersionError", "__version__", *_LAZY]


def __getattr__(name: str) -> Any:
    module = _LAZY.get(name)
    if module is None:
        raise AttributeError(f"module 'cvlfic' has no attribute {name!r}")
    value = getattr(import_module(module), name)
    globals()[name] = value
    return value


def __dir__():
    return sorted(set(globals()) | set(_LAZY))
