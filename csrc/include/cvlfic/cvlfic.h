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
    CVLFIC_ERR_INTERNAL = 11,
    CVLFIC_ERR_BUDGET = 12,             /* byte budget below the face's smallest stream; *out_size says it */
    CVLFIC_ERR_PARAMS = 13              /* encoder parameters (the model's encoder.bin) invalid */
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


/* ---- Encoding a face: the fast mode's mask search in the core ------------------------
 *
 * A model's encoder parameters (the `encoder.bin` file of its folder: importance prior,
 * search weights, rate-to-levels table; format in docs/encoder-params.md) are parsed and
 * validated once by cvlfic_encoder_create; the handle is immutable and may be shared by
 * threads. cvlfic_encode_face then chooses the mask and level count for the rate and codes
 * the face: the same bytes as Python's `cvlfic.encode(face, mode="fast")`. */
typedef struct cvlfic_encoder cvlfic_encoder;

#define CVLFIC_RATE_MAX_BYTES 0  /* rate = a cap in bytes (never exceeded) */
#define CVLFIC_RATE_BPP 1        /* rate = bits per pixel: a cap of bpp * H * W / 8 bytes */
#define CVLFIC_RATE_QUALITY 2    /* rate = 0..100 on a fixed curve (cvlfic_bpp_for_quality); a
                                  * face too small for it gets its smallest stream */

/* The fields of an encoder.bin. The prior weights (one per mask region of a crop whose mask
 * grid is prior_height x prior_width; other crop sizes are searched without a prior) and the
 * step costs are used as stored: the search ranks a refinement step of region r from block
 * index s to s + 1 by weight[r] * (error(s) - error(s + 1)) / step_cost[s]. */
#define CVLFIC_PARAMS_MAX_LEVELS 16
#define CVLFIC_PARAMS_MAX_RATES 64
#define CVLFIC_PARAMS_MAX_PRIOR_SIDE 64
typedef struct cvlfic_encoder_params {
    int profile;
    int num_levels;                              /* level candidates, increasing; [0] the coarsest */
    int levels[CVLFIC_PARAMS_MAX_LEVELS];
    int num_rates;                               /* calibrated rates: bpp increasing */
    double rate_bpp[CVLFIC_PARAMS_MAX_RATES];
    int rate_levels[CVLFIC_PARAMS_MAX_RATES];    /* the level count used at that rate */
    double gray_share;                           /* (0, 1] */
    int num_steps;                               /* 0 (all steps cost 1) or num_sizes - 1 */
    double step_cost[CVLFIC_MAX_SIZES - 1];
    size_t prior_height, prior_width;            /* 0 x 0: no prior */
    const double *prior_weight;                  /* prior_height * prior_width, row-major, >= 0 */
} cvlfic_encoder_params;

/* Write an encoder.bin for `params` (validated as cvlfic_encoder_create validates a file);
 * *out_size = its size (also on CVLFIC_ERR_BUFFER_TOO_SMALL). */
CVLFIC_API int cvlfic_encoder_params_write(const cvlfic_encoder_params *params, uint8_t *out, size_t capacity,
                                           size_t *out_size);
/* Parse and validate an encoder.bin (CVLFIC_ERR_PARAMS if it is not a valid one). */
CVLFIC_API int cvlfic_encoder_create(const uint8_t *params, size_t size, cvlfic_encoder **out);
/* The encoder's parameters; prior_weight points into the encoder (valid until it is freed). */
CVLFIC_API int cvlfic_encoder_params_get(const cvlfic_encoder *encoder, cvlfic_encoder_params *out);
CVLFIC_API void cvlfic_encoder_free(cvlfic_encoder *encoder);
/* The profile the encoder's model decodes. */
CVLFIC_API int cvlfic_encoder_profile(const cvlfic_encoder *encoder);
/* Quality 0..100 -> bits per pixel (0.03 at 0, 1.0 at 100, geometric). */
CVLFIC_API double cvlfic_bpp_for_quality(double quality);

/* The byte budget of a face at a rate, as cvlfic_encode_face applies it. `channels` is 3
 * (BGR, rows of 3 * width bytes at least) or 1 (gray). A BGR face whose three channels are
 * equal is coded as gray, as is a 1-channel face; a bpp or quality rate gives a gray face the
 * model's gray share of the budget. A quality rate never goes below the face's smallest
 * stream; a cap (bytes, bpp) may: cvlfic_encode_face then fails with CVLFIC_ERR_BUDGET. */
CVLFIC_API int cvlfic_encoder_budget(const cvlfic_encoder *encoder, const uint8_t *img, size_t height,
                                     size_t width, size_t stride, int channels, int rate_kind,
                                     double rate, size_t *budget);

/* Encode a face crop at a rate. On CVLFIC_OK *out_size = bytes written (never above the
 * budget); on CVLFIC_ERR_BUFFER_TOO_SMALL the bytes needed; on CVLFIC_ERR_BUDGET the smallest
 * stream of this face. cvlfic_encode_bound(height, width, profile) bytes always suffice. */
