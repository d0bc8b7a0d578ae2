#include "codec.hpp"

#include <cstring>
#include <memory>
#include <type_traits>

namespace cvlfic {
namespace {

constexpr int kMaxBlocksPerRegion = 64;  // (16 / 2)^2 in ycc16

// A block side known at compile time: the loops over a block unroll.
template <size_t N>
using Side = std::integral_constant<size_t, N>;

// The blocks of one region (mask index s): the planes in the profile's coding order; in each
// plane the blocks in raster order. `visit` gets the side as a Side<n> (it converts to
// size_t), one instance per block side.
template <class F>
void for_each_block_of(const Layout &l, size_t rx, size_t ry, int s, F &&visit) {
    const Profile &prof = *l.profile;
    const size_t region = static_cast<size_t>(prof.region);
    for (const int p : prof.order) {
        auto blocks = [&](auto n) {
            int k = 0;  // block index inside the region
            for (size_t by = 0; by < region; by += n)
                for (size_t bx = 0; bx < region; bx += n) visit(p, s, k++, rx * region + bx, ry * region + by, n);
        };
        switch (prof.sizes[p][s]) {
        case 1: blocks(Side<1>{}); break;
        case 2: blocks(Side<2>{}); break;
        case 4: blocks(Side<4>{}); break;
        case 8: blocks(Side<8>{}); break;
        case 16: blocks(Side<16>{}); break;
        default: fail(CVLFIC_ERR_INTERNAL);  // no profile has another block side
        }
    }
}

// Regions in raster order.
template <class F>
void for_each_block(const Layout &l, const uint8_t *mask, F &&visit) {
    for (size_t ry = 0; ry < l.mask_h; ++ry)
        for (size_t rx = 0; rx < l.mask_w; ++rx) for_each_block_of(l, rx, ry, mask[ry * l.mask_w + rx], visit);
}

// Block sides are powers of two: means are shifts.
inline int rounded_mean(unsigned sum, int log2_count) {
    return static_cast<int>((sum + ((1u << log2_count) >> 1)) >> log2_count);
}

struct Prediction {
    int value;     // predicted pixel value of the block
    int activity;  // activity bucket (context)
};

// From the already reconstructed pixels around the block: mean of the column to the left,
// mean of the row above, the pixel above-left.
template <size_t n>
Prediction predict(const uint8_t *plane, size_t stride, size_t x0, size_t y0, Side<n>, const Quantizer &qz,
                   bool v1_prediction) {
    constexpr int log2n = side_log2(n);
    if (x0 == 0 && y0 == 0) return {128, 0};
    if (y0 == 0) {
        unsigned sum = 0;
        for (size_t i = 0; i < n; ++i) sum += plane[i * stride + x0 - 1];
        return {v1_prediction ? rounded_mean(sum, log2n) : plane[x0 - 1], 0};
    }
    const uint8_t *above = plane + (y0 - 1) * stride + x0;
    if (x0 == 0) {
        unsigned sum = 0;
        for (size_t i = 0; i < n; ++i) sum += above[i];
        return {v1_prediction ? rounded_mean(sum, log2n) : above[0], 0};
    }
    unsigned sl = 0, sa = 0;
    for (size_t i = 0; i < n; ++i) {
        sl += plane[(y0 + i) * stride + x0 - 1];
        sa += above[i];
    }
    const int a = rounded_mean(sl, log2n), b = rounded_mean(sa, log2n), c = above[-1];
    const int qa = qz.q[a], qb = qz.q[b], qc = qz.q[c];
    const int act = activity_bucket(std::abs(qa - qc) + std::abs(qb - qc));
    if (!v1_prediction) return {above[0], act};  // the paper's DPCM: the value above
    // (a + b) / 2 plus an eighth of the gradient a + b - 2c, kept between a and b: c is a
    // single pixel (noisy) while a and b are means, so it gets a small weight. Measured
    // better than MED and than plain (a + b) / 2 (docs/bitstream.md).
    const int lo = std::min(a, b), hi = std::max(a, b);
    const int value = std::min(hi, std::max(lo, (5 * a + 5 * b - 2 * c + 4) / 8));
    return {value, act};
}

// Sets an n x n block to one value: rows of constant-size copies, each one store.
template <size_t n>
void fill(uint8_t *plane, size_t stride, size_t x0, size_t y0, Side<n>, uint8_t value) {
    const uint64_t word = value * 0x0101010101010101ull;
    uint8_t *row = plane + y0 * stride + x0;
    for (size_t i = 0; i < n; ++i, row += stride) {
        if (n >= 8) {
            for (size_t x = 0; x < n; x += 8) std::memcpy(row + x, &word, 8);
        } else {
            std::memcpy(row, &word, n);
        }
    }
}

template <class Bin>
void code_mask(const Layout &l, Bin &bin, Contexts &c, uint8_t *mask, bool contexts) {
    const int n = l.profile->num_sizes;
    for (size_t y = 0; y < l.mask_h; ++y)
        for (size_t x = 0; x < l.mask_w; ++x) {
            const int left = (contexts && x > 0) ? mask[y * l.mask_w + x - 1] : 4;
            const int above = (contexts && y > 0) ? mask[(y - 1) * l.mask_w + x] : 4;
            uint8_t &v = mask[y * l.mask_w + x];
            v = static_cast<uint8_t>(code_mask_entry(bin, c, left, above, n, v));
        }
}

// One block: prediction from the reconstructed pixels left of and above it, its residual
// coded (encoder: q given; decoder: have_q false), its reconstruction filled. Shared by
// encoder, decoder, meter and the search's decision log. `ref_residual` carries the
// reference plane's residuals of this region to the later planes (cross-plane profiles).
template <class Bin, size_t n>
int code_block(const Layout &l, int p, int s, int k, size_t x0, size_t y0, Side<n> side, int q, Bin &bin, Contexts &c,
               const ModelOptions &opt, Planes &rec, int *ref_residual) {
    const int levels = l.levels;
    const Quantizer &qz = *l.quant;
    const Profile &prof = *l.profile;
    const int ref = prof.order[0];
    uint8_t *plane = rec.plane(p);
    const Prediction pr = predict(plane, rec.w, x0, y0, side, qz, opt.v1_prediction);
    int qpred = qz.q[pr.value];
    int act = opt.contexts ? pr.activity : 0;
    if (prof.cross_plane && opt.v1_prediction && p != ref) {
        // Cross-plane (profiles whose planes share block sizes): the co-located block of
        // the reference plane is already coded and its residual tends to recur here, so
        // it is added to the prediction and raises the activity context.
        const int r0 = ref_residual[k];
        qpred = std::min(levels - 1, std::max(0, qpred + r0));
        if (opt.contexts) act = std::min(Contexts::kActivity - 1, act + std::abs(r0));
    }
    const int cls = opt.contexts ? prof.plane_class[p] : 0;
    const int size = opt.contexts ? s : 0;
    const int value = code_residual(bin, c, cls, size, act, q, qpred, levels);
    if (p == ref) ref_residual[k] = value - qpred;  // k: raster index inside the region
    fill(plane, rec.w, x0, y0, side, qz.d[value]);
    return value - qpred;
}

// One region's blocks (encoder: q read from q[*qi] on; decoder: q == nullptr).
template <class Bin>
void code_region(const Layout &l, size_t rx, size_t ry, int s, const uint8_t *q, size_t *qi, Bin &bin, Contexts &c,
                 const ModelOptions &opt, Planes &rec, std::vector<uint8_t> *residuals) {
    int ref_residual[kMaxBlocksPerRegion];
    for_each_block_of(l, rx, ry, s, [&](int p, int s_, int k, size_t x0, size_t y0, auto n) {
        const int r = code_block(l, p, s_, k, x0, y0, n, q ? q[(*qi)++] : 0, bin, c, opt, rec, ref_residual);
        if (residuals) residuals->push_back(static_cast<uint8_t>(r));
    });
}

// The block loop: every region in raster order.
template <class Bin>
void code_blocks(const Layout &l, const uint8_t *mask, const uint8_t *q, Bin &bin, Contexts &c,
                 const ModelOptions &opt, Planes &rec, std::vector<uint8_t> *residuals) {
    size_t qi = 0;
    for (size_t ry = 0; ry < l.mask_h; ++ry)
        for (size_t rx = 0; rx < l.mask_w; ++rx)
            code_region(l, rx, ry, mask[ry * l.mask_w + rx], q, &qi, bin, c, opt, rec, residuals);
}

// Counts the 0s and 1s of every context, for training the initial probabilities.
class BinCounter {
public:
    BinCounter(const Contexts &c, std::vector<uint32_t> &counts) : c_(c), counts_(counts) {}
    int code(Prob &prob, int bit) {
        ++counts_[2 * static_cast<size_t>(c_.index_of(prob)) + (bit ? 1 : 0)];
        prob.update(bit);
        return bit;
    }
    int bypass(int bit) { return bit; }

private:
    const Contexts &c_;
    std::vector<uint32_t> &counts_;
};

}  // namespace

void check_mask(const Layout &l, const uint8_t *mask) {
    for (size_t i = 0; i < l.mask_h * l.mask_w; ++i)
        if (mask[i] >= l.profile->num_sizes) fail(CVLFIC_ERR_ARGUMENT);
}

std::vector<uint8_t> pool_blocks(const Layout &l, const Planes &planes, const uint8_t *mask) {
    std::vector<uint8_t> q;
    q.reserve(3 * l.padded_h * l.padded_w / 4);
    for_each_block(l, mask, [&](int p, int, int, size_t x0, size_t y0, auto n) {
        const uint8_t *src = planes.plane(p) + y0 * planes.w + x0;
        unsigned sum = 0;
        for (size_t y = 0; y < n; ++y, src += planes.w)
            for (size_t x = 0; x < n; ++x) sum += src[x];
        q.push_back(l.quant->q[rounded_mean(sum, 2 * side_log2(n))]);
    });
    return q;
}

void fill_blocks(const Layout &l, const uint8_t *mask, const std::vector<uint8_t> &q, Planes &rec) {
    rec.resize(l.padded_w, l.padded_h);
    size_t i = 0;
    for_each_block(l, mask, [&](int p, int, int, size_t x0, size_t y0, auto n) {
        fill(rec.plane(p), rec.w, x0, y0, n, l.quant->d[q[i++]]);
    });
}

void encode_payload(const Layout &l, const uint8_t *mask, const std::vector<uint8_t> &q,
                    std::vector<uint8_t> &out) {
    auto c = std::make_unique<Contexts>(l.profile->id, l.levels, true);
    BinEncoder bin(out);
    std::vector<uint8_t> m(mask, mask + l.mask_h * l.mask_w);
    code_mask(l, bin, *c, m.data(), true);
    Planes rec;
    rec.resize(l.padded_w, l.padded_h);
    code_blocks(l, mask, q.data(), bin, *c, ModelOptions{}, rec, nullptr);
    bin.finish();
}

void decode_payload(const Layout &l, const uint8_t *data, size_t size, uint8_t *mask, Planes &rec) {
    auto c = std::make_unique<Contexts>(l.profile->id, l.levels, true);
    BinDecoder bin;
    if (!bin.start(data, size)) fail(CVLFIC_ERR_CORRUPT);
    std::memset(mask, 0, l.mask_h * l.mask_w);
    code_mask(l, bin, *c, mask, true);
    rec.resize(l.padded_w, l.padded_h);
    code_blocks(l, mask, nullptr, bin, *c, ModelOptions{}, rec, nullptr);
    // Only the exact bytes the encoder would write are accepted.
    if (!bin.canonical_end()) fail(CVLFIC_ERR_CORRUPT);
}

Analysis analyze_payload(const Layout &l, const uint8_t *mask, const std::vector<uint8_t> &q,
                         const ModelOptions &opt) {
    Analysis a;
    auto c = std::make_unique<Contexts>(l.profile->id, l.levels, opt.trained);
    BinMeter meter;
    std::vector<uint8_t> m(mask, mask + l.mask_h * l.mask_w);
    code_mask(l, meter, *c, m.data(), opt.contexts);
    a.mask_bits = meter.bits();
    a.mask_symbols = m.size();
    a.symbol_bytes = m;
    Planes rec;
    rec.resize(l.padded_w, l.padded_h);
    code_blocks(l, mask, q.data(), meter, *c, opt, rec, &a.symbol_bytes);
    a.bits = meter.bits();
    a.decisions = meter.decisions();
    a.symbols = a.symbol_bytes.size();
    return a;
}

void count_decisions(const Layout &l, const uint8_t *mask, const std::vector<uint8_t> &q,
                     std::vector<uint32_t> &counts) {
    auto c = std::make_unique<Contexts>(l.profile->id, l.levels, false);
    counts.resize(2 * Contexts::kTotal);
    BinCounter counter(*c, counts);
    std::vector<uint8_t> m(mask, mask + l.mask_h * l.mask_w);
    code_mask(l, counter, *c, m.data(), true);
    Planes rec;
    rec.resize(l.padded_w, l.padded_h);
    code_blocks(l, mask, q.data(), counter, *c, ModelOptions{}, rec, nullptr);
}

namespace {

// Records the binary decisions of a region as (context index << 1 | bit); a bypass decision
// has the index Contexts::kTotal. Which decisions a region makes depends on its values and
// its neighbours' reconstruction, never on the adaptive probabilities.
class DecisionLog {
public:
    DecisionLog(std::vector<uint16_t> &log, const Contexts &c) : log_(log), c_(c) {}
    int code(Prob &prob, int bit) {
        log_.push_back(static_cast<uint16_t>(c_.index_of(prob) << 1 | bit));
        return bit;
    }
    int bypass(int bit) {
        log_.push_back(static_cast<uint16_t>(Contexts::kTotal << 1 | bit));
        return bit;
    }

private:
    std::vector<uint16_t> &log_;
    const Contexts &c_;
};

// Codes logged decisions with the adaptive probabilities of `c`.
template <class Bin>
void replay(const uint16_t *log, size_t n, Contexts &c, Bin &bin) {
    for (size_t i = 0; i < n; ++i) {
        const int index = log[i] >> 1, bit = log[i] & 1;
        if (index == Contexts::kTotal)
            bin.bypass(bit);
        else
            bin.code(c.at(index), bit);
    }
}

}  // namespace

ProbeCoder::ProbeCoder(const Layout &layout, const std::vector<uint8_t> (&q_by_size)[CVLFIC_MAX_SIZES],
                       const std::vector<size_t> (&q_at)[CVLFIC_MAX_SIZES])
    : l_(layout),
      initial_(std::make_unique<Contexts>(layout.profile->id, layout.levels, true)),
      regions_(layout.mask_h * layout.mask_w),
      q_by_size_(q_by_size),
      q_at_(q_at),
      filled_(regions_, 0xFF),
      scratch_(std::make_unique<Contexts>(*initial_)),
      slots_(size_t{1} << kFirstSlotBits, {kEmpty, 0}) {
    rec_.resize(l_.padded_w, l_.padded_h);
    spans_.reserve(slots_.size() / 2);
    // About the decisions of two models of every region at its finest blocks.
    pool_.reserve(2 * 3 * l_.padded_w * l_.padded_h / 4);
}

ProbeCoder::~ProbeCoder() = default;

int ProbeCoder::level(const uint8_t *mask, long rx, long ry) const {
    if (rx < 0 || ry < 0 || rx >= static_cast<long>(l_.mask_w)) return kOutside;
    return mask[static_cast<size_t>(ry) * l_.mask_w + static_cast<size_t>(rx)];
}

void ProbeCoder::fill_region(size_t r, int s) {
    if (filled_[r] == s) return;
    const size_t rx = r % l_.mask_w, ry = r / l_.mask_w;
    const uint8_t *q = q_by_size_[s].data() + q_at_[s][r];
    size_t i = 0;
    for_each_block_of(l_, rx, ry, s, [&](int p, int, int, size_t x0, size_t y0, auto n) {
        fill(rec_.plane(p), rec_.w, x0, y0, n, l_.quant->d[q[i++]]);
    });
    filled_[r] = static_cast<uint8_t>(s);
}

// The decisions of region r at its level, with its left, above and above-left neighbours
// at the levels of `mask`: modeled once, then looked up. (A block's decisions depend on the
// neighbours only through the pixels its prediction reads, and never on the adaptive
// probabilities.)
ProbeCoder::Span ProbeCoder::decisions(const uint8_t *mask, size_t r) {
    const long rx = static_cast<long>(r % l_.mask_w), ry = static_cast<long>(r / l_.mask_w);
    const int s = mask[r], left = level(mask, rx - 1, ry), above = level(mask, rx, ry - 1),
              corner = level(mask, rx - 1, ry - 1);
    const uint64_t key = static_cast<uint64_t>(r) * 500 + static_cast<uint64_t>(((s * 5 + left) * 5 + above) * 5 + corner);
    // Open addressing, linear probing; the table stays at most half full.
    size_t slot = slot_of(key);
    for (; slots_[slot].first != kEmpty; slot = (slot + 1) & (slots_.size() - 1))
        if (slots_[slot].first == key) return spans_[slots_[slot].second];
    if (left != kOutside) fill_region(r - 1, left);
    if (above != kOutside) fill_region(r - l_.mask_w, above);
    if (corner != kOutside) fill_region(r - l_.mask_w - 1, corner);
    DecisionLog bin(pool_, *scratch_);
    const size_t start = pool_.size();
    size_t qi = q_at_[s][r];
    code_region(l_, static_cast<size_t>(rx), static_cast<size_t>(ry), s, q_by_size_[s].data(), &qi, bin, *scratch_,
                ModelOptions{}, rec_, nullptr);
    filled_[r] = static_cast<uint8_t>(s);
    slots_[slot] = {key, static_cast<uint32_t>(spans_.size())};
    spans_.push_back({start, pool_.size() - start});
    if (2 * spans_.size() > slots_.size()) grow_slots();
    return spans_.back();
}

size_t ProbeCoder::slot_of(uint64_t key) const {
    return static_cast<size_t>((key * 0x9E3779B97F4A7C15ull) >> (64 - slot_bits_));  // Fibonacci hashing
}

void ProbeCoder::grow_slots() {
    std::vector<std::pair<uint64_t, uint32_t>> old(2 * slots_.size(), {kEmpty, 0});
    old.swap(slots_);
    ++slot_bits_;
    for (const auto &entry : old) {
        if (entry.first == kEmpty) continue;
        size_t slot = slot_of(entry.first);
        while (slots_[slot].first != kEmpty) slot = (slot + 1) & (slots_.size() - 1);
        slots_[slot] = entry;
    }
}

size_t ProbeCoder::code(const uint8_t *mask, std::vector<uint8_t> *out) {
    // Look up (or model) every region first: the pool may grow while modeling.
    order_.clear();
    for (size_t r = 0; r < regions_; ++r) order_.push_back(decisions(mask, r));
    std::vector<uint8_t> m(mask, mask + regions_);
    Contexts c = *initial_;
    if (out) {
        out->clear();
        BinEncoder enc(*out);
        code_mask(l_, enc, c, m.data(), true);
        for (const Span &span : order_) replay(pool_.data() + span.start, span.count, c, enc);
        enc.finish();
        return out->size();
    }
    BinEncoder counter;  // counts only
    code_mask(l_, counter, c, m.data(), true);
    for (const Span &span : order_) replay(pool_.data() + span.start, span.count, c, counter);
    counter.finish();
    return counter.size();
}

}  // namespace cvlfic
