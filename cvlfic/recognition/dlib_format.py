"""A reader for dlib's binary serialization of DNN models (``*.dat`` from ``net.serialize``).

dlib writes a network as nested objects, outermost first: the loss layer, then every layer
wrapper's version number down to the input layer, then each layer's details and state from
the input back up. Tag and skip wrappers carry no details, so the file cannot be read
without knowing the network's template; the caller passes it as a list of ``LayerSpec`` from
input to output and gets back one ``DlibLayer`` per spec, checked against the file.

Primitive encodings (dlib/serialize.h, dlib/float_details.h, dlib/dnn/tensor.h):

- integers: a control byte (low nibble = byte count, 0x80 = negative) then the magnitude's
  bytes, little endian;
- floats and doubles: two integers, mantissa and exponent, value = mantissa * 2**exponent
  (exponents 32000/32001/32002 stand for +inf/-inf/nan);
- strings: a length integer then the raw bytes; bools: the character '1' or '0';
- tensors: version 2, then num_samples, k, nr, nc and the values as little-endian float32;
- alias tensors (views into a layer's parameter tensor): version 1 and the four sizes.

Every read is bounded by the file's length, so truncated or corrupt files raise
``ModelFileError`` instead of crashing, hanging or allocating absurd amounts of memory.
"""
from __future__ import annotations

import math
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Dict, List, Sequence, Tuple, Union

import numpy as np

from cvlfic.errors import ModelFileError

_FLOAT_INF, _FLOAT_NINF, _FLOAT_NAN = 32000, 32001, 32002


@dataclass(frozen=True)
class LayerSpec:
    """One layer of dlib's network template: ``kind`` is ``input_rgb_image_sized``, ``con``,
    ``affine``, ``relu``, ``max_pool``, ``avg_pool``, ``add_prev``, ``fc``, ``tag`` or
    ``skip``; ``tag`` is the tag id for ``tag``/``skip``/``add_prev``.

    ``args`` are the template arguments the file must match, as dlib's own deserializers
    check them: ``(rows, cols)`` of the input, ``(num_filters, rows, cols, stride_y,
    stride_x)`` of a con, ``(rows, cols, stride_y, stride_x)`` of a pool (0 x 0 = the whole
    map), ``(num_outputs,)`` of an fc. Paddings must be dlib's defaults for those strides.
    """
    kind: str
    tag: int = 0
    args: Tuple[int, ...] = ()


@dataclass
class DlibLayer:
    """A layer as read from the file: its spec plus the details dlib stored for it."""
    spec: LayerSpec
    details: Dict[str, Any] = field(default_factory=dict)


@dataclass
class DlibNetwork:
    """A deserialized ``loss_metric`` network: layers from input to output, and the loss."""
    layers: List[DlibLayer]
    loss: Dict[str, Any]


class _Reader:
    """Bounds-checked sequential reads of dlib's primitive encodings."""

    def __init__(self, data: bytes, name: str):
        self.data = memoryview(data)
        self.pos = 0
        self.name = name

    def fail(self, what: str) -> ModelFileError:
        return ModelFileError(f"{self.name}: {what} (at byte {self.pos} of {len(self.data)})")

    def take(self, count: int, what: str) -> memoryview:
        if count < 0 or self.pos + count > len(self.data):
            raise self.fail(f"file ends inside {what}; it is truncated or corrupt")
        chunk = self.data[self.pos:self.pos + count]
        self.pos += count
        return chunk

    def integer(self, size: int, signed: bool, what: str) -> int:
        control = self.take(1, what)[0]
        count = control & 0x0F
        negative = bool(control & 0x80)
        if control & 0x70 or count > size or (negative and not signed):
            raise self.fail(f"invalid integer encoding for {what}")
        value = int.from_bytes(self.take(count, what), "little")
        return -value if negative else value

    def int32(self, what: str) -> int:
        return self.integer(4, True, what)

    def int64(self, what: str) -> int:
        return self.integer(8, True, what)

    def uint64(self, what: str) -> int:
        return self.integer(8, False, what)

    def real(self, what: str) -> float:
        mantissa = self.integer(8, True, what)
        exponent = self.integer(2, True, what)
        if exponent == _FLOAT_INF:
            return math.inf
        if exponent == _FLOAT_NINF:
            return -math.inf
        if exponent >= _FLOAT_NAN:
            return math.nan
        try:
            return math.ldexp(float(mantissa), exponent)
        except OverflowError:  # C's ldexp gives +-inf here
            return math.copysign(math.inf, mantissa)

    def string(self, what: str) -> str:
        length = self.uint64(f"length of {what}")
        raw = bytes(self.take(length, what))
        try:
            return raw.decode("ascii")
        except UnicodeDecodeError:
            raise self.fail(f"{what} is not text") from None

    def boolean(self, what: str) -> bool:
        char = bytes(self.take(1, what))
        if char not in (b"0", b"1"):
            raise self.fail(f"invalid bool for {what}")
        return char == b"1"

    def version(self, expected: Sequence[int], what: str) -> int:
        found = self.int32(f"version of {what}")
        if found not in expected:
            raise self.fail(f"unsupported {what} version {found} (expected one of {list(expected)})")
        return found

    def tag_string(self, expected: str, what: str) -> None:
        found = self.string(f"name of {what}")
        if found != expected:
            raise self.fail(f"expected {what} record {expected!r}, found {found!r}")

    def shape(self, what: str) -> Tuple[int, int, int, int]:
        dims = tuple(self.int64(f"size of {what}") for _ in range(4))
        if min(dims) < 0:
            raise self.fail(f"negative size {dims} for {what}")
        return dims  # type: ignore[return-value]

    def tensor(self, what: str) -> np.ndarray:
        self.version((2,), f"tensor {what}")
        dims = self.shape(what)
        count = int(np.prod(dims, dtype=object))
        if count * 4 > len(self.data) - self.pos:
            raise self.fail(f"tensor {what} of shape {dims} runs past the end of the file")
        raw = self.take(count * 4, what)
        return np.frombuffer(raw, dtype="<f4").astype(np.float32).reshape(dims)

    def alias_tensor(self, what: str) -> Tuple[int, int, int, int]:
        self.version((1,), f"alias tensor {what}")
        return self.shape(what)


