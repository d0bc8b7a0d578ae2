"""The packaged shared library on its own, through cffi in ABI mode (dlopen): the same
bytes as the pybind11 module, the same decode, status codes instead of exceptions."""
import numpy as np
import pytest

from cvlfic import bitstream, native

cffi = pytest.importorskip("cffi")

CDEF = """
typedef struct { int id; const char *name; const char *planes; int region; int num_sizes;
                 int block_sizes[3][4]; } cvlfic_profile;
typedef struct { int version; int profile; int levels; size_t height; size_t width;
                 size_t mask_height; size_t mask_width; } cvlfic_stream_info;
const char *cvlfic_version(void);
int cvlfic_format_version(void);
const char *cvlfic_status_string(int status);
int cvlfic_num_profiles(void);
int cvlfic_profile_info(int profile, cvlfic_profile *out);
int cvlfic_mask_shape(size_t height, size_t width, int profile, size_t *mh, size_t *mw);
size_t cvlfic_encode_bound(size_t height, size_t width, int profile);
int cvlfic_encode(const uint8_t *img, size_t height, size_t width, size_t stride, int profile, int levels,
                  const uint8_t *mask, uint8_t *out, size_t capacity, size_t *out_size);
int cvlfic_read_info(const uint8_t *data, size_t size, cvlfic_stream_info *info);
int cvlfic_decode(const uint8_t *data, size_t size, uint8_t *recon, size_t recon_capacity,
                  uint8_t *mask, size_t mask_capacity);
int cvlfic_read_info_limited(const uint8_t *data, size_t size, size_t max_pixels, cvlfic_stream_info *info);
int cvlfic_decode_limited(const uint8_t *data, size_t size, size_t max_pixels, uint8_t *recon,
                          size_t recon_capacity, uint8_t *mask, size_t mask_capacity);
int cvlfic_reconstruct(const uint8_t *img, size_t height, size_t width, size_t stride, int profile, int levels,
                       const uint8_t *mask, uint8_t *recon, size_t recon_capacity);
"""
OK, ERR_ARGUMENT, ERR_BUFFER_TOO_SMALL, ERR_FOREIGN, ERR_CHECKSUM = 0, 1, 2, 4, 8


@pytest.fixture(scope="module")
def lib():
    ffi = cffi.FFI()
    ffi.cdef(CDEF)
    return ffi, ffi.dlopen(str(native.get_library_path()))


def c_encode(lib, img, mask, profile, levels):
    ffi, c = lib
    h, w = img.shape[:2]
    cap = c.cvlfic_encode_bound(h, w, profile)
    out = ffi.new("uint8_t[]", cap)
    size = ffi.new("size_t *")
    status = c.cvlfic_encode(ffi.from_buffer(img), h, w, img.strides[0], profile, levels, ffi.from_buffer(mask),
                             out, cap, size)
    assert status == OK, ffi.string(c.cvlfic_status_string(status))
    assert size[0] <= cap
    return bytes(ffi.buffer(out, size[0]))


def test_library_identity(lib):
    ffi, c = lib
    assert ffi.string(c.cvlfic_version()).decode().count(".") == 2
    assert c.cvlfic_format_version() == bitstream.FORMAT_VERSION == 1
    assert c.cvlfic_num_profiles() == 2
    info = ffi.new("cvlfic_profile *")
    assert c.cvlfic_profile_info(0, info) == OK
    assert ffi.string(info.name) == b"ycc16" and info.region == 16 and list(info.block_sizes[2]) == [16, 16, 8, 4]
    assert c.cvlfic_profile_info(5, info) == ERR_ARGUMENT
    assert native.get_header().is_file() and native.get_cmake_dir().joinpath("cvlficConfig.cmake").is_file()


