"""The development checkout's data layout, for the bench scripts (the library has no default
data folder: ``cvlfic.datasets`` reads ``CVLFIC_DATA`` or takes a path).

The face data lives in ``shared/data`` beside the checkout. Importing this module points
``CVLFIC_DATA`` there when it is unset, so ``python bench/<part>/<script>.py`` works in a
clean clone; a script imports it with ``sys.path.insert(0, <bench folder>)``.
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


use_default_data()
