"""The fast mode's search in the core (csrc/src/search.cpp) against its numpy restatement
(search_reference.py): byte-identical streams, never above the budget."""
import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from cvlfic import _core, bitstream
from cvlfic.lfic.codec import Codec
from cvlfic.lfic.encoder_params import encoder_params, load_encoder
from cvlfic.lfic.model_files import find_model

import search_reference as ref


@pytest.fixture(scope="module")
def encoder():
    return load_encoder(find_model())


def test_greedy_refines_the_costliest_region_first_and_covers_all_steps():
    errors = np.zeros((2, 2, 4), np.int64)
    errors[..., 0] = [[10, 100], [1, 50]]
    sequence = ref.greedy_sequence(errors, np.ones((2, 2)), ())
    assert sequence[0] == 1 and len(sequence) == 4 * 3
    assert np.all(ref.mask_from_sequence((2, 2), sequence, len(sequence)) == 3)


def test_importance_and_step_cost_reorder():
    errors = np.array([[[10, 0], [20, 0]]])
    assert ref.greedy_sequence(errors, np.ones((1, 2)), ())[0] == 1
    assert ref.greedy_sequence(errors, np.array([[10.0, 1.0]]), ())[0] == 0
    # Region 0 saves 50 at each of two steps, region 1 saves 30 once: a dear second step waits.
    errors = np.array([[[100, 50, 0], [30, 0, 0]]])
    assert list(ref.greedy_sequence(errors, np.ones((1, 2)), ())[:3]) == [0, 0, 1]
    assert list(ref.greedy_sequence(errors, np.ones((1, 2)), (1.0, 100.0))[:3]) == [0, 1, 0]


