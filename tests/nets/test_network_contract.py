"""The decoder network's input/output contract lives in cvlfic/nets/network.py alone."""
import re
from pathlib import Path

import numpy as np
import onnxruntime as ort

from cvlfic import bitstream
from cvlfic.lfic.model_files import find_model
from cvlfic.nets import network

ROOT = Path(__file__).resolve().parents[2]


def test_shipped_graph_has_the_contracts_names():
    session = ort.InferenceSession(str(find_model() / "decoder.onnx"), providers=["CPUExecutionProvider"])
    assert tuple(i.name for i in session.get_inputs()) == network.INPUT_NAMES
    assert [o.name for o in session.get_outputs()] == [network.OUTPUT_NAME]


def test_inputs_pad_by_edge_replication():
    profile = bitstream.profile_info(0)
    rng = np.random.default_rng(0)
    face = rng.integers(0, 256, (20, 35, 3), dtype=np.uint8)
    mask = rng.integers(0, 4, bitstream.mask_shape(20, 35, 0), dtype=np.uint8)
    recon = bitstream.reconstruct(face, mask, 0, 8)
    (planes, log2, step), gray = network.stream_inputs(recon, mask, 8, profile)
    assert not gray and network.padding(20, 35) == (12, 13)
    assert planes.shape == (1, 3, 32, 48) and log2.shape == (1, 1, 32, 48) and step.shape == (1, 1, 1, 1)
    assert np.array_equal(planes[0, :, :20, :35], recon.transpose(2, 0, 1))
    assert np.array_equal(planes[0, :, 31, 47], recon[19, 34]) and np.array_equal(planes[0, :, 25, 3], recon[19, 3])
    assert log2[0, 0, 0, 0] == np.log2(profile["block_sizes"][0][mask[0, 0]])
    assert step[0, 0, 0, 0] == np.float32(1 / 7)


def test_gray_streams_in_and_out():
    profile = bitstream.profile_info(0)
    gray = np.repeat(np.random.default_rng(1).integers(0, 256, (16, 16, 1), dtype=np.uint8), 3, 2)
    mask = bitstream.uniform_mask(16, 16, 0, 1)
    (planes, _, _), is_gray = network.stream_inputs(bitstream.reconstruct(gray, mask, 0, 6), mask, 6, profile)
    assert is_gray and np.all(planes[0, 1:] == 128)
    out = np.random.default_rng(2).random((2, 3, 16, 32)).astype(np.float32)
    colour, grey = network.restore_outputs(out, [(10, 20), (16, 30)], [False, True])
    assert colour.shape == (10, 20, 3) and grey.shape == (16, 30, 3)
    assert np.array_equal(colour, np.clip(np.rint(out[0, :, :10, :20].transpose(1, 2, 0) * 255), 0, 255))
    assert network.is_gray(grey) and not network.is_gray(colour)
    assert network.to_uint8(np.array([-0.1, 0.5 / 255, 1.5 / 255, 1.2])).tolist() == [0, 0, 2, 255]


def test_no_other_module_restates_the_contract():
    """Tensor names, the pad multiple and the float -> uint8 rule are network.py's."""
    pattern = re.compile(r"\"log2_block\"|'log2_block'|% ?16\b|np\.rint\(")
    found = []
    for folder in ("cvlfic/backends", "cvlfic/nets", "cvlfic/train", "cvlfic/lfic", "cvlfic/commands"):
        for path in sorted((ROOT / folder).rglob("*.py")):
            if path.name == "network.py":
                continue
            for match in pattern.finditer(path.read_text()):
                found.append(f"{path.relative_to(ROOT)}: {match.group()!r}")
    assert not found, "\n".join(found)
