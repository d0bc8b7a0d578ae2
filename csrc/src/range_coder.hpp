// Integer-only adaptive binary range coder (format v1).
//
// 32-bit range, 64-bit low with carry propagation into the output buffer, 16-bit
// probabilities. Termination writes the fewest bytes (0 to 4) that pin a value inside the
// final interval, as the decoder reads zeros past the end: a face is only a few hundred
// bytes, so every flushed byte counts. The decoder then checks that the data is exactly
// what the encoder would have written, which catches most damaged payloads.
#pragma once
#include "status.hpp"
#include <cmath>
#include <cstdint>
#include <vector>

namespace cvlfic {

// Adaptation rates 1/(n+2) in 1/65536.
struct RateTable {
    uint32_t v[64];
    constexpr RateTable() : v() {
        for (int n = 0; n < 64; ++n) v[n] = 65536u / static_cast<uint32_t>(n + 2);
    }
};
constexpr RateTable kRates{};

// Adaptive probability of a 0 bit, in 1/65536. Adapts like a KT estimator (rate 1/(n+2))
// for the first observations, then at a fixed rate 1/kRateLimit: fast learning matters
// because a face only has a few hundred symbols.
class Prob {
public:
    static constexpr uint32_t kRateLimit = 24;  // <= 65 (size of kRates)
    static constexpr uint32_t kMin = 64, kMax = 65536 - 64;

    Prob() = default;
    // A trained start: probability p0 of a 0, already `count` observations into adaptation.
    // p0 is kept inside [kMin, kMax], as every update keeps it (v1's trained tables are).
    Prob(uint32_t p0, uint32_t count)
        : p_(p0 < kMin ? kMin : (p0 > kMax ? kMax : p0)), n_(count < kRateLimit - 2 ? count : kRateLimit - 2) {}

    uint32_t p0() const { return p_; }
    void update(int bit) {
        const uint32_t r = kRates.v[n_];
        // A 1 only lowers p_ and a 0 only raises it, so each side needs one bound (p_ starts
        // inside [kMin, kMax]).
        if (bit) {
            p_ -= (p_ * r) >> 16;
            p_ = p_ < kMin ? kMin : p_;
        } else {
            p_ += ((65536 - p_) * r) >> 16;
            p_ = p_ > kMax ? kMax : p_;
        }
        if (n_ < kRateLimit - 2) ++n_;
    }

private:
    uint32_t p_ = 32768;
    uint32_t n_ = 0;
};

// The terminating value: the one in [low, low + range) with the most trailing zero bytes
// (low < 2^32; the result may carry to 2^32). Sets `bytes` to how many of its 4 window
// bytes are significant.
uint64_t termination(uint64_t low, uint32_t range, int &bytes);

class BinEncoder {
public:
    explicit BinEncoder(std::vector<uint8_t> &out) : out_(&out) {}
    // Writes nothing: counts the bytes an encoder with an output would write (size()).
    BinEncoder() = default;

    int code(Prob &prob, int bit) {
        put(prob.p0(), bit);
        prob.update(bit);
        return bit;
    }
    int bypass(int bit) {
        put(32768, bit);
        return bit;
    }
    void finish();
    // Bytes written so far (all of them after finish()).
    size_t size() const { return count_; }

private:
    void put(uint32_t p0, int bit) {
        const uint32_t bound = (range_ >> 16) * p0;
        if (bit) {
            low_ += bound;
            range_ -= bound;
            if (low_ >> 32) carry();  // only a 1 moves low_
        } else {
            range_ = bound;
        }
        while (range_ < (1u << 24)) {
            if (out_) out_->push_back(static_cast<uint8_t>(low_ >> 24));
            ++count_;
            low_ = (low_ << 8) & 0xFFFFFFFFu;
            range_ <<= 8;
        }
    }
    void carry();

    std::vector<uint8_t> *out_ = nullptr;
    size_t count_ = 0;
    uint64_t low_ = 0;
    uint32_t range_ = 0xFFFFFFFFu;
};

class BinDecoder {
public:
    // Returns false if the first bytes cannot start any valid stream.
    bool start(const uint8_t *data, size_t size) {
        data_ = data;
        size_ = size;
        for (int i = 0; i < 4; ++i) code_ = (code_ << 8) | next();
        return code_ < range_;
    }
    int code(Prob &prob, int) {
        const int bit = get(prob.p0());
        prob.update(bit);
        return bit;
    }
    int bypass(int) { return get(32768); }
    // After the last symbol: true if the data is exactly what BinEncoder::finish wrote
    // (same termination value, no byte more), so any other byte string is rejected.
    bool canonical_end() const;

private:
    uint32_t next() {
        uint32_t b = 0;
        if (pos_ < size_) {
            b = data_[pos_];
        } else if (pos_ - size_ >= 4) {
            // A valid stream never needs more than 4 zero bytes past its end (the encoder
            // omits at most 4 trailing bytes, see BinEncoder::finish): stop here rather
            // than decode zeros for the rest of the image a damaged or forged header claims.
            fail(CVLFIC_ERR_TRUNCATED);
        }
        ++pos_;
        window_ = (window_ << 8) | b;
        return b;
    }
    int get(uint32_t p0) {
        const uint32_t bound = (range_ >> 16) * p0;
        int bit;
        if (code_ < bound) {
            range_ = bound;
            bit = 0;
        } else {
            code_ -= bound;
            range_ -= bound;
            bit = 1;
        }
        while (range_ < (1u << 24)) {
            code_ = (code_ << 8) | next();
            range_ <<= 8;
        }
        return bit;
    }

    const uint8_t *data_ = nullptr;
    size_t size_ = 0, pos_ = 0;  // pos_ counts the zeros read past the end too
    uint32_t window_ = 0;        // the last 4 bytes read
    uint32_t code_ = 0;
    uint32_t range_ = 0xFFFFFFFFu;
};

// Measures the ideal code length (-log2 p per decision) under the same adaptive model.
class BinMeter {
public:
    int code(Prob &prob, int bit) {
        const double p0 = prob.p0() / 65536.0;
        bits_ -= std::log2(bit ? 1.0 - p0 : p0);
        ++decisions_;
        prob.update(bit);
        return bit;
    }
    int bypass(int bit) {
        bits_ += 1.0;
        ++decisions_;
        return bit;
    }
    double bits() const { return bits_; }
    size_t decisions() const { return decisions_; }

private:
    double bits_ = 0;
    size_t decisions_ = 0;
};

}  // namespace cvlfic
