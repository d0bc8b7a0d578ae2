/*
 * cvlficfaceenc: video frames with face ROIs in, a `.lfics` face stream out.
 *
 * For each frame it takes the GstVideoRegionOfInterestMeta of the configured types (an
 * upstream detector's faces), merges boxes that two detectors put on one face, gives each
 * face 5 landmarks (the detector's own, from a "landmarks" param structure, else from the box
 * through a measured template), follows faces from frame to frame (box overlap, as
 * `cvlfic video` does), aligns each face to the 112 px standard crop (cvlfic_align_face) and
 * codes it (cvlfic_encode_face). The output is the file header and a stream info record, then
 * per frame one buffer holding that frame's face records: a filesink after it writes a valid
 * face stream. docs/gstreamer.md has the pipelines and the properties.
 */
#ifdef HAVE_CONFIG_H
#include "config.h"
#endif

#include "gstcvlficfaceenc.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <cvlfic/cvlfic.h>

GST_DEBUG_CATEGORY_STATIC(cvlfic_face_enc_debug);
#define GST_CAT_DEFAULT cvlfic_face_enc_debug

#define CROP_SIZE 112
#define DEFAULT_MODEL_NAME "lfic_ycc16"
#define DEFAULT_QUALITY 50.0
#define DEFAULT_ROI_TYPES "face"
#define DEFAULT_BOX_LANDMARKS "haar-frontal"
#define DEFAULT_MERGE_OVERLAP 0.5
#define DEFAULT_KEY_INTERVAL LFICS_KEY_INTERVAL
#define MATCH_IOU 0.3   /* a face continues the track it overlaps this much (cvlfic video's) */
#define TRACK_GAP 2     /* frames a face may be unseen and still continue its track */
#define MAX_BOX_SIDE CVLFIC_MAX_SIDE

#ifndef CVLFIC_GST_SOURCE_MODELS
#define CVLFIC_GST_SOURCE_MODELS ""
#endif

enum {
    PROP_0,
    PROP_MODEL,
    PROP_QUALITY,
    PROP_BPP,
    PROP_MAX_BYTES,
    PROP_ROI_TYPES,
    PROP_MIN_SIZE,
    PROP_BOX_LANDMARKS,
    PROP_MERGE_OVERLAP,
    PROP_KEY_INTERVAL,
    PROP_FACES,
    PROP_FACE_BYTES,
    PROP_SKIPPED,
};

struct _GstCvlficFaceEnc {
    GstElement parent;
    GstPad *sinkpad, *srcpad;

    /* properties (object lock) */
    gchar *model;
    double quality, bpp;
    guint max_bytes;
    gchar *roi_types;
    gchar **roi_list;     /* parsed roi_types; NULL: any type */
    guint min_size;
    gchar *box_landmarks;
    GHashTable *templates; /* ROI type -> cvlfic_box_template*; key "" = the default */
    double merge_overlap;
    guint key_interval;

    /* streaming state (stream lock) */
    cvlfic_encoder *encoder;
    gchar *model_path;     /* encoder.bin in use */
    gchar *model_name;     /* its folder's name */
    int profile;
    GstVideoInfo info;
    gboolean have_info;
    GstSegment segment;
    gboolean header_sent;
    lfics_writer *writer;
    guint64 frames;        /* frames seen (the frame index of the next one) */
    guint64 byte_offset;
    double time_origin;    /* stream time (s) of the first frame; timestamps count from it */
    GArray *faces;         /* CvlficFace of the current frame */
    GArray *tracks;        /* CvlficTrack: faces of the previous frame and recently lost */
    guint32 next_track;
    guint8 *crop;
    guint8 *code;
    size_t code_capacity;
    gboolean budget_warned;

    /* statistics (object lock) */
    guint64 stat_faces, stat_bytes, stat_skipped;
};

G_DEFINE_TYPE(GstCvlficFaceEnc, gst_cvlfic_face_enc, GST_TYPE_ELEMENT)

static GstStaticPadTemplate sink_template =
    GST_STATIC_PAD_TEMPLATE("sink", GST_PAD_SINK, GST_PAD_ALWAYS,
                            GST_STATIC_CAPS(GST_VIDEO_CAPS_MAKE("{ BGR, GRAY8 }")));
static GstStaticPadTemplate src_template = GST_STATIC_PAD_TEMPLATE(
    "src", GST_PAD_SRC, GST_PAD_ALWAYS, GST_STATIC_CAPS("application/x-lfics, version = (int) 2"));

static gchar *plugin_dir = NULL;

void gst_cvlfic_set_plugin_dir(const gchar *dir) {
    g_free(plugin_dir);
    plugin_dir = g_strdup(dir);
}

/* ---- properties ------------------------------------------------------------------------ */

static gchar **parse_roi_types(const gchar *text) {
    if (text == NULL) return NULL;
    gchar **parts = g_strsplit(text, ",", -1);
    GPtrArray *kept = g_ptr_array_new();
    gboolean any = FALSE;
    for (gchar **p = parts; *p; p++) {
        gchar *name = g_strstrip(*p);
        if (*name == '\0') continue;
        if (strcmp(name, "*") == 0) any = TRUE;
        g_ptr_array_add(kept, g_strdup(name));
    }
    g_strfreev(parts);
    if (any || kept->len == 0) {
        g_ptr_array_set_free_func(kept, g_free);
        g_ptr_array_free(kept, TRUE);
        return NULL;
    }
    g_ptr_array_add(kept, NULL);
    return (gchar **)g_ptr_array_free(kept, FALSE);
}

static gpointer template_copy(const cvlfic_box_template *t) {
    cvlfic_box_template *copy = g_new(cvlfic_box_template, 1);
    *copy = *t;
    return copy;
}

/* "SPEC" or "TYPE=SPEC;TYPE=SPEC;SPEC", SPEC a preset name or 10 numbers (x0,y0,...,x4,y4 as
 * fractions of the box). NULL and a message on error. */
