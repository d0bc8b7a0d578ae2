// Pooling, prediction and coding of one image's mask and block values (the payload).
#pragma once
#include <cstdint>
#include <memory>
#include <utility>
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

// Sizes (and payloads) of one image's streams under many masks, exactly as encode_payload
// writes them. The binary decisions of a region depend only on its level and its left,
// above and above-left neighbours' levels (not on the adaptive probabilities), so each such
// combination is modeled once; a mask then costs one pass of the arithmetic over the logged
// decisions. q_by_size[s] holds the quantized pooled values of every region at level s, in
// coding order within each region, region r's starting at q_at[s][r].
class ProbeCoder {
public:
    ProbeCoder(const Layout &layout, const std::vector<uint8_t> (&q_by_size)[CVLFIC_MAX_SIZES],
               const std::vector<size_t> (&q_at)[CVLFIC_MAX_SIZES]);
    ~ProbeCoder();
    // Payload bytes of the image under `mask`; with `out`, also the payload itself.
    size_t code(const uint8_t *mask, std::vector<uint8_t> *out = nullptr);

private:
    struct Span {
        size_t start, count;
    };
    static constexpr int kOutside = 4;  // a neighbour beyond the image
    int level(const uint8_t *mask, long rx, long ry) const;
    void fill_region(size_t r, int s);
    Span decisions(const uint8_t *mask, size_t r);

    Layout l_;
    std::unique_ptr<Contexts> initial_;
    size_t regions_;
    const std::vector<uint8_t> (&q_by_size_)[CVLFIC_MAX_SIZES];
    const std::vector<size_t> (&q_at_)[CVLFIC_MAX_SIZES];
    Planes rec_;
    std::vector<uint8_t> filled_;        // level each region of rec_ holds (0xFF: none)
    std::unique_ptr<Contexts> scratch_;  // contexts the modeling touches (never read back)
    static constexpr uint64_t kEmpty = ~uint64_t{0};
    static constexpr int kFirstSlotBits = 10;
    size_t slot_of(uint64_t key) const;
    void grow_slots();
    // Hash table: (region, its level, its neighbours' levels) -> index in spans_.
    std::vector<std::pair<uint64_t, uint32_t>> slots_;
    int slot_bits_ = kFirstSlotBits;
    std::vector<Span> spans_;
    std::vector<uint16_t> pool_;         // decisions: context index << 1 | bit
    std::vector<Span> order_;
};

}  // namespace cvlfic
