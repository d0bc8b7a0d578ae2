"""The other learned face codecs of the literature, rebuilt on our data and yardstick.

One folder per paper (``bian``, ``napoli``, ``wang``), each with ``nets.py`` (torch),
``codec.py`` (ONNX Runtime inference behind the common codec interface; registers its
benchmark families on import) and ``train.py`` (``train(run_dir, ...)`` and
``ship(run_dir, out_dir)``). Shared pieces: ``stream`` (the byte container), ``runtime``
(model folders, ONNX sessions) and ``training`` (data, semantic loss, resumable loop).
"""
from __future__ import annotations

import importlib

BASELINES = ("bian", "napoli", "wang")


def register_all() -> None:
    """Import every baseline's codec module (each registers its families when its model is
    shipped); a baseline whose module or model is missing is skipped."""
    for name in BASELINES:
        try:
            importlib.import_module(f"cvlfic.baselines.{name}.codec")
        except (ImportError, FileNotFoundError):
            continue
