// The C ABI of alignment (cvlfic_align_*): argument checks, then align.cpp.
#include <cstdint>

#include "align.hpp"
#include "cvlfic/cvlfic.h"
#include "status.hpp"

using namespace cvlfic;

namespace {

bool side_ok(size_t height, size_t width) {
    return height >= 1 && width >= 1 && height <= CVLFIC_MAX_SIDE && width <= CVLFIC_MAX_SIDE &&
           height * width <= CVLFIC_MAX_PIXELS;
}

ChipDetails chip_or_fail(const float landmarks[10], size_t size) {
    if (!landmarks || size < 2 || !side_ok(size, size)) fail(CVLFIC_ERR_ARGUMENT);
    return face_chip_details(landmarks, size, kAlignPadding);
}

}  // namespace

extern "C" {

int cvlfic_align_transform(const float landmarks[10], size_t size, double transform[6]) {
    return guarded([&] {
        if (!transform) fail(CVLFIC_ERR_ARGUMENT);
        const ChipDetails chip = chip_or_fail(landmarks, size);
        double t[6];
        chip_image_to_crop(chip, t);
        for (int i = 0; i < 6; ++i) transform[i] = t[i];
    });
}

int cvlfic_align_face(const uint8_t *img, size_t height, size_t width, size_t stride, int channels,
                      const float landmarks[10], size_t size, uint8_t *out, size_t out_stride) {
    return guarded([&] {
        if (!img || !out || (channels != 1 && channels != 3) || !side_ok(height, width))
            fail(CVLFIC_ERR_ARGUMENT);
        const size_t ch = static_cast<size_t>(channels);
        // Rows must hold their pixels, and the last row must be addressable.
        if (stride < width * ch || stride > SIZE_MAX / height) fail(CVLFIC_ERR_ARGUMENT);
        const ChipDetails chip = chip_or_fail(landmarks, size);
        if (out_stride < size * ch || out_stride > SIZE_MAX / size) fail(CVLFIC_ERR_ARGUMENT);
        warp_chip(img, height, width, stride, channels, chip, out, out_stride);
    });
}

}  // extern "C"
