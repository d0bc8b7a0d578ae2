// Format v1 tables: profiles (region size, block sizes per plane, colour space) and levels.
#pragma once
#include <cstddef>
#include <cstdint>

namespace cvlfic {

enum class Colour { YCbCr, BGR };

struct Profile {
    int id;
    const char *name;
    const char *planes;
    Colour colour;
    int region;
    int num_sizes;
    int sizes[3][4];   // [plane][mask index] block side
    int plane_class[3]; // context class of each plane
    int order[3];       // coding order of the planes in a region; order[0] is the reference
    bool cross_plane;   // predict later planes with the reference plane's deviation
};

constexpr int kNumProfiles = 2;
constexpr int kNumLevelCodes = 16;

const Profile *find_profile(int id);          // nullptr if unknown
int levels_of_code(int code);                 // L for a 4-bit code
int code_of_levels(int levels);               // -1 if L is not in the table

// log2 of a block side (a power of two, at most 128).
constexpr int side_log2(size_t n) {
#if defined(__GNUC__)
    return __builtin_ctzll(n);
#else
    int s = 0;
    while ((size_t{1} << s) < n) ++s;
    return s;
#endif
}

// Pooled value quantization (format v1).
inline int quantize(int v, int levels) { return (v * (levels - 1) + 127) / 255; }
inline int dequantize(int q, int levels) { return (q * 255 + (levels - 1) / 2) / (levels - 1); }

// The same as lookup tables (hot loops): q[v] = quantize(v), d[q] = dequantize(q).
struct Quantizer {
    uint8_t q[256];
    uint8_t d[256];
};
const Quantizer &quantizer(int levels);  // levels must be in the table

// Geometry of one image under one profile: padded planes and the mask grid.
struct Layout {
    const Profile *profile;
    int levels;
    const Quantizer *quant;
    size_t height, width;     // image
    size_t padded_h, padded_w;
    size_t mask_h, mask_w;
};

Layout make_layout(const Profile &profile, int levels, size_t height, size_t width);

}  // namespace cvlfic
