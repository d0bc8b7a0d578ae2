// libFuzzer target for alignment: an image (1-64 pixels a side, 1 or 3 channels, odd row
// strides), five landmarks and a crop size (0-259) made from the input go through
// cvlfic_align_transform and cvlfic_align_face. Buffers are allocated to the byte, so the
// sanitizers see any access past them. Checked: the status is OK or ARGUMENT and the same
// for both functions; an OK transform is finite; an OK crop writes every byte of its
// size x size x channels pixels (two runs over different fills agree) and nothing else
// (the row padding keeps its fill); a refused call writes nothing.
#include <cmath>
#include <cstdint>
#include <cstdlib>
#include <cstring>
#include <vector>

#include "cvlfic/cvlfic.h"

namespace {

// dlib's reference face in a 1 x 1 chip (padding 0.25), dlib's order.
constexpr float kFace[10] = {0.73971f, 0.30900f, 0.59737f, 0.31931f, 0.24705f,
                             0.30915f, 0.38939f, 0.31938f, 0.49341f, 0.58520f};

float raw_float(const uint8_t *p) {
    float f;
    std::memcpy(&f, p, sizeof f);
    return f;
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
    if (size < 48) return 0;
    const size_t h = 1 + data[0] % 64, w = 1 + data[1] % 64;
    const int channels = (data[2] & 1) ? 3 : 1;
    const size_t ch = static_cast<size_t>(channels);
    const size_t stride = w * ch + ((data[2] >> 1) & 7);
    // Mostly small crops (fast); 4-259 when bits 0 and 7 of data[4] are set; 0 and 1 are refused.
    const size_t side = (data[4] & 0x81) == 0x81 ? data[3] + 4u : data[3] % 40u;
    const int mode = (data[4] >> 1) & 3;
    const uint8_t *p = data + 8;  // 40 bytes of landmark material

    float lm[10];
    if (mode == 0) {  // raw float bits: NaN, infinities, huge, denormal
        for (int i = 0; i < 10; ++i) lm[i] = raw_float(p + 4 * i);
    } else {  // a face of some scale, angle and place, with jitter; mode 3 spoils one value
        const float scale = std::ldexp(1.0f + p[0] / 256.0f, static_cast<int>(p[1] % 24) - 4);  // 1/16 .. 2^20
        const float angle = p[2] * (6.2831853f / 256.0f);
        const float cx = static_cast<int8_t>(p[3]) * 2.0f + w / 2.0f, cy = static_cast<int8_t>(p[4]) * 2.0f + h / 2.0f;
        const float c = std::cos(angle), s = std::sin(angle);
        for (int i = 0; i < 5; ++i) {
            const float x = (kFace[2 * i] - 0.5f) * scale + static_cast<int8_t>(p[10 + 2 * i]) / 16.0f;
            const float y = (kFace[2 * i + 1] - 0.5f) * scale + static_cast<int8_t>(p[11 + 2 * i]) / 16.0f;
            lm[2 * i] = cx + c * x - s * y;
            lm[2 * i + 1] = cy + s * x + c * y;
        }
        if (mode == 3) lm[p[5] % 10] = raw_float(p + 20);
    }

    // The image, exactly (h - 1) * stride + w * channels bytes.
    const size_t img_bytes = (h - 1) * stride + w * ch;
    std::vector<uint8_t> img(img_bytes);
    const uint8_t *pix = data + 48;
    const size_t npix = size - 48;
    for (size_t i = 0; i < img_bytes; ++i) img[i] = npix ? static_cast<uint8_t>(pix[i % npix] + i / npix) : 0;

    double t[6];
    const int st = cvlfic_align_transform(lm, side, t);
    if (st != CVLFIC_OK && st != CVLFIC_ERR_ARGUMENT) abort();
    if (st == CVLFIC_OK)
        for (double v : t)
            if (!std::isfinite(v)) abort();

    const size_t out_stride = side * ch + (data[5] & 3);
    const size_t out_bytes = side ? (side - 1) * out_stride + side * ch : 1;
    std::vector<uint8_t> a(out_bytes, 0x00), b(out_bytes, 0xFF);
    const int sa = cvlfic_align_face(img.data(), h, w, stride, channels, lm, side, a.data(), out_stride);
    if (sa != st) abort();  // the image is valid: only the landmarks and size decide
    const int sb = cvlfic_align_face(img.data(), h, w, stride, channels, lm, side, b.data(), out_stride);
    if (sb != sa) abort();
    for (size_t i = 0; i < out_bytes; ++i) {
        const bool pixel = sa == CVLFIC_OK && i % out_stride < side * ch;
        if (pixel ? a[i] != b[i] : (a[i] != 0x00 || b[i] != 0xFF)) abort();
    }

    // Refused layouts never touch the output.
    if (side >= 2 && sa == CVLFIC_OK) {
        std::vector<uint8_t> c(out_bytes, 0x5A);
        const int bad[4] = {
            cvlfic_align_face(img.data(), h, w, w * ch - 1, channels, lm, side, c.data(), out_stride),
            cvlfic_align_face(img.data(), h, w, stride, 2, lm, side, c.data(), out_stride),
            cvlfic_align_face(img.data(), h, w, stride, channels, lm, side, c.data(), side * ch - 1),
            cvlfic_align_face(nullptr, h, w, stride, channels, lm, side, c.data(), out_stride)};
        for (int s : bad)
            if (s != CVLFIC_ERR_ARGUMENT) abort();
        for (uint8_t v : c)
            if (v != 0x5A) abort();
    }
    return 0;
}
