#include "planes.hpp"

#include <algorithm>

namespace cvlfic {
namespace {

// Plane P of kYCbCrTransform in 16-bit arithmetic, so a SIMD unit converts eight pixels per
// instruction where the compiler vectorizes convert_row. Less lift(P) * 2^shift, every sum of
// plane P lies in [0, 65535] (checked at compile time), so the 16-bit sum is exact and the
// floor division adds the lift back after the shift: the same values as the formula in
// planes.hpp.
constexpr int kShift = kYCbCrTransform.shift;
constexpr int sum_bound(int p, bool high) {
    int v = kYCbCrTransform.coef[p][3];
    for (int i = 0; i < 3; ++i)
        if ((kYCbCrTransform.coef[p][i] > 0) == high) v += kYCbCrTransform.coef[p][i] * 255;
    return v;
}
constexpr int lift(int p) { return sum_bound(p, true) > 65535 ? 1 : 0; }
constexpr bool fits_16_bits(int p) {
    return sum_bound(p, false) - (lift(p) << kShift) >= 0 && sum_bound(p, true) - (lift(p) << kShift) <= 65535;
}
static_assert(kShift == 8 && fits_16_bits(0) && fits_16_bits(1) && fits_16_bits(2),
              "every plane's lifted sum fits 16 bits");

template <int P>
inline uint8_t ycc_plane(uint16_t b, uint16_t g, uint16_t r) {
    constexpr const int *c = kYCbCrTransform.coef[P];
    const uint16_t sum = static_cast<uint16_t>(static_cast<uint16_t>(c[0]) * b + static_cast<uint16_t>(c[1]) * g +
                                               static_cast<uint16_t>(c[2]) * r +
                                               static_cast<uint16_t>(c[3] - (lift(P) << kShift)));
    const uint16_t v = static_cast<uint16_t>((sum >> kShift) + lift(P));
    return static_cast<uint8_t>(v < 255 ? v : 255);
}

}  // namespace

CVLFIC_PIXEL_LOOP void convert_row(const Layout &layout, const uint8_t *src, uint8_t *__restrict a, uint8_t *__restrict b,
                 uint8_t *__restrict c) {
    const size_t width = layout.width, padded = layout.padded_w;  // locals: the stores may alias layout
    if (layout.profile->colour == Colour::YCbCr) {
        for (size_t x = 0; x < width; ++x) {
            const uint16_t bb = src[3 * x], gg = src[3 * x + 1], rr = src[3 * x + 2];
            a[x] = ycc_plane<0>(bb, gg, rr);
            b[x] = ycc_plane<1>(bb, gg, rr);
            c[x] = ycc_plane<2>(bb, gg, rr);
        }
    } else
        for (size_t x = 0; x < width; ++x) a[x] = src[3 * x], b[x] = src[3 * x + 1], c[x] = src[3 * x + 2];
    std::fill(a + width, a + padded, a[width - 1]);
    std::fill(b + width, b + padded, b[width - 1]);
    std::fill(c + width, c + padded, c[width - 1]);
}

void load_planes(const Layout &layout, const uint8_t *img, size_t stride, Planes &out) {
    out.resize(layout.padded_w, layout.padded_h);
    // Convert the image rows, then replicate the last row into the padding.
    for (size_t y = 0; y < layout.height; ++y) {
        const size_t o = y * out.w;
        convert_row(layout, img + y * stride, out.plane(0) + o, out.plane(1) + o, out.plane(2) + o);
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
