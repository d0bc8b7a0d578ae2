/*
 * cvlfic: the lossless core of the learned face-image codec (bitstream version 1).
 *
 * Plain C API over a C++17 implementation. Every function returns a status code
 * (CVLFIC_OK = 0) and never lets an exception or a signal escape. Images are BGR uint8,
 * H x W x 3, rows `stride` bytes apart (pixels packed within a row).
 */
#ifndef CVLFIC_CVLFIC_H
#define CVLFIC_CVLFIC_H

#include <stddef.h>
#include <stdint.h>

#if defined(CVLFIC_STATIC)
#  define CVLFIC_API
#elif defined(_WIN32)
#  if defined(CVLFIC_BUILDING)
#    define CVLFIC_API __declspec(dllexport)
#  else
#    define CVLFIC_API __declspec(dllimport)
#  endif
#else
#  define CVLFIC_API __attribute__((visibility("default")))
#endif

#ifdef __cplusplus
extern "C" {
#endif

#define CVLFIC_FORMAT_VERSION 1
#define CVLFIC_MAX_SIDE 16384
#define CVLFIC_MAX_PIXELS (64u * 1024u * 1024u)
/* The decode limit when the caller sets none: 1,048,576 pixels (a 1024 x 1024 image, far
 * above any face crop). Streams that claim more are refused before anything is allocated;
 * cvlfic_read_info_limited / cvlfic_decode_limited take another limit. */
#define CVLFIC_DEFAULT_MAX_PIXELS (1024u * 1024u)
#define CVLFIC_MAX_SIZES 4

typedef enum cvlfic_status {
    CVLFIC_OK = 0,
    CVLFIC_ERR_ARGUMENT = 1,            /* bad argument (size, profile, levels, mask value) */
    CVLFIC_ERR_BUFFER_TOO_SMALL = 2,    /* output capacity too small; *out_size says how much */
    CVLFIC_ERR_NO_MEMORY = 3,
    CVLFIC_ERR_FOREIGN = 4,             /* not a cvlfic stream (wrong magic) */
    CVLFIC_ERR_UNSUPPORTED_VERSION = 5, /* a cvlfic stream of a version this library cannot read */
    CVLFIC_ERR_UNKNOWN_PROFILE = 6,
    CVLFIC_ERR_TRUNCATED = 7,           /* the stream ends before its last byte (cut) */
    CVLFIC_ERR_CHECKSUM = 8,            /* CRC-16 mismatch: corrupted */
    CVLFIC_ERR_TOO_LARGE = 9,           /* declared size above the pixel limit (or CVLFIC_MAX_SIDE) */
    CVLFIC_ERR_CORRUPT = 10,            /* payload inconsistent with the header */
    CVLFIC_ERR_INTERNAL = 11
} cvlfic_status;

typedef struct cvlfic_profile {
    int id;
    const char *name;                        /* "ycc16", "rgb8" */
    const char *planes;                      /* plane order of the reconstruction, e.g. "YCbCr" */
    int region;                              /* mask region size R (pixels) */
    int num_sizes;                           /* entries of the block-size lists */
    int block_sizes[3][CVLFIC_MAX_SIZES];    /* [plane][mask index] block side, index 0 = largest */
} cvlfic_profile;

typedef struct cvlfic_stream_info {
    int version;
    int profile;
    int levels;        /* L, the number of quantization levels */
    size_t height;
    size_t width;
    size_t mask_height;
    size_t mask_width;
} cvlfic_stream_info;

/* What the coder spends, for benchmarks: ideal code length under the coder's own adaptive
 * model (sum of -log2 p of every binary decision), split into mask and residuals. */
typedef struct cvlfic_analysis {
    double ideal_bits;        /* mask + residuals */
    double mask_bits;
    size_t symbols;           /* mask entries + residuals */
    size_t mask_symbols;
    size_t binary_decisions;
} cvlfic_analysis;

/* Model variants for cvlfic_analyze. Only CVLFIC_MODEL_V1 is the bitstream's; the others
 * start from untrained (1/2) probabilities. */
#define CVLFIC_MODEL_V1 0                 /* v1 prediction, contexts, trained initial probabilities */
#define CVLFIC_MODEL_DPCM 1               /* the paper's DPCM (eq. 3), one context per decision kind */
#define CVLFIC_MODEL_V1_PREDICTOR_ONLY 2  /* v1 prediction, one context per decision kind */
#define CVLFIC_MODEL_DPCM_CONTEXTS 3      /* the paper's DPCM with the v1 contexts */
#define CVLFIC_MODEL_V1_UNTRAINED 4       /* v1 prediction and contexts, untrained */

CVLFIC_API const char *cvlfic_version(void);      /* library version, "MAJOR.MINOR.PATCH" */
CVLFIC_API int cvlfic_format_version(void);       /* bitstream version written (1) */
CVLFIC_API const char *cvlfic_status_string(int status);

CVLFIC_API int cvlfic_num_profiles(void);
CVLFIC_API int cvlfic_profile_info(int profile, cvlfic_profile *out);
/* The 16 level counts L a stream can carry, in code order; writes min(cap, 16), returns 16. */
CVLFIC_API int cvlfic_levels_table(int *out, int cap);
CVLFIC_API int cvlfic_mask_shape(size_t height, size_t width, int profile,
                                 size_t *mask_height, size_t *mask_width);

/* Upper bound of the encoded size of any image of that size and profile. */
CVLFIC_API size_t cvlfic_encode_bound(size_t height, size_t width, int profile);

/* Pool, quantize and code `img` under `mask` (mask_height x mask_width, row-major, values
 * < num_sizes). On CVLFIC_OK *out_size = bytes written; on CVLFIC_ERR_BUFFER_TOO_SMALL
 * *out_size = bytes needed. */
CVLFIC_API int cvlfic_encode(const uint8_t *img, size_t height, size_t width, size_t stride,
                             int profile, int levels, const uint8_t *mask,
                             uint8_t *out, size_t capacity, size_t *out_size);

/* Header fields of a stream; checks the header and the checksum, not the payload.
 * A stream whose image has more than CVLFIC_DEFAULT_MAX_PIXELS pixels gives
 * CVLFIC_ERR_TOO_LARGE; `info` then holds the claimed size (version, profile, levels,
 * height, width), so a caller can say what was refused. When the checksum does not match,
 * the status is CVLFIC_ERR_TRUNCATED if the stream reads as one cut short, else
 * CVLFIC_ERR_CHECKSUM. */
CVLFIC_API int cvlfic_read_info(const uint8_t *data, size_t size, cvlfic_stream_info *info);

/* Decode into `recon` (height x width x 3, packed, profile plane order) and `mask`
 * (mask_height x mask_width). Either output may be NULL to skip it.
 *
 * `recon` is the lossless core's output: the dequantized pooled image at full size in the
 * profile's plane order ("YCbCr" for profile 0, "BGR" for profile 1), which is the learned
 * decoder network's input, not the restored face (examples/cpp_decoder runs the network).
 * Streams above CVLFIC_DEFAULT_MAX_PIXELS are refused (CVLFIC_ERR_TOO_LARGE) before any
 * allocation. Time and memory are linear in the number of pixels. */
CVLFIC_API int cvlfic_decode(const uint8_t *data, size_t size, uint8_t *recon, size_t recon_capacity,
                             uint8_t *mask, size_t mask_capacity);

/* The same with the caller's pixel limit: streams whose height * width exceeds `max_pixels`
 * are refused with CVLFIC_ERR_TOO_LARGE before any allocation. 0 means
 * CVLFIC_DEFAULT_MAX_PIXELS; limits above CVLFIC_MAX_PIXELS act as CVLFIC_MAX_PIXELS. */
CVLFIC_API int cvlfic_read_info_limited(const uint8_t *data, size_t size, size_t max_pixels,
                                        cvlfic_stream_info *info);
CVLFIC_API int cvlfic_decode_limited(const uint8_t *data, size_t size, size_t max_pixels, uint8_t *recon,
                                     size_t recon_capacity, uint8_t *mask, size_t mask_capacity);

/* The encoder's reconstruction (what cvlfic_decode returns), without coding. */
CVLFIC_API int cvlfic_reconstruct(const uint8_t *img, size_t height, size_t width, size_t stride,
                                  int profile, int levels, const uint8_t *mask,
                                  uint8_t *recon, size_t recon_capacity);

/* For benchmarks: ideal code length under `model`, and optionally the coded symbols as raw
 * bytes (mask indices, then each residual as int8, in coding order) for general-purpose
 * compressors. *residual_size receives the count (may exceed capacity: then nothing is
 * written and CVLFIC_ERR_BUFFER_TOO_SMALL is returned). */
CVLFIC_API int cvlfic_analyze(const uint8_t *img, size_t height, size_t width, size_t stride,
                              int profile, int levels, const uint8_t *mask, int model,
                              cvlfic_analysis *out, uint8_t *residual_bytes, size_t residual_capacity,
                              size_t *residual_size);

#ifdef __cplusplus
}
#endif
#endif /* CVLFIC_CVLFIC_H */
