/*
 * lfics_writer: `.lfics` face stream version 2, writer side (see lfics_writer.h and
 * docs/face-stream.md). Mirrors cvlfic/video/framing2.py (record framing and checks),
 * cvlfic/video/compact.py (the bit-packed key and delta fields) and RecordPacker in
 * cvlfic/video/lfics.py (which records are keys), integer for integer.
 */
#include "lfics_writer.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

/* ---- buffer ------------------------------------------------------------------------- */

void lfics_buffer_free(lfics_buffer *buffer) {
    if (buffer == NULL) return;
    free(buffer->data);
    buffer->data = NULL;
    buffer->size = buffer->capacity = 0;
}

static int buffer_reserve(lfics_buffer *b, size_t extra) {
    if (extra > SIZE_MAX - b->size) return LFICS_ERR_NO_MEMORY;
    size_t need = b->size + extra;
    if (need <= b->capacity) return LFICS_OK;
    size_t capacity = b->capacity ? b->capacity : 256;
    while (capacity < need) {
        if (capacity > SIZE_MAX / 2) {
            capacity = need;
            break;
        }
        capacity *= 2;
    }
    uint8_t *data = (uint8_t *)realloc(b->data, capacity);
    if (data == NULL) return LFICS_ERR_NO_MEMORY;
    b->data = data;
    b->capacity = capacity;
    return LFICS_OK;
}

int lfics_buffer_append(lfics_buffer *b, const uint8_t *data, size_t size) {
    int status = buffer_reserve(b, size);
    if (status != LFICS_OK) return status;
    if (size) memcpy(b->data + b->size, data, size);
    b->size += size;
    return LFICS_OK;
}

/* ---- checks ------------------------------------------------------------------------- */

uint8_t lfics_crc8(const uint8_t *data, size_t size) {
    uint8_t crc = 0;
    for (size_t i = 0; i < size; i++) {
        crc ^= data[i];
        for (int bit = 0; bit < 8; bit++) crc = (uint8_t)((crc & 0x80) ? (crc << 1) ^ 0x07 : crc << 1);
    }
    return crc;
}

uint16_t lfics_crc16(const uint8_t *data, size_t size) {
    uint16_t crc = 0xFFFF;
    for (size_t i = 0; i < size; i++) {
        crc ^= (uint16_t)(data[i] << 8);
        for (int bit = 0; bit < 8; bit++)
            crc = (uint16_t)((crc & 0x8000) ? (crc << 1) ^ 0x1021 : crc << 1);
    }
    return (uint16_t)(crc ^ 0xFFFF);
}

static uint32_t crc32_table[256];
static int crc32_ready = 0;

static void crc32_init(void) {
    for (uint32_t n = 0; n < 256; n++) {
        uint32_t c = n;
        for (int k = 0; k < 8; k++) c = (c & 1) ? 0xEDB88320u ^ (c >> 1) : c >> 1;
        crc32_table[n] = c;
    }
    crc32_ready = 1;
}

uint32_t lfics_crc32(const uint8_t *data, size_t size) {
    /* The table is the same whichever thread fills it first; a race writes equal values. */
    if (!crc32_ready) crc32_init();
    uint32_t c = 0xFFFFFFFFu;
    for (size_t i = 0; i < size; i++) c = crc32_table[(c ^ data[i]) & 0xFF] ^ (c >> 8);
    return c ^ 0xFFFFFFFFu;
}

static void put_le16(uint8_t *p, uint16_t v) {
    p[0] = (uint8_t)v;
    p[1] = (uint8_t)(v >> 8);
}

static void put_le32(uint8_t *p, uint32_t v) {
    for (int i = 0; i < 4; i++) p[i] = (uint8_t)(v >> (8 * i));
}

/* ---- file header and record framing --------------------------------------------------- */

static const uint8_t MAGIC[8] = {0x89, 'L', 'F', 'I', 'C', 'S', '\r', '\n'};
static const uint8_t MARKER[2] = {0xF7, 0x4C};
#define CRC16_LIMIT 4080 /* payloads shorter than this get a CRC-16, longer ones a CRC-32 */

void lfics_file_header(uint8_t out[LFICS_FILE_HEADER_SIZE]) {
    memcpy(out, MAGIC, 8);
    put_le16(out + 8, LFICS_VERSION);
    put_le16(out + 10, 0);
    put_le32(out + 12, lfics_crc32(out, 12));
}

