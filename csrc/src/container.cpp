#include "container.hpp"

#include "status.hpp"

namespace cvlfic {
namespace {

void put_varint(size_t v, std::vector<uint8_t> &out) {
    while (v >= 0x80) {
        out.push_back(static_cast<uint8_t>(v | 0x80));
        v >>= 7;
    }
    out.push_back(static_cast<uint8_t>(v));
}

size_t varint_size(size_t v) {
    size_t n = 1;
    while (v >= 0x80) v >>= 7, ++n;
    return n;
}

// Reads a canonical LEB128 size of at most 3 bytes (enough for CVLFIC_MAX_SIDE).
size_t get_varint(const uint8_t *data, size_t size, size_t &pos) {
    size_t v = 0;
    for (int i = 0; i < 3; ++i) {
        if (pos >= size) fail(CVLFIC_ERR_TRUNCATED);
        const uint8_t b = data[pos++];
        v |= static_cast<size_t>(b & 0x7F) << (7 * i);
        if (!(b & 0x80)) {
            if (i > 0 && b == 0) fail(CVLFIC_ERR_CORRUPT);  // non-canonical padding
            return v;
        }
    }
    fail(CVLFIC_ERR_TOO_LARGE);
}

}  // namespace

// CRC-16/GENIBUS: the final xor keeps "stream + CRC + zero byte" from checking out, which
// plain CCITT-FALSE (residue 0) allows.
uint16_t crc16(const uint8_t *data, size_t size) {
    uint16_t crc = 0xFFFF;
    for (size_t i = 0; i < size; ++i) {
        crc ^= static_cast<uint16_t>(data[i] << 8);
        for (int b = 0; b < 8; ++b) crc = (crc & 0x8000) ? static_cast<uint16_t>((crc << 1) ^ 0x1021) : static_cast<uint16_t>(crc << 1);
    }
    return static_cast<uint16_t>(crc ^ 0xFFFF);
}

size_t header_size(size_t height, size_t width) { return 2 + varint_size(height - 1) + varint_size(width - 1); }

void write_header(const Layout &l, std::vector<uint8_t> &out) {
    out.push_back(static_cast<uint8_t>(kMagic << 4 | kVersion));
    out.push_back(static_cast<uint8_t>(l.profile->id << 4 | code_of_levels(l.levels)));
    put_varint(l.height - 1, out);
    put_varint(l.width - 1, out);
}

void append_crc(std::vector<uint8_t> &out) {
    const uint16_t crc = crc16(out.data(), out.size());
    out.push_back(static_cast<uint8_t>(crc >> 8));
    out.push_back(static_cast<uint8_t>(crc & 0xFF));
}

Parsed parse_stream(const uint8_t *data, size_t size) {
    if (data == nullptr || size == 0) fail(CVLFIC_ERR_TRUNCATED);
    if ((data[0] >> 4) != kMagic) fail(CVLFIC_ERR_FOREIGN);
    if ((data[0] & 0xF) != kVersion) fail(CVLFIC_ERR_UNSUPPORTED_VERSION);
    if (size < 2) fail(CVLFIC_ERR_TRUNCATED);
    const Profile *profile = find_profile(data[1] >> 4);
    if (!profile) fail(CVLFIC_ERR_UNKNOWN_PROFILE);
    const int levels = levels_of_code(data[1] & 0xF);
    size_t pos = 2;
    const size_t height = get_varint(data, size, pos) + 1;
    const size_t width = get_varint(data, size, pos) + 1;
    if (size < pos + 2) fail(CVLFIC_ERR_TRUNCATED);
    return Parsed{make_layout(*profile, levels, height, width), data + pos, size - pos - 2};
}

bool checksum_ok(const uint8_t *data, size_t size) {
    const uint16_t stored = static_cast<uint16_t>(data[size - 2] << 8 | data[size - 1]);
    return crc16(data, size - 2) == stored;
}

}  // namespace cvlfic
