// Damage valid cvlfic v1 streams and decode them through the public C API. checksum.py builds
// and drives this (see bench/core/README.md).
//
//   checksum STREAMS KIND PARAM MODE TRIALS SEED [DUMP_FILE DUMP_LIMIT]
//
// STREAMS: uint32 count, then per stream uint32 length + bytes (little endian).
// KIND (each trial picks a stream uniformly at random):
//   overwrite  PARAM distinct bytes anywhere in the stream get a new value (uniform over the
//              255 values that differ from the old one);
//   flip       PARAM distinct bits anywhere in the stream are inverted;
//   burst      PARAM consecutive bytes (a uniform start) each get a new, different value;
//   extend     PARAM uniformly random bytes are appended;
//   truncate   every shorter length (1 .. n-1 bytes) of every stream; TRIALS, SEED ignored;
//   overwrite_all / flip_all: every byte set to each of its 255 other values / every single
//              bit inverted, in every stream; TRIALS, SEED ignored.
// MODE:
//   fixcrc  the last two bytes of the damaged stream are replaced by the right CRC-16, and
//           every stream is decoded: what the decoder's structural checks let through;
//   crc     the damaged stream is decoded as it is when its CRC-16 checks out (the decoder
//           checks the CRC before any payload byte, so a failed CRC is a rejection).
//           The CRC of a damaged stream of unchanged length is found from the error pattern
//           alone (the CRC is linear: see syndrome()); every stream that passes is rebuilt
//           and checked again with the full CRC before it is decoded.
// Prints one JSON object of counts. DUMP_FILE receives "stream_index hex" lines of wrong decodes.
#include <chrono>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <map>
#include <string>
#include <vector>

#include "cvlfic/cvlfic.h"