static GHashTable *parse_templates(const gchar *text, gchar **error) {
    GHashTable *table = g_hash_table_new_full(g_str_hash, g_str_equal, g_free, g_free);
    gchar **entries = g_strsplit(text ? text : "", ";", -1);
    for (gchar **e = entries; *e; e++) {
        gchar *entry = g_strstrip(*e);
        if (*entry == '\0') continue;
        gchar *eq = strchr(entry, '=');
        gchar *type = g_strdup("");
        gchar *spec = entry;
        if (eq) {
            *eq = '\0';
            g_free(type);
            type = g_strdup(g_strstrip(entry));
            spec = g_strstrip(eq + 1);
        }
        cvlfic_box_template t;
        if (!cvlfic_box_template_preset(spec, &t)) {
            gchar **numbers = g_strsplit(spec, ",", -1);
            int n = 0;
            gboolean ok = TRUE;
            for (gchar **v = numbers; *v; v++) {
                gchar *end = NULL;
                double value = g_ascii_strtod(g_strstrip(*v), &end);
                if (end == *v || *end != '\0' || !isfinite(value) || n >= 10) {
                    ok = FALSE;
                    break;
                }
                t.rel[n++] = (float)value;
            }
            g_strfreev(numbers);
            if (!ok || n != 10) {
                *error = g_strdup_printf("box-landmarks: '%s' is neither a template name (%s) nor 10 "
                                         "numbers x0,y0,...,x4,y4", spec, cvlfic_box_template_names());
                g_free(type);
                g_strfreev(entries);
                g_hash_table_destroy(table);
                return NULL;
            }
        }
        g_hash_table_replace(table, type, template_copy(&t));
    }
    g_strfreev(entries);
    if (!g_hash_table_contains(table, "")) {
        cvlfic_box_template t;
        cvlfic_box_template_preset(DEFAULT_BOX_LANDMARKS, &t);
        g_hash_table_replace(table, g_strdup(""), template_copy(&t));
    }
    return table;
}

static void gst_cvlfic_face_enc_set_property(GObject *object, guint id, const GValue *value,
                                             GParamSpec *pspec) {
    GstCvlficFaceEnc *self = GST_CVLFIC_FACE_ENC(object);
    GST_OBJECT_LOCK(self);
    switch (id) {
    case PROP_MODEL:
        g_free(self->model);
        self->model = g_value_dup_string(value);
        break;
    case PROP_QUALITY:
        self->quality = g_value_get_double(value);
        break;
    case PROP_BPP:
        self->bpp = g_value_get_double(value);
        break;
    case PROP_MAX_BYTES:
        self->max_bytes = g_value_get_uint(value);
        break;
    case PROP_ROI_TYPES:
        g_free(self->roi_types);
        g_strfreev(self->roi_list);
        self->roi_types = g_value_dup_string(value);
        self->roi_list = parse_roi_types(self->roi_types);
        break;
    case PROP_MIN_SIZE:
        self->min_size = g_value_get_uint(value);
        break;
    case PROP_BOX_LANDMARKS: {
        gchar *error = NULL;
        GHashTable *table = parse_templates(g_value_get_string(value), &error);
        if (table == NULL) {
            /* keep the previous value; the message names what is wrong */
            g_warning("cvlficfaceenc: %s", error);
            g_free(error);
            break;
        }
        g_hash_table_destroy(self->templates);
        self->templates = table;
        g_free(self->box_landmarks);
        self->box_landmarks = g_value_dup_string(value);
        break;
    }
    case PROP_MERGE_OVERLAP:
        self->merge_overlap = g_value_get_double(value);
        break;
    case PROP_KEY_INTERVAL:
        self->key_interval = g_value_get_uint(value);
        break;
    default:
        G_OBJECT_WARN_INVALID_PROPERTY_ID(object, id, pspec);
    }
    GST_OBJECT_UNLOCK(self);
}

static void gst_cvlfic_face_enc_get_property(GObject *object, guint id, GValue *value, GParamSpec *pspec) {
    GstCvlficFaceEnc *self = GST_CVLFIC_FACE_ENC(object);
    GST_OBJECT_LOCK(self);
    switch (id) {
    case PROP_MODEL:
        g_value_set_string(value, self->model);
        break;
    case PROP_QUALITY:
        g_value_set_double(value, self->quality);
        break;
    case PROP_BPP:
        g_value_set_double(value, self->bpp);
        break;
    case PROP_MAX_BYTES:
        g_value_set_uint(value, self->max_bytes);
        break;
    case PROP_ROI_TYPES:
        g_value_set_string(value, self->roi_types);
        break;
    case PROP_MIN_SIZE:
        g_value_set_uint(value, self->min_size);
        break;
    case PROP_BOX_LANDMARKS:
        g_value_set_string(value, self->box_landmarks);
        break;
    case PROP_MERGE_OVERLAP:
        g_value_set_double(value, self->merge_overlap);
        break;
    case PROP_KEY_INTERVAL:
        g_value_set_uint(value, self->key_interval);
        break;
    case PROP_FACES:
        g_value_set_uint64(value, self->stat_faces);
        break;
    case PROP_FACE_BYTES:
        g_value_set_uint64(value, self->stat_bytes);
        break;
    case PROP_SKIPPED:
        g_value_set_uint64(value, self->stat_skipped);
        break;
    default:
        G_OBJECT_WARN_INVALID_PROPERTY_ID(object, id, pspec);
    }
    GST_OBJECT_UNLOCK(self);
}

/* ---- model ------------------------------------------------------------------------------ */

/* encoder.bin of a model given as a file, a folder or a name (looked up like
 * cvlfic.lfic.model_files.find_model: $CVLFIC_MODELS, the installed package's _models, the
 * source checkout's models/). NULL when none exists; `looked` lists the places tried. */
static gchar *resolve_model(const gchar *given, GString *looked) {
    const gchar *value = given && *given ? given : g_getenv("CVLFIC_MODEL");
    if (value == NULL || *value == '\0') value = DEFAULT_MODEL_NAME;
    if (g_file_test(value, G_FILE_TEST_IS_REGULAR)) return g_strdup(value);
    if (g_file_test(value, G_FILE_TEST_IS_DIR)) {
        gchar *file = g_build_filename(value, "encoder.bin", NULL);
        if (g_file_test(file, G_FILE_TEST_IS_REGULAR)) return file;
        g_string_append_printf(looked, " %s", file);
        g_free(file);
        return NULL;
    }
    if (strchr(value, G_DIR_SEPARATOR) != NULL) {
        g_string_append_printf(looked, " %s", value);
        return NULL;
    }
    GPtrArray *roots = g_ptr_array_new_with_free_func(g_free);
    const gchar *env_root = g_getenv("CVLFIC_MODELS");
    if (env_root && *env_root) g_ptr_array_add(roots, g_strdup(env_root));
    if (plugin_dir) {
        /* installed: cvlfic/_native/lib/gstreamer-1.0/ -> cvlfic/_models; an editable install
         * keeps the plugin in the checkout's cvlfic/_native and the models in models/ */
        g_ptr_array_add(roots, g_build_filename(plugin_dir, "..", "..", "..", "_models", NULL));
        g_ptr_array_add(roots, g_build_filename(plugin_dir, "..", "..", "..", "..", "models", NULL));
    }
    if (*CVLFIC_GST_SOURCE_MODELS) g_ptr_array_add(roots, g_strdup(CVLFIC_GST_SOURCE_MODELS));
    gchar *found = NULL;
    for (guint i = 0; i < roots->len && found == NULL; i++) {
        gchar *file = g_build_filename(g_ptr_array_index(roots, i), value, "encoder.bin", NULL);
        if (g_file_test(file, G_FILE_TEST_IS_REGULAR)) {
            found = file;
        } else {
            g_string_append_printf(looked, " %s", file);
            g_free(file);
        }
    }
    g_ptr_array_unref(roots);
    return found;
}

