// libFuzzer target for the encoder side: an image, mask, profile and levels made from the
// input are encoded, decoded and compared with the encoder's reconstruction (under the
// sanitizers), and the stream must fit cvlfic_encode_bound.
#include <cstdint>
#include <cstdlib>
#include <cstring>
#include <vector>

#include "cvlfic/cvlfic.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
    if (size < 5) return 0;
    const size_t h = 1 + data[0] % 80, w = 1 + data[1] % 80;
    const int profile = data[2] & 1;
    int levels_table[16];
    cvlfic_levels_table(levels_table, 16);
    const int levels = levels_table[data[3] & 15];
    data += 4, size -= 4;

    cvlfic_profile prof;
    size_t mh = 0, mw = 0;
    if (cvlfic_profile_info(profile, &prof) != CVLFIC_OK || cvlfic_mask_shape(h, w, profile, &mh, &mw) != CVLFIC_OK)
        abort();
    std::vector<uint8_t> mask(mh * mw), img(h * w * 3 + 7);  // rows 3w + 7/h bytes apart: odd strides
    for (size_t i = 0; i < mask.size(); ++i) mask[i] = data[i % size] % static_cast<uint8_t>(prof.num_sizes);
    for (size_t i = 0; i < img.size(); ++i) img[i] = data[(i * 7 + 3) % size] ^ static_cast<uint8_t>(i / size);
    const size_t stride = 3 * w + (h > 1 ? 7 / (h - 1) : 0);

    std::vector<uint8_t> stream(cvlfic_encode_bound(h, w, profile));
    size_t n = 0;
    if (cvlfic_encode(img.data(), h, w, stride, profile, levels, mask.data(), stream.data(), stream.size(), &n) !=
        CVLFIC_OK)
        abort();
    std::vector<uint8_t> recon(h * w * 3), expect(h * w * 3), mask2(mask.size());
    if (cvlfic_decode(stream.data(), n, recon.data(), recon.size(), mask2.data(), mask2.size()) != CVLFIC_OK) abort();
    if (cvlfic_reconstruct(img.data(), h, w, stride, profile, levels, mask.data(), expect.data(), expect.size()) !=
        CVLFIC_OK)
        abort();
    if (recon != expect || mask2 != mask) abort();
    return 0;
}
