/* A C program that encodes a face with no Python anywhere: image + 5 landmarks (from any
 * detector) -> the aligned 112x112 standard crop (cvlfic_align_face) -> a cvlfic stream at
 * 0.2 bits per pixel (cvlfic_encoder_create on a model's encoder.bin, cvlfic_encode_face).
 *
 *   encode_face_example IMAGE.ppm LANDMARKS.txt ENCODER.bin OUT.cvl [CROP.ppm]
 *
 * IMAGE.ppm: binary PPM (P6, maxval 255). LANDMARKS.txt: 10 numbers, x y of dlib's 5 points
 * in order. CROP.ppm (optional) receives the aligned crop. Exit status 0 on success. */
#include <ctype.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cvlfic/cvlfic.h>

#define CROP 112

static int fail(const char *what, int status) {
    if (status >= 0)
        fprintf(stderr, "encode_face_example: %s: %s (status %d)\n", what, cvlfic_status_string(status), status);
    else
        fprintf(stderr, "encode_face_example: %s\n", what);
    return 1;
}

/* The next header number of a PPM, skipping white space and # comments; -1 if none. */
static long ppm_number(FILE *f) {
    int c = fgetc(f);
    for (;;) {
        while (c != EOF && isspace(c)) c = fgetc(f);
        if (c != '#') break;
        while (c != EOF && c != '\n') c = fgetc(f);
    }
    if (c == EOF || !isdigit(c)) return -1;
    long v = 0;
    while (c != EOF && isdigit(c) && v < 1000000) {
        v = v * 10 + (c - '0');
        c = fgetc(f);
    }
    return v; /* the single white-space byte after maxval is consumed here */
}

/* A P6 file as BGR rows (the codec's order), packed; NULL on error. */
static uint8_t *read_ppm(const char *path, size_t *height, size_t *width) {
    FILE *f = fopen(path, "rb");
    if (!f) return NULL;
    uint8_t *bgr = NULL;
    if (fgetc(f) == 'P' && fgetc(f) == '6') {
        const long w = ppm_number(f), h = ppm_number(f), maxval = ppm_number(f);
        if (w > 0 && h > 0 && w <= CVLFIC_MAX_SIDE && h <= CVLFIC_MAX_SIDE && maxval == 255) {
            const size_t n = (size_t)w * (size_t)h * 3;
            bgr = malloc(n);
            if (bgr && fread(bgr, 1, n, f) == n) {
                for (size_t i = 0; i < n; i += 3) { /* RGB -> BGR */
                    const uint8_t r = bgr[i];
                    bgr[i] = bgr[i + 2];
                    bgr[i + 2] = r;
                }
                *height = (size_t)h;
                *width = (size_t)w;
            } else {
                free(bgr);
                bgr = NULL;
            }
        }
    }
    fclose(f);
    return bgr;
}

static int write_ppm(const char *path, const uint8_t *bgr, size_t height, size_t width) {
    FILE *f = fopen(path, "wb");
    if (!f) return 0;
    int ok = fprintf(f, "P6\n%zu %zu\n255\n", width, height) > 0;
    for (size_t i = 0; ok && i < height * width; ++i) {
        const uint8_t rgb[3] = {bgr[3 * i + 2], bgr[3 * i + 1], bgr[3 * i]};
        ok = fwrite(rgb, 1, 3, f) == 3;
    }
    return fclose(f) == 0 && ok;
}

static uint8_t *read_file(const char *path, size_t *size) {
    FILE *f = fopen(path, "rb");
    if (!f) return NULL;
    uint8_t *data = NULL;
    size_t len = 0, cap = 0, got;
    do {
        if (len == cap) {
            cap = cap ? 2 * cap : 65536;
            uint8_t *more = realloc(data, cap);
            if (!more) {
                free(data);
                fclose(f);
                return NULL;
            }
            data = more;
        }
        got = fread(data + len, 1, cap - len, f);
        len += got;
    } while (got > 0);
    fclose(f);
    *size = len;
    return data;
}

int main(int argc, char **argv) {
    if (argc != 5 && argc != 6) {
        fprintf(stderr, "usage: %s IMAGE.ppm LANDMARKS.txt ENCODER.bin OUT.cvl [CROP.ppm]\n", argv[0]);
        return 2;
    }
    size_t height = 0, width = 0;
    uint8_t *img = read_ppm(argv[1], &height, &width);
    if (!img) return fail("cannot read the image (binary PPM, maxval 255)", -1);

    float landmarks[10];
    FILE *lf = fopen(argv[2], "r");
    if (!lf) return fail("cannot open the landmarks", -1);
    for (int i = 0; i < 10; ++i)
        if (fscanf(lf, "%f", &landmarks[i]) != 1) return fail("the landmarks file needs 10 numbers", -1);
    fclose(lf);

    /* The standard crop: the same bytes as cvlfic.align_face for these points. */
    static uint8_t crop[CROP * CROP * 3];
    int st = cvlfic_align_face(img, height, width, width * 3, 3, landmarks, CROP, crop, CROP * 3);
    free(img);
    if (st != CVLFIC_OK) return fail("cvlfic_align_face", st);
    if (argc == 6 && !write_ppm(argv[5], crop, CROP, CROP)) return fail("cannot write the crop", -1);

    size_t params_size = 0;
    uint8_t *params = read_file(argv[3], &params_size);
    if (!params) return fail("cannot read the encoder parameters", -1);
    cvlfic_encoder *enc = NULL;
    st = cvlfic_encoder_create(params, params_size, &enc);
    free(params);
    if (st != CVLFIC_OK) return fail("cvlfic_encoder_create", st);

    const size_t cap = cvlfic_encode_bound(CROP, CROP, cvlfic_encoder_profile(enc));
    uint8_t *stream = malloc(cap ? cap : 1);
    size_t n = 0;
    st = stream ? cvlfic_encode_face(enc, crop, CROP, CROP, CROP * 3, 3, CVLFIC_RATE_BPP, 0.2, stream, cap, &n)
                : CVLFIC_ERR_NO_MEMORY;
    cvlfic_encoder_free(enc);
    if (st != CVLFIC_OK) {
        free(stream);
        return fail("cvlfic_encode_face", st);
    }
    FILE *out = fopen(argv[4], "wb");
    const int written = out && fwrite(stream, 1, n, out) == n;
    if (out && fclose(out) != 0) return fail("cannot write the stream", -1);
    free(stream);
    if (!written) return fail("cannot write the stream", -1);
    printf("encode_face_example: %zu bytes for %dx%d at 0.2 bpp\n", n, CROP, CROP);
    return 0;
}