static gboolean load_model(GstCvlficFaceEnc *self) {
    GST_OBJECT_LOCK(self);
    gchar *given = g_strdup(self->model);
    GST_OBJECT_UNLOCK(self);
    GString *looked = g_string_new(NULL);
    gchar *path = resolve_model(given, looked);
    if (path == NULL) {
        GST_ELEMENT_ERROR(self, RESOURCE, NOT_FOUND,
                          ("cvlficfaceenc: model '%s' not found (no encoder.bin)",
                           given && *given ? given : (g_getenv("CVLFIC_MODEL") ? g_getenv("CVLFIC_MODEL")
                                                                               : DEFAULT_MODEL_NAME)),
                          ("looked for:%s; set the model property or CVLFIC_MODEL to a model folder or "
                           "its encoder.bin",
                           looked->str));
        g_string_free(looked, TRUE);
        g_free(given);
        return FALSE;
    }
    g_string_free(looked, TRUE);
    g_free(given);
    gchar *data = NULL;
    gsize size = 0;
    GError *error = NULL;
    if (!g_file_get_contents(path, &data, &size, &error)) {
        GST_ELEMENT_ERROR(self, RESOURCE, OPEN_READ, ("cvlficfaceenc: cannot read %s", path),
                          ("%s", error->message));
        g_error_free(error);
        g_free(path);
        return FALSE;
    }
    cvlfic_encoder *encoder = NULL;
    int status = cvlfic_encoder_create((const uint8_t *)data, size, &encoder);
    g_free(data);
    if (status != CVLFIC_OK) {
        GST_ELEMENT_ERROR(self, RESOURCE, READ, ("cvlficfaceenc: %s is not usable encoder parameters", path),
                          ("cvlfic_encoder_create: %s (status %d)", cvlfic_status_string(status), status));
        g_free(path);
        return FALSE;
    }
    self->encoder = encoder;
    self->profile = cvlfic_encoder_profile(encoder);
    self->code_capacity = cvlfic_encode_bound(CROP_SIZE, CROP_SIZE, self->profile);
    self->code = g_malloc(self->code_capacity);
    self->crop = g_malloc(CROP_SIZE * CROP_SIZE * 3);
    gchar *folder = g_path_get_dirname(path);
    self->model_name = g_path_get_basename(folder);
    g_free(folder);
    self->model_path = path;
    GST_INFO_OBJECT(self, "model %s (profile %d)", path, self->profile);
    return TRUE;
}

/* ---- state ------------------------------------------------------------------------------- */

static void reset_stream(GstCvlficFaceEnc *self) {
    lfics_writer_free(self->writer);
    self->writer = NULL;
    self->header_sent = FALSE;
    self->frames = 0;
    self->byte_offset = 0;
    self->time_origin = NAN;
    self->next_track = 1;
    self->budget_warned = FALSE;
    self->have_info = FALSE;
    g_array_set_size(self->tracks, 0);
    gst_segment_init(&self->segment, GST_FORMAT_TIME);
}

static void free_model(GstCvlficFaceEnc *self) {
    cvlfic_encoder_free(self->encoder);
    self->encoder = NULL;
    g_clear_pointer(&self->model_path, g_free);
    g_clear_pointer(&self->model_name, g_free);
    g_clear_pointer(&self->code, g_free);
    g_clear_pointer(&self->crop, g_free);
}

static GstStateChangeReturn gst_cvlfic_face_enc_change_state(GstElement *element, GstStateChange transition) {
    GstCvlficFaceEnc *self = GST_CVLFIC_FACE_ENC(element);
    if (transition == GST_STATE_CHANGE_READY_TO_PAUSED) {
        reset_stream(self);
        GST_OBJECT_LOCK(self);
        self->stat_faces = self->stat_bytes = self->stat_skipped = 0;
        GST_OBJECT_UNLOCK(self);
        if (!load_model(self)) return GST_STATE_CHANGE_FAILURE;
    }
    GstStateChangeReturn ret = GST_ELEMENT_CLASS(gst_cvlfic_face_enc_parent_class)->change_state(element, transition);
    if (transition == GST_STATE_CHANGE_PAUSED_TO_READY) {
        reset_stream(self);
        free_model(self);
    }
    return ret;
}

/* ---- output -------------------------------------------------------------------------------- */

static void json_string(GString *out, const gchar *text) {
    g_string_append_c(out, '"');
    for (const guchar *p = (const guchar *)(text ? text : ""); *p; p++) {
        if (*p == '"' || *p == '\\')
            g_string_append_printf(out, "\\%c", *p);
        else if (*p < 0x20)
            g_string_append_printf(out, "\\u%04x", *p);
        else
            g_string_append_c(out, (gchar)*p);
    }
    g_string_append_c(out, '"');
}

static double frame_rate(const GstCvlficFaceEnc *self) {
    if (!self->have_info || self->info.fps_n <= 0 || self->info.fps_d <= 0) return 0.0;
    return (double)self->info.fps_n / (double)self->info.fps_d;
}

/* The stream info record's JSON object (keys as `cvlfic video` writes them, sorted). */
static gchar *stream_info_json(GstCvlficFaceEnc *self) {
    GString *j = g_string_new("{");
    char number[64];
    GST_OBJECT_LOCK(self);
    g_string_append(j, "\"cvlfic\": ");
    json_string(j, cvlfic_version());
    g_string_append(j, ", \"detect_every\": 1, \"detector\": ");
    gchar *detector = g_strdup_printf("upstream GstVideoRegionOfInterestMeta (roi-types %s)",
                                      self->roi_types ? self->roi_types : "*");
    json_string(j, detector);
    g_free(detector);
    g_string_append(j, ", \"element\": \"cvlficfaceenc\"");
    double fps = frame_rate(self);
    if (fps > 0) {
        g_ascii_formatd(number, sizeof(number), "%.17g", fps);
        g_string_append_printf(j, ", \"fps\": %s", number);
    } else {
        g_string_append(j, ", \"fps\": 0");
    }
    g_string_append(j, ", \"frame_step\": 1");
    g_string_append_printf(j, ", \"height\": %d, \"model\": ",
                           self->have_info ? GST_VIDEO_INFO_HEIGHT(&self->info) : 0);
    json_string(j, self->model_name);
    g_string_append(j, ", \"rate\": {");
    if (self->max_bytes > 0) {
        g_string_append_printf(j, "\"max_bytes\": %u", self->max_bytes);
    } else if (self->bpp > 0) {
        g_ascii_formatd(number, sizeof(number), "%.17g", self->bpp);
        g_string_append_printf(j, "\"bpp\": %s", number);
    } else {
        g_ascii_formatd(number, sizeof(number), "%.17g", self->quality);
        g_string_append_printf(j, "\"quality\": %s", number);
    }
    g_string_append(j, "}, \"reader\": \"gstreamer\", \"source\": \"gstreamer\", \"started\": ");
    GST_OBJECT_UNLOCK(self);
    char started[64];
    time_t now = time(NULL);
    struct tm tm_now;
    localtime_r(&now, &tm_now);
    strftime(started, sizeof(started), "%Y-%m-%dT%H:%M:%S%z", &tm_now);
    json_string(j, started);
    g_string_append(j, ", \"store\": \"all\"");
    if (isfinite(self->time_origin)) {
        /* the stream time of the first frame: timestamps count from it */
        g_ascii_formatd(number, sizeof(number), "%.9g", self->time_origin);
        g_string_append_printf(j, ", \"time_origin\": %s", number);
    }
    g_string_append_printf(j, ", \"width\": %d}", self->have_info ? GST_VIDEO_INFO_WIDTH(&self->info) : 0);
    return g_string_free(j, FALSE);
}

