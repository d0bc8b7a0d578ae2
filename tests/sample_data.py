"""The development checkout's data layout, as the tests see it. ``bench/devdata.py`` owns it
(the library has no default data folder: ``cvlfic.datasets`` reads ``CVLFIC_DATA`` or takes a
path); importing it points ``CVLFIC_DATA`` at ``shared/data`` beside the checkout when unset.
Importable from every test (pytest puts ``tests/`` on ``sys.path`` for its conftest).
"""
from __future__ import annotations

import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "bench"))
from devdata import DEFAULT_DATA, SAMPLE_CLIP, sample_clip_path, use_default_data  # noqa: E402,F401
