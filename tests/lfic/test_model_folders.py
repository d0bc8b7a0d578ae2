"""Every shipped LFIC model folder is complete: its encoder.bin parses for the model's profile
and the codec encodes and decodes with it (the benchmark's lfic families load them by name)."""
import json
from pathlib import Path

import numpy as np
import pytest

from cvlfic.lfic.codec import Codec

MODELS = Path(__file__).resolve().parents[2] / "models"
LFIC_MODELS = sorted(d.name for d in MODELS.iterdir()
                     if (d / "model.json").is_file() and "profile" in json.loads((d / "model.json").read_text()))


@pytest.mark.parametrize("name", LFIC_MODELS)
def test_model_folder_encodes_and_decodes(name):
    codec = Codec(MODELS / name)
    assert codec.encoder.profile == codec.profile_id
    face = np.random.default_rng(3).integers(0, 256, (112, 112, 3), dtype=np.uint8)
    data = codec.encode(face, bpp=0.1)
    assert len(data) <= int(0.1 * 112 * 112 / 8)
    assert codec.decode(data).shape == face.shape


def test_the_shipped_models_are_all_found():
    assert {"lfic_ycc16", "ablation_nogan", "ablation_nosem"} <= set(LFIC_MODELS)
