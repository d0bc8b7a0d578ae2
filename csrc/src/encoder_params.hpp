// A model's encoder parameters (its `encoder.bin`, docs/encoder-params.md): what the fast
// mask search needs besides the face. Parsed and validated here, and nowhere else.
#pragma once
#include <cstddef>
#include <cstdint>
#include <vector>

#include "profiles.hpp"

namespace cvlfic {

constexpr uint32_t kParamsMagic = 0x5045464Cu;  // "LFEP", little-endian
constexpr int kParamsVersion = 1;
constexpr size_t kParamsMaxLevels = 16;    // level candidates
constexpr size_t kParamsMaxRates = 64;     // calibrated (bpp, levels) pairs
constexpr size_t kParamsMaxPriorSide = 64; // prior grid side (regions)

struct EncoderParams {
    const Profile *profile = nullptr;
    std::vector<int> level_candidates;     // increasing; [0] = the coarsest (smallest streams)
    std::vector<double> rate_bpp;          // increasing, > 0
    std::vector<int> rate_levels;          // level count for each rate_bpp
    double gray_share = 1.0;               // (0, 1]: a gray face's share of a bpp/quality budget
    std::vector<double> step_cost;         // num_sizes - 1 costs of each refinement step, or empty
    size_t prior_h = 0, prior_w = 0;       // grid of the importance prior (0 x 0: none)
    std::vector<double> weight;            // prior_h * prior_w region weights, >= 0
};

// Fails with CVLFIC_ERR_PARAMS on anything but a valid blob of this version.
EncoderParams parse_params(const uint8_t *data, size_t size);

uint32_t crc32(const uint8_t *data, size_t size);  // zlib's CRC-32

}  // namespace cvlfic

namespace cvlfic {
// The blob of `params`, which must be valid (parse_params(write_params(p)) == p).
std::vector<uint8_t> write_params(const EncoderParams &params);
}  // namespace cvlfic
