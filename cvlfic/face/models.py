"""Model files that ship inside PyPI packages (nothing is downloaded)."""
from __future__ import annotations

import importlib.util
from functools import lru_cache
from pathlib import Path


@lru_cache(maxsize=None)
def face_recognition_models_dir() -> Path:
    """The ``models/`` folder of ``face-recognition-models``.

    Importing that package needs ``pkg_resources``; finding it by spec does not.
    """
    spec = importlib.util.find_spec("face_recognition_models")
    if spec is None or not spec.submodule_search_locations:
        raise ImportError("face-recognition-models is not installed (pip install 'cvlfic[face]')")
    return Path(list(spec.submodule_search_locations)[0]) / "models"


def dlib_model_path(name: str) -> Path:
    path = face_recognition_models_dir() / name
    if not path.is_file():
        raise FileNotFoundError(f"missing model file {path}")
    return path


SHAPE_PREDICTOR_5 = "shape_predictor_5_face_landmarks.dat"
RECOGNITION_RESNET = "dlib_face_recognition_resnet_model_v1.dat"
