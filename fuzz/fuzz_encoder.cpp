// libFuzzer target: encoder parameters (a model's encoder.bin) and the face encoder.
//
// The first byte picks how the rest is used: as a whole file (the CRC-32 must match, so
// nearly everything is refused at the checksum), or as a file body whose CRC is appended
// here, so that every field check of the parser is reached. A file that parses must write
// back to the same bytes; its encoder then codes a small face made of the input's bytes at
// a rate from the input: the stream is never above the budget and always decodes.
#include <cstdint>
#include <cstdlib>
#include <cstring>
#include <vector>

#include "cvlfic/cvlfic.h"

namespace {

uint32_t crc32(const uint8_t *data, size_t size) {
    uint32_t c = 0xFFFFFFFFu;
    for (size_t i = 0; i < size; ++i) {
        c ^= data[i];
        for (int k = 0; k < 8; ++k) c = (c & 1) ? 0xEDB88320u ^ (c >> 1) : c >> 1;
    }
    return c ^ 0xFFFFFFFFu;
}

void check_face(const cvlfic_encoder *enc, const uint8_t *data, size_t size) {
    if (size < 6) return;
    const size_t h = 1 + data[0] % 48, w = 1 + data[1] % 48;
    const int channels = (data[2] & 1) ? 3 : 1;
    const int kind = data[3] % 3;
    const double rate = kind == CVLFIC_RATE_MAX_BYTES ? 1 + data[4] * 4.0
                        : kind == CVLFIC_RATE_BPP    ? 0.01 + data[4] / 64.0
                                                     : data[4] * 100.0 / 255.0;
    std::vector<uint8_t> img(h * w * static_cast<size_t>(channels));
    for (size_t i = 0; i < img.size(); ++i) img[i] = data[5 + i % (size - 5)] ^ static_cast<uint8_t>(i * (data[5] | 1));
    const size_t stride = w * static_cast<size_t>(channels);
    size_t budget = 0;
    if (cvlfic_encoder_budget(enc, img.data(), h, w, stride, channels, kind, rate, &budget) != CVLFIC_OK) abort();
    std::vector<uint8_t> out(cvlfic_encode_bound(h, w, cvlfic_encoder_profile(enc)));
    size_t n = 0;
    const int st = cvlfic_encode_face(enc, img.data(), h, w, stride, channels, kind, rate, out.data(), out.size(), &n);
    if (st == CVLFIC_ERR_BUDGET) {
        if (n <= budget) abort();  // the smallest stream, above the budget
        return;
    }
    if (st != CVLFIC_OK || n > budget || n > out.size()) abort();
    cvlfic_stream_info info{};
    if (cvlfic_read_info(out.data(), n, &info) != CVLFIC_OK || info.height != h || info.width != w) abort();
    std::vector<uint8_t> recon(h * w * 3), mask(info.mask_height * info.mask_width);
    if (cvlfic_decode(out.data(), n, recon.data(), recon.size(), mask.data(), mask.size()) != CVLFIC_OK) abort();
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
    if (size < 1) return 0;
    std::vector<uint8_t> blob(data + 1, data + size);
    size_t face_at = blob.size();
    if (data[0] & 1) {
        // A body, a face after a 0xFF 0xFE separator (if any), and the right CRC.
        for (size_t i = 0; i + 1 < blob.size(); ++i)
            if (blob[i] == 0xFF && blob[i + 1] == 0xFE) {
                face_at = i;
                break;
            }
        std::vector<uint8_t> body(blob.begin(), blob.begin() + static_cast<long>(face_at));
        const uint32_t c = crc32(body.data(), body.size());
        for (int k = 0; k < 4; ++k) body.push_back(static_cast<uint8_t>(c >> (8 * k)));
        const std::vector<uint8_t> face(blob.begin() + static_cast<long>(face_at), blob.end());
        blob = body;
        blob.insert(blob.end(), face.begin(), face.end());
        face_at = body.size();
    }
    cvlfic_encoder *enc = nullptr;
    const int st = cvlfic_encoder_create(blob.data(), face_at, &enc);
    if (st != CVLFIC_OK) {
        if (st != CVLFIC_ERR_PARAMS || enc != nullptr) abort();
        return 0;
    }
    // Parsed parameters write back to the same file.
    cvlfic_encoder_params p;
    if (cvlfic_encoder_params_get(enc, &p) != CVLFIC_OK) abort();
    std::vector<uint8_t> again(face_at + 16);
    size_t n = 0;
    if (cvlfic_encoder_params_write(&p, again.data(), again.size(), &n) != CVLFIC_OK || n != face_at ||
        std::memcmp(again.data(), blob.data(), n) != 0)
        abort();
    check_face(enc, blob.data() + face_at, blob.size() - face_at);
    cvlfic_encoder_free(enc);
    return 0;
}
