// The C ABI: argument checks, status codes, and no exception ever crossing it.
#include <cstring>
#include <new>

#include "codec.hpp"
#include "container.hpp"
#include "cvlfic/cvlfic.h"
#include "planes.hpp"
#include "status.hpp"

using namespace cvlfic;

#define CVLFIC_STRINGIFY_(x) #x
#define CVLFIC_STRINGIFY(x) CVLFIC_STRINGIFY_(x)

namespace {

bool size_ok(size_t height, size_t width) {
    return height >= 1 && width >= 1 && height <= CVLFIC_MAX_SIDE && width <= CVLFIC_MAX_SIDE &&
           height * width <= CVLFIC_MAX_PIXELS;
}

const Profile &profile_or_fail(int profile) {
    const Profile *p = find_profile(profile);
    if (!p) fail(CVLFIC_ERR_ARGUMENT);
    return *p;
}

// Checks an encoder-side request and returns its layout, planes loaded.
Layout prepare(const uint8_t *img, size_t height, size_t width, size_t stride, int profile, int levels,
               const uint8_t *mask, Planes &planes) {
    if (!img || !mask || !size_ok(height, width) || stride < 3 * width || code_of_levels(levels) < 0)
        fail(CVLFIC_ERR_ARGUMENT);
    const Layout layout = make_layout(profile_or_fail(profile), levels, height, width);
    check_mask(layout, mask);
    load_planes(layout, img, stride, planes);
    return layout;
}

void copy_out(const std::vector<uint8_t> &src, uint8_t *out, size_t capacity, size_t *out_size) {
    if (out_size) *out_size = src.size();
    if (src.size() > capacity || (!out && !src.empty())) fail(CVLFIC_ERR_BUFFER_TOO_SMALL);
    if (!src.empty()) std::memcpy(out, src.data(), src.size());
}

size_t pixel_limit(size_t max_pixels) {
    if (max_pixels == 0) return CVLFIC_DEFAULT_MAX_PIXELS;
    return max_pixels < CVLFIC_MAX_PIXELS ? max_pixels : CVLFIC_MAX_PIXELS;
}

// A stream whose checksum fails was either cut or damaged. A cut stream's payload is a
// prefix of a valid one, so decoding everything after the header as payload (no checksum)
// runs out of bytes before the last symbol; a damaged one usually does not.
cvlfic_status checksum_failure(const Parsed &s) {
    const Layout &l = s.layout;
    std::vector<uint8_t> m(l.mask_h * l.mask_w);
    Planes rec;
    try {
        decode_payload(l, s.payload, s.payload_size + 2, m.data(), rec);
    } catch (const Failure &f) {
        if (f.status == CVLFIC_ERR_TRUNCATED) return CVLFIC_ERR_TRUNCATED;
    }
    return CVLFIC_ERR_CHECKSUM;
}

// Framing, checksum and size limits, in the order that lets each failure say what happened;
// nothing of the image's size is allocated before the limits are checked. `info` (optional)
// receives the header fields as soon as they are read, also when the stream is refused.
Parsed check_stream(const uint8_t *data, size_t size, size_t max_pixels, cvlfic_stream_info *info) {
    const Parsed s = parse_stream(data, size);
    const Layout &l = s.layout;
    if (info) {
        info->version = kVersion;
        info->profile = l.profile->id;
        info->levels = l.levels;
        info->height = l.height;
        info->width = l.width;
        info->mask_height = l.mask_h;
        info->mask_width = l.mask_w;
    }
    const bool too_large = l.height > CVLFIC_MAX_SIDE || l.width > CVLFIC_MAX_SIDE ||
                           l.height * l.width > pixel_limit(max_pixels);
    if (!checksum_ok(data, size)) fail(too_large ? CVLFIC_ERR_CHECKSUM : checksum_failure(s));
    if (too_large) fail(CVLFIC_ERR_TOO_LARGE);
    return s;
}

}  // namespace

