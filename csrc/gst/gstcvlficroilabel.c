/*
 * cvlficroilabel: renames the GstVideoRegionOfInterestMeta types on each buffer.
 *
 * Detectors such as OpenCV's `facedetect` mark every face "face", whichever cascade found it.
 * Placed right after a detector, this element renames the ROIs that detector (and those before
 * it) attached, e.g. to "face-profile", so that cvlficfaceenc can tell the detectors apart and
 * give each its own landmark template (box-landmarks) and preference (roi-types). ROIs that
 * already carry another type are left alone.
 */
#include "gstcvlficroilabel.h"

#include <string.h>

#include <gst/video/video.h>

GST_DEBUG_CATEGORY_STATIC(cvlfic_roi_label_debug);
#define GST_CAT_DEFAULT cvlfic_roi_label_debug

enum { PROP_0, PROP_ROI_TYPES, PROP_LABEL };

struct _GstCvlficRoiLabel {
    GstBaseTransform parent;
    gchar *roi_types;
    gchar **types; /* parsed roi_types */
    gchar *label;
};

G_DEFINE_TYPE(GstCvlficRoiLabel, gst_cvlfic_roi_label, GST_TYPE_BASE_TRANSFORM)

static GstStaticPadTemplate sink_template =
    GST_STATIC_PAD_TEMPLATE("sink", GST_PAD_SINK, GST_PAD_ALWAYS, GST_STATIC_CAPS_ANY);
static GstStaticPadTemplate src_template =
    GST_STATIC_PAD_TEMPLATE("src", GST_PAD_SRC, GST_PAD_ALWAYS, GST_STATIC_CAPS_ANY);

static gboolean label_active(GstCvlficRoiLabel *self) { return self->label != NULL && *self->label != '\0'; }

static void update_passthrough(GstCvlficRoiLabel *self) {
    /* without a label there is nothing to change: buffers go through untouched */
    gst_base_transform_set_passthrough(GST_BASE_TRANSFORM(self), !label_active(self));
}

static void gst_cvlfic_roi_label_set_property(GObject *object, guint id, const GValue *value, GParamSpec *pspec) {
    GstCvlficRoiLabel *self = GST_CVLFIC_ROI_LABEL(object);
    GST_OBJECT_LOCK(self);
    switch (id) {
    case PROP_ROI_TYPES: {
        g_free(self->roi_types);
        g_strfreev(self->types);
        self->roi_types = g_value_dup_string(value);
        self->types = g_strsplit(self->roi_types ? self->roi_types : "", ",", -1);
        for (gchar **t = self->types; *t; t++) g_strstrip(*t);
        break;
    }
    case PROP_LABEL:
        g_free(self->label);
        self->label = g_value_dup_string(value);
        break;
    default:
        G_OBJECT_WARN_INVALID_PROPERTY_ID(object, id, pspec);
    }
    GST_OBJECT_UNLOCK(self);
    if (id == PROP_LABEL) update_passthrough(self);
}

static void gst_cvlfic_roi_label_get_property(GObject *object, guint id, GValue *value, GParamSpec *pspec) {
    GstCvlficRoiLabel *self = GST_CVLFIC_ROI_LABEL(object);
    GST_OBJECT_LOCK(self);
    switch (id) {
    case PROP_ROI_TYPES:
        g_value_set_string(value, self->roi_types);
        break;
    case PROP_LABEL:
        g_value_set_string(value, self->label);
        break;
    default:
        G_OBJECT_WARN_INVALID_PROPERTY_ID(object, id, pspec);
    }
    GST_OBJECT_UNLOCK(self);
}

static gboolean wanted(GstCvlficRoiLabel *self, const gchar *type) {
    for (gchar **t = self->types; t && *t; t++) {
        if (strcmp(*t, "*") == 0 || (type && strcmp(*t, type) == 0)) return TRUE;
    }
    return FALSE;
}

static GstFlowReturn gst_cvlfic_roi_label_transform_ip(GstBaseTransform *trans, GstBuffer *buf) {
    GstCvlficRoiLabel *self = GST_CVLFIC_ROI_LABEL(trans);
    GST_OBJECT_LOCK(self);
    if (label_active(self)) {
        GQuark label = g_quark_from_string(self->label);
        gpointer state = NULL;
        GstMeta *meta;
        while ((meta = gst_buffer_iterate_meta_filtered(buf, &state, GST_VIDEO_REGION_OF_INTEREST_META_API_TYPE))) {
            GstVideoRegionOfInterestMeta *roi = (GstVideoRegionOfInterestMeta *)meta;
            if (roi->roi_type != label && wanted(self, g_quark_to_string(roi->roi_type))) roi->roi_type = label;
        }
    }
    GST_OBJECT_UNLOCK(self);
    return GST_FLOW_OK;
}

static void gst_cvlfic_roi_label_finalize(GObject *object) {
    GstCvlficRoiLabel *self = GST_CVLFIC_ROI_LABEL(object);
    g_free(self->roi_types);
    g_strfreev(self->types);
    g_free(self->label);
    G_OBJECT_CLASS(gst_cvlfic_roi_label_parent_class)->finalize(object);
}

static void gst_cvlfic_roi_label_init(GstCvlficRoiLabel *self) {
    self->roi_types = g_strdup("face");
    self->types = g_strsplit(self->roi_types, ",", -1);
    gst_base_transform_set_in_place(GST_BASE_TRANSFORM(self), TRUE);
    update_passthrough(self);
}

static void gst_cvlfic_roi_label_class_init(GstCvlficRoiLabelClass *klass) {
    GObjectClass *gobject_class = G_OBJECT_CLASS(klass);
    GstElementClass *element_class = GST_ELEMENT_CLASS(klass);
    GstBaseTransformClass *trans_class = GST_BASE_TRANSFORM_CLASS(klass);
    gobject_class->set_property = gst_cvlfic_roi_label_set_property;
    gobject_class->get_property = gst_cvlfic_roi_label_get_property;
    gobject_class->finalize = gst_cvlfic_roi_label_finalize;
    trans_class->transform_ip = GST_DEBUG_FUNCPTR(gst_cvlfic_roi_label_transform_ip);

    const GParamFlags rw = G_PARAM_READWRITE | G_PARAM_STATIC_STRINGS | GST_PARAM_MUTABLE_PLAYING;
    g_object_class_install_property(
        gobject_class, PROP_ROI_TYPES,
        g_param_spec_string("roi-types", "ROI types", "Comma-separated ROI types to rename (\"*\": any)", "face", rw));
    g_object_class_install_property(
        gobject_class, PROP_LABEL,
        g_param_spec_string("label", "Label", "The new ROI type (empty: nothing is renamed)", NULL, rw));

    gst_element_class_add_static_pad_template(element_class, &sink_template);
    gst_element_class_add_static_pad_template(element_class, &src_template);
    gst_element_class_set_static_metadata(
        element_class, "cvlfic ROI relabel", "Filter/Video",
        "Renames the types of the regions of interest (GstVideoRegionOfInterestMeta) that upstream detectors "
        "attached, so that a later element can tell the detectors apart",
        "cvlfic");
    GST_DEBUG_CATEGORY_INIT(cvlfic_roi_label_debug, "cvlficroilabel", 0, "cvlfic ROI relabel");
}
