"""The training loop on a tiny synthetic set: losses fall, checkpoints resume, export runs."""
import json

import numpy as np
import onnxruntime
import pytest
import torch

from cvlfic.nets.export import export_model, load_decoder
from cvlfic.train.cli import apply_override
from cvlfic.train.config import TrainConfig, load_config
from cvlfic.train.masks import fixed_block_masks, random_levels, random_masks
from cvlfic.train.trainer import Trainer


def tiny_config(**changes) -> TrainConfig:
    config = TrainConfig(name="tiny", widths=[4, 4, 8, 8, 8], levels=[4, 8], batch_size=2,
                         steps=4, validation_size=2, validate_every=2, checkpoint_every=2)
    config.loss.semantic = 0.0
    for key, value in changes.items():
        setattr(config, key, value)
    return config


@pytest.fixture
def crops():
    rng = np.random.default_rng(0)
    return rng.integers(0, 256, (8, 32, 32, 3), dtype=np.uint8)


def test_train_checkpoint_and_resume(tmp_path, crops):
    trainer = Trainer(tiny_config(), crops, tmp_path / "run")
    trainer.run()
    assert trainer.step == 4
    log = [json.loads(line) for line in (tmp_path / "run" / "log.jsonl").read_text().splitlines()]
    assert any("validation" in r and "psnr_b8_L8" in r["validation"] for r in log)
    resumed = Trainer(tiny_config(steps=6), crops, tmp_path / "run")
    resumed.resume()
    assert resumed.step == 4
    for a, b in zip(resumed.decoder.state_dict().values(), trainer.decoder.state_dict().values()):
        assert torch.equal(a, b)
    resumed.run()
    assert resumed.step == 6


def test_semantic_and_adversarial_losses_run(tmp_path, crops):
    config = tiny_config(steps=1)
    config.loss.semantic = 1.0
    config.loss.adversarial = 0.01
    logs = Trainer(config, crops, tmp_path / "run").train_step()
    assert {"l1", "sem", "adv", "d", "total"} <= set(logs)
    assert all(np.isfinite(v) for v in logs.values())


def test_export_onnx_matches_torch(tmp_path, crops):
    trainer = Trainer(tiny_config(steps=2), crops, tmp_path / "run")
    trainer.run()
    out = export_model(trainer.checkpoint_path, tmp_path / "model")
    decoder = load_decoder(out)
    inputs = (torch.rand(2, 3, 32, 48) * 255, torch.full((2, 1, 32, 48), 2.0), torch.full((2, 1, 1, 1), 0.2))
    expected = decoder.padded_forward(*inputs).detach().numpy()
    session = onnxruntime.InferenceSession(str(out / "decoder.onnx"), providers=["CPUExecutionProvider"])
    got = session.run(None, dict(zip(["planes", "log2_block", "step"], [t.numpy() for t in inputs])))[0]
    assert np.abs(got - expected).max() <= 1e-3


def test_masks_and_levels():
    g = torch.Generator().manual_seed(0)
    masks = random_masks(64, (7, 7), 4, g)
    assert masks.shape == (64, 7, 7) and int(masks.min()) == 0 and int(masks.max()) == 3
    fixed = fixed_block_masks(5, (3, 3), 4, g)
    assert all(len(torch.unique(m)) == 1 for m in fixed)
    assert set(random_levels(50, [4, 8], g).tolist()) == {4, 8}


def test_config_file_and_overrides(tmp_path):
    path = tmp_path / "c.toml"
    path.write_text('name = "x"\nsteps = 9\n[loss]\nsemantic = 0.5\n')
    config = load_config(path)
    assert config.steps == 9 and config.loss.semantic == 0.5
    apply_override(config, "loss.adversarial=0")
    assert config.loss.adversarial == 0
    path.write_text('bogus = 1\n')
    with pytest.raises(ValueError, match="bogus"):
        load_config(path)


def test_resume_takes_the_learning_rate_of_the_config(tmp_path, crops):
    Trainer(tiny_config(steps=2), crops, tmp_path / "run").run()
    resumed = Trainer(tiny_config(steps=3, lr=1e-5), crops, tmp_path / "run")
    resumed.resume()
    assert all(g["lr"] == 1e-5 for g in resumed.opt_g.param_groups + resumed.opt_d.param_groups)


def test_init_from_a_shipped_decoder(tmp_path, crops):
    trainer = Trainer(tiny_config(steps=2), crops, tmp_path / "run")
    trainer.run()
    model = export_model(trainer.checkpoint_path, tmp_path / "model")
    fresh = Trainer(tiny_config(steps=2), crops, tmp_path / "other")
    fresh.resume(model / "decoder.pt")
    assert fresh.step == 0
    for a, b in zip(fresh.decoder.state_dict().values(), trainer.decoder.state_dict().values()):
        assert torch.equal(a, b)


def test_encoder_masks_are_the_fast_modes_choice(tmp_path):
    from cvlfic import bitstream
    from cvlfic.lfic.codec import Codec
    from cvlfic.train.encoder_masks import EncoderMasks

    rng = np.random.default_rng(1)
    faces = rng.integers(0, 256, (3, 48, 64, 3), dtype=np.uint8)
    batch = torch.from_numpy(faces).permute(0, 3, 1, 2)
    sampler = EncoderMasks("lfic_ycc16", [0.1, 0.4])
    codec = Codec("lfic_ycc16")
    mask, levels = sampler.choose(batch[0], 0.3)
    expected_mask, expected_levels = codec.fast_choice(faces[0], int(0.3 * 48 * 64 / 8))
    assert np.array_equal(mask, expected_mask) and levels == expected_levels
    # A rate below any stream's minimum gives the coarsest mask instead of failing.
    mask, levels = sampler.choose(batch[0], 1e-4)
    assert not mask.any() and levels == codec.level_candidates[0]
    masks, levels = sampler.sample(batch, torch.Generator().manual_seed(0))
    assert masks.shape == (3, *bitstream.mask_shape(48, 64, 0)) and masks.dtype == torch.int64
    for face, m, lv in zip(faces, masks.numpy(), levels.tolist()):
        assert len(bitstream.encode_pooled(face, m.astype(np.uint8), 0, lv)) <= int(0.4 * 48 * 64 / 8)
    with pytest.raises(ValueError, match="encoder_bpp"):
        EncoderMasks("lfic_ycc16", [0.5, 0.1])


def test_training_on_encoder_masks_validates_at_fast_points(tmp_path, crops):
    trainer = Trainer(tiny_config(steps=2, encoder_masks=1.0), crops, tmp_path / "run")
    trainer.run()
    log = [json.loads(line) for line in (tmp_path / "run" / "log.jsonl").read_text().splitlines()]
    validation = [r["validation"] for r in log if "validation" in r]
    assert validation and {"psnr_fast0.1", "psnr_fast0.2"} <= set(validation[-1])