static GstFlowReturn push_bytes(GstCvlficFaceEnc *self, lfics_buffer *bytes, GstBuffer *input, gboolean header) {
    if (bytes->size == 0) {
        lfics_buffer_free(bytes);
        return GST_FLOW_OK;
    }
    GstBuffer *out = gst_buffer_new_wrapped_full(0, bytes->data, bytes->capacity, 0, bytes->size, bytes->data, free);
    bytes->data = NULL;
    GST_BUFFER_OFFSET(out) = self->byte_offset;
    self->byte_offset += bytes->size;
    GST_BUFFER_OFFSET_END(out) = self->byte_offset;
    bytes->size = bytes->capacity = 0;
    if (input) {
        GST_BUFFER_PTS(out) = GST_BUFFER_PTS(input);
        GST_BUFFER_DURATION(out) = GST_BUFFER_DURATION(input);
    }
    if (header) GST_BUFFER_FLAG_SET(out, GST_BUFFER_FLAG_HEADER);
    return gst_pad_push(self->srcpad, out);
}

/* The file header and the stream info record, once, before the first face. */
static GstFlowReturn send_header(GstCvlficFaceEnc *self) {
    if (self->header_sent) return GST_FLOW_OK;
    GST_OBJECT_LOCK(self);
    guint key_interval = self->key_interval;
    GST_OBJECT_UNLOCK(self);
    double fps = frame_rate(self);
    /* with a frame rate, times in ticks of 1/120000 s (exact for the usual rates); without
     * one (live, variable rate), in milliseconds, as `cvlfic video` does for cameras */
    self->writer = lfics_writer_new((int)key_interval, fps > 0 ? 1 : 120);
    if (self->writer == NULL) {
        GST_ELEMENT_ERROR(self, CORE, FAILED, ("cvlficfaceenc: out of memory"), (NULL));
        return GST_FLOW_ERROR;
    }
    if (!gst_pad_has_current_caps(self->srcpad)) {
        GstCaps *caps = gst_pad_get_pad_template_caps(self->srcpad);
        gst_pad_push_event(self->srcpad, gst_event_new_caps(caps));
        gst_caps_unref(caps);
    }
    GstSegment segment;
    gst_segment_init(&segment, GST_FORMAT_BYTES);
    gst_pad_push_event(self->srcpad, gst_event_new_segment(&segment));

    lfics_buffer bytes = {0};
    uint8_t head[LFICS_FILE_HEADER_SIZE];
    lfics_file_header(head);
    gchar *json = stream_info_json(self);
    GST_DEBUG_OBJECT(self, "stream info %s", json);
    int status = lfics_buffer_append(&bytes, head, sizeof(head));
    if (status == LFICS_OK) status = lfics_writer_stream_info(self->writer, json, strlen(json), fps, &bytes);
    g_free(json);
    if (status != LFICS_OK) {
        lfics_buffer_free(&bytes);
        GST_ELEMENT_ERROR(self, CORE, FAILED, ("cvlficfaceenc: cannot write the stream header"), (NULL));
        return GST_FLOW_ERROR;
    }
    self->header_sent = TRUE;
    return push_bytes(self, &bytes, NULL, TRUE);
}

/* ---- faces of a frame ------------------------------------------------------------------------ */

static gboolean number_at(const GValue *v, double *out) {
    if (G_VALUE_HOLDS_DOUBLE(v)) *out = g_value_get_double(v);
    else if (G_VALUE_HOLDS_FLOAT(v)) *out = g_value_get_float(v);
    else if (G_VALUE_HOLDS_INT(v)) *out = g_value_get_int(v);
    else if (G_VALUE_HOLDS_UINT(v)) *out = g_value_get_uint(v);
    else if (G_VALUE_HOLDS_INT64(v)) *out = (double)g_value_get_int64(v);
    else return FALSE;
    return isfinite(*out);
}

/* Landmarks a detector attached to its ROI: a param structure named "landmarks" with
 * "points" (an array or list of 10 numbers, x0, y0, ..., in frame pixels, or fractions of the
 * frame with normalized=true) and "order" ("dlib5", the default, or "eyes-nose-mouth"). */
static gboolean meta_landmarks(const GstStructure *s, int width, int height, float points[10]) {
    const GValue *v = gst_structure_get_value(s, "points");
    if (v == NULL) return FALSE;
    guint n;
    gboolean is_array = GST_VALUE_HOLDS_ARRAY(v);
    if (is_array) n = gst_value_array_get_size(v);
    else if (GST_VALUE_HOLDS_LIST(v)) n = gst_value_list_get_size(v);
    else return FALSE;
    if (n != 10) return FALSE;
    gboolean normalized = FALSE;
    gst_structure_get_boolean(s, "normalized", &normalized);
    float raw[10];
    for (guint i = 0; i < 10; i++) {
        const GValue *item = is_array ? gst_value_array_get_value(v, i) : gst_value_list_get_value(v, i);
        double x;
        if (!number_at(item, &x)) return FALSE;
        if (normalized) x *= (i % 2) ? height : width;
        raw[i] = (float)x;
    }
    const gchar *order = gst_structure_get_string(s, "order");
    if (order == NULL || strcmp(order, "dlib5") == 0) {
        memcpy(points, raw, sizeof(raw));
        return TRUE;
    }
    if (strcmp(order, "eyes-nose-mouth") == 0) return cvlfic_landmarks_from_eyes_nose_mouth(raw, points);
    return FALSE;
}

