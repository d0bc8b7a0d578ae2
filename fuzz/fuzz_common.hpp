// Shared by the fuzz targets: decode through every public entry point and check the
// results agree (a stream that reads must decode, or fail with a stream error).
#pragma once
#include <cstdint>
#include <cstdlib>
#include <vector>

#include "cvlfic/cvlfic.h"

// Declared sizes above this are not decoded (valid but slow to decode; not what fuzzing is for).
constexpr size_t kMaxFuzzPixels = 1u << 16;

inline void decode_all_ways(const uint8_t *data, size_t size) {
    cvlfic_stream_info info{};
    const int st = cvlfic_read_info(data, size, &info);
    if (st != CVLFIC_OK) {
        // The header failed: decode must fail the same way without touching outputs. A larger
        // limit changes only the verdict on size and, as a cut stream is told from a
        // corrupted one by decoding it (within the limit), truncated vs checksum.
        if (cvlfic_decode(data, size, nullptr, 0, nullptr, 0) != st) abort();
        const int big = cvlfic_read_info_limited(data, size, 4 * CVLFIC_DEFAULT_MAX_PIXELS, &info);
        const bool crc = st == CVLFIC_ERR_CHECKSUM || st == CVLFIC_ERR_TRUNCATED;
        if (st != CVLFIC_ERR_TOO_LARGE && big != st && !(crc && (big == CVLFIC_ERR_CHECKSUM ||
                                                                 big == CVLFIC_ERR_TRUNCATED)))
            abort();
        return;
    }
    // A caller's lower limit refuses exactly the larger images, before anything else.
    const size_t pixels = info.height * info.width;
    const size_t limit = 1 + (size % kMaxFuzzPixels);
    cvlfic_stream_info limited{};
    const int sl = cvlfic_read_info_limited(data, size, limit, &limited);
    if (sl != (pixels > limit ? CVLFIC_ERR_TOO_LARGE : CVLFIC_OK)) abort();
    if (limited.height != info.height || limited.width != info.width) abort();
    if (pixels > limit && cvlfic_decode_limited(data, size, limit, nullptr, 0, nullptr, 0) != CVLFIC_ERR_TOO_LARGE)
        abort();
    if (pixels > kMaxFuzzPixels) return;
    std::vector<uint8_t> recon(info.height * info.width * 3), mask(info.mask_height * info.mask_width);
    const int d = cvlfic_decode(data, size, recon.data(), recon.size(), mask.data(), mask.size());
    if (d != CVLFIC_OK && d != CVLFIC_ERR_CORRUPT) abort();
    // Decoding the mask alone agrees; too-small outputs are refused, never overrun.
    if (cvlfic_decode(data, size, nullptr, 0, mask.data(), mask.size()) != d) abort();
    if (cvlfic_decode(data, size, recon.data(), recon.size() - 1, nullptr, 0) != CVLFIC_ERR_BUFFER_TOO_SMALL) abort();
}
