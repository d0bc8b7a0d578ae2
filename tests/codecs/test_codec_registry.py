"""The codec registry: the built-in families, their sweeps, and plugging in a new family."""
import numpy as np
import pytest

from cvlfic.codecs import (BenchCodec, codec_family, create_codec, default_settings, list_codecs,
                           register_codec, unregister_codec)

CLASSICAL = ["jpeg", "mozjpeg", "jpeg2000", "webp", "avif", "jpegxl"]


class XorCodec(BenchCodec):
    """A toy lossless codec: raw bytes with a header naming the size."""

    def encode(self, image):
        h, w = image.shape[:2]
        return bytes([h, w]) + (image ^ int(self.setting)).tobytes()

    def decode(self, data):
        h, w = data[0], data[1]
        return np.frombuffer(data[2:], np.uint8).reshape(h, w, 3) ^ int(self.setting)


def test_classical_families_are_registered_with_six_or_more_settings():
    for name in CLASSICAL:
        assert name in list_codecs()
        family = codec_family(name)
        sweep = default_settings(name)
        assert len(sweep) >= 6
        assert list(sweep) == sorted(sweep)
        lo, hi = family.setting_range
        assert all(lo <= s <= hi for s in sweep)
        assert family.description


def test_unknown_codec_and_out_of_range_setting_are_rejected():
    with pytest.raises(ValueError, match="unknown codec"):
        create_codec("no-such-codec", 1)
    with pytest.raises(ValueError, match="outside"):
        create_codec("jpeg", 0)


def test_registering_a_family_makes_it_creatable():
    register_codec("test-xor", lambda s: XorCodec("test-xor", s), (0, 255), (0, 7, 255),
                   "toy codec for the registry test")
    try:
        codec = create_codec("test-xor", 7)
        image = np.arange(4 * 5 * 3, dtype=np.uint8).reshape(4, 5, 3)
        data = codec.encode(image)
        assert isinstance(data, bytes) and len(data) == 2 + image.size
        np.testing.assert_array_equal(codec.decode(data), image)
        assert "test-xor" in list_codecs()
        assert default_settings("test-xor") == (0, 7, 255)
        with pytest.raises(ValueError):
            register_codec("test-bad", lambda s: XorCodec("test-bad", s), (0, 10), (11,))
    finally:
        unregister_codec("test-xor")


def test_the_registry_loads_the_zoo_on_the_first_lookup_only(tmp_path):
    # cvlfic.codecs imports no family (cvlfic.baselines depends on it, not the reverse); the
    # first lookup loads the built-in families, the baselines' by name (cvlfic.codecs.zoo).
    import subprocess
    import sys
    code = ("import sys, cvlfic.codecs as c\n"
            "assert 'cvlfic.baselines' not in sys.modules and 'cvlfic.codecs.classical' not in sys.modules\n"
            "names = c.list_codecs()\n"
            "assert 'jpeg' in names and 'cvlfic.codecs.classical' in sys.modules\n"
            "print(' '.join(names))\n")
    # cwd outside the checkout: `python -c` puts the working directory first on sys.path
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True, cwd=tmp_path)
    names = out.stdout.split()
    from cvlfic.baselines import BASELINES
    from cvlfic.lfic.model_files import find_model
    for baseline in BASELINES:  # each baseline with a shipped model is a family
        try:
            find_model(f"baseline_{baseline}")
        except FileNotFoundError:
            continue
        assert baseline in names


def test_the_benchmark_interface_is_not_the_learned_codec():
    import cvlfic
    import cvlfic.codecs
    assert not hasattr(cvlfic.codecs, "Codec")
    assert not issubclass(cvlfic.Codec, BenchCodec)
