// Context model and binarization of format v1, written once for the encoder, the decoder
// and the cost meter (Bin = BinEncoder, BinDecoder or BinMeter), so they cannot diverge.
#pragma once
#include <algorithm>
#include <cstdlib>

#include "profiles.hpp"
#include "range_coder.hpp"
#include "status.hpp"

namespace cvlfic {

struct ModelOptions {
    bool v1_prediction = true;  // false: the paper's DPCM (eq. 3)
    bool contexts = true;   // v1 contexts (false: one context per binary decision kind)
    bool trained = true;    // v1 initial probabilities (false: all 1/2)
};

// Every adaptive probability of the model, in one array (the order of the trained tables).
class Contexts {
public:
    static constexpr int kClasses = 3, kSizes = 4, kActivity = 6, kMagBins = 6;
    static constexpr int kUnary = 15;  // magnitudes above 1 + kUnary use an Exp-Golomb escape
    static constexpr int kNonzero = 0;
    static constexpr int kNegative = kNonzero + kClasses * kSizes * kActivity;
    static constexpr int kMagnitude = kNegative + kClasses;
    static constexpr int kMask = kMagnitude + kClasses * kActivity * kMagBins;
    static constexpr int kTotal = kMask + 5 * 5 * 3;

    // Trained initial probabilities of format v1 for this profile and levels, if `trained`.
    Contexts(int profile, int levels, bool trained);

    Prob &nonzero(int cls, int size, int act) { return p_[kNonzero + (cls * kSizes + size) * kActivity + act]; }
    Prob &negative(int cls) { return p_[kNegative + cls]; }
    Prob *magnitude(int cls, int act) { return &p_[kMagnitude + (cls * kActivity + act) * kMagBins]; }
    // [left][above] block-size index of the neighbouring regions (4 = outside), unary bin.
    Prob &mask(int left, int above, int bin) { return p_[kMask + (left * 5 + above) * 3 + bin]; }
    int index_of(const Prob &prob) const { return static_cast<int>(&prob - p_); }
    Prob &at(int index) { return p_[index]; }

private:
    Prob p_[kTotal];
};

// Local activity of the quantized neighbours, in 6 roughly logarithmic buckets.
inline int activity_bucket(int act) {
    static const int kBucket[9] = {0, 1, 2, 3, 3, 4, 4, 4, 4};
    return act < 9 ? kBucket[act] : 5;
}

template <class Bin>
int code_exp_golomb(Bin &bin, int value) {
    const unsigned x = static_cast<unsigned>(value) + 1;
    int nbits = 0;
    while (bin.bypass((x >> (nbits + 1)) != 0))
        if (++nbits > 8) fail(CVLFIC_ERR_CORRUPT);  // no v1 magnitude needs more
    unsigned v = 1;
    for (int i = nbits - 1; i >= 0; --i) v = (v << 1) | static_cast<unsigned>(bin.bypass((x >> i) & 1));
    return static_cast<int>(v) - 1;
}

// Codes q (encoder/meter) or decodes it (decoder ignores q), given its prediction qpred.
// The magnitude is truncated at what the level range allows, and the sign is skipped when
// only one sign is possible.
template <class Bin>
int code_residual(Bin &bin, Contexts &c, int cls, int size, int act, int q, int qpred, int levels) {
    const int r = q - qpred;
    if (!bin.code(c.nonzero(cls, size, act), r != 0)) return qpred;
    const int pos_max = levels - 1 - qpred, neg_max = qpred;
    const bool negative = (pos_max > 0 && neg_max > 0) ? bin.code(c.negative(cls), r < 0) != 0 : neg_max > 0;
    const int max = negative ? neg_max : pos_max;
    const int mag = std::abs(r);
    Prob *probs = c.magnitude(cls, act);
    int m = 1;
    while (m < max && m <= Contexts::kUnary &&
           bin.code(probs[std::min(m - 1, Contexts::kMagBins - 1)], mag > m))
        ++m;
    if (m > Contexts::kUnary && m < max) m += code_exp_golomb(bin, mag - m);
    if (m > max) fail(CVLFIC_ERR_CORRUPT);
    return negative ? qpred - m : qpred + m;
}

template <class Bin>
int code_mask_entry(Bin &bin, Contexts &c, int left, int above, int num_sizes, int index) {
    int v = 0;
    while (v < num_sizes - 1 && bin.code(c.mask(left, above, v), index > v)) ++v;
    return v;
}

}  // namespace cvlfic
