#include "search.hpp"

#include <algorithm>
#include <cmath>
#include <numeric>
#include <utility>

#include "codec.hpp"
#include "container.hpp"
#include "planes.hpp"
#include "status.hpp"

namespace cvlfic {
namespace {

constexpr double kLowestBpp = 0.03, kHighestBpp = 1.0;
// The first extrapolation's bytes per coded value, as a share of the coarsest stream's: a
// refined region's values cost less each (smoother residuals).
constexpr double kFirstSlope = 0.7;
// Secant steps in a row that may fail to halve the prefix search's bracket before it bisects.
constexpr int kStalls = 3;

// Weight of a plane's squared error: the reference plane class (luma) counts twice.
int64_t plane_weight(const Profile &prof, int plane) { return prof.plane_class[plane] == 0 ? 2 : 1; }

bool channels_equal(const uint8_t *img, size_t h, size_t w, size_t stride) {
    for (size_t y = 0; y < h; ++y) {
        const uint8_t *row = img + y * stride;
        for (size_t x = 0; x < w; ++x, row += 3)
            if (row[0] != row[1] || row[1] != row[2]) return false;
    }
    return true;
}

// Sums of the 2 x 2 blocks of two rows (w2 blocks).
CVLFIC_PIXEL_LOOP void sum_2x2(const uint8_t *__restrict r0, const uint8_t *__restrict r1, size_t w2,
                               uint32_t *__restrict out) {
    for (size_t bx = 0; bx < w2; ++bx)
        out[bx] = static_cast<uint32_t>(r0[2 * bx]) + r0[2 * bx + 1] + r1[2 * bx] + r1[2 * bx + 1];
}

// A block's mean from its sum of 4^k pixels (k >= 1), rounded half to even, without a branch:
// a half rounds up exactly when the mean's floor is odd.
inline size_t mean_to_even(int64_t sum, int k) {
    const int64_t half = int64_t{1} << (2 * k - 1);
    return static_cast<size_t>((sum + half - 1 + ((sum >> (2 * k)) & 1)) >> (2 * k));
}

}  // namespace

double bpp_for_quality(double quality) {
    return kLowestBpp * std::pow(kHighestBpp / kLowestBpp, quality / 100.0);
}

struct FaceEncoder::Choice {
    bool found = false;
    int levels = 0;
    double distortion = 0;
    std::vector<uint8_t> payload;
};

FaceEncoder::FaceEncoder(const EncoderParams &params, const FaceImage &face)
    : p_(params), height_(face.height), width_(face.width) {
    const size_t h = face.height, w = face.width;
    const uint8_t *bgr = face.pixels;
    size_t stride = face.stride;
    if (face.channels == 1) {  // gray: three equal channels
        gray_ = true;
        bgr_.resize(3 * h * w);
        for (size_t y = 0; y < h; ++y)
            for (size_t x = 0; x < w; ++x) {
                const uint8_t v = face.pixels[y * face.stride + x];
                uint8_t *o = &bgr_[3 * (y * w + x)];
                o[0] = o[1] = o[2] = v;
            }
        bgr = bgr_.data();
        stride = 3 * w;
    } else {
        gray_ = channels_equal(bgr, h, w, stride);
    }

    // Block sums S1 of every block side of every plane, from side 2 (sums of 2 x 2
    // pixels, converted two rows at a time and never stored as planes) to the plane's
    // largest side, each side from four blocks of the next smaller. (Every profile's blocks
    // are at least 2 wide; a plane whose smallest side is larger keeps the finer sums unused.)
    const Profile &prof = *p_.profile;
    const Layout l = make_layout(prof, p_.level_candidates[0], h, w);
    mask_h_ = l.mask_h;
    mask_w_ = l.mask_w;
    int hi_of[3];
    size_t total = 0;
    offset_.assign(3 * 8, 0);  // [plane * 8 + log2 side]
    for (int c = 0; c < 3; ++c) {
        hi_of[c] = 1;
        for (int s = 0; s < prof.num_sizes; ++s) hi_of[c] = std::max(hi_of[c], side_log2(prof.sizes[c][s]));
        for (int k = 1; k <= hi_of[c]; ++k) {
            offset_[c * 8 + k] = total;
            total += (l.padded_w >> k) * (l.padded_h >> k);
        }
    }
    // 32 bits hold any block's sum: sides are at most 128 pixels (side_log2), 128^2 * 255 < 2^32.
    s1_.reset(new uint32_t[total]);

    const size_t pw = l.padded_w, w2 = l.padded_w / 2, h2 = l.padded_h / 2;
    std::vector<uint8_t> rows(6 * pw);
    for (size_t by = 0; by < h2; ++by) {
        for (size_t j = 0; j < 2; ++j) {
            const size_t y = std::min(2 * by + j, h - 1);  // rows past the image repeat its last
            uint8_t *o = rows.data() + 3 * j * pw;
            convert_row(l, bgr + y * stride, o, o + pw, o + 2 * pw);
        }
        for (int c = 0; c < 3; ++c) {
            const uint8_t *r0 = rows.data() + c * pw;
            sum_2x2(r0, r0 + 3 * pw, w2, s1_.get() + offset_[c * 8 + 1] + by * w2);
        }
    }
    for (int c = 0; c < 3; ++c)
        for (int k = 2; k <= hi_of[c]; ++k) {
            const size_t fw = l.padded_w >> (k - 1), gw = l.padded_w >> k, gh = l.padded_h >> k;
            const uint32_t *f1 = s1_.get() + offset_[c * 8 + k - 1];
            uint32_t *o1 = s1_.get() + offset_[c * 8 + k];
            for (size_t by = 0; by < gh; ++by)
                for (size_t bx = 0; bx < gw; ++bx) {
                    const size_t i = 2 * by * fw + 2 * bx;
                    o1[by * gw + bx] = f1[i] + f1[i + 1] + f1[i + fw] + f1[i + fw + 1];
                }
        }
}

size_t FaceEncoder::budget(RateKind kind, double rate) {
    double bytes;
    if (kind == RateKind::MaxBytes) {
        if (!(rate >= 1 && rate <= 1e15)) fail(CVLFIC_ERR_ARGUMENT);
        return static_cast<size_t>(rate);
    }
    if (kind == RateKind::Bpp) {
        if (!(rate > 0 && rate <= 1e6)) fail(CVLFIC_ERR_ARGUMENT);
        bytes = rate * static_cast<double>(height_) * static_cast<double>(width_) / 8.0;
    } else if (kind == RateKind::Quality) {
        if (!(rate >= 0 && rate <= 100)) fail(CVLFIC_ERR_ARGUMENT);
        bytes = bpp_for_quality(rate) * static_cast<double>(height_) * static_cast<double>(width_) / 8.0;
    } else {
        fail(CVLFIC_ERR_ARGUMENT);
    }
    size_t budget = static_cast<size_t>(bytes);
    if (gray_) budget = static_cast<size_t>(static_cast<double>(budget) * p_.gray_share);
    if (kind == RateKind::Quality) budget = std::max(budget, smallest_stream());
    return budget;
}

void FaceEncoder::pooled_values(const Layout &l, int s, std::vector<uint8_t> &q, std::vector<size_t> *q_at) const {
    const Profile &prof = *p_.profile;
    size_t per_region = 0;
    for (int c = 0; c < 3; ++c) {
        const size_t per = static_cast<size_t>(prof.region / prof.sizes[c][s]);
        per_region += per * per;
    }
    size_t at = q.size();
    q.resize(at + mask_h_ * mask_w_ * per_region);
    uint8_t *out = q.data();
    const uint8_t *quant = l.quant->q;
    for (size_t ry = 0; ry < mask_h_; ++ry)
        for (size_t rx = 0; rx < mask_w_; ++rx) {
            if (q_at) q_at->push_back(at);
            for (const int c : prof.order) {
                const int k = side_log2(prof.sizes[c][s]);
                const size_t gw = l.padded_w >> k, per = static_cast<size_t>(prof.region) >> k;
                const uint32_t half = (uint32_t{1} << (2 * k)) >> 1;
                const uint32_t *sums = s1_.get() + offset_[c * 8 + k] + ry * per * gw + rx * per;
                for (size_t by = 0; by < per; ++by, sums += gw)
                    for (size_t bx = 0; bx < per; ++bx) out[at++] = quant[(sums[bx] + half) >> (2 * k)];
            }
        }
}

std::vector<uint8_t> FaceEncoder::stream(const Layout &l, const std::vector<uint8_t> &payload) const {
    std::vector<uint8_t> out;
    write_header(l, out);
    out.insert(out.end(), payload.begin(), payload.end());
    append_crc(out);
    return out;
}

size_t FaceEncoder::smallest_stream() {
    if (smallest_ < 0) {
        const Layout l = make_layout(*p_.profile, p_.level_candidates[0], height_, width_);
        std::vector<uint8_t> header;
        write_header(l, header);
        const std::vector<uint8_t> mask(mask_h_ * mask_w_, 0);
        std::vector<uint8_t> q, payload;
        pooled_values(l, 0, q, nullptr);  // the largest blocks everywhere
        encode_payload(l, mask.data(), q, payload);
        smallest_ = static_cast<long>(header.size() + payload.size() + 2);
    }
    return static_cast<size_t>(smallest_);
}

std::vector<int> FaceEncoder::levels_for_budget(size_t budget) const {
    if (p_.rate_bpp.empty()) return p_.level_candidates;
    const double bpp = std::max(8.0 * static_cast<double>(budget) / static_cast<double>(height_ * width_), 1e-6);
    size_t nearest = 0;
    double best = 0;
    for (size_t i = 0; i < p_.rate_bpp.size(); ++i) {
        const double r = p_.rate_bpp[i], d = std::max(r / bpp, bpp / r);  // distance in log rate
        if (i == 0 || d < best) best = d, nearest = i;
    }
    return {p_.rate_levels[nearest]};
}

FaceEncoder::Choice FaceEncoder::search(const std::vector<int> &level_candidates, size_t budget) {
    const Profile &prof = *p_.profile;
    const int n_sizes = prof.num_sizes, n_steps = n_sizes - 1;
    const size_t regions = mask_h_ * mask_w_, per_region = static_cast<size_t>(prof.region);
    const bool prior = p_.prior_h == mask_h_ && p_.prior_w == mask_w_;

    // Coded values of one region at each block index (the cost proxy of the prefix search).
    std::vector<int64_t> values(static_cast<size_t>(n_sizes), 0);
    for (int s = 0; s < n_sizes; ++s)
        for (int c = 0; c < 3; ++c) values[s] += static_cast<int64_t>((per_region / prof.sizes[c][s]) * (per_region / prof.sizes[c][s]));

    Choice best;
    std::vector<int64_t> err(regions * n_sizes);
    std::vector<double> gain(regions * n_steps);
    std::vector<uint32_t> order(regions * n_steps), sequence(regions * n_steps);
    std::vector<int64_t> cost(sequence.size() + 1);
    std::vector<uint8_t> mask(regions), header;
    for (const int levels : level_candidates) {
        const Layout l = make_layout(prof, levels, height_, width_);
        const Quantizer &qz = *l.quant;
        header.clear();
        write_header(l, header);
        const size_t overhead = header.size() + 2;

        // Weighted squared error of each region at each block index against the quantizer's
        // ideal levels (the index i of the block mean rounded half to even, times
        // 255 / (L - 1): the measure the prior and the exponents are calibrated with), less
        // the region's sum of squared pixels (S2, the same at every index, so gains and
        // comparisons do not change), in integers scaled by (L - 1)^2: sum over blocks of
        // n^2 D^2 - 2 (L - 1) D S1, D = 255 i. At most 2^50 per plane and region (sides up to
        // 128, D up to 255^2), so int64 holds it.
        const int64_t steps = levels - 1;
        for (size_t ry = 0; ry < mask_h_; ++ry)
            for (size_t rx = 0; rx < mask_w_; ++rx)
                for (int s = 0; s < n_sizes; ++s) {
                    int64_t e = 0;
                    for (int c = 0; c < 3; ++c) {
                        const int k = side_log2(prof.sizes[c][s]);
                        const size_t gw = l.padded_w >> k, per = per_region >> k;
                        const int64_t nn = int64_t{1} << (2 * k);
                        int64_t pe = 0;
                        for (size_t by = 0; by < per; ++by)
                            for (size_t bx = 0; bx < per; ++bx) {
                                const size_t i = offset_[c * 8 + k] + (ry * per + by) * gw + rx * per + bx;
                                const int64_t a = static_cast<int64_t>(s1_[i]);
                                const int64_t d = int64_t{255} * qz.q[mean_to_even(a, k)];
                                pe += d * (nn * d - 2 * steps * a);
                            }
                        e += plane_weight(prof, c) * pe;
                    }
                    err[(ry * mask_w_ + rx) * n_sizes + s] = e;
                }

        // Greedy order: each step refines the region whose next step removes the most
        // weighted error per unit of cost; a region's gains are made non-increasing from
        // coarse to fine, so one stable sort gives the order with every region's steps in turn.
        for (size_t r = 0; r < regions; ++r) {
            const double w = prior ? p_.weight[r] : 1.0;
            for (int s = 0; s < n_steps; ++s) {
                double g = w * static_cast<double>(err[r * n_sizes + s] - err[r * n_sizes + s + 1]);
                if (!p_.step_cost.empty()) g /= p_.step_cost[s];
                if (s > 0) g = std::min(g, gain[r * n_steps + s - 1]);
                gain[r * n_steps + s] = g;
            }
        }
        std::iota(order.begin(), order.end(), 0u);
        std::stable_sort(order.begin(), order.end(), [&](uint32_t a, uint32_t b) { return gain[a] > gain[b]; });
        std::vector<int> level_of(regions, 0);
        cost[0] = 0;
        for (size_t i = 0; i < order.size(); ++i) {
            const uint32_t r = order[i] / static_cast<uint32_t>(n_steps);
            sequence[i] = r;
            const int s = level_of[r]++;
            cost[i + 1] = cost[i] + values[s + 1] - values[s];
        }

        // Pooled values of every region at every level, in coding order.
        std::vector<uint8_t> q_by_size[CVLFIC_MAX_SIZES];
        std::vector<size_t> q_at[CVLFIC_MAX_SIZES];
        for (int s = 0; s < n_sizes; ++s) pooled_values(l, s, q_by_size[s], &q_at[s]);
        // Longest prefix of the sequence whose stream fits (size_of is almost monotonic in k).
        ProbeCoder coder(l, q_by_size, q_at);
        auto pool = [&](size_t k) {
            std::fill(mask.begin(), mask.end(), 0);
            for (size_t i = 0; i < k; ++i) ++mask[sequence[i]];
        };
        const size_t total = sequence.size();
        std::vector<long> sizes(total + 2, -1);
        // Every probe writes its payload (a few hundred bytes; the arithmetic is the same):
        // the longest fitting prefix's is then the result, without coding it again.
        std::vector<uint8_t> probe_payload, lo_payload;
        auto probe = [&](size_t k) {
            pool(k);
            sizes[k] = static_cast<long>(overhead + coder.code(mask.data(), &probe_payload));
            if (static_cast<size_t>(sizes[k]) <= budget) lo_payload.swap(probe_payload);
            return static_cast<size_t>(sizes[k]);
        };
        if (probe(0) > budget) continue;
        // The first step extrapolates from the coarsest stream with a fraction of its bytes
        // per coded value; every later one is a secant through the two probed prefixes whose
        // sizes are closest to the budget, kept inside the bracket. After kStalls steps in a
        // row that fail to halve the bracket, or on a secant that does not rise, it bisects.
        size_t lo = 0, hi = total + 1;  // lo fits; hi: first known not to (or past the end)
        double first = kFirstSlope * static_cast<double>(sizes[0] - static_cast<long>(overhead)) /
                       static_cast<double>(values[0] * static_cast<int64_t>(regions));
        if (!(first > 0)) first = 1.0;  // an empty coarsest payload (a tiny image): one byte per value
        std::vector<size_t> probed{0};
        int stalls = 0;
        auto at_cost = [&](double target) {  // searchsorted(cost, target, "right") - 1, inside the bracket
            const long at = static_cast<long>(std::upper_bound(cost.begin(), cost.begin() + static_cast<long>(total + 1), target,
                                                               [](double t, int64_t c) { return t < static_cast<double>(c); }) -
                                              cost.begin()) - 1;
            return static_cast<size_t>(std::min(std::max(at, static_cast<long>(lo + 1)), static_cast<long>(hi - 1)));
        };
        auto off_budget = [&](size_t k) { return std::labs(sizes[k] - static_cast<long>(budget)); };
        while (hi - lo > 1) {
            const size_t width = hi - lo;
            size_t mid;
            if (probed.size() == 1) {
                mid = at_cost(static_cast<double>(cost[0]) + static_cast<double>(static_cast<long>(budget) - sizes[0]) / first);
            } else {
                // The two closest to the budget, ties to the shorter prefix (probed is small).
                size_t a = probed[0], b = probed[1];
                auto closer = [&](size_t x, size_t y) { return off_budget(x) < off_budget(y) || (off_budget(x) == off_budget(y) && x < y); };
                if (closer(b, a)) std::swap(a, b);
                for (size_t i = 2; i < probed.size(); ++i) {
                    const size_t k = probed[i];
                    if (closer(k, a)) b = a, a = k;
                    else if (closer(k, b)) b = k;
                }
                const double slope = cost[b] != cost[a] ? static_cast<double>(sizes[b] - sizes[a]) / static_cast<double>(cost[b] - cost[a]) : 0.0;
                if (stalls >= kStalls || !(slope > 0))
                    mid = (lo + hi) / 2;
                else
                    mid = at_cost(static_cast<double>(cost[a]) + static_cast<double>(static_cast<long>(budget) - sizes[a]) / slope);
            }
            probed.push_back(mid);
            if (probe(mid) <= budget)
                lo = mid;
            else
                hi = mid;
            stalls = 2 * (hi - lo) > width ? stalls + 1 : 0;
        }
        pool(lo);
        double distortion = 0;  // in pixel units, comparable across level counts
        for (size_t r = 0; r < regions; ++r)
            distortion += (prior ? p_.weight[r] : 1.0) * static_cast<double>(err[r * n_sizes + mask[r]]);
        distortion /= static_cast<double>(steps * steps);
        if (!best.found || distortion < best.distortion) {
            best.found = true;
            best.levels = levels;
            best.distortion = distortion;
            best.payload = std::move(lo_payload);
        }
    }
    return best;
}

std::vector<uint8_t> FaceEncoder::encode(size_t budget) {
    const std::vector<int> candidates = levels_for_budget(budget);
    Choice c = search(candidates, budget);
    const std::vector<int> coarsest{p_.level_candidates[0]};
    if (!c.found && candidates != coarsest) c = search(coarsest, budget);
    if (!c.found) fail(CVLFIC_ERR_BUDGET);
    return stream(make_layout(*p_.profile, c.levels, height_, width_), c.payload);
}

}  // namespace cvlfic
