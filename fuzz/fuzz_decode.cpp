// libFuzzer target: arbitrary bytes into the public decode entry points (cvlfic_read_info,
// cvlfic_decode). Most inputs stop at the framing checks or the CRC.
#include <cstdint>
#include <vector>

#include "fuzz_common.hpp"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
    decode_all_ways(data, size);
    return 0;
}