static int type_preference(GstCvlficFaceEnc *self, GQuark type) {
    if (self->roi_list == NULL) return 0;
    const gchar *name = g_quark_to_string(type);
    for (int i = 0; self->roi_list[i]; i++)
        if (name && strcmp(self->roi_list[i], name) == 0) return i;
    return -1;
}

static gint64 box_area(const gint32 *b) { return (gint64)(b[2] - b[0]) * (b[3] - b[1]); }

static double intersection(const gint32 *a, const gint32 *b) {
    gint64 w = (gint64)MIN(a[2], b[2]) - MAX(a[0], b[0]);
    gint64 h = (gint64)MIN(a[3], b[3]) - MAX(a[1], b[1]);
    return (w > 0 && h > 0) ? (double)w * (double)h : 0.0;
}

static double iou(const gint32 *a, const gint32 *b) {
    double inter = intersection(a, b);
    double uni = (double)box_area(a) + (double)box_area(b) - inter;
    return uni > 0 ? inter / uni : 0.0;
}

static gint compare_merge_order(gconstpointer pa, gconstpointer pb) {
    const CvlficFace *a = pa, *b = pb;
    if (a->from_meta != b->from_meta) return a->from_meta ? -1 : 1;
    if (a->preference != b->preference) return a->preference < b->preference ? -1 : 1;
    gint64 aa = box_area(a->box), ab = box_area(b->box);
    return aa > ab ? -1 : aa < ab ? 1 : 0;
}

static gint compare_area(gconstpointer pa, gconstpointer pb) {
    gint64 aa = box_area(((const CvlficFace *)pa)->box), ab = box_area(((const CvlficFace *)pb)->box);
    return aa > ab ? -1 : aa < ab ? 1 : 0;
}

/* The faces of a frame from its ROI metas: filtered, with landmarks, merged, largest first. */
static void collect_faces(GstCvlficFaceEnc *self, GstBuffer *buf) {
    int width = GST_VIDEO_INFO_WIDTH(&self->info), height = GST_VIDEO_INFO_HEIGHT(&self->info);
    g_array_set_size(self->faces, 0);
    GST_OBJECT_LOCK(self);
    gpointer state = NULL;
    GstMeta *meta;
    while ((meta = gst_buffer_iterate_meta_filtered(buf, &state, GST_VIDEO_REGION_OF_INTEREST_META_API_TYPE))) {
        GstVideoRegionOfInterestMeta *roi = (GstVideoRegionOfInterestMeta *)meta;
        int preference = type_preference(self, roi->roi_type);
        const gchar *type = g_quark_to_string(roi->roi_type);
        if (preference < 0) {
            GST_LOG_OBJECT(self, "ROI of type %s not taken", type);
            continue;
        }
        guint64 x = roi->x, y = roi->y, w = roi->w, h = roi->h;
        /* bad boxes are skipped: empty, absurdly large, or not inside the frame at all */
        if (w == 0 || h == 0 || w > MAX_BOX_SIDE || h > MAX_BOX_SIDE || x >= (guint64)width ||
            y >= (guint64)height) {
            GST_DEBUG_OBJECT(self, "skipping ROI %s %" G_GUINT64_FORMAT ",%" G_GUINT64_FORMAT " %" G_GUINT64_FORMAT
                             "x%" G_GUINT64_FORMAT " (frame %dx%d)", type, x, y, w, h, width, height);
            self->stat_skipped++;
            continue;
        }
        if (MIN(w, h) < self->min_size) continue;
        CvlficFace face = {0};
        face.box[0] = (gint32)x;
        face.box[1] = (gint32)y;
        face.box[2] = (gint32)(x + w);
        face.box[3] = (gint32)(y + h);
        face.score = 1.0; /* a detector that gives no score: fully trusted */
        face.preference = preference;
        for (GList *p = roi->params; p; p = p->next) {
            const GstStructure *s = p->data;
            double score;
            if ((gst_structure_get_double(s, "confidence", &score) || gst_structure_get_double(s, "score", &score)) &&
                isfinite(score))
                face.score = score;
            if (!face.from_meta && gst_structure_has_name(s, "landmarks"))
                face.from_meta = meta_landmarks(s, width, height, face.points);
        }
        if (!face.from_meta) {
            const cvlfic_box_template *t = g_hash_table_lookup(self->templates, type ? type : "");
            if (t == NULL) t = g_hash_table_lookup(self->templates, "");
            double box[4] = {face.box[0], face.box[1], face.box[2], face.box[3]};
            cvlfic_box_template_apply(t, box, face.points);
        }
        g_array_append_val(self->faces, face);
    }
    double merge = self->merge_overlap;
    GST_OBJECT_UNLOCK(self);

    /* one face that two detectors (or two passes) marked: keep the preferred box */
    if (merge > 0 && self->faces->len > 1) {
        g_array_sort(self->faces, compare_merge_order);
        GArray *kept = g_array_new(FALSE, FALSE, sizeof(CvlficFace));
        for (guint i = 0; i < self->faces->len; i++) {
            CvlficFace *f = &g_array_index(self->faces, CvlficFace, i);
            gboolean dup = FALSE;
            for (guint k = 0; k < kept->len && !dup; k++) {
                CvlficFace *g = &g_array_index(kept, CvlficFace, k);
                double smaller = (double)MIN(box_area(f->box), box_area(g->box));
                dup = smaller > 0 && intersection(f->box, g->box) / smaller >= merge;
            }
            if (!dup) g_array_append_val(kept, *f);
        }
        g_array_free(self->faces, TRUE);
        self->faces = kept;
    }
    g_array_sort(self->faces, compare_area);
}

typedef struct {
    double overlap;
    guint face;
    guint track; /* index into self->tracks */
} Pair;

static gint compare_pairs(gconstpointer pa, gconstpointer pb) {
    const Pair *a = pa, *b = pb;
    if (a->overlap != b->overlap) return a->overlap > b->overlap ? -1 : 1;
    if (a->face != b->face) return a->face < b->face ? -1 : 1;
    return a->track < b->track ? -1 : a->track > b->track ? 1 : 0;
}

/* Track numbers: each face continues the track it overlaps most (IoU >= 0.3) among the faces
 * of the previous frame and those lost in the last TRACK_GAP frames; else a new track. */
