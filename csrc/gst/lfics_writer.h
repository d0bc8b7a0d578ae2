/*
 * lfics_writer: the writer side of the `.lfics` face stream, format version 2
 * (docs/face-stream.md), in plain C99 with no dependency beyond libc.
 *
 * It produces the same bytes as the Python writer (cvlfic.video.lfics.RecordPacker with the
 * same key_interval and time_unit) for the same records: the 16-byte file header, stream
 * info records (type 1) and face records (type 2), each face record a key or a delta on the
 * previous record of its track. Kept free of GStreamer and GLib so that it can move into the
 * core library later.
 *
 * Usage: lfics_file_header() once at the start of a new file; lfics_writer_stream_info() to
 * start a run; lfics_writer_face() per face. Records are appended to an lfics_buffer, which
 * the writer grows with realloc (the caller frees it with lfics_buffer_free).
 */
#ifndef CVLFIC_GST_LFICS_WRITER_H
#define CVLFIC_GST_LFICS_WRITER_H

#include <stddef.h>
#include <stdint.h>

#ifdef __cplusplus
extern "C" {
#endif

#define LFICS_VERSION 2
#define LFICS_FILE_HEADER_SIZE 16
#define LFICS_TYPE_STREAM_INFO 1
#define LFICS_TYPE_FACE 2
#define LFICS_MAX_PAYLOAD (1u << 24)
#define LFICS_KEY_INTERVAL 8        /* the Python writer's default */
#define LFICS_MAX_DISTANCE 4096     /* how far back (in face records) a delta may refer */
#define LFICS_TICKS_PER_SECOND 120000

enum {
    LFICS_OK = 0,
    LFICS_ERR_ARGUMENT = 1,   /* a value the format cannot hold (negative index, NaN, too large) */
    LFICS_ERR_NO_MEMORY = 2
};

typedef struct lfics_buffer {
    uint8_t *data;
    size_t size;
    size_t capacity;
} lfics_buffer;

void lfics_buffer_free(lfics_buffer *buffer);
/* Append raw bytes (e.g. the file header). */
int lfics_buffer_append(lfics_buffer *buffer, const uint8_t *data, size_t size);

/* One face as the stream stores it. Landmarks are whole pixels (version 2 keeps no more:
 * round them before cutting the crop, so that the stored points give back the coded crop). */
typedef struct lfics_face {
    uint64_t frame;          /* frame index in the run */
    double timestamp;        /* seconds */
    uint32_t face_index;     /* index within the frame (largest face first) */
    double score;            /* detector score, stored to 1/256 */
    uint32_t track;          /* track number (1, 2, ... in a run; 0: none, always a key record) */
    int32_t box[4];          /* left, top, right, bottom (may extend past the frame) */
    int32_t points[10];      /* 5 (x, y) in dlib's 5-point order */
} lfics_face;

/* The file header: magic, version 2, reserved, CRC-32 of the first 12 bytes. */
void lfics_file_header(uint8_t out[LFICS_FILE_HEADER_SIZE]);

/* One version-2 record of type 1..7 around `payload`, appended to `out`. */
int lfics_pack_frame(int type, const uint8_t *payload, size_t size, lfics_buffer *out);

/* Checks of the format (exposed for tests). */
uint8_t lfics_crc8(const uint8_t *data, size_t size);     /* CRC-8/SMBUS */
uint16_t lfics_crc16(const uint8_t *data, size_t size);   /* CRC-16/GENIBUS */
uint32_t lfics_crc32(const uint8_t *data, size_t size);   /* zlib's CRC-32 */

typedef struct lfics_writer lfics_writer;

/* key_interval >= 1 (8: the Python default; 1: every record a key), time_unit >= 1 (ticks of
 * 1/120000 s per stored time unit: 1 for files with a frame rate, 120 = milliseconds for
 * live sources). NULL when out of memory or an argument is invalid. */
lfics_writer *lfics_writer_new(int key_interval, int time_unit);
void lfics_writer_free(lfics_writer *writer);

/* A stream info record (`json`: a UTF-8 JSON object) starting a new run; `fps` (0 when not
 * known) sets the frame period the time fields are predicted with, as the Python writer
 * reads it from the object's "fps" key (pass the same value). */
int lfics_writer_stream_info(lfics_writer *writer, const char *json, size_t json_size, double fps,
                             lfics_buffer *out);

/* A face record: the face's fields and its LFIC bitstream. */
int lfics_writer_face(lfics_writer *writer, const lfics_face *face, const uint8_t *data, size_t size,
                      lfics_buffer *out);

/* Forget a track that has ended (its later records, if any, start with a key). */
void lfics_writer_end_track(lfics_writer *writer, uint32_t track);

/* Face records written as keys and as deltas so far. */
void lfics_writer_counts(const lfics_writer *writer, uint64_t *keys, uint64_t *deltas);

#ifdef __cplusplus
}
#endif
#endif /* CVLFIC_GST_LFICS_WRITER_H */
