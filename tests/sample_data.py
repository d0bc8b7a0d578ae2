"""The development checkout's data layout, as the tests see it (the library has no default
data folder: ``cvlfic.datasets`` reads ``CVLFIC_DATA`` or takes a path).

The face data lives in ``shared/data`` beside the checkout (the CI layout); ``tests/conftest.py``
points ``CVLFIC_DATA`` there when it is unset. Importable from every test (pytest puts
``tests/`` on ``sys.path`` for its conftest).
"""
from __future__ import annotations

import os
from pathlib import Path

from cvlfic import datasets

CHECKOUT = Path(__file__).resolve().parents[1]
DEFAULT_DATA = CHECKOUT.parent / "shared" / "data"
# The sample video clip (640x360, 275 frames), relative to the data folder.
SAMPLE_CLIP = ("video", "short_hamilton_clip.mp4")


def use_default_data() -> None:
    """Point ``CVLFIC_DATA`` at the checkout's data folder when it is unset and present."""
    if not os.environ.get(datasets.DATA_ENV) and DEFAULT_DATA.is_dir():
        os.environ[datasets.DATA_ENV] = str(DEFAULT_DATA)


def sample_clip_path() -> Path:
    """The sample clip; FileNotFoundError when the data (or the clip) is absent."""
    return datasets.data_file(*SAMPLE_CLIP)