static void assign_tracks(GstCvlficFaceEnc *self) {
    GArray *pairs = g_array_new(FALSE, FALSE, sizeof(Pair));
    for (guint i = 0; i < self->faces->len; i++) {
        CvlficFace *f = &g_array_index(self->faces, CvlficFace, i);
        f->track = 0;
        for (guint k = 0; k < self->tracks->len; k++) {
            Pair p = {iou(f->box, g_array_index(self->tracks, CvlficTrack, k).box), i, k};
            if (p.overlap >= MATCH_IOU) g_array_append_val(pairs, p);
        }
    }
    g_array_sort(pairs, compare_pairs);
    gboolean *used = g_new0(gboolean, self->tracks->len + 1);
    for (guint n = 0; n < pairs->len; n++) {
        Pair *p = &g_array_index(pairs, Pair, n);
        CvlficFace *f = &g_array_index(self->faces, CvlficFace, p->face);
        if (f->track == 0 && !used[p->track]) {
            CvlficTrack *t = &g_array_index(self->tracks, CvlficTrack, p->track);
            f->track = t->track;
            used[p->track] = TRUE;
            memcpy(t->box, f->box, sizeof(t->box));
            t->unseen = 0;
        }
    }
    g_array_free(pairs, TRUE);
    /* unmatched tracks age; those unseen too long end */
    GArray *kept = g_array_new(FALSE, FALSE, sizeof(CvlficTrack));
    for (guint k = 0; k < self->tracks->len; k++) {
        CvlficTrack t = g_array_index(self->tracks, CvlficTrack, k);
        if (!used[k] && ++t.unseen > TRACK_GAP) {
            lfics_writer_end_track(self->writer, t.track);
            continue;
        }
        g_array_append_val(kept, t);
    }
    g_free(used);
    for (guint i = 0; i < self->faces->len; i++) {
        CvlficFace *f = &g_array_index(self->faces, CvlficFace, i);
        if (f->track == 0) {
            f->track = self->next_track++;
            CvlficTrack t = {f->track, {f->box[0], f->box[1], f->box[2], f->box[3]}, 0};
            g_array_append_val(kept, t);
        }
    }
    g_array_free(self->tracks, TRUE);
    self->tracks = kept;
}

static void end_all_tracks(GstCvlficFaceEnc *self) {
    for (guint k = 0; k < self->tracks->len; k++)
        lfics_writer_end_track(self->writer, g_array_index(self->tracks, CvlficTrack, k).track);
    g_array_set_size(self->tracks, 0);
}

/* The frame's stream time in seconds (its position in the media), NAN when unknown. */
static double stream_seconds(GstCvlficFaceEnc *self, GstBuffer *buf) {
    GstClockTime pts = GST_BUFFER_PTS(buf);
    if (!GST_CLOCK_TIME_IS_VALID(pts)) return NAN;
    guint64 t = pts;
    if (self->segment.format == GST_FORMAT_TIME) {
        guint64 stream = gst_segment_to_stream_time(&self->segment, GST_FORMAT_TIME, pts);
        if (stream != GST_CLOCK_TIME_NONE) t = stream;
    }
    return (double)t / GST_SECOND;
}

/* The record's timestamp: seconds since the first frame, as `cvlfic video` counts them (the
 * PyAV reader subtracts the stream's start time); from the frame count and rate when the
 * buffers carry no time. */
static double frame_seconds(GstCvlficFaceEnc *self, GstBuffer *buf, guint64 frame_index) {
    double t = stream_seconds(self, buf);
    if (isfinite(t) && isfinite(self->time_origin)) return MAX(0.0, t - self->time_origin);
    double fps = frame_rate(self);
    return fps > 0 ? (double)frame_index / fps : 0.0;
}

static GstFlowReturn gst_cvlfic_face_enc_chain(GstPad *pad, GstObject *parent, GstBuffer *buf) {
    GstCvlficFaceEnc *self = GST_CVLFIC_FACE_ENC(parent);
    (void)pad;
    if (!self->have_info) {
        gst_buffer_unref(buf);
        GST_ELEMENT_ERROR(self, CORE, NEGOTIATION, ("cvlficfaceenc: a video buffer came before its caps"), (NULL));
        return GST_FLOW_NOT_NEGOTIATED;
    }
    if (self->encoder == NULL) {
        gst_buffer_unref(buf);
        GST_ELEMENT_ERROR(self, CORE, STATE_CHANGE, ("cvlficfaceenc: no model loaded"), (NULL));
        return GST_FLOW_ERROR;
    }
    if (!self->header_sent) self->time_origin = stream_seconds(self, buf);
    GstFlowReturn ret = send_header(self);
    if (ret != GST_FLOW_OK) {
        gst_buffer_unref(buf);
        return ret;
    }
    guint64 frame_index = self->frames++;
    collect_faces(self, buf);
    if (self->faces->len == 0) {
        /* nothing to write; faces lost now age */
        assign_tracks(self);
        gst_buffer_unref(buf);
        return GST_FLOW_OK;
    }
    assign_tracks(self);

    GstVideoFrame frame;
    if (!gst_video_frame_map(&frame, &self->info, buf, GST_MAP_READ)) {
        gst_buffer_unref(buf);
        GST_ELEMENT_ERROR(self, STREAM, FAILED, ("cvlficfaceenc: cannot map the video frame"), (NULL));
        return GST_FLOW_ERROR;
    }
    const guint8 *pixels = GST_VIDEO_FRAME_PLANE_DATA(&frame, 0);
    size_t stride = (size_t)GST_VIDEO_FRAME_PLANE_STRIDE(&frame, 0);
    int channels = GST_VIDEO_INFO_FORMAT(&self->info) == GST_VIDEO_FORMAT_GRAY8 ? 1 : 3;
    size_t width = GST_VIDEO_FRAME_WIDTH(&frame), height = GST_VIDEO_FRAME_HEIGHT(&frame);

    GST_OBJECT_LOCK(self);
    int rate_kind = CVLFIC_RATE_QUALITY;
    double rate = self->quality;
    if (self->max_bytes > 0) {
        rate_kind = CVLFIC_RATE_MAX_BYTES;
        rate = self->max_bytes;
    } else if (self->bpp > 0) {
        rate_kind = CVLFIC_RATE_BPP;
        rate = self->bpp;
    }
    GST_OBJECT_UNLOCK(self);

    double seconds = frame_seconds(self, buf, frame_index);
    lfics_buffer bytes = {0};
    guint written = 0, face_index = 0;
    guint64 face_bytes = 0, skipped = 0;
    for (guint i = 0; i < self->faces->len; i++) {
        CvlficFace *f = &g_array_index(self->faces, CvlficFace, i);
        lfics_face record = {0};
        float rounded[10];
        for (int k = 0; k < 10; k++) {
            /* version 2 stores whole pixels: cut the crop at the stored points */
            double p = floor((double)f->points[k] + 0.5);
            if (!isfinite(p) || fabs(p) > 1e8) p = 0;
            record.points[k] = (int32_t)p;
            rounded[k] = (float)p;
        }
        int status = cvlfic_align_face(pixels, height, width, stride, channels, rounded, CROP_SIZE, self->crop,
                                       CROP_SIZE * (size_t)channels);
        if (status != CVLFIC_OK) {
            GST_DEBUG_OBJECT(self, "frame %" G_GUINT64_FORMAT ": cannot align a face: %s", frame_index,
                             cvlfic_status_string(status));
            skipped++;
            continue;
        }
        size_t size = 0;
        status = cvlfic_encode_face(self->encoder, self->crop, CROP_SIZE, CROP_SIZE, CROP_SIZE * (size_t)channels,
                                    channels, rate_kind, rate, self->code, self->code_capacity, &size);
        if (status == CVLFIC_ERR_BUDGET) {
            if (!self->budget_warned) {
                GST_ELEMENT_WARNING(self, LIBRARY, ENCODE,
                                    ("cvlficfaceenc: the rate gives a face less than its smallest stream (%zu "
                                     "bytes); such faces are skipped",
                                     size),
                                    ("rate kind %d, rate %g", rate_kind, rate));
                self->budget_warned = TRUE;
            }
            skipped++;
            continue;
        }
        if (status != CVLFIC_OK) {
            gst_video_frame_unmap(&frame);
            gst_buffer_unref(buf);
            lfics_buffer_free(&bytes);
            GST_ELEMENT_ERROR(self, LIBRARY, ENCODE, ("cvlficfaceenc: encoding a face failed"),
                              ("cvlfic_encode_face: %s (status %d)", cvlfic_status_string(status), status));
            return GST_FLOW_ERROR;
        }
        record.frame = frame_index;
        record.timestamp = seconds;
        record.face_index = face_index;
        record.score = f->score;
        record.track = f->track;
        memcpy(record.box, f->box, sizeof(record.box));
        status = lfics_writer_face(self->writer, &record, self->code, size, &bytes);
        if (status != LFICS_OK) {
            GST_DEBUG_OBJECT(self, "frame %" G_GUINT64_FORMAT ": face not storable (%d)", frame_index, status);
            skipped++;
            continue;
        }
        face_index++;
        written++;
        face_bytes += size;
    }
    gst_video_frame_unmap(&frame);
    GST_OBJECT_LOCK(self);
    self->stat_faces += written;
    self->stat_bytes += face_bytes;
    self->stat_skipped += skipped;
    GST_OBJECT_UNLOCK(self);
    GST_LOG_OBJECT(self, "frame %" G_GUINT64_FORMAT ": %u faces, %zu bytes", frame_index, written, bytes.size);
    ret = push_bytes(self, &bytes, buf, FALSE);
    gst_buffer_unref(buf);
    return ret;
}

