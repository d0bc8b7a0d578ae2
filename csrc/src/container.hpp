// Bitstream v1 framing: 2 header bytes, LEB128 sizes, payload, CRC-16.
#pragma once
#include <cstdint>
#include <vector>

#include "cvlfic/cvlfic.h"
#include "profiles.hpp"

namespace cvlfic {

constexpr int kMagic = 0xC;  // high nibble of byte 0
constexpr int kVersion = CVLFIC_FORMAT_VERSION;  // low nibble of byte 0 (the header's macro is the one definition)

uint16_t crc16(const uint8_t *data, size_t size);  // CRC-16/GENIBUS

// Header bytes of a stream for this layout.
void write_header(const Layout &layout, std::vector<uint8_t> &out);
// Appends the CRC of everything in `out`.
void append_crc(std::vector<uint8_t> &out);

struct Parsed {
    Layout layout;
    const uint8_t *payload;
    size_t payload_size;
};

// Validates the framing: magic, version, profile, size fields. The checksum and the size
// limits are checked by the caller (see c_api.cpp), so that it can tell a cut stream from a
// corrupted one and report what a refused stream claims. Allocates nothing.
Parsed parse_stream(const uint8_t *data, size_t size);

// True if the stream's last two bytes are the CRC-16 of the rest.
bool checksum_ok(const uint8_t *data, size_t size);

// Bytes needed for the sizes of an image (for the encode bound).
size_t header_size(size_t height, size_t width);

}  // namespace cvlfic
