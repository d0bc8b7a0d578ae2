// Pooling, prediction and coding of one image's mask and block values (the payload).
#pragma once
#include <cstdint>
#include <vector>

#include "model.hpp"
#include "planes.hpp"
#include "profiles.hpp"

namespace cvlfic {

// Fails with CVLFIC_ERR_ARGUMENT if a mask entry is not a block-size index of the profile.
void check_mask(const Layout &layout, const uint8_t *mask);

// Encoder stage 1: quantized pooled value of every block, in coding order.
std::vector<uint8_t> pool_blocks(const Layout &layout, const Planes &planes, const uint8_t *mask);

// Dequantized block values replicated over their blocks (the reconstruction, padded).
void fill_blocks(const Layout &layout, const uint8_t *mask, const std::vector<uint8_t> &q, Planes &rec);

// Encoder stage 2: mask + block values -> range-coded payload (`out` must start empty: the
// coder's carries and its trailing-zero trimming act on the whole vector).
void encode_payload(const Layout &layout, const uint8_t *mask, const std::vector<uint8_t> &q,
                    std::vector<uint8_t> &out);

// Payload -> mask (mask_h x mask_w) and reconstruction planes; fails CVLFIC_ERR_CORRUPT.
void decode_payload(const Layout &layout, const uint8_t *data, size_t size, uint8_t *mask, Planes &rec);

struct Analysis {
    double bits = 0, mask_bits = 0;
    size_t symbols = 0, mask_symbols = 0, decisions = 0;
    std::vector<uint8_t> symbol_bytes;  // mask indices, then residuals as int8
};

Analysis analyze_payload(const Layout &layout, const uint8_t *mask, const std::vector<uint8_t> &q,
                         const ModelOptions &options);

// Training of the initial probabilities: adds the 0/1 counts of every context
// (counts[2 * context + bit]) met while coding this image.
void count_decisions(const Layout &layout, const uint8_t *mask, const std::vector<uint8_t> &q,
                     std::vector<uint32_t> &counts);

}  // namespace cvlfic