/* ---- events ---------------------------------------------------------------------------------- */

static gboolean gst_cvlfic_face_enc_sink_event(GstPad *pad, GstObject *parent, GstEvent *event) {
    GstCvlficFaceEnc *self = GST_CVLFIC_FACE_ENC(parent);
    switch (GST_EVENT_TYPE(event)) {
    case GST_EVENT_CAPS: {
        GstCaps *caps;
        gst_event_parse_caps(event, &caps);
        GstVideoInfo info;
        if (!gst_video_info_from_caps(&info, caps)) {
            GST_ELEMENT_ERROR(self, CORE, NEGOTIATION, ("cvlficfaceenc: caps %" GST_PTR_FORMAT " are not raw video", caps),
                              (NULL));
            gst_event_unref(event);
            return FALSE;
        }
        if (self->have_info && (GST_VIDEO_INFO_WIDTH(&info) != GST_VIDEO_INFO_WIDTH(&self->info) ||
                                GST_VIDEO_INFO_HEIGHT(&info) != GST_VIDEO_INFO_HEIGHT(&self->info))) {
            /* new frame size: box coordinates change meaning, no face continues a track */
            GST_INFO_OBJECT(self, "frame size changed to %dx%d", GST_VIDEO_INFO_WIDTH(&info),
                            GST_VIDEO_INFO_HEIGHT(&info));
            if (self->writer) end_all_tracks(self);
            else g_array_set_size(self->tracks, 0);
        }
        self->info = info;
        self->have_info = TRUE;
        gst_event_unref(event);
        if (!gst_pad_has_current_caps(self->srcpad)) {
            GstCaps *out = gst_pad_get_pad_template_caps(self->srcpad);
            gboolean ok = gst_pad_push_event(self->srcpad, gst_event_new_caps(out));
            gst_caps_unref(out);
            return ok;
        }
        return TRUE;
    }
    case GST_EVENT_SEGMENT: {
        /* the output is a byte stream with a segment of its own (sent with the header) */
        const GstSegment *segment;
        gst_event_parse_segment(event, &segment);
        gst_segment_copy_into(segment, &self->segment);
        gst_event_unref(event);
        return TRUE;
    }
    case GST_EVENT_GAP:
        gst_event_unref(event);
        return TRUE;
    case GST_EVENT_EOS: {
        /* a stream without any frame still gets its header: a valid, empty face stream */
        if (!self->header_sent && self->encoder != NULL) send_header(self);
        GST_OBJECT_LOCK(self);
        GST_INFO_OBJECT(self, "end: %" G_GUINT64_FORMAT " frames, %" G_GUINT64_FORMAT " faces, %" G_GUINT64_FORMAT
                        " bytes of faces, %" G_GUINT64_FORMAT " skipped", self->frames, self->stat_faces,
                        self->stat_bytes, self->stat_skipped);
        GST_OBJECT_UNLOCK(self);
        return gst_pad_push_event(self->srcpad, event);
    }
    case GST_EVENT_FLUSH_STOP:
        g_array_set_size(self->tracks, 0);
        return gst_pad_event_default(pad, parent, event);
    default:
        return gst_pad_event_default(pad, parent, event);
    }
}

static gboolean gst_cvlfic_face_enc_src_query(GstPad *pad, GstObject *parent, GstQuery *query) {
    return gst_pad_query_default(pad, parent, query);
}

/* ---- class -------------------------------------------------------------------------------------- */

static void gst_cvlfic_face_enc_finalize(GObject *object) {
    GstCvlficFaceEnc *self = GST_CVLFIC_FACE_ENC(object);
    free_model(self);
    lfics_writer_free(self->writer);
    g_free(self->model);
    g_free(self->roi_types);
    g_strfreev(self->roi_list);
    g_free(self->box_landmarks);
    g_hash_table_destroy(self->templates);
    g_array_free(self->faces, TRUE);
    g_array_free(self->tracks, TRUE);
    G_OBJECT_CLASS(gst_cvlfic_face_enc_parent_class)->finalize(object);
}