# -- layer details -------------------------------------------------------------------------

def _expect(r: _Reader, spec: LayerSpec, found: Tuple[int, ...], what: str) -> None:
    if found != spec.args:
        raise r.fail(f"{what} is {found}, but the network template has {spec.args}; "
                     "this is not the expected model")


def _check_padding(r: _Reader, window: Tuple[int, int], stride: Tuple[int, int],
                   padding: Tuple[int, int], what: str) -> None:
    # dlib's default: no padding for strided windows, else half the window ("same" size).
    default = tuple(0 if st != 1 else w // 2 for w, st in zip(window, stride))
    if padding != default:
        raise r.fail(f"{what} padding {padding} is not dlib's default {default}")


def _input_rgb_image_sized(r: _Reader, spec: LayerSpec) -> Dict[str, Any]:
    r.tag_string("input_rgb_image_sized", "input layer")
    means = [r.real(f"mean {c}") for c in ("red", "green", "blue")]
    size = (r.uint64("input rows"), r.uint64("input cols"))
    _expect(r, spec, size, "input size")
    if not all(math.isfinite(m) for m in means):
        raise r.fail(f"invalid input means {means}")
    return {"mean_rgb": means, "size": size}


def _con(r: _Reader, spec: LayerSpec) -> Dict[str, Any]:
    r.tag_string("con_4", "con layer")
    params = r.tensor("con params")
    num_filters = r.int64("num_filters")
    rows, cols = r.int64("filter rows"), r.int64("filter cols")
    stride = (r.int32("stride_y"), r.int32("stride_x"))
    padding = (r.int32("padding_y"), r.int32("padding_x"))
    filters = r.alias_tensor("con filters")
    biases = r.alias_tensor("con biases")
    for name in ("learning_rate", "weight_decay", "bias_learning_rate", "bias_weight_decay"):
        r.real(f"con {name} multiplier")
    _expect(r, spec, (num_filters, rows, cols, *stride), "con (filters, rows, cols, strides)")
    _check_padding(r, (rows, cols), stride, padding, "con")
    n_filt = int(np.prod(filters))
    if (filters[0] != num_filters or filters[2:] != (rows, cols) or biases[1] != num_filters
            or params.size != n_filt + num_filters):
        raise r.fail(f"inconsistent con layer sizes: params {params.size}, filters {filters}")
    flat = params.reshape(-1)
    return {"weight": flat[:n_filt].reshape(filters), "bias": flat[n_filt:].copy(),
            "stride": stride, "padding": padding}


def _affine(r: _Reader, spec: LayerSpec) -> Dict[str, Any]:
    r.tag_string("affine_", "affine layer")
    params = r.tensor("affine params")
    gamma = r.alias_tensor("affine gamma")
    beta = r.alias_tensor("affine beta")
    mode = r.int32("affine mode")
    n = int(np.prod(gamma))
    if mode != 0 or gamma != beta or params.size != 2 * n:
        raise r.fail(f"unsupported affine layer (mode {mode}, gamma {gamma}, beta {beta})")
    flat = params.reshape(-1)
    return {"gamma": flat[:n].copy(), "beta": flat[n:].copy()}


def _name_only(name: str):
    def read(r: _Reader, spec: LayerSpec) -> Dict[str, Any]:
        r.tag_string(name, f"{name.rstrip('_')} layer")
        return {}
    return read


def _pool(name: str):
    def read(r: _Reader, spec: LayerSpec) -> Dict[str, Any]:
        r.tag_string(name, "pooling layer")
        window = (r.int64("pool rows"), r.int64("pool cols"))
        stride = (r.int32("pool stride_y"), r.int32("pool stride_x"))
        padding = (r.int32("pool padding_y"), r.int32("pool padding_x"))
        _expect(r, spec, (*window, *stride), "pool (rows, cols, strides)")
        _check_padding(r, window, stride, padding, "pool")
        return {"window": window, "stride": stride, "padding": padding}
    return read


def _fc(r: _Reader, spec: LayerSpec) -> Dict[str, Any]:
    r.tag_string("fc_2", "fc layer")
    outputs = r.uint64("fc num_outputs")
    inputs = r.uint64("fc num_inputs")
    params = r.tensor("fc params")
    weights = r.alias_tensor("fc weights")
    r.alias_tensor("fc biases")
    bias_mode = r.int32("fc bias mode")
    for name in ("learning_rate", "weight_decay", "bias_learning_rate", "bias_weight_decay"):
        r.real(f"fc {name} multiplier")
    _expect(r, spec, (outputs,), "fc outputs")
    # Only fc_no_bias (mode 1) is supported: params is exactly the inputs x outputs matrix.
    if bias_mode != 1 or weights[:2] != (inputs, outputs) or params.size != inputs * outputs:
        raise r.fail(f"unsupported fc layer (bias mode {bias_mode}, weights {weights})")
    return {"weight": params.reshape(inputs, outputs)}


_DETAILS = {
    "con": _con,
    "affine": _affine,
    "relu": _name_only("relu_"),
    "add_prev": _name_only("add_prev_"),
    "max_pool": _pool("max_pool_2"),
    "avg_pool": _pool("avg_pool_2"),
    "fc": _fc,
}


def _layer_state(r: _Reader, on_input: bool) -> None:
    """The training state ``add_layer`` stores after its details (empty once cleaned)."""
    for name in ("setup_called", "gradient_input_is_stale", "output_getters_disabled"):
        r.boolean(name)
    r.tensor("x_grad")
    r.tensor("cached_output")
    if on_input:
        r.tensor("grad_final")
        r.integer(4, False, "sample_expansion_factor")
    else:
        r.tensor("params_grad")


# -- the network ---------------------------------------------------------------------------

def parse_loss_metric_network(data: bytes, template: Sequence[LayerSpec],
                              name: str = "model file") -> DlibNetwork:
    """Read a ``loss_metric`` network whose template (input to output) is ``template``."""
    if (len(template) < 2 or template[0].kind != "input_rgb_image_sized"
            or template[1].kind not in _DETAILS):
        raise ValueError("the template must start with the input layer and a computational layer")
    unknown = {spec.kind for spec in template[1:]} - set(_DETAILS) - {"tag", "skip"}
    if unknown:
        raise ValueError(f"unsupported layer kinds {sorted(unknown)}")
    r = _Reader(data, name)
    r.version((1,), "loss layer")
    r.tag_string("loss_metric_2", "loss")
    loss = {"margin": r.real("loss margin"), "distance_threshold": r.real("loss threshold")}

    # Wrapper versions, outermost layer first: add_layer 2 (3 right above the input
    # layer), tag and skip 1.
    computational = template[1:]
    for depth, spec in enumerate(reversed(computational)):
        if spec.kind in ("tag", "skip"):
            r.version((1,), f"{spec.kind} layer")
        else:
            on_input = depth == len(computational) - 1
            r.version((3,) if on_input else (2,), f"{spec.kind} layer wrapper")

    layers = [DlibLayer(template[0], _input_rgb_image_sized(r, template[0]))]
    for index, spec in enumerate(computational):
        details: Dict[str, Any] = {}
        if spec.kind not in ("tag", "skip"):
            details = _DETAILS[spec.kind](r, spec)
            _layer_state(r, on_input=index == 0)
        layers.append(DlibLayer(spec, details))
    if r.pos != len(r.data):
        raise r.fail(f"{len(r.data) - r.pos} unexpected bytes after the network")
    return DlibNetwork(layers, loss)


def read_loss_metric_network(path: Union[str, Path],
                             template: Sequence[LayerSpec]) -> DlibNetwork:
    """``parse_loss_metric_network`` on the bytes of the file at ``path``."""
    path = Path(path)
    try:
        data = path.read_bytes()
    except OSError as exc:
        raise ModelFileError(f"cannot read model file {path}: {exc}") from exc
    return parse_loss_metric_network(data, template, name=str(path))