@pytest.mark.parametrize("seed", range(40))
def test_c_abi_and_pybind_streams_identical(lib, seed):
    ffi, c = lib
    rng = np.random.default_rng(seed)
    h, w = int(rng.integers(1, 130)), int(rng.integers(1, 130))
    profile = seed % 2
    levels = bitstream.LEVELS[seed % 16]
    img = rng.integers(0, 256, (h, w, 3), dtype=np.uint8)
    img = np.clip(img // 4 + np.arange(w)[None, :, None], 0, 255).astype(np.uint8)
    sizes = len(bitstream.profile_info(profile)["block_sizes"][0])
    mask = rng.integers(0, sizes, bitstream.mask_shape(h, w, profile), dtype=np.uint8)

    data = c_encode(lib, img, mask, profile, levels)
    assert data == bitstream.encode_pooled(img, mask, profile, levels)

    info = ffi.new("cvlfic_stream_info *")
    assert c.cvlfic_read_info(data, len(data), info) == OK
    assert (info.height, info.width, info.profile, info.levels) == (h, w, profile, levels)
    recon = np.empty((h, w, 3), np.uint8)
    dmask = np.empty(mask.shape, np.uint8)
    assert c.cvlfic_decode(data, len(data), ffi.from_buffer(recon), recon.size, ffi.from_buffer(dmask),
                           dmask.size) == OK
    np.testing.assert_array_equal(recon, bitstream.decode_pooled(data)[0])
    np.testing.assert_array_equal(dmask, mask)
    direct = np.empty_like(recon)
    assert c.cvlfic_reconstruct(ffi.from_buffer(img), h, w, img.strides[0], profile, levels, ffi.from_buffer(mask),
                                ffi.from_buffer(direct), direct.size) == OK
    np.testing.assert_array_equal(direct, recon)


def test_status_codes_not_exceptions(lib):
    ffi, c = lib
    img = np.zeros((9, 9, 3), np.uint8)
    mask = np.zeros((2, 2), np.uint8)
    data = c_encode(lib, img, mask, 1, 8)
    size = ffi.new("size_t *")
    small = ffi.new("uint8_t[]", 2)
    assert c.cvlfic_encode(ffi.from_buffer(img), 9, 9, 27, 1, 8, ffi.from_buffer(mask), small, 2, size) \
        == ERR_BUFFER_TOO_SMALL
    assert size[0] == len(data)
    assert c.cvlfic_encode(ffi.from_buffer(img), 9, 9, 26, 1, 8, ffi.from_buffer(mask), small, 2, size) \
        == ERR_ARGUMENT  # stride < 3 * width
    assert c.cvlfic_encode(ffi.NULL, 9, 9, 27, 1, 8, ffi.from_buffer(mask), small, 2, size) == ERR_ARGUMENT
    info = ffi.new("cvlfic_stream_info *")
    assert c.cvlfic_read_info(b"GIF89a", 6, info) == ERR_FOREIGN
    assert c.cvlfic_read_info(ffi.NULL, 0, info) != OK
    broken = bytearray(data)
    broken[-1] ^= 0xFF
    assert c.cvlfic_decode(bytes(broken), len(broken), ffi.NULL, 0, ffi.NULL, 0) == ERR_CHECKSUM
    recon = ffi.new("uint8_t[]", 9 * 9 * 3 - 1)
    assert c.cvlfic_decode(data, len(data), recon, 9 * 9 * 3 - 1, ffi.NULL, 0) == ERR_BUFFER_TOO_SMALL
    for status in range(12):
        assert ffi.string(c.cvlfic_status_string(status))


C_API_LIMIT_PROBE = """
import sys, time, cffi
sys.path.insert(0, sys.argv[1])
from test_core_c_abi import CDEF
from core_reference import with_crc
from cvlfic import native
ffi = cffi.FFI(); ffi.cdef(CDEF); c = ffi.dlopen(str(native.get_library_path()))
forged = with_crc(bytes([0xC1, 0x05, 0xFE, 0xFF, 0x03, 0xFE, 0xFF, 0x03]))  # 65535 x 65535
info = ffi.new("cvlfic_stream_info *")
c.cvlfic_decode(forged, len(forged), ffi.NULL, 0, ffi.NULL, 0)  # warm
def status(field):  # VmHWM: this process's peak since exec (see test_core_limits.py)
    return next(int(l.split()[1]) for l in open("/proc/self/status") if l.startswith(field))
with open("/proc/self/clear_refs", "w") as f:
    f.write("5")
before = status("VmRSS:")
worst = 0.0
for _ in range(200):
    for call in (lambda: c.cvlfic_read_info(forged, len(forged), info),
                 lambda: c.cvlfic_decode(forged, len(forged), ffi.NULL, 0, ffi.NULL, 0),
                 lambda: c.cvlfic_decode_limited(forged, len(forged), 1 << 26, ffi.NULL, 0, ffi.NULL, 0)):
        t0 = time.perf_counter()
        code = call()
        worst = max(worst, time.perf_counter() - t0)
        assert code == 9, code
print(worst, status("VmHWM:") - before, info.width, info.height)
"""


def test_huge_claim_is_refused_fast_without_allocating(tmp_path):
    import subprocess
    import sys
    from pathlib import Path

    # cwd outside the checkout: `python -c` puts the cwd first on sys.path
    out = subprocess.run([sys.executable, "-c", C_API_LIMIT_PROBE, str(Path(__file__).parent)],
                         capture_output=True, text=True, check=True, cwd=tmp_path)
    worst, grew_kib, width, height = out.stdout.split()
    assert float(worst) < 0.001 and int(grew_kib) < 1024
    assert (int(width), int(height)) == (65535, 65535)  # info holds the claim


def test_limited_entry_points(lib):
    ffi, c = lib
    data = bitstream.encode_pooled(np.full((64, 64, 3), 100, np.uint8), bitstream.uniform_mask(64, 64, 0), 0, 8)
    info = ffi.new("cvlfic_stream_info *")
    assert c.cvlfic_read_info_limited(data, len(data), 64 * 64 - 1, info) == 9
    assert (info.width, info.height) == (64, 64)
    assert c.cvlfic_read_info_limited(data, len(data), 64 * 64, info) == OK
    assert c.cvlfic_read_info_limited(data, len(data), 0, info) == OK  # 0: the default limit
    recon = np.zeros((64, 64, 3), np.uint8)
    assert c.cvlfic_decode_limited(data, len(data), 4095, ffi.from_buffer(recon), recon.size, ffi.NULL, 0) == 9
    assert c.cvlfic_decode_limited(data, len(data), 4096, ffi.from_buffer(recon), recon.size, ffi.NULL, 0) == OK
    np.testing.assert_array_equal(recon, bitstream.decode_pooled(data)[0])
