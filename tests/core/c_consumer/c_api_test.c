/* C test of libcvlfic: round trip, reconstruction equality, error statuses. Exit 0 = pass. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cvlfic/cvlfic.h>

#define CHECK(cond)                                                    \
    do {                                                               \
        if (!(cond)) {                                                 \
            fprintf(stderr, "%s:%d: check failed: %s\n", __FILE__, __LINE__, #cond); \
            return 1;                                                  \
        }                                                              \
    } while (0)

int main(void) {
    const size_t h = 37, w = 53;
    uint8_t img[37 * 53 * 3];
    for (size_t i = 0; i < sizeof img; ++i) img[i] = (uint8_t)((i * 7 + (i / 159) * 13) & 0xFF);

    CHECK(cvlfic_format_version() == CVLFIC_FORMAT_VERSION);
    for (int profile = 0; profile < cvlfic_num_profiles(); ++profile) {
        cvlfic_profile prof;
        CHECK(cvlfic_profile_info(profile, &prof) == CVLFIC_OK);
        size_t mh = 0, mw = 0;
        CHECK(cvlfic_mask_shape(h, w, profile, &mh, &mw) == CVLFIC_OK);
        CHECK(mh == (h + prof.region - 1) / prof.region && mw == (w + prof.region - 1) / prof.region);
        uint8_t *mask = malloc(mh * mw);
        for (size_t i = 0; i < mh * mw; ++i) mask[i] = (uint8_t)(i % (size_t)prof.num_sizes);

        const size_t cap = cvlfic_encode_bound(h, w, profile);
        uint8_t *stream = malloc(cap);
        size_t size = 0;
        CHECK(cvlfic_encode(img, h, w, w * 3, profile, 24, mask, stream, cap, &size) == CVLFIC_OK);
        CHECK(size > 6 && size <= cap);

        cvlfic_stream_info info;
        CHECK(cvlfic_read_info(stream, size, &info) == CVLFIC_OK);
        CHECK(info.height == h && info.width == w && info.levels == 24 && info.profile == profile);

        uint8_t *recon = malloc(h * w * 3), *expect = malloc(h * w * 3), *mask2 = malloc(mh * mw);
        CHECK(cvlfic_decode(stream, size, recon, h * w * 3, mask2, mh * mw) == CVLFIC_OK);
        CHECK(cvlfic_reconstruct(img, h, w, w * 3, profile, 24, mask, expect, h * w * 3) == CVLFIC_OK);
        CHECK(memcmp(recon, expect, h * w * 3) == 0);
        CHECK(memcmp(mask, mask2, mh * mw) == 0);

        stream[size / 2] ^= 0x40;
        CHECK(cvlfic_decode(stream, size, recon, h * w * 3, NULL, 0) == CVLFIC_ERR_CHECKSUM);
        CHECK(cvlfic_decode(stream, 3, recon, h * w * 3, NULL, 0) != CVLFIC_OK);
        stream[0] = 0xC2;
        CHECK(cvlfic_read_info(stream, size, &info) == CVLFIC_ERR_UNSUPPORTED_VERSION);
        mask[0] = 9;
        CHECK(cvlfic_encode(img, h, w, w * 3, profile, 24, mask, stream, cap, &size) == CVLFIC_ERR_ARGUMENT);
        free(mask), free(stream), free(recon), free(expect), free(mask2);
    }
    printf("c_api_test: ok (libcvlfic %s)\n", cvlfic_version());
    return 0;
}
