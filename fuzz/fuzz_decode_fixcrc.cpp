// libFuzzer target: the input with its last two bytes replaced by the right CRC-16, so the
// fuzzer gets past the checksum and exercises the payload decoder through the public API.
#include <cstdint>
#include <vector>

#include "container.hpp"
#include "fuzz_common.hpp"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
    if (size < 3) return 0;
    std::vector<uint8_t> s(data, data + size);
    const uint16_t crc = cvlfic::crc16(s.data(), s.size() - 2);
    s[s.size() - 2] = static_cast<uint8_t>(crc >> 8);
    s[s.size() - 1] = static_cast<uint8_t>(crc & 0xFF);
    decode_all_ways(s.data(), s.size());
    return 0;
}