CVLFIC_API int cvlfic_encode_face(const cvlfic_encoder *encoder, const uint8_t *img, size_t height,
                                  size_t width, size_t stride, int channels, int rate_kind, double rate,
                                  uint8_t *out, size_t capacity, size_t *out_size);

/* ---- Alignment: the standard crop from five landmarks ----------------------------------
 *
 * `landmarks`: 5 (x, y) points in image pixels, in dlib's 5-point order (right eye outer
 * corner, right eye inner, left eye outer, left eye inner, nose base; "right" is the
 * subject's), from any detector. Pixel centres are at integer coordinates.
 *
 * "The same crop" as cvlfic.align_face (dlib's get_face_chip, padding 0.25; 112 is the
 * standard crop) means byte-identical: the points are rounded to whole pixels (ties to
 * even, as align_face does), fitted to dlib's 5-point reference face by least squares, and
 * the chip is sampled as dlib's extract_image_chip does (bilinear, values truncated, 0
 * outside the image; below half the face's size from its 2:1 pyramid). Measured identical
 * on 597 of 597 LFW faces at 112 and on 3000 of 3000 random cases against dlib (sizes
 * 2-300; rotated, rescaled, shifted off the image, flat, gray, random points), with
 * `bench/core/align_match.py --faces 600 --random 3000`. OpenCV's warpAffine with the same
 * transform differs by 0.50 grey levels on average (it rounds where dlib truncates).
 *
 * Both functions return CVLFIC_ERR_ARGUMENT for a NULL pointer, `size` outside
 * [2, 8192], a landmark that is NaN, infinite or beyond +-2^20 pixels, and degenerate
 * landmarks (all, or nearly all, at one point: a crop that would cover at most one image
 * pixel). The time is linear in size * size, plus, when the crop is more than 2x smaller
 * than the face, the source area it covers (its pyramid, which is also the only memory
 * taken: at most a third of that area's bytes). */

/* The 2 x 3 similarity (row-major) that maps image coordinates (x, y) to crop coordinates:
 * u = t[0] x + t[1] y + t[2], v = t[3] x + t[4] y + t[5]; crop pixel (u, v) shows the image
 * at the inverse-mapped point (from a pyramid level, including dlib's shift of that level's
 * grid: (-0.5, +0.5) * (2^levels - 1) image pixels). */
CVLFIC_API int cvlfic_align_transform(const float landmarks[10], size_t size, double transform[6]);
/* Warp the face to the crop: `img` height x width (each <= CVLFIC_MAX_SIDE, at most
 * CVLFIC_MAX_PIXELS), `channels` 1 or 3 (any channel order; each is sampled alike), rows
 * `stride` >= width * channels bytes apart; `out` size x size x channels, rows
 * `out_stride` >= size * channels bytes apart (the bytes past size * channels are left
 * as they are). `img` and `out` must not overlap. */
CVLFIC_API int cvlfic_align_face(const uint8_t *img, size_t height, size_t width, size_t stride,
                                 int channels, const float landmarks[10], size_t size, uint8_t *out,
                                 size_t out_stride);

/* ---- Format tables: the colour transform and the quantizer of bitstream v1 -------------
 *
 * The reconstruction (cvlfic_reconstruct, cvlfic_decode) is, for each region of the mask:
 * the image turned into the profile's planes by the colour transform below, padded by
 * replicating the last row and column to whole regions; each plane cut into square blocks
 * (cvlfic_profile.block_sizes[plane][mask index]); each block's mean rounded half up,
 * (sum + n / 2) / n for n pixels; the mean v coded as level q[v] and restored as d[q[v]],
 * over the whole block. These functions hand out the tables, so that code recomputing the
 * reconstruction (the torch RAP of training, cvlfic/nets/rap.py) reads them instead of
 * restating them. */

/* The forward colour transform of `profile`: plane p of a pixel (b, g, r) is
 *     min(255, (coef[p][0] * b + coef[p][1] * g + coef[p][2] * r + coef[p][3]) >> *shift),
 * the sums never being negative. Profile 0 (YCbCr): JPEG full-range YCbCr in integers, shift
 * 8; profile 1 (BGR): the identity, shift 0. */
CVLFIC_API int cvlfic_colour_transform(int profile, int coef[3][4], int *shift);
/* The quantizer of `levels` (a count of cvlfic_levels_table): q[v] is the level of the block
 * mean v in 0..255, d[l] the value restored for level l < levels (d[l] = 255 from l = levels
 * on, which no stream uses). */
CVLFIC_API int cvlfic_quantizer(int levels, uint8_t q[256], uint8_t d[256]);

#ifdef __cplusplus
}
#endif
#endif /* CVLFIC_CVLFIC_H */
