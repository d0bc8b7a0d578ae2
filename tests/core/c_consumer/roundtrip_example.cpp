// C++ example: encode a synthetic 112x112 face-sized image with 8x8 blocks at 24 levels,
// decode it, and print the stream size. Shows the C API from C++ with RAII buffers.
#include <cstdio>
#include <vector>

#include <cvlfic/cvlfic.h>

int main() {
    const size_t h = 112, w = 112;
    std::vector<uint8_t> img(h * w * 3);
    for (size_t y = 0; y < h; ++y)
        for (size_t x = 0; x < w; ++x)
            for (size_t c = 0; c < 3; ++c) img[(y * w + x) * 3 + c] = static_cast<uint8_t>((x + 2 * y + 40 * c) % 256);

    const int profile = 1;  // rgb8: mask index 0 = 8x8 blocks
    size_t mh = 0, mw = 0;
    cvlfic_mask_shape(h, w, profile, &mh, &mw);
    std::vector<uint8_t> mask(mh * mw, 0);

    std::vector<uint8_t> stream(cvlfic_encode_bound(h, w, profile));
    size_t size = 0;
    int st = cvlfic_encode(img.data(), h, w, w * 3, profile, 24, mask.data(), stream.data(), stream.size(), &size);
    if (st != CVLFIC_OK) {
        std::fprintf(stderr, "encode: %s\n", cvlfic_status_string(st));
        return 1;
    }
    stream.resize(size);
    std::vector<uint8_t> recon(h * w * 3), expect(h * w * 3);
    st = cvlfic_decode(stream.data(), stream.size(), recon.data(), recon.size(), nullptr, 0);
    if (st != CVLFIC_OK) {
        std::fprintf(stderr, "decode: %s\n", cvlfic_status_string(st));
        return 1;
    }
    cvlfic_reconstruct(img.data(), h, w, w * 3, profile, 24, mask.data(), expect.data(), expect.size());
    if (recon != expect) {
        std::fprintf(stderr, "decode differs from the encoder's reconstruction\n");
        return 1;
    }
    std::printf("roundtrip_example: %zu bytes for %zux%zu (%.3f bpp)\n", size, h, w, 8.0 * size / (h * w));
    return 0;
}
