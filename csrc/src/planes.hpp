// Colour conversion into three padded planes, and back to the packed H x W x 3 output.
#pragma once
#include <cstdint>
#include <vector>

#include "profiles.hpp"

namespace cvlfic {

// Three planes of padded_h x padded_w, row-major, plane after plane.
struct Planes {
    size_t w = 0, h = 0;
    std::vector<uint8_t> data;
    uint8_t *plane(int p) { return data.data() + static_cast<size_t>(p) * w * h; }
    const uint8_t *plane(int p) const { return data.data() + static_cast<size_t>(p) * w * h; }
    void resize(size_t width, size_t height) { w = width; h = height; data.assign(3 * w * h, 0); }
};

// BGR image -> profile colour planes, padded by edge replication to the layout's padded size.
void load_planes(const Layout &layout, const uint8_t *img, size_t stride, Planes &out);

// Crop planes to height x width and interleave them (profile plane order).
void store_planes(const Layout &layout, const Planes &planes, uint8_t *out);

}  // namespace cvlfic
