import numpy as np
import pytest
from hypothesis import HealthCheck, given, settings, strategies as st

from cvlfic.errors import ModelFileError
from cvlfic.recognition.dlib_format import (
    LayerSpec, _Reader, parse_loss_metric_network, read_loss_metric_network)
from cvlfic.recognition.resnet import TEMPLATE


def test_reads_the_whole_network(weights_path):
    net = read_loss_metric_network(weights_path, TEMPLATE)
    assert len(net.layers) == len(TEMPLATE)
    assert net.loss["distance_threshold"] == pytest.approx(0.6)
    assert net.layers[0].details["size"] == (150, 150)
    assert net.layers[0].details["mean_rgb"] == pytest.approx([122.782, 117.001, 104.298])
    first_conv = net.layers[1].details
    assert first_conv["weight"].shape == (32, 3, 7, 7)
    assert first_conv["stride"] == (2, 2) and first_conv["padding"] == (0, 0)
    assert net.layers[-1].details["weight"].shape == (256, 128)
    convs = [layer for layer in net.layers if layer.spec.kind == "con"]
    assert len(convs) == 29
    assert sum(c.details["weight"].size + c.details["bias"].size for c in convs) > 5_000_000


@pytest.mark.parametrize("keep", [0, 1, 3, 17, 200, 300, 5_000, -300_000, -1])
def test_truncated_file_is_rejected(weights_bytes, tmp_path, keep):
    truncated = tmp_path / "truncated.dat"
    truncated.write_bytes(weights_bytes[:keep])
    with pytest.raises(ModelFileError, match="truncated|ends inside|runs past"):
        read_loss_metric_network(truncated, TEMPLATE)


def test_every_short_prefix_is_rejected(weights_bytes):
    # The header region holds every wrapper version and the input layer: cut it anywhere.
    for keep in range(0, 400):
        with pytest.raises(ModelFileError):
            parse_loss_metric_network(weights_bytes[:keep], TEMPLATE)


def test_garbage_file_is_rejected(tmp_path):
    garbage = tmp_path / "garbage.dat"
    garbage.write_bytes(np.random.default_rng(0).bytes(1 << 16))
    with pytest.raises(ModelFileError):
        read_loss_metric_network(garbage, TEMPLATE)


def test_trailing_bytes_and_missing_file_are_rejected(weights_bytes, tmp_path):
    with pytest.raises(ModelFileError, match="unexpected bytes"):
        parse_loss_metric_network(weights_bytes + b"\0", TEMPLATE)
    with pytest.raises(ModelFileError, match="cannot read"):
        read_loss_metric_network(tmp_path / "missing.dat", TEMPLATE)


def test_wrong_template_is_rejected(weights_bytes):
    with pytest.raises(ModelFileError, match="version|expected"):
        parse_loss_metric_network(weights_bytes, TEMPLATE[:-3] + TEMPLATE[-2:])
    with pytest.raises(ModelFileError, match="not the expected model"):
        parse_loss_metric_network(weights_bytes, TEMPLATE[:-1] + (LayerSpec("fc", args=(64,)),))


def test_huge_tensor_sizes_fail_before_allocating():
    # tensor version 2, then sizes 2**40 x 2**40 x 1 x 1 in dlib's integer encoding
    big = bytes([0x06]) + (1 << 40).to_bytes(6, "little")
    data = b"\x01\x02" + big + big + b"\x01\x01\x01\x01"
    with pytest.raises(ModelFileError, match="runs past"):
        _Reader(data, "test").tensor("t")


def test_primitive_encodings():
    # -300 as a signed int, 0.6 as (mantissa 10066330, exponent -24), "ab", '1'
    data = b"\x82\x2c\x01" + b"\x03\x9a\x99\x99\x81\x18" + b"\x01\x02ab" + b"1"
    r = _Reader(data, "test")
    assert r.int32("i") == -300
    assert r.real("f") == pytest.approx(0.6)
    assert r.string("s") == "ab"
    assert r.boolean("b") is True
    # mantissa 1, exponent 31999: too big for a double, so infinite as in C
    assert _Reader(b"\x01\x01\x02\xff\x7c", "test").real("huge") == float("inf")
    with pytest.raises(ModelFileError, match="invalid integer"):
        _Reader(b"\x05\0\0\0\0\0", "test").int32("too wide")


@settings(max_examples=60, deadline=None,
          suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(where=st.one_of(st.integers(0, 400), st.floats(0, 1)), value=st.integers(0, 255))
def test_corrupted_byte_never_crashes(weights_bytes, where, value):
    # Anywhere in the header (an int) or the whole file (a float): one changed byte either
    # still parses (e.g. inside weights) or raises ModelFileError, never anything else.
    position = where if isinstance(where, int) else int(where * (len(weights_bytes) - 1))
    data = bytearray(weights_bytes)
    data[position] = value
    try:
        net = parse_loss_metric_network(bytes(data), TEMPLATE)
    except ModelFileError:
        return
    assert len(net.layers) == len(TEMPLATE)
