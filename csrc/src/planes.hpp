// Colour conversion into three padded planes, and back to the packed H x W x 3 output.
#pragma once
#include <cstdint>
#include <memory>

#include "profiles.hpp"

namespace cvlfic {

// Three planes of padded_h x padded_w, row-major, plane after plane. Not initialised: every
// user writes each pixel before reading it (the blocks tile the padded planes).
struct Planes {
    size_t w = 0, h = 0;
    std::unique_ptr<uint8_t[]> data;
    uint8_t *plane(int p) { return data.get() + static_cast<size_t>(p) * w * h; }
    const uint8_t *plane(int p) const { return data.get() + static_cast<size_t>(p) * w * h; }
    void resize(size_t width, size_t height) {
        if (data && width * height == w * h) {
            w = width, h = height;
            return;
        }
        w = width, h = height;
        data.reset(new uint8_t[3 * w * h]);
    }
};

// The forward colour transform of format v1 (one definition: load_planes applies it, and
// cvlfic_colour_transform hands it to reimplementations such as the torch RAP). Plane p of a
// pixel (b, g, r) is min(255, (coef[p][0] b + coef[p][1] g + coef[p][2] r + coef[p][3]) >> shift);
// the sums are never negative, so the shift is a floor division.
struct ColourTransform {
    int coef[3][4];
    int shift;
};

// JPEG full-range YCbCr in integers: floor(x / 256) of each weighted sum, plus 128 to round;
// the chroma sums lie in [-32640, 32768], so their offset adds 32768 (= 128 * 256), which
// makes them non-negative and puts the chroma's +128 inside the shift. Cb and Cr can reach
// 256 (pure blue, pure red): the min clips them to 255.
inline constexpr ColourTransform kYCbCrTransform = {{{29, 150, 77, 128},
                                                     {128, -85, -43, 128 + 32768},
                                                     {-21, -107, 128, 128 + 32768}},
                                                    8};
// BGR profiles keep the pixel's channels as they are.
inline constexpr ColourTransform kIdentityTransform = {{{1, 0, 0, 0}, {0, 1, 0, 0}, {0, 0, 1, 0}}, 0};

inline const ColourTransform &colour_transform(Colour colour) {
    return colour == Colour::YCbCr ? kYCbCrTransform : kIdentityTransform;
}

// Hot loops over pixels that SSE2 (the x86-64 baseline) cannot vectorize but SSSE3 can (its
// byte shuffles split interleaved BGR): on x86-64 with GCC or Clang, such a function is
// compiled twice and the loader picks the SSSE3 one where the CPU has it. Same results.
#if defined(__x86_64__) && defined(__ELF__) && (defined(__GNUC__) || defined(__clang__))
#define CVLFIC_PIXEL_LOOP __attribute__((target_clones("ssse3", "default")))
#else
#define CVLFIC_PIXEL_LOOP
#endif

// One BGR image row -> the three planes' rows (padded_w each), the last pixel replicated into
// the padding.
void convert_row(const Layout &layout, const uint8_t *src, uint8_t *a, uint8_t *b, uint8_t *c);

// BGR image -> profile colour planes, padded by edge replication to the layout's padded size.
void load_planes(const Layout &layout, const uint8_t *img, size_t stride, Planes &out);

// Crop planes to height x width and interleave them (profile plane order).
void store_planes(const Layout &layout, const Planes &planes, uint8_t *out);

}  // namespace cvlfic
