#include "range_coder.hpp"

namespace cvlfic {

void BinEncoder::carry() {
    // The interval never leaves [0, 1), so a carry always finds a byte below 0xFF.
    for (size_t i = out_.size(); i-- > 0;)
        if (++out_[i] != 0) break;
    low_ &= 0xFFFFFFFFu;
}

void BinEncoder::finish() {
    // Pick the value in [low, low + range) with the most trailing zero bytes.
    const uint64_t end = low_ + range_;
    for (int bytes = 0; bytes <= 4; ++bytes) {
        const uint64_t unit = 1ull << (32 - 8 * bytes);
        const uint64_t value = (low_ + unit - 1) & ~(unit - 1);
        if (value >= end) continue;
        low_ = value;
        if (low_ >> 32) carry();
        for (int i = 0; i < bytes; ++i) out_.push_back(static_cast<uint8_t>(low_ >> (24 - 8 * i)));
        break;
    }
    while (!out_.empty() && out_.back() == 0) out_.pop_back();
}

}  // namespace cvlfic