int lfics_pack_frame(int type, const uint8_t *payload, size_t size, lfics_buffer *out) {
    if (type < 1 || type > 7 || size > LFICS_MAX_PAYLOAD || (size && payload == NULL) || out == NULL)
        return LFICS_ERR_ARGUMENT;
    uint8_t head[8];
    size_t n = 0;
    memcpy(head, MARKER, 2);
    n = 2;
    uint32_t v = (uint32_t)(size << 3) | (uint32_t)type; /* LEB128, least significant first */
    do {
        uint8_t byte = v & 0x7F;
        v >>= 7;
        head[n++] = (uint8_t)(byte | (v ? 0x80 : 0));
    } while (v);
    head[n] = lfics_crc8(head, n);
    n++;
    size_t check = size < CRC16_LIMIT ? 2 : 4;
    size_t start = out->size;
    int status = buffer_reserve(out, n + size + check);
    if (status != LFICS_OK) return status;
    lfics_buffer_append(out, head, n);
    lfics_buffer_append(out, payload, size);
    const uint8_t *body = out->data + start;
    size_t body_size = out->size - start;
    uint8_t tail[4];
    if (check == 2)
        put_le16(tail, lfics_crc16(body, body_size));
    else
        put_le32(tail, lfics_crc32(body, body_size));
    lfics_buffer_append(out, tail, check);
    return LFICS_OK;
}

/* ---- face record fields (cvlfic/video/compact.py) ------------------------------------- */

#define SCORE_SCALE 256
#define SCORE_CENTRE 192
#define FIELD_BYTES 1024 /* far above the largest fields a record of sane values gets */
#define VALUE_LIMIT (INT64_C(1) << 60) /* larger values are refused, not wrapped */

typedef struct state {
    uint32_t track;
    int64_t frame, units, unit, period, face, score;
    int64_t box[4];
    int64_t points[10];
} state;

typedef struct bits {
    uint8_t bytes[FIELD_BYTES];
    size_t count; /* bits written */
    int overflow;
} bits;

static void put_bit(bits *w, int b) {
    if (w->count >= 8 * FIELD_BYTES) {
        w->overflow = 1;
        return;
    }
    if (b) w->bytes[w->count >> 3] |= (uint8_t)(0x80 >> (w->count & 7));
    w->count++;
}

static int bit_length(uint64_t u) {
    int n = 0;
    while (u) {
        n++;
        u >>= 1;
    }
    return n;
}

/* Exp-Golomb of order k of v >= 0: m - 1 - k zero bits, then the m bits of v + 2^k. */
static void put_ue(bits *w, int64_t v, int k) {
    if (v < 0 || v >= VALUE_LIMIT) {
        w->overflow = 1;
        return;
    }
    uint64_t u = (uint64_t)v + ((uint64_t)1 << k);
    int m = bit_length(u);
    for (int i = 0; i < m - 1 - k; i++) put_bit(w, 0);
    for (int i = m - 1; i >= 0; i--) put_bit(w, (int)((u >> i) & 1));
}

static void put_se(bits *w, int64_t v, int k) {
    if (v <= -VALUE_LIMIT / 2 || v >= VALUE_LIMIT / 2) {
        w->overflow = 1;
        return;
    }
    put_ue(w, v >= 0 ? 2 * v : -2 * v - 1, k);
}

static size_t bits_bytes(const bits *w) { return (w->count + 7) / 8; }

/* floor(x / 2^s), as Python's >> */
static int64_t shift_floor(int64_t x, int s) {
    return x >= 0 ? x >> s : -(((-x) - 1) >> s) - 1;
}

/* Outer eye corners (dlib points 0 and 2) from the box, in 1/1024 of its size. */
static void box_point(const int64_t box[4], int j, int64_t *x, int64_t *y) {
    int64_t ax = j == 0 ? 732 : 215, ay = j == 0 ? 319 : 299;
    *x = box[0] + shift_floor((box[2] - box[0]) * ax + 512, 10);
    *y = box[1] + shift_floor((box[3] - box[1]) * ay + 512, 10);
}

/* Points 1, 3, 4 from the similarity taking dlib's template onto points 0 and 2. */
static void similar_point(const int64_t *p0, const int64_t *p2, int j, int64_t *x, int64_t *y) {
    int64_t wr, wi;
    if (j == 1) {
        wr = 18654;
        wi = -463;
    } else if (j == 3) {
        wr = 46995;
        wi = -476;
    } else {
        wr = 33104;
        wi = -36127;
    }
    int64_t dx = p2[0] - p0[0], dy = p2[1] - p0[1];
    *x = p0[0] + shift_floor(dx * wr - dy * wi + 32768, 16);
    *y = p0[1] + shift_floor(dx * wi + dy * wr + 32768, 16);
}

