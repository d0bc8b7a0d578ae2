"""The learned codec in the benchmark: setting = bits-per-pixel cap (fast mode).

``lfic`` is the shipped model; other model folders (ablations) register under their own
names with ``register_lfic_model``.
"""
from __future__ import annotations

import hashlib
from functools import lru_cache
from pathlib import Path
from typing import Union

import numpy as np

from cvlfic.codecs.base import BenchCodec, Setting, check_bgr, register_codec
from cvlfic.lfic.model_files import DEFAULT_MODEL, find_model, model_roots
from cvlfic.lfic.modes import DEFAULT_MODE, Mode, check_mode

BPP_SWEEP = (0.05, 0.075, 0.1, 0.15, 0.2, 0.3, 0.45)


@lru_cache(maxsize=None)
def _loaded(model: str):
    """One loaded codec per model, shared by its families (fast, fixed)."""
    from cvlfic.lfic.codec import Codec as LficCodec
    return LficCodec(model)


class LficBenchCodec(BenchCodec):
    def __init__(self, name: str, model: str, bpp: Setting, mode: str = DEFAULT_MODE.value):
        super().__init__(name, bpp)
        self.model = model
        self.mode = check_mode(mode).value

    def encode(self, image: np.ndarray) -> bytes:
        return _loaded(self.model).encode(check_bgr(image), bpp=float(self.setting), mode=self.mode)

    def decode(self, data: bytes) -> np.ndarray:
        return _loaded(self.model).decode(data)


def model_fingerprint(model: Union[str, Path]) -> str:
    """Short hash of a model's weights and settings: the benchmark's cache key changes with it."""
    folder = find_model(model)
    digest = hashlib.sha256((folder / "model.json").read_bytes())
    digest.update((folder / "decoder.onnx").read_bytes())
    return digest.hexdigest()[:12]


def register_lfic_model(name: str, model: Union[str, Path], mode: str = DEFAULT_MODE.value) -> None:
    mode = check_mode(mode).value  # the description is the benchmark's cache key: a plain str
    description = f"cvlfic learned codec ({Path(str(model)).name} {model_fingerprint(model)}, {mode})"
    register_codec(name, lambda bpp: LficBenchCodec(name, str(model), bpp, mode), (0.01, 4.0),
                   BPP_SWEEP, description=description, integer=False)


ABLATION_PREFIX = "ablation_"


def _register_shipped() -> None:
    try:
        find_model(DEFAULT_MODEL)
    except FileNotFoundError:
        return  # no shipped model in this tree: the families stay unregistered
    register_lfic_model("lfic", DEFAULT_MODEL)
    register_lfic_model("lfic-rfp", DEFAULT_MODEL, mode=Mode.FIXED)  # ablation: fixed blocks
    # Ablation models (models/ablation_<what>/) benchmark as lfic-<what>.
    for root in model_roots():
        for folder in sorted(root.glob(ABLATION_PREFIX + "*")):
            if (folder / "model.json").is_file():
                register_lfic_model("lfic-" + folder.name[len(ABLATION_PREFIX):], folder)


_register_shipped()
