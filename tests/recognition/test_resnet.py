import numpy as np
import pytest
import torch

from cvlfic import datasets
from cvlfic.errors import ModelFileError
from cvlfic.recognition import dlib_reference_embed_bgr, load_recognizer
from cvlfic.recognition.resnet import add_zero_padded, build_recognizer


def _cosines(a: np.ndarray, b: np.ndarray) -> np.ndarray:
    return (a * b).sum(1) / np.linalg.norm(a, axis=1) / np.linalg.norm(b, axis=1)


def _port(chips_bgr: np.ndarray) -> np.ndarray:
    rgb = torch.from_numpy(np.ascontiguousarray(chips_bgr[..., ::-1])).permute(0, 3, 1, 2)
    with torch.no_grad():
        return load_recognizer()(rgb.float()).numpy()


def _synthetic_chips(n: int) -> np.ndarray:
    # Smooth random images plus noise: not faces, but any input must give dlib's output.
    rng = np.random.default_rng(1)
    low = rng.integers(0, 256, (n, 10, 10, 3)).astype(np.float32)
    up = np.stack([np.kron(c, np.ones((15, 15, 1), np.float32)) for c in low])
    return np.clip(up + rng.normal(0, 20, up.shape), 0, 255).astype(np.uint8)


def _lfw_chips(n: int) -> np.ndarray:
    import cv2
    from cvlfic.face import align_face, detect_faces
    names = ["Aaron_Eckhart", "Serena_Williams", "Colin_Powell"][:n]
    chips = []
    for name in names:
        bgr = cv2.imread(str(datasets.lfw_image_path(name, 1)))
        face = detect_faces(bgr, fallback_box=(70, 70, 180, 180))[0]
        chips.append(align_face(bgr, face, size=150))
    return np.stack(chips)


def test_matches_dlib_on_synthetic_chips(weights_path):
    pytest.importorskip("dlib")
    chips = _synthetic_chips(3)
    ref, port = dlib_reference_embed_bgr(chips), _port(chips)
    assert port.shape == (3, 128) and port.dtype == np.float32
    assert _cosines(ref, port).min() >= 0.9999
    assert np.abs(ref - port).max() < 1e-4


@pytest.mark.skipif(not datasets.has_data(), reason="needs ../shared/data (LFW)")
def test_matches_dlib_on_lfw_chips(weights_path):
    pytest.importorskip("dlib")
    chips = _lfw_chips(3)
    ref, port = dlib_reference_embed_bgr(chips), _port(chips)
    assert _cosines(ref, port).min() >= 0.9999
    assert np.abs(ref - port).max() < 1e-4
    # different people are far apart by dlib's own threshold, as with dlib's descriptors
    assert np.linalg.norm(port[0] - port[1]) > 0.6


def test_add_zero_padded_is_dlib_add():
    a = torch.ones(1, 2, 3, 3)
    b = torch.full((1, 1, 4, 4), 10.0)
    out = add_zero_padded(a, b)
    assert out.shape == (1, 2, 4, 4)
    assert torch.equal(out[0, 0, :3, :3], torch.full((3, 3), 11.0))
    assert torch.equal(out[0, 0, 3], torch.full((4,), 10.0))
    assert torch.equal(out[0, 1, :3, :3], torch.ones(3, 3))
    assert out[0, 1, 3].abs().sum() == 0 and out[0, 1, :, 3].abs().sum() == 0


def test_rejects_wrong_input_size(weights_path):
    with pytest.raises(ValueError, match="150"):
        load_recognizer()(torch.zeros(1, 3, 112, 112))


def test_non_finite_weights_are_rejected(weights_bytes, tmp_path):
    # The first con's parameters start 11 bytes after its record name (tensor header).
    start = weights_bytes.index(b"con_4") + len("con_4") + 11
    data = bytearray(weights_bytes)
    data[start + 40:start + 44] = np.array([np.nan], dtype="<f4").tobytes()
    corrupt = tmp_path / "nan.dat"
    corrupt.write_bytes(bytes(data))
    with pytest.raises(ModelFileError, match="non-finite"):
        build_recognizer(corrupt)