static void pack_key(const state *s, bits *w) {
    put_bit(w, 0);
    put_ue(w, s->track, 2);
    put_ue(w, s->frame, 8);
    put_ue(w, s->unit - 1, 0);
    put_ue(w, s->period, 8);
    put_se(w, s->units - s->frame * s->period, 4);
    put_ue(w, s->face, 0);
    put_se(w, s->score - SCORE_CENTRE, 5);
    const int64_t *b = s->box;
    put_se(w, b[0], 9);
    put_se(w, b[1], 8);
    put_se(w, b[2] - b[0], 7);
    put_se(w, (b[3] - b[1]) - (b[2] - b[0]), 0);
    const int64_t *p = s->points;
    int64_t px, py;
    box_point(b, 0, &px, &py);
    put_se(w, p[0] - px, 2);
    put_se(w, p[1] - py, 1);
    box_point(b, 2, &px, &py);
    put_se(w, p[4] - px, 2);
    put_se(w, p[5] - py, 2);
    static const int order[3][3] = {{1, 0, 0}, {3, 0, 0}, {4, 2, 2}}; /* point, kx, ky */
    for (int i = 0; i < 3; i++) {
        int j = order[i][0];
        similar_point(p, p + 4, j, &px, &py);
        put_se(w, p[2 * j] - px, order[i][1]);
        put_se(w, p[2 * j + 1] - py, order[i][2]);
    }
}

static void pack_delta(const state *s, const state *ref, int64_t distance, bits *w) {
    put_bit(w, 1);
    put_ue(w, distance - 1, 0);
    int64_t step = s->frame - ref->frame;
    put_se(w, step - 1, 0);
    put_se(w, s->units - ref->units - step * ref->period, 0);
    put_se(w, s->face - ref->face, 0);
    if (s->score == ref->score) {
        put_bit(w, 0);
    } else {
        put_bit(w, 1);
        put_se(w, s->score - ref->score, 3);
    }
    int64_t dl = s->box[0] - ref->box[0], dt = s->box[1] - ref->box[1];
    put_se(w, dl, 0);
    put_se(w, dt, 0);
    put_se(w, (s->box[2] - s->box[0]) - (ref->box[2] - ref->box[0]), 0);
    put_se(w, (s->box[3] - s->box[1]) - (ref->box[3] - ref->box[1]), 0);
    for (int i = 0; i < 10; i++) put_se(w, s->points[i] - ref->points[i] - (i % 2 ? dt : dl), 0);
}

/* ---- the writer (RecordPacker) -------------------------------------------------------- */

typedef struct track_entry {
    uint32_t track;
    state last;      /* its last record */
    int64_t ordinal; /* that record's number among the run's face records */
    int chain;       /* deltas since its last key */
} track_entry;

struct lfics_writer {
    int key_interval;
    int time_unit;
    int64_t count;  /* face records in this run */
    int64_t period; /* frame period in time units (0: not known yet) */
    int have_last;
    state last;
    track_entry *tracks;
    size_t num_tracks, cap_tracks;
    uint64_t keys, deltas;
};

lfics_writer *lfics_writer_new(int key_interval, int time_unit) {
    if (key_interval < 1 || time_unit < 1) return NULL;
    lfics_writer *w = (lfics_writer *)calloc(1, sizeof(lfics_writer));
    if (w == NULL) return NULL;
    w->key_interval = key_interval;
    w->time_unit = time_unit;
    return w;
}

void lfics_writer_free(lfics_writer *w) {
    if (w == NULL) return;
    free(w->tracks);
    free(w);
}

void lfics_writer_counts(const lfics_writer *w, uint64_t *keys, uint64_t *deltas) {
    if (keys) *keys = w ? w->keys : 0;
    if (deltas) *deltas = w ? w->deltas : 0;
}

static void reset_run(lfics_writer *w, int64_t period) {
    w->count = 0;
    w->num_tracks = 0;
    w->period = period;
    w->have_last = 0;
}

int lfics_writer_stream_info(lfics_writer *w, const char *json, size_t json_size, double fps,
                             lfics_buffer *out) {
    if (w == NULL || json == NULL || out == NULL) return LFICS_ERR_ARGUMENT;
    int64_t period = 0;
    if (isfinite(fps) && fps > 0 && fps < 1e6) {
        /* Python: max(0, round(120000 / fps / time_unit)), round half to even */
        double p = nearbyint((double)LFICS_TICKS_PER_SECOND / fps / (double)w->time_unit);
        period = p > 0 ? (int64_t)p : 0;
    }
    int status = lfics_pack_frame(LFICS_TYPE_STREAM_INFO, (const uint8_t *)json, json_size, out);
    if (status != LFICS_OK) return status;
    reset_run(w, period);
    return LFICS_OK;
}

static track_entry *find_track(lfics_writer *w, uint32_t track) {
    for (size_t i = 0; i < w->num_tracks; i++)
        if (w->tracks[i].track == track) return &w->tracks[i];
    return NULL;
}

