#include "range_coder.hpp"

namespace cvlfic {

void BinEncoder::carry() {
    // The interval never leaves [0, 1), so a carry always finds a byte below 0xFF. (A
    // counting encoder has no bytes to change: a carry never changes their number.)
    if (out_)
        for (size_t i = out_->size(); i-- > 0;)
            if (++(*out_)[i] != 0) break;
    low_ &= 0xFFFFFFFFu;
}

uint64_t termination(uint64_t low, uint32_t range, int &bytes) {
    const uint64_t end = low + range;
    for (bytes = 0; bytes < 4; ++bytes) {
        const uint64_t unit = 1ull << (32 - 8 * bytes);
        const uint64_t value = (low + unit - 1) & ~(unit - 1);
        if (value < end) return value;
    }
    return low;
}

void BinEncoder::finish() {
    int bytes = 0;
    low_ = termination(low_, range_, bytes);
    if (low_ >> 32) carry();
    // Only the significant bytes: the decoder reads zeros past the end.
    if (out_)
        for (int i = 0; i < bytes; ++i) out_->push_back(static_cast<uint8_t>(low_ >> (24 - 8 * i)));
    count_ += static_cast<size_t>(bytes);
}

bool BinDecoder::canonical_end() const {
    // The window holds value - low for the encoder's final low: recover low, redo finish().
    const uint32_t low = window_ - code_;
    int bytes = 0;
    const uint64_t value = termination(low, range_, bytes);
    // Exactly the bytes the encoder wrote: none left over, none missing (a decoder that ran
    // past the end of a damaged payload is caught here).
    return static_cast<uint32_t>(value) == window_ && size_ == pos_ - 4 + static_cast<size_t>(bytes);
}

}  // namespace cvlfic
