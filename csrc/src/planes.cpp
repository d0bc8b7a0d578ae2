#include "planes.hpp"

#include <algorithm>

namespace cvlfic {
namespace {

// Plane P of kYCbCrTransform; the coefficients are compile-time constants, so this compiles
// to the same arithmetic as the formula written out.
template <int P>
inline uint8_t ycc_plane(int b, int g, int r) {
    constexpr const int *c = kYCbCrTransform.coef[P];
    return static_cast<uint8_t>(std::min(255, (c[0] * b + c[1] * g + c[2] * r + c[3]) >> kYCbCrTransform.shift));
}

inline void to_ycc(int b, int g, int r, uint8_t *y, uint8_t *cb, uint8_t *cr) {
    *y = ycc_plane<0>(b, g, r);
    *cb = ycc_plane<1>(b, g, r);
    *cr = ycc_plane<2>(b, g, r);
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
        uint8_t *__restrict a = p0 + o, *__restrict b = p1 + o, *__restrict c = p2 + o;
        if (ycc)
            for (size_t x = 0; x < layout.width; ++x) to_ycc(src[3 * x], src[3 * x + 1], src[3 * x + 2], a + x, b + x, c + x);
        else
            for (size_t x = 0; x < layout.width; ++x) a[x] = src[3 * x], b[x] = src[3 * x + 1], c[x] = src[3 * x + 2];
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
