"""A narrower decoder from a trained one, and the distillation loss that trains it."""
import numpy as np
import pytest
import torch

from cvlfic.lfic.model_files import find_model
from cvlfic.nets.decoder import RapDecoder, multiply_adds
from cvlfic.train.config import TrainConfig
from cvlfic.train.narrow import narrowed_state
from cvlfic.train.trainer import Trainer

QUARTER = (8, 12, 16, 24, 32)


@pytest.fixture(scope="module")
def teacher():
    decoder = RapDecoder()
    decoder.load_state_dict(torch.load(find_model() / "decoder.pt", weights_only=True))
    return decoder.eval()


def inputs(seed=0):
    g = torch.Generator().manual_seed(seed)
    return (torch.rand(2, 3, 48, 64, generator=g) * 255, torch.randint(1, 5, (2, 1, 48, 64), generator=g).float(),
            torch.tensor([1 / 15, 1 / 7]))


def test_keeping_every_channel_is_the_same_network(teacher):
    same = RapDecoder()
    same.load_state_dict(narrowed_state(teacher, (16, 24, 32, 48, 64)))
    with torch.no_grad():
        assert torch.equal(same.eval()(*inputs()), teacher(*inputs()))


def test_narrowed_decoder_keeps_the_most_important_channels(teacher):
    state = narrowed_state(teacher, QUARTER)
    student = RapDecoder(QUARTER)
    student.load_state_dict(state)  # every shape fits
    gamma = teacher.conv1[0][1].weight.detach().abs()
    assert torch.equal(state["conv1.0.1.weight"].abs().sort().values, gamma.sort().values[-12:])
    assert multiply_adds(student) < multiply_adds(teacher) / 3.5
    with torch.no_grad():
        assert torch.isfinite(student.eval()(*inputs())).all()
    with pytest.raises(ValueError, match="channels asked"):
        narrowed_state(teacher, (8, 12, 16, 24, 128))


def test_distill_loss_runs_from_the_teacher(tmp_path):
    config = TrainConfig(name="tiny", widths=list(QUARTER), levels=[4, 8], batch_size=2, steps=1,
                         validation_size=2, teacher="lfic_ycc16", start_from_teacher=True)
    config.loss.semantic = 0.0
    config.loss.adversarial = 0.0
    config.loss.distill = 1.0
    crops = np.random.default_rng(0).integers(0, 256, (6, 32, 32, 3), dtype=np.uint8)
    trainer = Trainer(config, crops, tmp_path / "run")
    trainer.resume()
    assert torch.equal(trainer.decoder.state_dict()["conv1.0.0.weight"],
                       narrowed_state(trainer.teacher, QUARTER)["conv1.0.0.weight"])
    logs = trainer.train_step()
    assert "distill" in logs and np.isfinite(logs["distill"])
