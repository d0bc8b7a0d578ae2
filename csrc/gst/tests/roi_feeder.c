/*
 * roi_feeder: drives cvlficfaceenc with crafted frames and ROIs, for tests/gst/test_gst_element.py.
 *
 *   roi_feeder OUT.lfics [PROPERTIES]
 *
 * Pushes synthetic frames through `appsrc ! cvlficfaceenc PROPERTIES ! filesink location=OUT.lfics`
 * (GST_PLUGIN_PATH must find the plugin):
 *
 *   frames 0-9    320x240 BGR, each with these ROIs:
 *                 a  face (20,20) 60x60                                   taken
 *                 b  face (0,0) 0x0                                       skipped (empty)
 *                 c  face (1000,10) 50x50                                 skipped (outside)
 *                 d  face (10,10) 100000x100000                           skipped (absurd)
 *                 e  face (290,180) 60x60, half outside the frame         taken
 *                 f  car (100,100) 50x50                                  not taken (type)
 *                 g  face (120,20) 60x60, "landmarks" dlib5 points        taken, points kept
 *                 h  face (200,20) 60x60, "landmarks" eyes-nose-mouth     taken
 *                 i  face (22,22) 56x56, the same face as a               merged into a
 *                 j  face (120,120) 60x60, "detection" confidence 0.8     taken, score 0.8
 *                 k  face (250,120) 40x40, landmarks all at one point     skipped (cannot align)
 *                 l  face (10,150) 50x50, landmarks with a NaN            taken, points from the box
 *   frames 10-14  200x150 GRAY8 (new caps: size and format), face (50,40) 60x60
 *   frames 15-19  320x240 BGR again, face (100,60) 80x80
 *
 * Exit status 0 when the pipeline reached EOS without error; the test reads the file.
 */
#include <math.h>
#include <stdio.h>
#include <string.h>

#include <gst/app/gstappsrc.h>
#include <gst/gst.h>
#include <gst/video/video.h>

static GstStructure *points_structure(const char *order, const double *points) {
    GValue array = G_VALUE_INIT;
    gst_value_array_init(&array, 10);
    for (int i = 0; i < 10; i++) {
        GValue v = G_VALUE_INIT;
        g_value_init(&v, G_TYPE_DOUBLE);
        g_value_set_double(&v, points[i]);
        gst_value_array_append_and_take_value(&array, &v);
    }
    GstStructure *s = gst_structure_new("landmarks", "order", G_TYPE_STRING, order, NULL);
    gst_structure_take_value(s, "points", &array);
    return s;
}

static void add_roi(GstBuffer *buf, const char *type, guint x, guint y, guint w, guint h, GstStructure *param) {
    GstVideoRegionOfInterestMeta *meta = gst_buffer_add_video_region_of_interest_meta(buf, type, x, y, w, h);
    if (param) gst_video_region_of_interest_meta_add_param(meta, param);
}

static GstBuffer *frame(int width, int height, int channels, int index) {
    gsize stride = GST_ROUND_UP_4(width * channels);
    GstBuffer *buf = gst_buffer_new_allocate(NULL, stride * height, NULL);
    GstMapInfo map;
    gst_buffer_map(buf, &map, GST_MAP_WRITE);
    for (int y = 0; y < height; y++)
        for (int x = 0; x < width * channels; x++)
            map.data[y * stride + x] = (guint8)((x * 7 + y * 13 + index * 5 + (x / 9) * (y / 7)) & 0xFF);
    gst_buffer_unmap(buf, &map);
    GST_BUFFER_PTS(buf) = gst_util_uint64_scale(index, GST_SECOND, 30);
    GST_BUFFER_DURATION(buf) = GST_SECOND / 30;
    return buf;
}

static GstCaps *caps_for(int width, int height, const char *format) {
    return gst_caps_new_simple("video/x-raw", "format", G_TYPE_STRING, format, "width", G_TYPE_INT, width, "height",
                               G_TYPE_INT, height, "framerate", GST_TYPE_FRACTION, 30, 1, NULL);
}

