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

// BGR image -> profile colour planes, padded by edge replication to the layout's padded size.
void load_planes(const Layout &layout, const uint8_t *img, size_t stride, Planes &out);

// Crop planes to height x width and interleave them (profile plane order).
void store_planes(const Layout &layout, const Planes &planes, uint8_t *out);

}  // namespace cvlfic
