// Shared by the fuzz targets: decode through every public entry point and check the
// results agree (a stream that reads must decode, or fail with a stream error).
#pragma once
#include <cstdint>
#include <cstdlib>
#include <vector>

#include "cvlfic/cvlfic.h"

// Declared sizes above this are skipped (valid but slow to decode; not what fuzzing is for).
constexpr size_t kMaxFuzzPixels = 1u << 16;

inline void decode_all_ways(const uint8_t *data, size_t size) {
    cvlfic_stream_info info{};
    const int st = cvlfic_read_info(data, size, &info);
    if (st != CVLFIC_OK) {
        // The header failed: decode must fail the same way without touching outputs.
        if (cvlfic_decode(data, size, nullptr, 0, nullptr, 0) != st) abort();
        return;
    }
    if (info.height * info.width > kMaxFuzzPixels) return;
    std::vector<uint8_t> recon(info.height * info.width * 3), mask(info.mask_height * info.mask_width);
    const int d = cvlfic_decode(data, size, recon.data(), recon.size(), mask.data(), mask.size());
    if (d != CVLFIC_OK && d != CVLFIC_ERR_CORRUPT) abort();
    // Decoding the mask alone agrees; too-small outputs are refused, never overrun.
    if (cvlfic_decode(data, size, nullptr, 0, mask.data(), mask.size()) != d) abort();
    if (cvlfic_decode(data, size, recon.data(), recon.size() - 1, nullptr, 0) != CVLFIC_ERR_BUFFER_TOO_SMALL) abort();
}
