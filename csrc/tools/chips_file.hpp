// CHIPS.bin, the face set the core's tools read (written by bench/core/*.py):
// uint32 count, height, width, then count x height x width x 3 BGR bytes.
#pragma once

#include <cstdint>
#include <cstdio>
#include <vector>

struct ChipsFile {
    size_t count = 0, height = 0, width = 0;
    std::vector<uint8_t> pixels;
};

// False when the file is missing or shorter than its header says.
inline bool read_chips(const char *path, ChipsFile &out) {
    FILE *f = std::fopen(path, "rb");
    uint32_t hdr[3];
    bool ok = f && std::fread(hdr, 4, 3, f) == 3;
    if (ok) {
        out.count = hdr[0], out.height = hdr[1], out.width = hdr[2];
        out.pixels.resize(out.count * out.height * out.width * 3);
        ok = std::fread(out.pixels.data(), 1, out.pixels.size(), f) == out.pixels.size();
    }
    if (f) std::fclose(f);
    return ok;
}