@pytest.mark.parametrize("levels", [4, 16, 24, 256])
def test_region_errors_are_the_error_to_the_ideal_levels_less_the_region_energy(levels):
    # Errors in integers scaled by (L - 1)^2: ((L - 1) x - 255 i)^2 per pixel, i the level index
    # of the block's mean rounded half to even (numpy's rounding).
    rng = np.random.default_rng(levels)
    image = rng.integers(0, 256, (40, 24, 3), dtype=np.uint8)
    profile = bitstream.profile_info(0)
    errors = ref.region_errors(image, profile, levels)
    planes = ref._planes(np.pad(image, ((0, 8), (0, 8), (0, 0)), mode="edge"), profile)
    steps, weights = levels - 1, np.array([2, 1, 1])
    for s in range(4):
        sq = np.zeros(planes.shape[:2], np.int64)
        for c in range(3):
            n = profile["block_sizes"][c][s]
            means = planes[..., c].reshape(48 // n, n, 32 // n, n).mean((1, 3))
            index = (np.round(means).astype(np.int64) * steps + 127) // 255
            ideal = np.kron(255 * index, np.ones((n, n), np.int64))
            sq += weights[c] * (steps * planes[..., c] - ideal) ** 2
        energy = (steps * steps * planes ** 2 * weights).sum(2)  # the region's own, left out
        assert np.array_equal(errors[..., s] + energy.reshape(3, 16, 2, 16).sum((1, 3)),
                              sq.reshape(3, 16, 2, 16).sum((1, 3)))


def test_params_round_trip_through_the_core(encoder):
    p = encoder.params
    assert p["profile"] == 0 and p["level_candidates"][0] == 4 and 0 < p["gray_share"] <= 1
    assert p["prior_weight"].shape == (7, 7) and len(p["step_cost"]) == 3
    blob = _core.write_encoder_params(p["profile"], list(p["level_candidates"]), list(p["rate_levels"]),
                                      p["gray_share"], list(p["step_cost"]), p["prior_weight"])
    assert blob == (find_model() / "encoder.bin").read_bytes()


@pytest.mark.parametrize("damage", ["truncate", "flip", "version", "trailing", "empty"])
def test_bad_encoder_params_are_refused(damage):
    blob = bytearray((find_model() / "encoder.bin").read_bytes())
    if damage == "truncate":
        blob = blob[:-5]
    elif damage == "flip":
        blob[40] ^= 4
    elif damage == "version":
        blob[4] = 2
    elif damage == "trailing":
        blob += b"\0"
    else:
        blob = b""
    with pytest.raises(ValueError, match="encoder parameters"):
        _core.Encoder(bytes(blob))


@pytest.mark.parametrize("bad", [dict(level_candidates=[4, 3]), dict(level_candidates=[7]),
                                 dict(gray_share=0.0), dict(gray_share=1.5),
                                 dict(rate_levels=[(0.2, 16), (0.1, 16)]), dict(rate_levels=[(0.1, 5000)])])
def test_invalid_params_are_not_written(bad):
    args = dict(profile=0, level_candidates=[4, 8], rate_levels=[], gray_share=1.0, step_cost=[], prior=None)
    args.update(bad)
    with pytest.raises(ValueError, match="encoder parameters"):
        _core.write_encoder_params(**args)
    with pytest.raises(ValueError, match="encoder parameters"):
        encoder_params(0, np.full((7, 7), np.nan))


def lfw_sample(count):
    from cvlfic.datasets import lfw_dir
    import cv2

    root = lfw_dir()
    if not root.is_dir():
        pytest.skip("LFW not found beside the checkout (../shared/data/lfw)")
    files = sorted(root.glob("*/*_0001.jpg"))[:count]
    return [cv2.imread(str(f))[69:181, 69:181] for f in files]  # the centre of the deep-funneled frame


@pytest.mark.parametrize("bpp", [0.05, 0.1, 0.2, 0.3])
def test_core_streams_equal_the_reference_on_faces(encoder, bpp):
    for face in lfw_sample(24):
        status, data, size = encoder.encode(face, _core.RATE_BPP, bpp)
        budget = encoder.budget(face, _core.RATE_BPP, bpp)
        assert data == ref.encode(face, encoder.params, budget) and size <= budget


def test_without_a_rate_table_the_least_weighted_error_wins(encoder):
    p = encoder.params
    plain = _core.Encoder(_core.write_encoder_params(0, [4, 8, 16, 32], [], 1.0, [], None))
    params = {**p, "level_candidates": (4, 8, 16, 32), "rate_levels": (), "step_cost": (), "prior_weight": None}
    for face in lfw_sample(6):
        for budget in (120, 300):
            assert plain.encode(face, _core.RATE_MAX_BYTES, budget)[1] == ref.encode(face, params, budget)


@settings(max_examples=60, deadline=None)
@given(h=st.integers(1, 70), w=st.integers(1, 70), seed=st.integers(0, 2**32 - 1),
       budget=st.integers(1, 1500), gray=st.booleans())
def test_never_above_the_budget_and_equal_to_the_reference(encoder, h, w, seed, budget, gray):
    rng = np.random.default_rng(seed)
    face = rng.integers(0, 256, (h, w) if gray else (h, w, 3), dtype=np.uint8)
    if not gray:  # smooth faces as well as noise
        face = np.cumsum(face.astype(np.int64), axis=1).clip(0, 255).astype(np.uint8) if seed % 2 else face
    status, data, size = encoder.encode(face, _core.RATE_MAX_BYTES, budget)
    bgr = np.repeat(face[:, :, None], 3, axis=2) if gray else face
    expected = ref.encode(bgr, encoder.params, budget)
    if expected is None:
        assert data is None and status == _core.ERR_BUDGET and size > budget
    else:
        assert data == expected and len(data) <= budget


def test_codec_fast_mode_is_the_core(encoder):
    codec = Codec()
    for face in lfw_sample(4):
        assert codec.encode(face, bpp=0.2) == encoder.encode(face, _core.RATE_BPP, 0.2)[1]
        mask, levels = codec.fast_choice(face, 300)
        assert len(bitstream.encode_pooled(face, mask, 0, levels)) <= 300
