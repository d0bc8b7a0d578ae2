#include "profiles.hpp"

namespace cvlfic {
namespace {

// ycc16: chroma pooled with min(2 x luma block, R); rgb8: the paper's RAP sizes on all planes.
const Profile kProfiles[kNumProfiles] = {
    {0, "ycc16", "YCbCr", Colour::YCbCr, 16, 4,
     {{16, 8, 4, 2}, {16, 16, 8, 4}, {16, 16, 8, 4}}, {0, 1, 1}, {0, 1, 2}, false},
    {1, "rgb8", "BGR", Colour::BGR, 8, 2,
     {{8, 4, 0, 0}, {8, 4, 0, 0}, {8, 4, 0, 0}}, {1, 0, 1}, {1, 0, 2}, true},
};

const int kLevels[kNumLevelCodes] = {2, 3, 4, 5, 6, 8, 10, 12, 16, 20, 24, 32, 40, 48, 64, 256};

}  // namespace

const Profile *find_profile(int id) {
    return (id >= 0 && id < kNumProfiles) ? &kProfiles[id] : nullptr;
}

int levels_of_code(int code) { return (code >= 0 && code < kNumLevelCodes) ? kLevels[code] : 0; }

int code_of_levels(int levels) {
    for (int i = 0; i < kNumLevelCodes; ++i)
        if (kLevels[i] == levels) return i;
    return -1;
}

const Quantizer &quantizer(int levels) {
    static const struct Tables {
        Quantizer t[kNumLevelCodes];
        Tables() {
            for (int c = 0; c < kNumLevelCodes; ++c)
                for (int v = 0; v < 256; ++v) {
                    t[c].q[v] = static_cast<uint8_t>(quantize(v, kLevels[c]));
                    t[c].d[v] = static_cast<uint8_t>(v < kLevels[c] ? dequantize(v, kLevels[c]) : 255);
                }
        }
    } tables;
    return tables.t[code_of_levels(levels)];
}

Layout make_layout(const Profile &profile, int levels, size_t height, size_t width) {
    const size_t r = static_cast<size_t>(profile.region);
    Layout l{&profile, levels, &quantizer(levels), height, width, 0, 0, (height + r - 1) / r, (width + r - 1) / r};
    l.padded_h = l.mask_h * r;
    l.padded_w = l.mask_w * r;
    return l;
}

}  // namespace cvlfic