int main(int argc, char **argv) {
    gst_init(&argc, &argv);
    if (argc != 2 && argc != 3) {
        fprintf(stderr, "usage: roi_feeder OUT.lfics [PROPERTIES]\n");
        return 2;
    }
    gchar *description = g_strdup_printf("appsrc name=src format=time ! cvlficfaceenc name=enc %s ! filesink "
                                         "location=\"%s\"", argc == 3 ? argv[2] : "", argv[1]);
    GError *error = NULL;
    GstElement *pipeline = gst_parse_launch(description, &error);
    g_free(description);
    if (pipeline == NULL) {
        fprintf(stderr, "roi_feeder: %s\n", error->message);
        return 1;
    }
    GstAppSrc *src = GST_APP_SRC(gst_bin_get_by_name(GST_BIN(pipeline), "src"));
    if (gst_element_set_state(pipeline, GST_STATE_PLAYING) == GST_STATE_CHANGE_FAILURE) {
        fprintf(stderr, "roi_feeder: the pipeline does not start\n");
        return 1;
    }
    const double dlib5[10] = {165, 44, 157, 44, 135, 45, 143, 45, 150, 60};
    const double enm[10] = {215, 40, 240, 40, 228, 55, 218, 68, 238, 68};
    const double same[10] = {260, 130, 260, 130, 260, 130, 260, 130, 260, 130};
    const double with_nan[10] = {40, 165, NAN, 165, 20, 165, 28, 165, 35, 180};
    for (int i = 0; i < 20; i++) {
        GstBuffer *buf;
        if (i == 0 || i == 15) gst_app_src_set_caps(src, caps_for(320, 240, "BGR"));
        if (i == 10) gst_app_src_set_caps(src, caps_for(200, 150, "GRAY8"));
        if (i < 10) {
            buf = frame(320, 240, 3, i);
            add_roi(buf, "face", 20, 20, 60, 60, NULL);
            add_roi(buf, "face", 0, 0, 0, 0, NULL);
            add_roi(buf, "face", 1000, 10, 50, 50, NULL);
            add_roi(buf, "face", 10, 10, 100000, 100000, NULL);
            add_roi(buf, "face", 290, 180, 60, 60, NULL);
            add_roi(buf, "car", 100, 100, 50, 50, NULL);
            add_roi(buf, "face", 120, 20, 60, 60, points_structure("dlib5", dlib5));
            add_roi(buf, "face", 200, 20, 60, 60, points_structure("eyes-nose-mouth", enm));
            add_roi(buf, "face", 22, 22, 56, 56, NULL);
            add_roi(buf, "face", 120, 120, 60, 60, gst_structure_new("detection", "confidence", G_TYPE_DOUBLE, 0.8, NULL));
            add_roi(buf, "face", 250, 120, 40, 40, points_structure("dlib5", same));
            add_roi(buf, "face", 10, 150, 50, 50, points_structure("dlib5", with_nan));
        } else if (i < 15) {
            buf = frame(200, 150, 1, i);
            add_roi(buf, "face", 50, 40, 60, 60, NULL);
        } else {
            buf = frame(320, 240, 3, i);
            add_roi(buf, "face", 100, 60, 80, 80, NULL);
        }
        if (gst_app_src_push_buffer(src, buf) != GST_FLOW_OK) break;
    }
    gst_app_src_end_of_stream(src);
    GstBus *bus = gst_element_get_bus(pipeline);
    GstMessage *msg = gst_bus_timed_pop_filtered(bus, 60 * GST_SECOND, GST_MESSAGE_EOS | GST_MESSAGE_ERROR);
    int status = 0;
    if (msg == NULL || GST_MESSAGE_TYPE(msg) == GST_MESSAGE_ERROR) {
        status = 1;
        if (msg) {
            GError *err = NULL;
            gchar *debug = NULL;
            gst_message_parse_error(msg, &err, &debug);
            fprintf(stderr, "roi_feeder: error: %s (%s)\n", err->message, debug ? debug : "");
            g_clear_error(&err);
            g_free(debug);
        } else {
            fprintf(stderr, "roi_feeder: no EOS within 60 s\n");
        }
    }
    GstElement *enc = gst_bin_get_by_name(GST_BIN(pipeline), "enc");
    guint64 faces = 0, skipped = 0;
    g_object_get(enc, "faces", &faces, "skipped", &skipped, NULL);
    printf("faces %" G_GUINT64_FORMAT " skipped %" G_GUINT64_FORMAT "\n", faces, skipped);
    if (msg) gst_message_unref(msg);
    gst_object_unref(bus);
    gst_object_unref(enc);
    gst_object_unref(src);
    gst_element_set_state(pipeline, GST_STATE_NULL);
    gst_object_unref(pipeline);
    return status;
}
