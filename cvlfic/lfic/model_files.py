"""Where shipped models live: ``models/<name>/`` (decoder.onnx, decoder.pt, model.json).

Installed packages carry them as ``cvlfic/_models``; a source checkout reads ``models/``.
``CVLFIC_MODELS`` points elsewhere. Nothing is ever downloaded.

The weights stay in the checkout's top-level ``models/`` (setup.py maps that folder to the
package ``cvlfic._models``) rather than moving under ``cvlfic/``: training and the export
scripts write new models there, and a checkout (or an editable install) reads them in place.
"""
from __future__ import annotations

import json
import os
from pathlib import Path
from typing import Dict, List, Union

DEFAULT_MODEL = "lfic_ycc16"


def model_roots() -> List[Path]:
    package = Path(__file__).resolve().parent.parent
    roots = [package / "_models", package.parent / "models"]
    if os.environ.get("CVLFIC_MODELS"):
        roots.insert(0, Path(os.environ["CVLFIC_MODELS"]))
    return [r for r in roots if r.is_dir()]


def find_model(model: Union[str, Path] = DEFAULT_MODEL) -> Path:
    """The folder of a model given by name or path."""
    path = Path(model)
    if (path / "model.json").is_file():
        return path
    for root in model_roots():
        if (root / str(model) / "model.json").is_file():
            return root / str(model)
    raise FileNotFoundError(f"model {model!r} not found in {[str(r) for r in model_roots()]}")


def model_metadata(model_dir: Path) -> Dict:
    return json.loads((model_dir / "model.json").read_text())
