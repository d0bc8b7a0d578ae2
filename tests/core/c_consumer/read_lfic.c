/* A C user's program, as README.md's "C and C++" section builds it: read a .lfic stream,
 * cvlfic_read_info + cvlfic_decode, print what the library returned.
 *
 *   read_lfic FACE.lfic
 *   -> "112x112 profile=0 (ycc16, YCbCr) levels=16 mask=7x7 recon_bytes=37632 recon_fnv1a=... mask_fnv1a=..."
 *
 * The reconstruction is the dequantized pooled image at full size in the profile's plane order
 * (YCbCr for ycc16), not the restored face: that is the decoder network's job. FNV-1a (64-bit)
 * checksums let the test compare it with cvlfic.bitstream.decode_pooled. Exit 0 = decoded. */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>

#include <cvlfic/cvlfic.h>

static uint64_t fnv1a(const uint8_t *data, size_t size) {
    uint64_t hash = 14695981039346656037ull;
    for (size_t i = 0; i < size; ++i) hash = (hash ^ data[i]) * 1099511628211ull;
    return hash;
}

static uint8_t *read_file(const char *path, size_t *size) {
    FILE *file = fopen(path, "rb");
    if (!file) return NULL;
    uint8_t *data = NULL;
    if (fseek(file, 0, SEEK_END) == 0) {
        long end = ftell(file);
        if (end >= 0 && fseek(file, 0, SEEK_SET) == 0 && (data = malloc((size_t)end + 1)) != NULL) {
            *size = fread(data, 1, (size_t)end, file);
            if (*size != (size_t)end) free(data), data = NULL;
        }
    }
    fclose(file);
    return data;
}

int main(int argc, char **argv) {
    if (argc != 2) {
        fprintf(stderr, "usage: %s FACE.lfic\n", argv[0]);
        return 2;
    }
    size_t size = 0;
    uint8_t *data = read_file(argv[1], &size);
    if (!data) {
        fprintf(stderr, "cannot read %s\n", argv[1]);
        return 1;
    }
    cvlfic_stream_info info;
    int status = cvlfic_read_info(data, size, &info);
    if (status != CVLFIC_OK) {
        fprintf(stderr, "%s: %s\n", argv[1], cvlfic_status_string(status));
        return 1;
    }
    cvlfic_profile profile;
    if (cvlfic_profile_info(info.profile, &profile) != CVLFIC_OK) return 1;

    const size_t recon_size = info.height * info.width * 3, mask_size = info.mask_height * info.mask_width;
    uint8_t *recon = malloc(recon_size), *mask = malloc(mask_size);
    if (!recon || !mask) return 1;
    status = cvlfic_decode(data, size, recon, recon_size, mask, mask_size);
    if (status != CVLFIC_OK) {
        fprintf(stderr, "%s: %s\n", argv[1], cvlfic_status_string(status));
        return 1;
    }
    printf("%zux%zu profile=%d (%s, %s) levels=%d mask=%zux%zu recon_bytes=%zu recon_fnv1a=%016llx "
           "mask_fnv1a=%016llx\n",
           info.width, info.height, info.profile, profile.name, profile.planes, info.levels,
           info.mask_width, info.mask_height, recon_size, (unsigned long long)fnv1a(recon, recon_size),
           (unsigned long long)fnv1a(mask, mask_size));
    free(data), free(recon), free(mask);
    return 0;
}