static void gst_cvlfic_face_enc_init(GstCvlficFaceEnc *self) {
    self->sinkpad = gst_pad_new_from_static_template(&sink_template, "sink");
    gst_pad_set_chain_function(self->sinkpad, GST_DEBUG_FUNCPTR(gst_cvlfic_face_enc_chain));
    gst_pad_set_event_function(self->sinkpad, GST_DEBUG_FUNCPTR(gst_cvlfic_face_enc_sink_event));
    GST_PAD_SET_PROXY_ALLOCATION(self->sinkpad);
    gst_element_add_pad(GST_ELEMENT(self), self->sinkpad);
    self->srcpad = gst_pad_new_from_static_template(&src_template, "src");
    gst_pad_set_query_function(self->srcpad, GST_DEBUG_FUNCPTR(gst_cvlfic_face_enc_src_query));
    gst_pad_use_fixed_caps(self->srcpad);
    gst_element_add_pad(GST_ELEMENT(self), self->srcpad);

    self->quality = DEFAULT_QUALITY;
    self->roi_types = g_strdup(DEFAULT_ROI_TYPES);
    self->roi_list = parse_roi_types(self->roi_types);
    self->box_landmarks = g_strdup(DEFAULT_BOX_LANDMARKS);
    gchar *error = NULL;
    self->templates = parse_templates(self->box_landmarks, &error);
    g_assert(self->templates != NULL);
    self->merge_overlap = DEFAULT_MERGE_OVERLAP;
    self->key_interval = DEFAULT_KEY_INTERVAL;
    self->faces = g_array_new(FALSE, FALSE, sizeof(CvlficFace));
    self->tracks = g_array_new(FALSE, FALSE, sizeof(CvlficTrack));
    self->next_track = 1;
    gst_segment_init(&self->segment, GST_FORMAT_TIME);
}

static void gst_cvlfic_face_enc_class_init(GstCvlficFaceEncClass *klass) {
    GObjectClass *gobject_class = G_OBJECT_CLASS(klass);
    GstElementClass *element_class = GST_ELEMENT_CLASS(klass);
    gobject_class->set_property = gst_cvlfic_face_enc_set_property;
    gobject_class->get_property = gst_cvlfic_face_enc_get_property;
    gobject_class->finalize = gst_cvlfic_face_enc_finalize;
    element_class->change_state = GST_DEBUG_FUNCPTR(gst_cvlfic_face_enc_change_state);

    const GParamFlags rw = G_PARAM_READWRITE | G_PARAM_STATIC_STRINGS;
    const GParamFlags ready = rw | GST_PARAM_MUTABLE_READY;
    const GParamFlags playing = rw | GST_PARAM_MUTABLE_PLAYING;
    g_object_class_install_property(
        gobject_class, PROP_MODEL,
        g_param_spec_string("model", "Model",
                            "The LFIC model: its folder, its encoder.bin, or a model name looked up like "
                            "cvlfic's models (NULL: $CVLFIC_MODEL, else " DEFAULT_MODEL_NAME ")",
                            NULL, ready));
    g_object_class_install_property(
        gobject_class, PROP_QUALITY,
        g_param_spec_double("quality", "Quality",
                            "Rate as quality 0..100 (cvlfic's curve; used unless bpp or max-bytes is set)",
                            0.0, 100.0, DEFAULT_QUALITY, playing));
    g_object_class_install_property(
        gobject_class, PROP_BPP,
        g_param_spec_double("bpp", "Bits per pixel",
                            "Rate cap in bits per pixel of the 112x112 crop (0: not used; above quality)",
                            0.0, 24.0, 0.0, playing));
    g_object_class_install_property(
        gobject_class, PROP_MAX_BYTES,
        g_param_spec_uint("max-bytes", "Max bytes",
                          "Rate cap in bytes per face, never exceeded (0: not used; above bpp and quality)",
                          0, 1u << 20, 0, playing));
    g_object_class_install_property(
        gobject_class, PROP_ROI_TYPES,
        g_param_spec_string("roi-types", "ROI types",
                            "Comma-separated GstVideoRegionOfInterestMeta types to take as faces, earlier ones "
                            "preferred when two overlap (\"*\": any type)",
                            DEFAULT_ROI_TYPES, playing));
    g_object_class_install_property(
        gobject_class, PROP_MIN_SIZE,
        g_param_spec_uint("min-size", "Minimum size", "Skip ROIs narrower or lower than this (pixels)", 0,
                          MAX_BOX_SIDE, 0, playing));
    g_object_class_install_property(
        gobject_class, PROP_BOX_LANDMARKS,
        g_param_spec_string("box-landmarks", "Landmarks from boxes",
                            "Where the 5 points sit in a box without landmarks, per ROI type: \"SPEC\" or "
                            "\"TYPE=SPEC;...;SPEC\", SPEC a measured template (haar-frontal, haar-profile, "
                            "dlib-hog) or 10 fractions x0,y0,...,x4,y4 of the box",
                            DEFAULT_BOX_LANDMARKS, playing));
    g_object_class_install_property(
        gobject_class, PROP_MERGE_OVERLAP,
        g_param_spec_double("merge-overlap", "Merge overlap",
                            "Two ROIs overlapping this much (intersection over the smaller box) are one "
                            "face; the preferred one is kept (0: never merge)",
                            0.0, 1.0, DEFAULT_MERGE_OVERLAP, playing));
    g_object_class_install_property(
        gobject_class, PROP_KEY_INTERVAL,
        g_param_spec_uint("key-interval", "Key interval",
                          "A track gets a key record at least every so many records (1: every record a key)",
                          1, 4096, DEFAULT_KEY_INTERVAL, ready));
    g_object_class_install_property(
        gobject_class, PROP_FACES,
        g_param_spec_uint64("faces", "Faces", "Faces written so far", 0, G_MAXUINT64, 0,
                            G_PARAM_READABLE | G_PARAM_STATIC_STRINGS));
    g_object_class_install_property(
        gobject_class, PROP_FACE_BYTES,
        g_param_spec_uint64("face-bytes", "Face bytes", "Bytes of LFIC bitstreams written so far", 0, G_MAXUINT64,
                            0, G_PARAM_READABLE | G_PARAM_STATIC_STRINGS));
    g_object_class_install_property(
        gobject_class, PROP_SKIPPED,
        g_param_spec_uint64("skipped", "Skipped",
                            "ROIs skipped so far (bad boxes, faces that cannot be aligned or fit the rate)", 0,
                            G_MAXUINT64, 0, G_PARAM_READABLE | G_PARAM_STATIC_STRINGS));

    gst_element_class_add_static_pad_template(element_class, &sink_template);
    gst_element_class_add_static_pad_template(element_class, &src_template);
    gst_element_class_set_static_metadata(
        element_class, "cvlfic face stream encoder", "Encoder/Video",
        "Aligns and codes the faces that an upstream detector marked (GstVideoRegionOfInterestMeta) into a .lfics "
        "face stream with the LFIC learned face codec",
        "cvlfic");
    GST_DEBUG_CATEGORY_INIT(cvlfic_face_enc_debug, "cvlficfaceenc", 0, "cvlfic face stream encoder");
}
