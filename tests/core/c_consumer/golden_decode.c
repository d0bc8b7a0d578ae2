/* Decodes the golden bitstream v1 set (tests/core/golden) with the installed libcvlfic and
 * checks each pooled image and mask against the CRC-32 recorded in manifest.txt.
 *   golden_decode GOLDEN_DIR      prints "golden_decode: N streams ok" */
#include <cvlfic/cvlfic.h>

#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static uint32_t crc32(const uint8_t *data, size_t size) {
    uint32_t c = 0xFFFFFFFFu;
    for (size_t i = 0; i < size; ++i) {
        c ^= data[i];
        for (int k = 0; k < 8; ++k) c = (c & 1) ? 0xEDB88320u ^ (c >> 1) : c >> 1;
    }
    return c ^ 0xFFFFFFFFu;
}

static uint8_t *read_file(const char *path, size_t *size) {
    FILE *f = fopen(path, "rb");
    if (!f) return NULL;
    fseek(f, 0, SEEK_END);
    long n = ftell(f);
    fseek(f, 0, SEEK_SET);
    uint8_t *data = malloc(n > 0 ? (size_t)n : 1);
    *size = data ? fread(data, 1, (size_t)n, f) : 0;
    fclose(f);
    return data;
}

int main(int argc, char **argv) {
    if (argc != 2) {
        fprintf(stderr, "usage: %s GOLDEN_DIR\n", argv[0]);
        return 2;
    }
    char path[4096];
    snprintf(path, sizeof path, "%s/manifest.txt", argv[1]);
    FILE *manifest = fopen(path, "r");
    if (!manifest) {
        fprintf(stderr, "cannot read %s\n", path);
        return 1;
    }
    char name[256], source[64], kind[16], rate[32];
    unsigned long h, w, mh, mw;
    int profile, levels, count = 0;
    unsigned recon_crc, mask_crc;
    while (fscanf(manifest, "%255s %63s %15s %lu %lu %lu %lu %d %d %31s %x %x", name, source, kind, &h, &w, &mh, &mw,
                  &profile, &levels, rate, &recon_crc, &mask_crc) == 12) {
        size_t size = 0;
        snprintf(path, sizeof path, "%s/%s.lfic", argv[1], name);
        uint8_t *data = read_file(path, &size);
        cvlfic_stream_info info;
        if (!data || cvlfic_read_info(data, size, &info) != CVLFIC_OK || info.height != h || info.width != w ||
            info.profile != profile || info.levels != levels || info.mask_height != mh || info.mask_width != mw) {
            fprintf(stderr, "%s: header differs from the manifest\n", name);
            return 1;
        }
        uint8_t *recon = malloc(h * w * 3), *mask = malloc(mh * mw);
        const int st = cvlfic_decode(data, size, recon, h * w * 3, mask, mh * mw);
        if (st != CVLFIC_OK) {
            fprintf(stderr, "%s: %s\n", name, cvlfic_status_string(st));
            return 1;
        }
        if (crc32(recon, h * w * 3) != recon_crc || crc32(mask, mh * mw) != mask_crc) {
            fprintf(stderr, "%s: decoded to another image or mask than the recorded one\n", name);
            return 1;
        }
        free(recon);
        free(mask);
        free(data);
        ++count;
    }
    fclose(manifest);
    if (count == 0) {
        fprintf(stderr, "no streams in the manifest\n");
        return 1;
    }
    printf("golden_decode: %d streams ok\n", count);
    return 0;
}
