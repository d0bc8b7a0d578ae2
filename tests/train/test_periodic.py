"""The periodic-texture loss: near zero for error that does not repeat, large for a pattern on
the 16-pixel grid, and its gradient removes the pattern."""
import numpy as np
import pytest
import torch

from cvlfic.train.config import TrainConfig
from cvlfic.train.periodic import grid_mask, measurable, periodic_loss
from cvlfic.train.trainer import Trainer


def faces(n=16, size=112, seed=0):
    g = torch.Generator().manual_seed(seed)
    # Smooth random images: a coarse grid of values, bilinearly enlarged.
    coarse = torch.rand(n, 3, size // 8, size // 8, generator=g)
    return torch.nn.functional.interpolate(coarse, size=(size, size), mode="bilinear", align_corners=False)


def pattern(size, period_y, period_x):
    y = torch.arange(size).view(-1, 1)
    x = torch.arange(size).view(1, -1)
    return torch.cos(2 * np.pi * y / period_y) * torch.cos(2 * np.pi * x / period_x)


def test_noise_scores_near_zero_at_any_scale():
    real = faces()
    g = torch.Generator().manual_seed(1)
    noise = torch.randn(real.shape, generator=g)
    small = periodic_loss(real + 0.01 * noise, real).item()
    large = periodic_loss(real + 0.1 * noise, real).item()
    assert small < 0.005
    assert small == pytest.approx(large, rel=1e-4)  # a share of the error, not its size


@pytest.mark.parametrize("period", [(2, 2), (4, 16), (8, 1e9), (16, 4)])
def test_a_pattern_on_the_grid_scores_high(period):
    real = faces()
    g = torch.Generator().manual_seed(2)
    noise = 0.02 * torch.randn(real.shape, generator=g)
    dots = 0.01 * pattern(112, *period)
    assert periodic_loss(real + noise + dots, real).item() > 10 * periodic_loss(real + noise, real).item()


def test_a_pattern_off_the_grid_is_not_counted():
    real = faces()
    g = torch.Generator().manual_seed(3)
    noise = 0.02 * torch.randn(real.shape, generator=g)
    off = 0.01 * pattern(112, 112 / 10.5, 112 / 17.5)  # 10.5 and 17.5 cycles: between grid bins
    assert periodic_loss(real + noise + off, real).item() < 0.01


def test_gradient_descent_removes_the_pattern():
    real = faces(n=8)
    g = torch.Generator().manual_seed(4)
    noise = 0.02 * torch.randn(real.shape, generator=g)
    amplitude = torch.tensor(0.02, requires_grad=True)
    optimizer = torch.optim.Adam([amplitude], lr=1e-3)
    start = None
    for _ in range(100):
        loss = periodic_loss(real + noise + amplitude * pattern(112, 2, 4), real)
        start = start if start is not None else loss.item()
        optimizer.zero_grad()
        loss.backward()
        optimizer.step()
    assert abs(amplitude.item()) < 0.005
    assert loss.item() < start / 5


def test_sizes():
    assert measurable(112, 128) and measurable(160, 112)
    assert not measurable(96, 112) and not measurable(120, 112)
    assert int(grid_mask(112, 112).sum()) == 16 * 16 - 1
    with pytest.raises(ValueError, match="multiple of 16"):
        periodic_loss(torch.zeros(1, 3, 96, 112), torch.zeros(1, 3, 96, 112))


def test_trainer_logs_and_validates_the_periodic_loss(tmp_path):
    config = TrainConfig(name="tiny", widths=[4, 4, 8, 8, 8], levels=[4, 8], batch_size=2, steps=2,
                         validation_size=2, validate_every=2, checkpoint_every=2)
    config.loss.semantic = 0.0
    config.loss.adversarial = 0.0
    config.loss.periodic = 1.0
    crops = np.random.default_rng(0).integers(0, 256, (6, 112, 112, 3), dtype=np.uint8)
    trainer = Trainer(config, crops, tmp_path / "run")
    logs = trainer.train_step()
    assert np.isfinite(logs["periodic"]) and logs["periodic"] >= 0
    assert "periodic_b8_L8" in trainer.validate()
