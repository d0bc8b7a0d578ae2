import cv2
import numpy as np
import pytest
import torch

from cvlfic.recognition import FaceEmbedder, load_recognizer


@pytest.fixture(scope="module")
def chips(weights_path) -> np.ndarray:
    rng = np.random.default_rng(2)
    low = rng.integers(0, 256, (5, 6, 6, 3)).astype(np.uint8)
    return np.stack([cv2.resize(c, (150, 150), interpolation=cv2.INTER_CUBIC) for c in low])


def _torch_reference(chips_bgr: np.ndarray) -> np.ndarray:
    rgb = torch.from_numpy(np.ascontiguousarray(chips_bgr[..., ::-1])).permute(0, 3, 1, 2)
    with torch.no_grad():
        return load_recognizer()(rgb.float()).numpy()


@pytest.mark.parametrize("backend", ["torch", "onnxruntime"])
def test_embed_bgr_matches_the_module_across_batches(chips, backend):
    if backend == "onnxruntime":
        pytest.importorskip("onnxruntime")
    out = FaceEmbedder(backend, threads=1, batch_size=2).embed_bgr(chips)
    assert out.shape == (5, 128) and out.dtype == np.float32
    np.testing.assert_allclose(out, _torch_reference(chips), atol=1e-5)


def test_embed_bgr_resizes_other_sizes(chips):
    small = np.stack([cv2.resize(c, (112, 112), interpolation=cv2.INTER_AREA) for c in chips])
    back = np.stack([cv2.resize(c, (150, 150), interpolation=cv2.INTER_LINEAR) for c in small])
    embedder = FaceEmbedder("torch")
    np.testing.assert_allclose(embedder.embed_bgr(small), _torch_reference(back), atol=1e-5)


def test_embed_bgr_rejects_bad_input(chips):
    embedder = FaceEmbedder("torch")
    assert embedder.embed_bgr(chips[:0]).shape == (0, 128)
    with pytest.raises(TypeError):
        embedder.embed_bgr(chips.astype(np.float32))
    with pytest.raises(ValueError):
        embedder.embed_bgr(chips[0])
    with pytest.raises(ValueError):
        FaceEmbedder("tensorflow")


def test_embed_tensor_matches_embed_bgr_and_is_differentiable(chips):
    embedder = FaceEmbedder("torch")
    rgb = torch.from_numpy(np.ascontiguousarray(chips[:2, ..., ::-1])).permute(0, 3, 1, 2)
    x = (rgb.float() / 255.0).requires_grad_(True)
    out = embedder.embed_tensor(x)
    np.testing.assert_allclose(out.detach().numpy(), embedder.embed_bgr(chips[:2]), atol=1e-5)

    # The gradient reaches the pixels and agrees with a finite difference along it.
    loss = out.pow(2).sum()
    (grad,) = torch.autograd.grad(loss, x)
    assert torch.isfinite(grad).all() and grad.abs().sum() > 0
    direction = grad / grad.norm()
    eps = 1e-3
    with torch.no_grad():
        up = embedder.embed_tensor(x + eps * direction).pow(2).sum()
        down = embedder.embed_tensor(x - eps * direction).pow(2).sum()
    numeric = (up - down) / (2 * eps)
    assert numeric.item() == pytest.approx(grad.norm().item(), rel=0.02)


def test_embed_tensor_resizes_inside_the_graph(chips):
    x = torch.rand(2, 3, 112, 112, requires_grad=True)
    out = FaceEmbedder("torch").embed_tensor(x)
    assert out.shape == (2, 128)
    out.sum().backward()
    assert x.grad is not None and x.grad.abs().sum() > 0
