#include "search.hpp"

#include <algorithm>
#include <cmath>
#include <numeric>

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

int log2_side(int n) {
    int s = 0;
    while ((1 << s) < n) ++s;
    return s;
}

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

    // Block sums S1 and S2 of every block side of every plane: the smallest side from the
    // pixels, each larger one from four of the next smaller.
    const Profile &prof = *p_.profile;
    const Layout l = make_layout(prof, p_.level_candidates[0], h, w);
    mask_h_ = l.mask_h;
    mask_w_ = l.mask_w;
    Planes planes;
    load_planes(l, bgr, stride, planes);
    offset_.assign(3 * 8, 0);  // [plane * 8 + log2 side]
    std::vector<uint32_t> t1, t2;
    for (int c = 0; c < 3; ++c) {
        int lo = 8, hi = 0;
        for (int s = 0; s < prof.num_sizes; ++s) {
            lo = std::min(lo, log2_side(prof.sizes[c][s]));
            hi = std::max(hi, log2_side(prof.sizes[c][s]));
        }
        size_t gw = l.padded_w >> lo, gh = l.padded_h >> lo;
        size_t at = s1_.size();
        offset_[c * 8 + lo] = at;
        s1_.resize(at + gw * gh);
        s2_.resize(at + gw * gh);
        // Sums of 2 x 2 blocks (every profile's blocks are at least 2 wide), then of the
        // smallest block side of this plane.
        const uint8_t *src = planes.plane(c);
        const size_t w2 = l.padded_w / 2, h2 = l.padded_h / 2;
        t1.resize(w2 * h2);
        t2.resize(w2 * h2);
        for (size_t by = 0; by < h2; ++by) {
            const uint8_t *r0 = src + 2 * by * planes.w, *r1 = r0 + planes.w;
            for (size_t bx = 0; bx < w2; ++bx) {
                const uint32_t a = r0[2 * bx], b = r0[2 * bx + 1], d = r1[2 * bx], e = r1[2 * bx + 1];
                t1[by * w2 + bx] = a + b + d + e;
                t2[by * w2 + bx] = a * a + b * b + d * d + e * e;
            }
        }
        const size_t per = size_t{1} << (lo - 1);  // 2 x 2 blocks per side of the smallest block
        for (size_t by = 0; by < gh; ++by)
            for (size_t bx = 0; bx < gw; ++bx) {
                uint64_t a = 0, b = 0;
                for (size_t y = 0; y < per; ++y)
                    for (size_t x = 0; x < per; ++x) {
                        a += t1[(by * per + y) * w2 + bx * per + x];
                        b += t2[(by * per + y) * w2 + bx * per + x];
                    }
                s1_[at + by * gw + bx] = a;
                s2_[at + by * gw + bx] = b;
            }
        for (int k = lo + 1; k <= hi; ++k) {
            const size_t from = offset_[c * 8 + k - 1], fw = gw;
            gw >>= 1, gh >>= 1;
            at = s1_.size();
            offset_[c * 8 + k] = at;
            s1_.resize(at + gw * gh);
            s2_.resize(at + gw * gh);
            for (size_t by = 0; by < gh; ++by)
                for (size_t bx = 0; bx < gw; ++bx) {
                    const size_t i = from + 2 * by * fw + 2 * bx;
                    s1_[at + by * gw + bx] = s1_[i] + s1_[i + 1] + s1_[i + fw] + s1_[i + fw + 1];
                    s2_[at + by * gw + bx] = s2_[i] + s2_[i + 1] + s2_[i + fw] + s2_[i + fw + 1];
                }
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
    for (size_t ry = 0; ry < mask_h_; ++ry)
        for (size_t rx = 0; rx < mask_w_; ++rx) {
            if (q_at) q_at->push_back(q.size());
            for (const int c : prof.order) {
                const int k = log2_side(prof.sizes[c][s]);
                const size_t gw = l.padded_w >> k, per = static_cast<size_t>(prof.region) >> k;
                const uint64_t half = (uint64_t{1} << (2 * k)) >> 1;
                const size_t base = offset_[c * 8 + k] + ry * per * gw + rx * per;
                for (size_t by = 0; by < per; ++by)
                    for (size_t bx = 0; bx < per; ++bx) q.push_back(l.quant->q[(s1_[base + by * gw + bx] + half) >> (2 * k)]);
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

        // Weighted squared error of each region at each block index, exactly as the core
        // pools and quantizes: sum over blocks of S2 - 2 d S1 + n^2 d^2.
        for (size_t ry = 0; ry < mask_h_; ++ry)
            for (size_t rx = 0; rx < mask_w_; ++rx)
                for (int s = 0; s < n_sizes; ++s) {
                    int64_t e = 0;
                    for (int c = 0; c < 3; ++c) {
                        const int k = log2_side(prof.sizes[c][s]);
                        const size_t gw = l.padded_w >> k, per = per_region >> k;
                        const int64_t nn = int64_t{1} << (2 * k);
                        int64_t pe = 0;
                        for (size_t by = 0; by < per; ++by)
                            for (size_t bx = 0; bx < per; ++bx) {
                                const size_t i = offset_[c * 8 + k] + (ry * per + by) * gw + rx * per + bx;
                                const int64_t a = static_cast<int64_t>(s1_[i]), b = static_cast<int64_t>(s2_[i]);
                                const int64_t d = qz.d[qz.q[(a + nn / 2) >> (2 * k)]];
                                pe += b - 2 * d * a + nn * d * d;
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
        auto probe = [&](size_t k) {
            pool(k);
            sizes[k] = static_cast<long>(overhead + coder.code(mask.data()));
            return static_cast<size_t>(sizes[k]);
        };
        if (probe(0) > budget) continue;
        // Until a prefix fails, extrapolate from the fitting side: the slope (bytes per coded
        // value) of the last two fitting prefixes, at first a fraction of the coarsest
        // stream's. Then interpolate inside the bracket, bisecting whenever an interpolation
        // step fails to halve it.
        size_t lo = 0, hi = total + 1;  // lo fits; hi: first known not to (or past the end)
        double slope = kFirstSlope * static_cast<double>(sizes[0] - static_cast<long>(overhead)) /
                       static_cast<double>(values[0] * static_cast<int64_t>(regions));
        if (!(slope > 0)) slope = 1.0;  // an empty coarsest payload (a tiny image): one byte per value
        bool bisect_next = false;
        auto at_cost = [&](double target) {  // searchsorted(cost, target, "right") - 1, inside the bracket
            const long at = static_cast<long>(std::upper_bound(cost.begin(), cost.begin() + static_cast<long>(total + 1), target,
                                                               [](double t, int64_t c) { return t < static_cast<double>(c); }) -
                                              cost.begin()) - 1;
            return static_cast<size_t>(std::min(std::max(at, static_cast<long>(lo + 1)), static_cast<long>(hi - 1)));
        };
        while (hi - lo > 1) {
            const size_t width = hi - lo;
            size_t mid;
            if (hi > total) {
                mid = at_cost(static_cast<double>(cost[lo]) + static_cast<double>(static_cast<long>(budget) - sizes[lo]) / slope);
            } else if (bisect_next) {
                mid = (lo + hi) / 2;
            } else {
                const long span = sizes[hi] - sizes[lo];
                mid = at_cost(static_cast<double>(cost[lo]) + static_cast<double>(static_cast<long>(budget) - sizes[lo]) /
                                                                  static_cast<double>(std::max(span, 1L)) *
                                                                  static_cast<double>(cost[hi] - cost[lo]));
            }
            if (probe(mid) <= budget) {
                if (sizes[mid] > sizes[lo] && cost[mid] > cost[lo])
                    slope = static_cast<double>(sizes[mid] - sizes[lo]) / static_cast<double>(cost[mid] - cost[lo]);
                lo = mid;
            } else {
                hi = mid;
            }
            bisect_next = hi <= total && !bisect_next && 2 * (hi - lo) > width;
        }
        pool(lo);
        std::vector<uint8_t> lo_payload;
        if (overhead + coder.code(mask.data(), &lo_payload) != static_cast<size_t>(sizes[lo]))
            fail(CVLFIC_ERR_INTERNAL);  // the counted size must be the written one
        double distortion = 0;
        for (size_t r = 0; r < regions; ++r)
            distortion += (prior ? p_.weight[r] : 1.0) * static_cast<double>(err[r * n_sizes + mask[r]]);
        if (!best.found || distortion < best.distortion) {
            best.found = true;
            best.levels = levels;
            best.distortion = distortion;
            best.payload = lo_payload;
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
