// Entropy coding speed of the lossless core on real faces, one thread (CPU time).
//
//   core_speed CHIPS.bin  (written by bench/core/speed.py)
//
// For each profile / block size / levels: "entropy encode" = encode_payload (prediction,
// context modelling and range coding of the mask and all block values, pooling excluded),
// "entropy decode" = decode_payload (range decoding, prediction and filling the
// reconstruction planes); also the whole cvlfic_encode / cvlfic_decode calls. Prints JSON.
#include <time.h>

#include <algorithm>
#include <cstdint>
#include <cstdio>
#include <vector>

#include "chips_file.hpp"
#include "codec.hpp"
#include "container.hpp"
#include "cvlfic/cvlfic.h"
#include "planes.hpp"

using namespace cvlfic;

namespace {

double thread_seconds() {
    timespec t;
    clock_gettime(CLOCK_THREAD_CPUTIME_ID, &t);
    return t.tv_sec + 1e-9 * t.tv_nsec;
}

// Best of `repeats` in CPU time of this thread: the machine is shared, and wall time would
// count the time other processes hold the core.
template <class F>
double best_seconds(int repeats, F &&body) {
    double best = 1e30;
    for (int r = 0; r < repeats; ++r) {
        const double t0 = thread_seconds();
        body();
        best = std::min(best, thread_seconds() - t0);
    }
    return best;
}

}  // namespace

int main(int argc, char **argv) {
    if (argc != 2) return 2;
    ChipsFile file;
    if (!read_chips(argv[1], file)) return 1;
    const size_t count = file.count, h = file.height, w = file.width;
    const std::vector<uint8_t> &chips = file.pixels;

    struct Config { int profile, block, levels; };
    const Config configs[] = {{1, 8, 8}, {1, 8, 24}, {1, 4, 8}, {1, 4, 24},
                              {0, 8, 8}, {0, 8, 24}, {0, 4, 8}, {0, 4, 24}};
    std::printf("[\n");
    bool first = true;
    for (const Config &cfg : configs) {
        const Profile &prof = *find_profile(cfg.profile);
        int index = 0;
        while (prof.sizes[0][index] != cfg.block) ++index;
        const Layout l = make_layout(prof, cfg.levels, h, w);
        const std::vector<uint8_t> mask(l.mask_h * l.mask_w, static_cast<uint8_t>(index));
        std::vector<std::vector<uint8_t>> q(count), payload(count), streams(count);
        size_t symbols = 0, bytes = 0;
        for (size_t i = 0; i < count; ++i) {
            Planes planes;
            load_planes(l, chips.data() + i * h * w * 3, w * 3, planes);
            q[i] = pool_blocks(l, planes, mask.data());
            encode_payload(l, mask.data(), q[i], payload[i]);
            symbols += q[i].size() + mask.size();
            bytes += payload[i].size();
            streams[i].resize(cvlfic_encode_bound(h, w, cfg.profile));
            size_t n = 0;
            cvlfic_encode(chips.data() + i * h * w * 3, h, w, w * 3, cfg.profile, cfg.levels, mask.data(),
                          streams[i].data(), streams[i].size(), &n);
            streams[i].resize(n);
        }
        std::vector<uint8_t> out, recon(h * w * 3), dmask(mask.size());
        const int repeats = 7;
        const double enc = best_seconds(repeats, [&] {
            for (size_t i = 0; i < count; ++i) {
                out.clear();
                encode_payload(l, mask.data(), q[i], out);
            }
        });
        const double dec = best_seconds(repeats, [&] {
            Planes rec;
            for (size_t i = 0; i < count; ++i) decode_payload(l, payload[i].data(), payload[i].size(), dmask.data(), rec);
        });
        const double full_enc = best_seconds(repeats, [&] {
            std::vector<uint8_t> buf(cvlfic_encode_bound(h, w, cfg.profile));
            size_t n = 0;
            for (size_t i = 0; i < count; ++i)
                cvlfic_encode(chips.data() + i * h * w * 3, h, w, w * 3, cfg.profile, cfg.levels, mask.data(),
                              buf.data(), buf.size(), &n);
        });
        const double full_dec = best_seconds(repeats, [&] {
            for (size_t i = 0; i < count; ++i)
                cvlfic_decode(streams[i].data(), streams[i].size(), recon.data(), recon.size(), dmask.data(),
                              dmask.size());
        });
        std::printf("%s {\"profile\": \"%s\", \"luma_block\": %d, \"levels\": %d, \"faces\": %zu,"
                    " \"symbols_per_face\": %.1f, \"payload_bytes_per_face\": %.1f,"
                    " \"entropy_encode_ns_per_symbol\": %.2f, \"entropy_decode_ns_per_symbol\": %.2f,"
                    " \"entropy_encode_msymbols_per_s\": %.1f, \"entropy_decode_msymbols_per_s\": %.1f,"
                    " \"entropy_encode_us_per_face\": %.2f, \"entropy_decode_us_per_face\": %.2f,"
                    " \"full_encode_us_per_face\": %.2f, \"full_decode_us_per_face\": %.2f}",
                    first ? "" : ",\n", prof.name, cfg.block, cfg.levels, count, double(symbols) / count,
                    double(bytes) / count, 1e9 * enc / symbols, 1e9 * dec / symbols, symbols / enc / 1e6,
                    symbols / dec / 1e6, 1e6 * enc / count, 1e6 * dec / count, 1e6 * full_enc / count,
                    1e6 * full_dec / count);
        first = false;
    }
    std::printf("\n]\n");
    return 0;
}