namespace {

// CRC-16/GENIBUS (poly 0x1021, init 0xFFFF, MSB first, final xor 0xFFFF), table-driven,
// written independently of the library's bitwise implementation.
uint16_t g_table[256];

inline uint16_t crc_step(uint16_t reg, uint8_t byte) {
    return static_cast<uint16_t>((reg << 8) ^ g_table[((reg >> 8) ^ byte) & 0xFF]);
}

uint16_t crc16(const uint8_t *d, size_t n) {
    uint16_t c = 0xFFFF;
    for (size_t i = 0; i < n; ++i) c = crc_step(c, d[i]);
    return static_cast<uint16_t>(c ^ 0xFFFF);
}

bool crc_ok(const uint8_t *d, size_t n) {
    if (n < 3) return false;
    const uint16_t c = crc16(d, n - 2);
    return d[n - 2] == (c >> 8) && d[n - 1] == (c & 0xFF);
}

void fix_crc(std::vector<uint8_t> &s) {
    if (s.size() < 3) return;
    const uint16_t c = crc16(s.data(), s.size() - 2);
    s[s.size() - 2] = static_cast<uint8_t>(c >> 8);
    s[s.size() - 1] = static_cast<uint8_t>(c & 0xFF);
}

// g_shift[d][e]: what an XOR of e into a data byte followed by d more data bytes changes in
// the CRC (the CRC register of "e, then d zero bytes" from a zero start). By linearity the CRC
// of damaged data is the original CRC XOR the g_shift entries of every damaged data byte.
std::vector<uint16_t> g_shift;  // [d * 256 + e]

void init_tables(size_t max_len) {
    for (int i = 0; i < 256; ++i) {
        uint16_t c = static_cast<uint16_t>(i << 8);
        for (int b = 0; b < 8; ++b) c = (c & 0x8000) ? static_cast<uint16_t>((c << 1) ^ 0x1021) : static_cast<uint16_t>(c << 1);
        g_table[i] = c;
    }
    g_shift.assign(max_len * 256, 0);
    for (int e = 0; e < 256; ++e) {
        uint16_t reg = crc_step(0, static_cast<uint8_t>(e));
        for (size_t d = 0; d < max_len; ++d) {
            g_shift[d * 256 + e] = reg;
            reg = crc_step(reg, 0);
        }
    }
}

struct Rng {  // splitmix64
    uint64_t x;
    uint64_t next() {
        uint64_t z = (x += 0x9E3779B97F4A7C15ull);
        z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9ull;
        z = (z ^ (z >> 27)) * 0x94D049BB133111EBull;
        return z ^ (z >> 31);
    }
    uint32_t below(uint32_t n) { return static_cast<uint32_t>((next() >> 32) * n >> 32); }
};

struct Ref {
    std::vector<uint8_t> bytes, recon, mask;
    cvlfic_stream_info info{};
    size_t header = 0;        // bytes before the payload
    uint16_t reg_all = 0;     // CRC register (before the final xor) after all n bytes
    uint16_t reg_but1 = 0;    // ... after the first n-1 bytes
};

size_t header_length(const std::vector<uint8_t> &s) {
    size_t i = 2;
    for (int field = 0; field < 2; ++field) {
        while (i < s.size() && (s[i] & 0x80)) ++i;
        ++i;
    }
    return i;
}

// One damage: XOR patterns at byte positions (same length), or bytes appended.
struct Damage {
    size_t count = 0;
    size_t pos[64];
    uint8_t xr[64];
    std::vector<uint8_t> tail;
    size_t first() const {
        size_t m = SIZE_MAX;
        for (size_t i = 0; i < count; ++i) m = pos[i] < m ? pos[i] : m;
        return m;
    }
};

void apply(const Ref &ref, const Damage &dmg, std::vector<uint8_t> &s) {
    s = ref.bytes;
    for (size_t i = 0; i < dmg.count; ++i) s[dmg.pos[i]] ^= dmg.xr[i];
    s.insert(s.end(), dmg.tail.begin(), dmg.tail.end());
}

// Does the damaged stream's CRC check out? Without building it.
bool crc_passes_fast(const Ref &ref, const Damage &dmg) {
    const size_t n = ref.bytes.size();
    if (dmg.tail.empty()) {
        // Data bytes 0..n-3, stored CRC at n-2, n-1. Pass iff the CRC change from the data
        // errors equals the error in the stored CRC.
        uint16_t syndrome = 0, stored = 0;
        for (size_t i = 0; i < dmg.count; ++i) {
            const size_t p = dmg.pos[i];
            if (p + 2 < n) syndrome ^= g_shift[(n - 3 - p) * 256 + dmg.xr[i]];
            else stored ^= static_cast<uint16_t>(p == n - 2 ? dmg.xr[i] << 8 : dmg.xr[i]);
        }
        return syndrome == stored;
    }
    // Appended bytes: the last two bytes of the longer stream are its CRC.
    const size_t m = dmg.tail.size();
    uint16_t reg;
    uint16_t stored;
    if (m == 1) {
        reg = ref.reg_but1;
        stored = static_cast<uint16_t>(ref.bytes[n - 1] << 8 | dmg.tail[0]);
    } else {
        reg = ref.reg_all;
        for (size_t i = 0; i + 2 < m; ++i) reg = crc_step(reg, dmg.tail[i]);
        stored = static_cast<uint16_t>(dmg.tail[m - 2] << 8 | dmg.tail[m - 1]);
    }
    return static_cast<uint16_t>(reg ^ 0xFFFF) == stored;
}

void make_damage(const std::string &kind, int param, const Ref &ref, Rng &rng, Damage &dmg) {
    const size_t n = ref.bytes.size();
    dmg.count = 0;
    dmg.tail.clear();
    if (kind == "overwrite" || kind == "flip") {
        const bool flip = kind == "flip";
        const size_t domain = flip ? 8 * n : n;
        size_t chosen[64];
        for (int k = 0; k < param; ++k) {
            size_t p;
            bool again;
            do {
                p = rng.below(static_cast<uint32_t>(domain));
                again = false;
                for (int j = 0; j < k; ++j) again |= chosen[j] == p;
            } while (again);
            chosen[k] = p;
            dmg.pos[k] = flip ? p / 8 : p;
            dmg.xr[k] = flip ? static_cast<uint8_t>(0x80u >> (p % 8)) : static_cast<uint8_t>(1 + rng.below(255));
        }
        dmg.count = static_cast<size_t>(param);
    } else if (kind == "burst") {
        const size_t start = rng.below(static_cast<uint32_t>(n - param + 1));
        for (int k = 0; k < param; ++k) {
            dmg.pos[k] = start + k;
            dmg.xr[k] = static_cast<uint8_t>(1 + rng.below(255));
        }
        dmg.count = static_cast<size_t>(param);
    } else if (kind == "extend") {
        for (int k = 0; k < param; ++k) dmg.tail.push_back(static_cast<uint8_t>(rng.below(256)));
    } else {
        std::fprintf(stderr, "unknown kind %s\n", kind.c_str());
        std::exit(2);
    }
}

struct Counts {
    uint64_t trials = 0, crc_pass = 0, decoded = 0, identical = 0, wrong = 0;
    uint64_t wrong_size = 0, wrong_profile = 0, wrong_levels = 0, wrong_recon_same = 0, wrong_header_hit = 0;
    uint64_t large_decodes = 0;  // declared more than 1 Mi pixels
    double decode_seconds = 0, max_decode_seconds = 0;
    std::map<int, uint64_t> status;         // rejections by status
    std::vector<double> changed_fraction;   // wrong decodes of unchanged size: pixels changed / (H W)
    std::vector<std::string> size_changes;  // "HxW" of wrong decodes of another size
};

std::vector<uint8_t> g_recon, g_mask;

// Decode `s`, compare with the reference, count. `hit` = the first damaged byte's index.
bool decode_and_count(const std::vector<uint8_t> &s, const Ref &ref, size_t hit, Counts &c) {
    ++c.decoded;
    const auto t0 = std::chrono::steady_clock::now();
    cvlfic_stream_info info{};
    int st = cvlfic_read_info(s.data(), s.size(), &info);
    if (st == CVLFIC_OK) {
        const size_t pixels = info.height * info.width;
        if (pixels > (1u << 20)) ++c.large_decodes;
        g_recon.resize(pixels * 3);
        g_mask.resize(info.mask_height * info.mask_width);
        st = cvlfic_decode(s.data(), s.size(), g_recon.data(), g_recon.size(), g_mask.data(), g_mask.size());
    }
    const double dt = std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
    c.decode_seconds += dt;
    if (dt > c.max_decode_seconds) c.max_decode_seconds = dt;
    if (st != CVLFIC_OK) {
        ++c.status[st];
        return false;
    }
    const bool same_size = info.height == ref.info.height && info.width == ref.info.width;
    const bool same_recon = same_size && info.profile == ref.info.profile && g_recon == ref.recon;
    if (same_recon && info.levels == ref.info.levels && g_mask == ref.mask) {
        ++c.identical;
        return false;
    }
    ++c.wrong;
    if (hit < ref.header) ++c.wrong_header_hit;
    if (info.profile != ref.info.profile) ++c.wrong_profile;
    if (info.levels != ref.info.levels) ++c.wrong_levels;
    if (same_recon) ++c.wrong_recon_same;
    if (!same_size) {
        ++c.wrong_size;
        c.size_changes.push_back(std::to_string(info.height) + "x" + std::to_string(info.width));
    } else {
        size_t changed = 0;
        const size_t pixels = info.height * info.width;
        for (size_t p = 0; p < pixels; ++p)
            if (std::memcmp(&g_recon[3 * p], &ref.recon[3 * p], 3) != 0) ++changed;
        c.changed_fraction.push_back(static_cast<double>(changed) / static_cast<double>(pixels));
    }
    return true;
}

std::vector<Ref> load(const char *path) {
    FILE *f = std::fopen(path, "rb");
    if (!f) { std::perror(path); std::exit(2); }
    uint32_t count = 0;
    if (std::fread(&count, 4, 1, f) != 1) std::exit(2);
    std::vector<Ref> refs(count);
    for (auto &r : refs) {
        uint32_t n = 0;
        if (std::fread(&n, 4, 1, f) != 1) std::exit(2);
        r.bytes.resize(n);
        if (std::fread(r.bytes.data(), 1, n, f) != n) std::exit(2);
    }
    std::fclose(f);
    return refs;
}

void prepare(std::vector<Ref> &refs) {
    for (auto &r : refs) {
        const size_t n = r.bytes.size();
        // The harness's CRC agrees with the library's: every original stream checks out.
        if (!crc_ok(r.bytes.data(), n) || cvlfic_read_info(r.bytes.data(), n, &r.info) != CVLFIC_OK) {
            std::fprintf(stderr, "an original stream fails its checksum\n");
            std::exit(3);
        }
        r.recon.resize(r.info.height * r.info.width * 3);
        r.mask.resize(r.info.mask_height * r.info.mask_width);
        if (cvlfic_decode(r.bytes.data(), n, r.recon.data(), r.recon.size(), r.mask.data(), r.mask.size()) != CVLFIC_OK) {
            std::fprintf(stderr, "an original stream does not decode\n");
            std::exit(3);
        }
        r.header = header_length(r.bytes);
        uint16_t reg = 0xFFFF;
        for (size_t i = 0; i < n; ++i) {
            if (i == n - 1) r.reg_but1 = reg;
            reg = crc_step(reg, r.bytes[i]);
        }
        r.reg_all = reg;
    }
}

// The fast CRC decision equals the full CRC on damaged streams (including every kind of
// error in the stored CRC bytes); exits if not.
void self_test(const std::vector<Ref> &refs, const std::string &kind, int param, Rng rng) {
    Damage dmg;
    std::vector<uint8_t> s;
    for (int t = 0; t < 20000; ++t) {
        const Ref &ref = refs[rng.below(static_cast<uint32_t>(refs.size()))];
        make_damage(kind, param, ref, rng, dmg);
        apply(ref, dmg, s);
        // Force a pass half of the time: write the right CRC into the damaged stream and
        // express that as damage too, so both outcomes are tested.
        if (t % 2 && dmg.tail.empty() && dmg.count + 2 <= 64) {
            const uint16_t c = crc16(s.data(), s.size() - 2);
            const size_t n = s.size();
            const uint8_t want[2] = {static_cast<uint8_t>(c >> 8), static_cast<uint8_t>(c & 0xFF)};
            for (int j = 0; j < 2; ++j) {
                const uint8_t x = static_cast<uint8_t>(s[n - 2 + j] ^ want[j]);
                if (x) { dmg.pos[dmg.count] = n - 2 + j; dmg.xr[dmg.count] = x; ++dmg.count; }
            }
            apply(ref, dmg, s);
        }
        if (crc_passes_fast(ref, dmg) != crc_ok(s.data(), s.size())) {
            std::fprintf(stderr, "self-test failed: fast and full CRC disagree\n");
            std::exit(4);
        }
    }
}

void print_json(const std::string &kind, int param, const std::string &mode, const Counts &c) {
    std::printf("{\"library_version\": \"%s\", \"kind\": \"%s\", \"param\": %d, \"mode\": \"%s\", \"trials\": %llu, \"crc_pass\": %llu, "
                "\"decoded\": %llu, \"identical\": %llu, \"wrong\": %llu, \"wrong_size\": %llu, "
                "\"wrong_profile\": %llu, \"wrong_levels\": %llu, \"wrong_recon_same\": %llu, "
                "\"wrong_header_hit\": %llu, \"large_decodes\": %llu, \"decode_seconds\": %.6f, "
                "\"max_decode_seconds\": %.6f, \"rejected\": {",
                cvlfic_version(), kind.c_str(), param, mode.c_str(), (unsigned long long)c.trials, (unsigned long long)c.crc_pass,
                (unsigned long long)c.decoded, (unsigned long long)c.identical, (unsigned long long)c.wrong,
                (unsigned long long)c.wrong_size, (unsigned long long)c.wrong_profile,
                (unsigned long long)c.wrong_levels, (unsigned long long)c.wrong_recon_same,
                (unsigned long long)c.wrong_header_hit, (unsigned long long)c.large_decodes, c.decode_seconds,
                c.max_decode_seconds);
    bool first = true;
    for (const auto &kv : c.status) {
        std::printf("%s\"%d\": %llu", first ? "" : ", ", kv.first, (unsigned long long)kv.second);
        first = false;
    }
    std::printf("}, \"changed_fraction\": [");
    for (size_t i = 0; i < c.changed_fraction.size(); ++i) std::printf("%s%.6f", i ? ", " : "", c.changed_fraction[i]);
    std::printf("], \"size_changes\": [");
    for (size_t i = 0; i < c.size_changes.size(); ++i) std::printf("%s\"%s\"", i ? ", " : "", c.size_changes[i].c_str());
    std::printf("]}\n");
}

}  // namespace

