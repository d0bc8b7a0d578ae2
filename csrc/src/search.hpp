// The fast mode of the face encoder: the byte budget of a rate, the refinement order of the
// mask regions (greedy on weighted pooling error), and the longest prefix of that order whose
// stream fits the budget. docs/encoder-params.md describes the search step by step; the
// Python reference in tests/lfic/search_reference.py restates it for the tests.
#pragma once
#include <cstddef>
#include <cstdint>
#include <memory>
#include <vector>

#include "encoder_params.hpp"

namespace cvlfic {

enum class RateKind { MaxBytes = 0, Bpp = 1, Quality = 2 };

double bpp_for_quality(double quality);

// A face to encode: BGR (3 channels) or gray (1 channel, or BGR with equal channels).
struct FaceImage {
    const uint8_t *pixels;
    size_t height, width, stride;
    int channels;
};

class FaceEncoder {
public:
    FaceEncoder(const EncoderParams &params, const FaceImage &face);
    bool gray() const { return gray_; }
    // The budget of `rate` (fails CVLFIC_ERR_ARGUMENT on a rate out of its range).
    size_t budget(RateKind kind, double rate);
    // Bytes of the smallest stream: largest blocks everywhere, the coarsest level count.
    size_t smallest_stream();
    // The stream within `budget`; fails CVLFIC_ERR_BUDGET when even the smallest exceeds it.
    std::vector<uint8_t> encode(size_t budget);

private:
    struct Choice;
    Choice search(const std::vector<int> &level_candidates, size_t budget);
    std::vector<int> levels_for_budget(size_t budget) const;
    // Quantized pooled values of every region at block index s, in coding order; with q_at,
    // where each region's values start.
    void pooled_values(const Layout &layout, int s, std::vector<uint8_t> &q, std::vector<size_t> *q_at) const;
    std::vector<uint8_t> stream(const Layout &layout, const std::vector<uint8_t> &payload) const;

    const EncoderParams &p_;
    size_t height_, width_;
    bool gray_;
    std::vector<uint8_t> bgr_;     // a 1-channel face as packed BGR (three equal channels)
    std::unique_ptr<uint32_t[]> s1_;  // block sums of the planes
    std::vector<size_t> offset_;      // [plane * 8 + log2 block side] -> first block in s1_
    size_t mask_h_, mask_w_;
    long smallest_ = -1;
};

}  // namespace cvlfic
