"""Shared fixtures: the packaged dlib weights file (tests skip when it is not installed)."""
from pathlib import Path

import pytest


@pytest.fixture(scope="session")
def weights_path() -> Path:
    from cvlfic.face.models import RECOGNITION_RESNET, dlib_model_path
    try:
        return dlib_model_path(RECOGNITION_RESNET)
    except (ImportError, FileNotFoundError) as exc:
        pytest.skip(f"dlib recognition weights not installed: {exc}")


@pytest.fixture(scope="session")
def weights_bytes(weights_path) -> bytes:
    return weights_path.read_bytes()
