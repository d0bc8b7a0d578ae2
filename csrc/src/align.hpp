// Face alignment: dlib's 5-point face chip (get_face_chip_details + extract_image_chip),
// recomputed step by step so that the crop is byte-identical to dlib's for the same points.
#pragma once
#include <cstddef>
#include <cstdint>

namespace cvlfic {

constexpr double kAlignPadding = 0.25;       // the standard crop's padding
constexpr double kAlignMaxCoordinate = 1048576.0;  // |landmark| limit (2^20 pixels)

// dlib's chip_details of a face: the rectangle the chip covers (image pixels, dlib's
// inclusive drectangle: width = right - left + 1), its rotation, and the chip side.
struct ChipDetails {
    double left, top, right, bottom;
    double angle;
    size_t size;
};

// The chip of the 5 landmarks ((x, y) pairs, dlib's order), rounded to whole pixels first
// (ties to even, as Python's round) like cvlfic.align_face. Fails with CVLFIC_ERR_ARGUMENT
// when a landmark is not finite or beyond kAlignMaxCoordinate, or when the fit is
// degenerate (the crop would cover at most one image pixel).
ChipDetails face_chip_details(const float landmarks[10], size_t size, double padding);

// The similarity the crop is sampled with, image (x, y) -> crop (u, v):
// u = t[0] x + t[1] y + t[2], v = t[3] x + t[4] y + t[5]. Where the crop is taken from a
// pyramid level (a crop under half the face's size) this includes the level's shift.
void chip_image_to_crop(const ChipDetails &chip, double t[6]);

// Warp `img` (height x width x channels, rows `stride` bytes apart; channels 1 or 3) to the
// chip: `out` gets chip.size rows of chip.size * channels bytes, `out_stride` apart. Pixels
// sampled outside the image are 0. Memory beyond the output: none, unless the chip is more
// than 2x smaller than the face, where a 2:1 pyramid of the covered source area is built
// (at most a third of that area's bytes, held two levels at a time).
void warp_chip(const uint8_t *img, size_t height, size_t width, size_t stride, int channels,
               const ChipDetails &chip, uint8_t *out, size_t out_stride);

}  // namespace cvlfic
