#include "encoder_params.hpp"

#include <cmath>
#include <cstring>

#include "status.hpp"

namespace cvlfic {
namespace {

// Bounds-checked little-endian reader; every read past the end is a parameter error.
class Reader {
public:
    Reader(const uint8_t *data, size_t size) : data_(data), size_(size) {}
    uint8_t u8() { return *take(1); }
    uint16_t u16() {
        const uint8_t *p = take(2);
        return static_cast<uint16_t>(p[0] | p[1] << 8);
    }
    uint32_t u32() {
        const uint8_t *p = take(4);
        return static_cast<uint32_t>(p[0]) | static_cast<uint32_t>(p[1]) << 8 | static_cast<uint32_t>(p[2]) << 16 |
               static_cast<uint32_t>(p[3]) << 24;
    }
    double f64() {
        const uint8_t *p = take(8);
        uint64_t bits = 0;
        for (int i = 7; i >= 0; --i) bits = bits << 8 | p[i];
        double v;
        std::memcpy(&v, &bits, sizeof v);
        return v;
    }
    size_t pos() const { return pos_; }

private:
    const uint8_t *take(size_t n) {
        if (size_ - pos_ < n) fail(CVLFIC_ERR_PARAMS);
        const uint8_t *p = data_ + pos_;
        pos_ += n;
        return p;
    }
    const uint8_t *data_;
    size_t size_, pos_ = 0;
};

void require(bool ok) {
    if (!ok) fail(CVLFIC_ERR_PARAMS);
}

bool positive_finite(double v) { return std::isfinite(v) && v > 0; }

}  // namespace

uint32_t crc32(const uint8_t *data, size_t size) {
    static const struct Table {
        uint32_t t[256];
        Table() {
            for (uint32_t n = 0; n < 256; ++n) {
                uint32_t c = n;
                for (int k = 0; k < 8; ++k) c = (c & 1) ? 0xEDB88320u ^ (c >> 1) : c >> 1;
                t[n] = c;
            }
        }
    } table;
    uint32_t c = 0xFFFFFFFFu;
    for (size_t i = 0; i < size; ++i) c = table.t[(c ^ data[i]) & 0xFF] ^ (c >> 8);
    return c ^ 0xFFFFFFFFu;
}

EncoderParams parse_params(const uint8_t *data, size_t size) {
    require(data != nullptr && size >= 12);
    // The checksum first: nothing of a damaged file is interpreted.
    const uint8_t *tail = data + size - 4;
    const uint32_t stored = static_cast<uint32_t>(tail[0]) | static_cast<uint32_t>(tail[1]) << 8 |
                            static_cast<uint32_t>(tail[2]) << 16 | static_cast<uint32_t>(tail[3]) << 24;
    Reader r(data, size - 4);
    require(r.u32() == kParamsMagic);
    require(r.u8() == kParamsVersion);
    require(crc32(data, size - 4) == stored);

    EncoderParams p;
    p.profile = find_profile(r.u8());
    require(p.profile != nullptr);

    const size_t n_levels = r.u8();
    require(n_levels >= 1 && n_levels <= kParamsMaxLevels);
    // Level counts are stored as their 4-bit codes in the bitstream's table, one byte each.
    for (size_t i = 0; i < n_levels; ++i) {
        const int levels = levels_of_code(r.u8());
        require(levels > 0 && (p.level_candidates.empty() || levels > p.level_candidates.back()));
        p.level_candidates.push_back(levels);
    }

    const size_t n_rates = r.u8();
    require(n_rates <= kParamsMaxRates);
    for (size_t i = 0; i < n_rates; ++i) {
        const double bpp = r.f64();
        const int levels = levels_of_code(r.u8());
        require(positive_finite(bpp) && (p.rate_bpp.empty() || bpp > p.rate_bpp.back()) && levels > 0);
        p.rate_bpp.push_back(bpp);
        p.rate_levels.push_back(levels);
    }

    p.gray_share = r.f64();
    require(positive_finite(p.gray_share) && p.gray_share <= 1.0);

    const size_t n_steps = r.u8();
    require(n_steps == 0 || n_steps == static_cast<size_t>(p.profile->num_sizes - 1));
    for (size_t i = 0; i < n_steps; ++i) {
        const double c = r.f64();
        require(positive_finite(c));
        p.step_cost.push_back(c);
    }

    p.prior_h = r.u16();
    p.prior_w = r.u16();
    require(p.prior_h <= kParamsMaxPriorSide && p.prior_w <= kParamsMaxPriorSide &&
            (p.prior_h == 0) == (p.prior_w == 0));
    p.weight.reserve(p.prior_h * p.prior_w);
    for (size_t i = 0; i < p.prior_h * p.prior_w; ++i) {
        const double w = r.f64();
        require(std::isfinite(w) && w >= 0 && w < 1e30);
        p.weight.push_back(w);
    }
    require(r.pos() == size - 4);  // no bytes between the last field and the checksum
    return p;
}

}  // namespace cvlfic

namespace cvlfic {
namespace {

void put_u8(std::vector<uint8_t> &o, unsigned v) { o.push_back(static_cast<uint8_t>(v)); }
void put_u16(std::vector<uint8_t> &o, unsigned v) { put_u8(o, v & 0xFF), put_u8(o, v >> 8 & 0xFF); }
void put_u32(std::vector<uint8_t> &o, uint32_t v) { put_u16(o, v & 0xFFFF), put_u16(o, v >> 16); }
void put_f64(std::vector<uint8_t> &o, double v) {
    uint64_t bits;
    std::memcpy(&bits, &v, sizeof bits);
    for (int i = 0; i < 8; ++i) put_u8(o, static_cast<unsigned>(bits >> (8 * i) & 0xFF));
}

}  // namespace

std::vector<uint8_t> write_params(const EncoderParams &p) {
    std::vector<uint8_t> o;
    put_u32(o, kParamsMagic);
    put_u8(o, kParamsVersion);
    put_u8(o, static_cast<unsigned>(p.profile->id));
    put_u8(o, static_cast<unsigned>(p.level_candidates.size()));
    for (const int levels : p.level_candidates) put_u8(o, static_cast<unsigned>(code_of_levels(levels)));
    put_u8(o, static_cast<unsigned>(p.rate_bpp.size()));
    for (size_t i = 0; i < p.rate_bpp.size(); ++i) {
        put_f64(o, p.rate_bpp[i]);
        put_u8(o, static_cast<unsigned>(code_of_levels(p.rate_levels[i])));
    }
    put_f64(o, p.gray_share);
    put_u8(o, static_cast<unsigned>(p.step_cost.size()));
    for (const double c : p.step_cost) put_f64(o, c);
    put_u16(o, static_cast<unsigned>(p.prior_h));
    put_u16(o, static_cast<unsigned>(p.prior_w));
    for (const double w : p.weight) put_f64(o, w);
    put_u32(o, crc32(o.data(), o.size()));
    return o;
}

}  // namespace cvlfic
