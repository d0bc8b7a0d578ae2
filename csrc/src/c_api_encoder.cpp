// The C ABI of the face encoder: encoder parameters, rate -> budget, and the fast search.
#include <algorithm>
#include <cstring>

#include "cvlfic/cvlfic.h"
#include "encoder_params.hpp"
#include "search.hpp"
#include "status.hpp"

struct cvlfic_encoder {
    cvlfic::EncoderParams params;
};

using namespace cvlfic;

namespace {

FaceImage checked_face(const uint8_t *img, size_t height, size_t width, size_t stride, int channels) {
    if (!img || (channels != 1 && channels != 3) || height < 1 || width < 1 || height > CVLFIC_MAX_SIDE ||
        width > CVLFIC_MAX_SIDE || height * width > CVLFIC_MAX_PIXELS || stride < static_cast<size_t>(channels) * width)
        fail(CVLFIC_ERR_ARGUMENT);
    return FaceImage{img, height, width, stride, channels};
}

RateKind checked_kind(int kind) {
    if (kind != CVLFIC_RATE_MAX_BYTES && kind != CVLFIC_RATE_BPP && kind != CVLFIC_RATE_QUALITY)
        fail(CVLFIC_ERR_ARGUMENT);
    return static_cast<RateKind>(kind);
}

}  // namespace

extern "C" {

int cvlfic_encoder_params_write(const cvlfic_encoder_params *params, uint8_t *out, size_t capacity,
                                size_t *out_size) {
    return guarded([&] {
        if (!params || !out_size) fail(CVLFIC_ERR_ARGUMENT);
        *out_size = 0;
        const cvlfic_encoder_params &d = *params;
        // Written as given, then parsed back: the one validation of encoder_params.cpp.
        EncoderParams p;
        p.profile = find_profile(d.profile);
        if (!p.profile || d.num_levels < 1 || d.num_levels > CVLFIC_PARAMS_MAX_LEVELS || d.num_rates < 0 ||
            d.num_rates > CVLFIC_PARAMS_MAX_RATES || d.num_steps < 0 || d.num_steps > CVLFIC_MAX_SIZES - 1 ||
            d.prior_height > CVLFIC_PARAMS_MAX_PRIOR_SIDE || d.prior_width > CVLFIC_PARAMS_MAX_PRIOR_SIDE ||
            (d.prior_height * d.prior_width > 0 && !d.prior_weight))
            fail(CVLFIC_ERR_PARAMS);
        for (int i = 0; i < d.num_levels; ++i) {
            if (code_of_levels(d.levels[i]) < 0) fail(CVLFIC_ERR_PARAMS);
            p.level_candidates.push_back(d.levels[i]);
        }
        for (int i = 0; i < d.num_rates; ++i) {
            if (code_of_levels(d.rate_levels[i]) < 0) fail(CVLFIC_ERR_PARAMS);
            p.rate_bpp.push_back(d.rate_bpp[i]);
            p.rate_levels.push_back(d.rate_levels[i]);
        }
        p.gray_share = d.gray_share;
        p.step_cost.assign(d.step_cost, d.step_cost + d.num_steps);
        p.prior_h = d.prior_height;
        p.prior_w = d.prior_width;
        p.weight.assign(d.prior_weight, d.prior_weight + d.prior_height * d.prior_width);
        const std::vector<uint8_t> blob = write_params(p);
        parse_params(blob.data(), blob.size());
        *out_size = blob.size();
        if (blob.size() > capacity || !out) fail(CVLFIC_ERR_BUFFER_TOO_SMALL);
        std::memcpy(out, blob.data(), blob.size());
    });
}

int cvlfic_encoder_params_get(const cvlfic_encoder *encoder, cvlfic_encoder_params *out) {
    return guarded([&] {
        if (!encoder || !out) fail(CVLFIC_ERR_ARGUMENT);
        const EncoderParams &p = encoder->params;
        std::memset(out, 0, sizeof *out);
        out->profile = p.profile->id;
        out->num_levels = static_cast<int>(p.level_candidates.size());
        std::copy(p.level_candidates.begin(), p.level_candidates.end(), out->levels);
        out->num_rates = static_cast<int>(p.rate_bpp.size());
        std::copy(p.rate_bpp.begin(), p.rate_bpp.end(), out->rate_bpp);
        std::copy(p.rate_levels.begin(), p.rate_levels.end(), out->rate_levels);
        out->gray_share = p.gray_share;
        out->num_steps = static_cast<int>(p.step_cost.size());
        std::copy(p.step_cost.begin(), p.step_cost.end(), out->step_cost);
        out->prior_height = p.prior_h;
        out->prior_width = p.prior_w;
        out->prior_weight = p.weight.empty() ? nullptr : p.weight.data();
    });
}

int cvlfic_encoder_create(const uint8_t *params, size_t size, cvlfic_encoder **out) {
    return guarded([&] {
        if (!out) fail(CVLFIC_ERR_ARGUMENT);
        *out = nullptr;
        if (!params) fail(CVLFIC_ERR_PARAMS);
        *out = new cvlfic_encoder{parse_params(params, size)};
    });
}

void cvlfic_encoder_free(cvlfic_encoder *encoder) { delete encoder; }

int cvlfic_encoder_profile(const cvlfic_encoder *encoder) { return encoder ? encoder->params.profile->id : -1; }

double cvlfic_bpp_for_quality(double quality) { return bpp_for_quality(quality); }

int cvlfic_encoder_budget(const cvlfic_encoder *encoder, const uint8_t *img, size_t height, size_t width,
                          size_t stride, int channels, int rate_kind, double rate, size_t *budget) {
    return guarded([&] {
        if (!encoder || !budget) fail(CVLFIC_ERR_ARGUMENT);
        *budget = 0;
        const RateKind kind = checked_kind(rate_kind);
        FaceEncoder face(encoder->params, checked_face(img, height, width, stride, channels));
        *budget = face.budget(kind, rate);
    });
}

int cvlfic_encode_face(const cvlfic_encoder *encoder, const uint8_t *img, size_t height, size_t width,
                       size_t stride, int channels, int rate_kind, double rate, uint8_t *out, size_t capacity,
                       size_t *out_size) {
    return guarded([&] {
        if (!encoder || !out_size) fail(CVLFIC_ERR_ARGUMENT);
        *out_size = 0;
        const RateKind kind = checked_kind(rate_kind);
        FaceEncoder face(encoder->params, checked_face(img, height, width, stride, channels));
        const size_t budget = face.budget(kind, rate);
        std::vector<uint8_t> stream;
        try {
            stream = face.encode(budget);
        } catch (const Failure &f) {
            if (f.status == CVLFIC_ERR_BUDGET) *out_size = face.smallest_stream();
            throw;
        }
        *out_size = stream.size();
        if (stream.size() > capacity || !out) fail(CVLFIC_ERR_BUFFER_TOO_SMALL);
        std::memcpy(out, stream.data(), stream.size());
    });
}

}  // extern "C"
