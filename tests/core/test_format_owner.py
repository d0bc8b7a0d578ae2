"""Bitstream v1's tables have one owner, the core: Python (the torch RAP of training,
cvlfic.bitstream) reads the profiles, level counts, colour transform, quantizer and format
version from ``cvlfic._core`` instead of restating them."""
import re
from pathlib import Path

import numpy as np
import pytest

from cvlfic import _core, bitstream, native

ROOT = Path(__file__).resolve().parents[2]
PACKAGE = ROOT / "cvlfic"


def test_format_version_has_one_definition():
    header = (ROOT / "csrc/include/cvlfic/cvlfic.h").read_text()
    (macro,) = re.findall(r"^#define CVLFIC_FORMAT_VERSION (\d+)$", header, re.M)
    assert _core.FORMAT_VERSION == bitstream.FORMAT_VERSION == int(macro)
    assert "kVersion = CVLFIC_FORMAT_VERSION" in (ROOT / "csrc/src/container.hpp").read_text()
    cmake = (ROOT / "CMakeLists.txt").read_text()
    assert not re.search(r"set\(CVLFIC_FORMAT +\d", cmake)  # derived from the header


def test_colour_transform_and_quantizer_from_the_core():
    coef, shift = bitstream.colour_transform(bitstream.PROFILE_RGB8)
    assert shift == 0 and np.array_equal(coef, np.eye(3, 4, dtype=np.int32))
    coef, shift = bitstream.colour_transform(bitstream.PROFILE_YCC16)
    assert coef.shape == (3, 4) and shift > 0 and coef[0, :3].sum() == 1 << shift  # Y keeps gray
    for levels in bitstream.LEVELS:
        q, d = bitstream.quantizer(levels)
        assert q.dtype == d.dtype == np.uint8 and q.shape == d.shape == (256,)
        assert q[0] == 0 and q[255] == levels - 1 and np.all(np.diff(q.astype(int)) >= 0)
        assert d[0] == 0 and d[levels - 1] == 255
    with pytest.raises(ValueError):
        bitstream.quantizer(7)
    with pytest.raises(ValueError):
        bitstream.colour_transform(_core.num_profiles())


@pytest.mark.parametrize("profile", [0, 1])
def test_to_planes_is_the_cores_transform(profile):
    """Each colour as a uniform 4 x 4 block at 256 levels (an identity quantizer): the core's
    reconstruction then holds the transform of every pixel, which to_planes must equal."""
    rng = np.random.default_rng(profile)
    colours = rng.integers(0, 256, (64, 64, 3), dtype=np.uint8)
    colours[0, :8] = [[0, 0, 0], [255, 255, 255], [255, 0, 0], [0, 0, 255], [0, 255, 0],
                      [255, 255, 0], [0, 255, 255], [255, 0, 255]]
    image = np.repeat(np.repeat(colours, 4, 0), 4, 1)
    finest = len(bitstream.profile_info(profile)["block_sizes"][0]) - 1
    recon = bitstream.reconstruct(image, bitstream.uniform_mask(256, 256, profile, finest), profile, 256)
    assert np.array_equal(recon[::4, ::4], bitstream.to_planes(colours, profile))


def test_torch_rap_reads_the_core():
    torch = pytest.importorskip("torch")
    from cvlfic.nets import rap

    assert sorted(rap.PROFILES) == list(range(_core.num_profiles()))
    for ident, profile in rap.PROFILES.items():
        info = _core.profile_info(ident)
        coef, shift = _core.colour_transform(ident)
        assert (profile.region, profile.block_sizes, profile.planes) == \
            (info["region"], info["block_sizes"], info["planes"])
        assert (profile.coef, profile.shift) == (coef, shift)
        colours = torch.randint(0, 256, (1, 3, 16, 16), dtype=torch.uint8)
        expected = bitstream.to_planes(colours[0].permute(1, 2, 0).numpy(), ident)
        got = rap.bgr_to_planes(colours, profile)[0].permute(1, 2, 0).numpy()
        assert np.array_equal(got, expected)
    for code, levels in enumerate(bitstream.LEVELS):
        q, d = _core.quantizer(levels)
        assert np.array_equal(rap._QUANTIZE[code].numpy(), q)
        assert np.array_equal(rap._DEQUANTIZE[code].numpy(), d)
    assert rap.level_codes([2, 256]).tolist() == [0, len(bitstream.LEVELS) - 1]


def test_shared_library_exports_the_tables():
    cffi = pytest.importorskip("cffi")
    ffi = cffi.FFI()
    ffi.cdef("int cvlfic_colour_transform(int profile, int coef[3][4], int *shift);"
             "int cvlfic_quantizer(int levels, uint8_t q[256], uint8_t d[256]);")
    lib = ffi.dlopen(str(native.get_library_path()))
    coef, shift = ffi.new("int[3][4]"), ffi.new("int *")
    assert lib.cvlfic_colour_transform(0, coef, shift) == 0
    assert [list(row) for row in coef] == [list(row) for row in _core.colour_transform(0)[0]]
    assert shift[0] == _core.colour_transform(0)[1]
    assert lib.cvlfic_colour_transform(-1, coef, shift) == 1  # CVLFIC_ERR_ARGUMENT
    q, d = ffi.new("uint8_t[256]"), ffi.new("uint8_t[256]")
    assert lib.cvlfic_quantizer(24, q, d) == 0
    assert bytes(ffi.buffer(q)) == bitstream.quantizer(24)[0].tobytes()
    assert bytes(ffi.buffer(d)) == bitstream.quantizer(24)[1].tobytes()
    assert lib.cvlfic_quantizer(7, q, d) == 1
    assert lib.cvlfic_quantizer(24, ffi.NULL, d) == 1


# What restating the tables in Python looks like: the YCbCr coefficients, the level list,
# the quantizer formulas, the ycc16 block sizes.
RESTATEMENTS = {
    "colour transform": re.compile(r"77 ?\* ?r|150 ?\* ?g|29 ?\* ?b|-43 ?\*|-85 ?\*|-107 ?\*|-21 ?\*|32896"),
    "levels table": re.compile(r"2, ?3, ?4, ?5, ?6, ?8, ?10, ?12, ?16, ?20, ?24, ?32, ?40, ?48, ?64, ?256"),
    "quantizer": re.compile(r"\(levels - 1\) \+ 127|\+ \(levels - 1\) // 2|255 \+ \(L - 1\) // 2"),
    "block sizes": re.compile(r"\(16, 8, 4, 2\)|\[16, 8, 4, 2\]|16, 16, 8, 4"),
}


def test_no_python_module_restates_the_tables():
    """Under cvlfic/ (plugins included) and bench/ (the tests keep independent references on purpose)."""
    found = []
    paths = [p for folder in (PACKAGE, ROOT / "bench") for p in folder.rglob("*.py")]
    for path in sorted(paths):
        text = path.read_text()
        for what, pattern in RESTATEMENTS.items():
            for match in pattern.finditer(text):
                line = text.count("\n", 0, match.start()) + 1
                found.append(f"{path.relative_to(ROOT)}:{line}: {what}: {match.group()!r}")
    assert not found, "bitstream v1 tables restated outside the core:\n" + "\n".join(found)
