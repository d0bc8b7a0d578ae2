/*
 * cvlficfaceenc: encodes the faces that an upstream detector marked on each video frame
 * (GstVideoRegionOfInterestMeta) into a `.lfics` face stream (docs/gstreamer.md).
 */
#ifndef CVLFIC_GST_FACEENC_H
#define CVLFIC_GST_FACEENC_H

#include <gst/gst.h>
#include <gst/video/video.h>

#include "box_landmarks.h"
#include "lfics_writer.h"

G_BEGIN_DECLS

#define GST_TYPE_CVLFIC_FACE_ENC (gst_cvlfic_face_enc_get_type())
G_DECLARE_FINAL_TYPE(GstCvlficFaceEnc, gst_cvlfic_face_enc, GST, CVLFIC_FACE_ENC, GstElement)

/* A face of the current frame, before it is coded. */
typedef struct {
    gint32 box[4];       /* left, top, right, bottom */
    float points[10];    /* dlib's 5-point order, frame pixels */
    gboolean from_meta;  /* landmarks given by the detector (else derived from the box) */
    double score;
    int preference;      /* index of its ROI type in roi-types (lower wins a merge) */
    guint32 track;
} CvlficFace;

typedef struct {
    guint32 track;
    gint32 box[4];
    int unseen;          /* frames since it was last seen */
} CvlficTrack;

/* Where the plugin file lives (set by plugin_init), for finding an installed model. */
void gst_cvlfic_set_plugin_dir(const gchar *dir);

G_END_DECLS

#endif /* CVLFIC_GST_FACEENC_H */