void lfics_writer_end_track(lfics_writer *w, uint32_t track) {
    if (w == NULL) return;
    for (size_t i = 0; i < w->num_tracks; i++) {
        if (w->tracks[i].track == track) {
            w->tracks[i] = w->tracks[--w->num_tracks];
            return;
        }
    }
}

static int quantize(const lfics_writer *w, const lfics_face *f, state *s) {
    double units = f->timestamp * (double)LFICS_TICKS_PER_SECOND / (double)w->time_unit;
    double score = f->score * SCORE_SCALE;
    if (!isfinite(units) || !isfinite(score) || fabs(units) > 1e17 || fabs(score) > 1e17)
        return LFICS_ERR_ARGUMENT;
    if (f->frame >= (uint64_t)VALUE_LIMIT) return LFICS_ERR_ARGUMENT;
    memset(s, 0, sizeof(*s));
    s->track = f->track;
    s->frame = (int64_t)f->frame;
    s->units = (int64_t)floor(units + 0.5);
    s->unit = w->time_unit;
    s->period = w->period;
    s->face = f->face_index;
    s->score = (int64_t)floor(score + 0.5);
    for (int i = 0; i < 4; i++) s->box[i] = f->box[i];
    for (int i = 0; i < 10; i++) s->points[i] = f->points[i];
    return LFICS_OK;
}

int lfics_writer_face(lfics_writer *w, const lfics_face *f, const uint8_t *data, size_t size,
                      lfics_buffer *out) {
    if (w == NULL || f == NULL || out == NULL || (size && data == NULL)) return LFICS_ERR_ARGUMENT;
    state s;
    int status = quantize(w, f, &s);
    if (status != LFICS_OK) return status;
    if (w->period == 0 && w->have_last && s.frame > w->last.frame) {
        /* no frame rate given: the period from the records themselves, as the Python writer */
        double p = nearbyint((double)(s.units - w->last.units) / (double)(s.frame - w->last.frame));
        s.period = p > 0 ? (int64_t)p : 0;
    }
    track_entry *previous = s.track ? find_track(w, s.track) : NULL;
    int delta = previous != NULL && previous->chain + 1 < w->key_interval &&
                w->count - previous->ordinal <= LFICS_MAX_DISTANCE;
    bits *fields = (bits *)calloc(1, sizeof(bits));
    if (fields == NULL) return LFICS_ERR_NO_MEMORY;
    if (delta) {
        s.unit = previous->last.unit;
        s.period = previous->last.period;
        pack_delta(&s, &previous->last, w->count - previous->ordinal, fields);
    } else {
        pack_key(&s, fields);
    }
    if (fields->overflow) {
        free(fields);
        return LFICS_ERR_ARGUMENT;
    }
    size_t field_bytes = bits_bytes(fields);
    if (size > LFICS_MAX_PAYLOAD - field_bytes) {
        free(fields);
        return LFICS_ERR_ARGUMENT;
    }
    uint8_t *payload = (uint8_t *)malloc(field_bytes + size + 1);
    if (payload == NULL) {
        free(fields);
        return LFICS_ERR_NO_MEMORY;
    }
    memcpy(payload, fields->bytes, field_bytes);
    if (size) memcpy(payload + field_bytes, data, size);
    free(fields);
    status = lfics_pack_frame(LFICS_TYPE_FACE, payload, field_bytes + size, out);
    free(payload);
    if (status != LFICS_OK) return status;

    if (delta)
        w->deltas++;
    else
        w->keys++;
    if (s.track) {
        if (previous == NULL) {
            if (w->num_tracks == w->cap_tracks) {
                size_t cap = w->cap_tracks ? 2 * w->cap_tracks : 16;
                track_entry *grown = (track_entry *)realloc(w->tracks, cap * sizeof(track_entry));
                if (grown == NULL) return LFICS_ERR_NO_MEMORY; /* the record is written; only
                                                                  its track's next record becomes
                                                                  a key */
                w->tracks = grown;
                w->cap_tracks = cap;
            }
            previous = &w->tracks[w->num_tracks++];
            previous->track = s.track;
            previous->chain = 0;
        } else {
            previous->chain = delta ? previous->chain + 1 : 0;
        }
        previous->last = s;
        previous->ordinal = w->count;
    }
    w->count++;
    if (w->count % LFICS_MAX_DISTANCE == 0) { /* tracks too far back to refer to: forget them */
        size_t kept = 0;
        for (size_t i = 0; i < w->num_tracks; i++)
            if (w->count - w->tracks[i].ordinal < LFICS_MAX_DISTANCE) w->tracks[kept++] = w->tracks[i];
        w->num_tracks = kept;
    }
    if (w->period == 0) w->period = s.period;
    w->last = s;
    w->have_last = 1;
    return LFICS_OK;
}
