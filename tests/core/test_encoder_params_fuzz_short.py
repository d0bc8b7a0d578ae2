"""A short fuzz pass of the encoder parameters in CI (the checks of fuzz/fuzz_encoder.cpp):
4,000 damaged encoder.bin files with their CRC-32 recomputed, so that the parser's field
checks are what refuses them. Each is refused with a ValueError naming the encoder
parameters, or parses, writes back to the same bytes and encodes faces within the budget."""
import zlib

import numpy as np

from cvlfic import _core, bitstream
from cvlfic.lfic.model_files import find_model


def with_crc(body: bytes) -> bytes:
    return body + zlib.crc32(body).to_bytes(4, "little")


def test_short_encoder_params_fuzz_pass():
    rng = np.random.default_rng(11)
    model = (find_model() / "encoder.bin").read_bytes()
    small = _core.write_encoder_params(0, [4, 8, 16], [(0.1, 8), (0.3, 16)], 0.9, [], None)
    face = rng.integers(0, 256, (24, 20, 3), dtype=np.uint8)
    outcomes = {"refused": 0, "parsed": 0}
    for n in range(4000):
        body = bytearray((model if n % 2 else small)[:-4])
        kind = rng.integers(0, 4)
        if kind == 0:
            for _ in range(rng.integers(1, 4)):
                body[rng.integers(0, len(body))] = rng.integers(0, 256)
        elif kind == 1:
            body = body[:rng.integers(0, len(body))]
        elif kind == 2:
            body += rng.integers(0, 256, rng.integers(1, 9), dtype=np.uint8).tobytes()
        else:  # a count field changed (levels, rates, steps, prior size)
            i = int(rng.choice([6, 7, 8, len(body) - 1, len(body) - 5]))
            body[min(i, len(body) - 1)] = rng.integers(0, 70)
        blob = with_crc(bytes(body))
        try:
            encoder = _core.Encoder(blob)
        except ValueError as exc:
            assert "encoder parameters" in str(exc)
            outcomes["refused"] += 1
            continue
        outcomes["parsed"] += 1
        p = encoder.params
        assert _core.write_encoder_params(p["profile"], list(p["level_candidates"]), list(p["rate_levels"]),
                                          p["gray_share"], list(p["step_cost"]), p["prior_weight"]) == blob
        status, data, size = encoder.encode(face, _core.RATE_MAX_BYTES, 60.0)
        if data is None:
            assert size > 60
        else:
            assert len(data) <= 60 and bitstream.read_info(data)["height"] == 24
    assert outcomes["refused"] > 1000 and outcomes["parsed"] > 100, outcomes