int main(int argc, char **argv) {
    if (argc != 7 && argc != 9) {
        std::fprintf(stderr, "usage: %s STREAMS KIND PARAM MODE TRIALS SEED [DUMP_FILE DUMP_LIMIT]\n", argv[0]);
        return 2;
    }
    std::vector<Ref> refs = load(argv[1]);
    size_t max_len = 0;
    for (const auto &r : refs) max_len = r.bytes.size() > max_len ? r.bytes.size() : max_len;
    init_tables(max_len + 1);
    prepare(refs);
    const std::string kind = argv[2], mode = argv[4];
    const int param = std::atoi(argv[3]);
    const uint64_t trials = std::strtoull(argv[5], nullptr, 10);
    Rng rng{std::strtoull(argv[6], nullptr, 10) * 0x2545F4914F6CDD1Dull + 1};
    FILE *dump = argc == 9 ? std::fopen(argv[7], "w") : nullptr;
    uint64_t dump_left = argc == 9 ? std::strtoull(argv[8], nullptr, 10) : 0;
    if (mode != "fixcrc" && mode != "crc") { std::fprintf(stderr, "mode is fixcrc or crc\n"); return 2; }
    if (param < 0 || param > 64) { std::fprintf(stderr, "PARAM is 0..64\n"); return 2; }
    const bool fix = mode == "fixcrc";

    Counts c;
    std::vector<uint8_t> s;
    // `s` holds the damaged stream; `pass` is whether its CRC checks out.
    auto finish = [&](size_t idx, size_t hit, bool pass) {
        if (pass) ++c.crc_pass;
        if (fix) fix_crc(s);
        else if (!pass) return;
        if (decode_and_count(s, refs[idx], hit, c) && dump && dump_left) {
            --dump_left;
            std::fprintf(dump, "%zu ", idx);
            for (uint8_t b : s) std::fprintf(dump, "%02x", b);
            std::fprintf(dump, "\n");
        }
    };

    if (kind == "truncate") {
        for (size_t i = 0; i < refs.size(); ++i)
            for (size_t len = 1; len < refs[i].bytes.size(); ++len) {
                ++c.trials;
                s.assign(refs[i].bytes.begin(), refs[i].bytes.begin() + len);
                finish(i, len, crc_ok(s.data(), s.size()));
            }
    } else if (kind == "overwrite_all" || kind == "flip_all") {
        const bool flip = kind == "flip_all";
        Damage dmg;
        dmg.count = 1;
        for (size_t i = 0; i < refs.size(); ++i)
            for (size_t p = 0; p < refs[i].bytes.size(); ++p)
                for (int v = 0; v < (flip ? 8 : 255); ++v) {
                    ++c.trials;
                    dmg.pos[0] = p;
                    dmg.xr[0] = flip ? static_cast<uint8_t>(1u << v) : static_cast<uint8_t>(v + 1);
                    const bool pass = crc_passes_fast(refs[i], dmg);
                    if (fix || pass) {
                        apply(refs[i], dmg, s);
                        if (pass != crc_ok(s.data(), s.size())) { std::fprintf(stderr, "CRC mismatch\n"); return 4; }
                        finish(i, p, pass);
                    }
                }
    } else {
        if (!fix) self_test(refs, kind, param, Rng{rng.next()});
        Damage dmg;
        for (uint64_t t = 0; t < trials; ++t) {
            ++c.trials;
            const size_t idx = rng.below(static_cast<uint32_t>(refs.size()));
            const Ref &ref = refs[idx];
            make_damage(kind, param, ref, rng, dmg);
            if (fix) {
                apply(ref, dmg, s);
                finish(idx, dmg.first(), crc_ok(s.data(), s.size()));
            } else if (crc_passes_fast(ref, dmg)) {
                apply(ref, dmg, s);
                if (!crc_ok(s.data(), s.size())) { std::fprintf(stderr, "CRC mismatch\n"); return 4; }
                finish(idx, dmg.first(), true);
            }
        }
    }
    if (dump) std::fclose(dump);
    print_json(kind, param, mode, c);
    return 0;
}