extern "C" {

const char *cvlfic_version(void) { return CVLFIC_LIBRARY_VERSION; }

int cvlfic_format_version(void) { return kVersion; }

const char *cvlfic_status_string(int status) {
    switch (status) {
        case CVLFIC_OK: return "ok";
        case CVLFIC_ERR_ARGUMENT: return "invalid argument";
        case CVLFIC_ERR_BUFFER_TOO_SMALL: return "output buffer too small";
        case CVLFIC_ERR_NO_MEMORY: return "out of memory";
        case CVLFIC_ERR_FOREIGN: return "not a cvlfic stream";
        case CVLFIC_ERR_UNSUPPORTED_VERSION:
            return "a cvlfic stream of another format version (this library reads version " CVLFIC_STRINGIFY(
                CVLFIC_FORMAT_VERSION) "; a newer cvlfic may read it)";
        case CVLFIC_ERR_UNKNOWN_PROFILE: return "a cvlfic stream of a profile this library does not know (newer cvlfic?)";
        case CVLFIC_ERR_TRUNCATED: return "truncated: the stream ends before its last byte (cut during a write or transfer)";
        case CVLFIC_ERR_CHECKSUM: return "corrupted: the checksum does not match the data";
        case CVLFIC_ERR_TOO_LARGE: return "the image is larger than the decode limit";
        case CVLFIC_ERR_CORRUPT: return "corrupted: the data does not match its header";
        case CVLFIC_ERR_INTERNAL: return "internal error";
        case CVLFIC_ERR_BUDGET: return "the byte budget is below the smallest stream of this face";
        case CVLFIC_ERR_PARAMS: return "invalid encoder parameters (not a valid encoder.bin)";
        default: return "unknown status";
    }
}

int cvlfic_num_profiles(void) { return kNumProfiles; }

int cvlfic_profile_info(int profile, cvlfic_profile *out) {
    return guarded([&] {
        const Profile &p = profile_or_fail(profile);
        if (!out) fail(CVLFIC_ERR_ARGUMENT);
        std::memset(out, 0, sizeof *out);
        out->id = p.id;
        out->name = p.name;
        out->planes = p.planes;
        out->region = p.region;
        out->num_sizes = p.num_sizes;
        for (int c = 0; c < 3; ++c)
            for (int s = 0; s < p.num_sizes; ++s) out->block_sizes[c][s] = p.sizes[c][s];
    });
}

int cvlfic_levels_table(int *out, int cap) {
    for (int i = 0; out && i < cap && i < kNumLevelCodes; ++i) out[i] = levels_of_code(i);
    return kNumLevelCodes;
}

int cvlfic_mask_shape(size_t height, size_t width, int profile, size_t *mask_height, size_t *mask_width) {
    return guarded([&] {
        if (!size_ok(height, width) || !mask_height || !mask_width) fail(CVLFIC_ERR_ARGUMENT);
        const Layout l = make_layout(profile_or_fail(profile), 2, height, width);
        *mask_height = l.mask_h;
        *mask_width = l.mask_w;
    });
}

size_t cvlfic_encode_bound(size_t height, size_t width, int profile) {
    const Profile *p = find_profile(profile);
    if (!p || !size_ok(height, width)) return 0;
    const Layout l = make_layout(*p, 2, height, width);
    // Worst case per residual: 17 adaptive decisions of at most 10 bits (probabilities are
    // clamped to [64, 65472]/65536) + 17 bypass bits = 187 bits; per mask entry 3 x 10 bits.
    size_t blocks = 0;
    for (int c = 0; c < 3; ++c) {
        const size_t n = static_cast<size_t>(p->sizes[c][p->num_sizes - 1]);
        blocks += l.padded_h * l.padded_w / (n * n);
    }
    return header_size(height, width) + 2 + 8 + blocks * 24 + l.mask_h * l.mask_w * 4;
}

int cvlfic_encode(const uint8_t *img, size_t height, size_t width, size_t stride, int profile, int levels,
                  const uint8_t *mask, uint8_t *out, size_t capacity, size_t *out_size) {
    return guarded([&] {
        if (!out_size) fail(CVLFIC_ERR_ARGUMENT);
        Planes planes;
        const Layout l = prepare(img, height, width, stride, profile, levels, mask, planes);
        std::vector<uint8_t> stream;
        write_header(l, stream);
        std::vector<uint8_t> payload;
        encode_payload(l, mask, pool_blocks(l, planes, mask), payload);
        stream.insert(stream.end(), payload.begin(), payload.end());
        append_crc(stream);
        copy_out(stream, out, capacity, out_size);
    });
}

int cvlfic_read_info(const uint8_t *data, size_t size, cvlfic_stream_info *info) {
    return cvlfic_read_info_limited(data, size, 0, info);
}

int cvlfic_read_info_limited(const uint8_t *data, size_t size, size_t max_pixels, cvlfic_stream_info *info) {
    return guarded([&] {
        if (!info) fail(CVLFIC_ERR_ARGUMENT);
        std::memset(info, 0, sizeof *info);
        check_stream(data, size, max_pixels, info);
    });
}

int cvlfic_decode(const uint8_t *data, size_t size, uint8_t *recon, size_t recon_capacity, uint8_t *mask,
                  size_t mask_capacity) {
    return cvlfic_decode_limited(data, size, 0, recon, recon_capacity, mask, mask_capacity);
}

int cvlfic_decode_limited(const uint8_t *data, size_t size, size_t max_pixels, uint8_t *recon,
                          size_t recon_capacity, uint8_t *mask, size_t mask_capacity) {
    return guarded([&] {
        const Parsed s = check_stream(data, size, max_pixels, nullptr);
        const Layout &l = s.layout;
        if ((recon && recon_capacity < l.height * l.width * 3) || (mask && mask_capacity < l.mask_h * l.mask_w))
            fail(CVLFIC_ERR_BUFFER_TOO_SMALL);
        std::vector<uint8_t> m(l.mask_h * l.mask_w);
        Planes rec;
        try {
            decode_payload(l, s.payload, s.payload_size, m.data(), rec);
        } catch (const Failure &f) {
            // The checksum held, so a payload that runs out is inconsistent, not cut.
            fail(f.status == CVLFIC_ERR_TRUNCATED ? CVLFIC_ERR_CORRUPT : f.status);
        }
        if (recon) store_planes(l, rec, recon);
        if (mask) std::memcpy(mask, m.data(), m.size());
    });
}

int cvlfic_reconstruct(const uint8_t *img, size_t height, size_t width, size_t stride, int profile, int levels,
                       const uint8_t *mask, uint8_t *recon, size_t recon_capacity) {
    return guarded([&] {
        Planes planes;
        const Layout l = prepare(img, height, width, stride, profile, levels, mask, planes);
        if (!recon || recon_capacity < height * width * 3) fail(CVLFIC_ERR_BUFFER_TOO_SMALL);
        Planes rec;
        fill_blocks(l, mask, pool_blocks(l, planes, mask), rec);
        store_planes(l, rec, recon);
    });
}

int cvlfic_analyze(const uint8_t *img, size_t height, size_t width, size_t stride, int profile, int levels,
                   const uint8_t *mask, int model, cvlfic_analysis *out, uint8_t *residual_bytes,
                   size_t residual_capacity, size_t *residual_size) {
    return guarded([&] {
        if (!out || model < CVLFIC_MODEL_V1 || model > CVLFIC_MODEL_V1_UNTRAINED) fail(CVLFIC_ERR_ARGUMENT);
        Planes planes;
        const Layout l = prepare(img, height, width, stride, profile, levels, mask, planes);
        ModelOptions opt;
        opt.v1_prediction = model != CVLFIC_MODEL_DPCM && model != CVLFIC_MODEL_DPCM_CONTEXTS;
        opt.contexts = model != CVLFIC_MODEL_DPCM && model != CVLFIC_MODEL_V1_PREDICTOR_ONLY;
        opt.trained = model == CVLFIC_MODEL_V1;  // the table was trained for v1 only
        const Analysis a = analyze_payload(l, mask, pool_blocks(l, planes, mask), opt);
        out->ideal_bits = a.bits;
        out->mask_bits = a.mask_bits;
        out->symbols = a.symbols;
        out->mask_symbols = a.mask_symbols;
        out->binary_decisions = a.decisions;
        if (residual_size) copy_out(a.symbol_bytes, residual_bytes, residual_capacity, residual_size);
    });
}

}  // extern "C"
