#include "planes.hpp"

#include <algorithm>

namespace cvlfic {
namespace {

// floor(x / 256) for any sign (>> on negative ints is implementation-defined before C++20).
inline int floor_div256(int x) { return x >= 0 ? x / 256 : -((-x + 255) / 256); }
inline uint8_t clamp8(int v) { return static_cast<uint8_t>(std::min(255, std::max(0, v))); }

// JPEG full-range YCbCr, integer form of format v1.
inline void to_ycc(int b, int g, int r, uint8_t *y, uint8_t *cb, uint8_t *cr) {
    *y = clamp8(floor_div256(77 * r + 150 * g + 29 * b + 128));
    *cb = clamp8(floor_div256(-43 * r - 85 * g + 128 * b + 128) + 128);
    *cr = clamp8(floor_div256(128 * r - 107 * g - 21 * b + 128) + 128);
}

}  // namespace

void load_planes(const Layout &layout, const uint8_t *img, size_t stride, Planes &out) {
    out.resize(layout.padded_w, layout.padded_h);
    uint8_t *p0 = out.plane(0), *p1 = out.plane(1), *p2 = out.plane(2);
    const bool ycc = layout.profile->colour == Colour::YCbCr;
    // Convert the image rows, then replicate the last column and row into the padding.
    for (size_t y = 0; y < layout.height; ++y) {
        const uint8_t *src = img + y * stride;
        const size_t o = y * out.w;
        for (size_t x = 0; x < layout.width; ++x, src += 3) {
            if (ycc)
                to_ycc(src[0], src[1], src[2], p0 + o + x, p1 + o + x, p2 + o + x);
            else
                p0[o + x] = src[0], p1[o + x] = src[1], p2[o + x] = src[2];
        }
        for (int p = 0; p < 3; ++p) {
            uint8_t *row = out.plane(p) + o;
            std::fill(row + layout.width, row + out.w, row[layout.width - 1]);
        }
    }
    for (int p = 0; p < 3; ++p) {
        uint8_t *plane = out.plane(p);
        const uint8_t *last = plane + (layout.height - 1) * out.w;
        for (size_t y = layout.height; y < out.h; ++y) std::copy(last, last + out.w, plane + y * out.w);
    }
}

void store_planes(const Layout &layout, const Planes &planes, uint8_t *out) {
    const uint8_t *p0 = planes.plane(0), *p1 = planes.plane(1), *p2 = planes.plane(2);
    for (size_t y = 0; y < layout.height; ++y) {
        const size_t o = y * planes.w;
        for (size_t x = 0; x < layout.width; ++x, out += 3) {
            out[0] = p0[o + x];
            out[1] = p1[o + x];
            out[2] = p2[o + x];
        }
    }
}

}  // namespace cvlfic
