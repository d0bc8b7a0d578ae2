/*
 * The 5 points (dlib's order) of a face that a detector gave only a box for, or gave other
 * keypoints for. Plain C, no GStreamer.
 *
 * Box templates: where dlib's 5-point predictor puts the points inside a detector's box, in
 * fractions of the box's width and height, measured per detector (docs/gstreamer.md,
 * "Landmarks from the box"; the figures come from bench/gst/calibrate_box_landmarks.py).
 */
#ifndef CVLFIC_GST_BOX_LANDMARKS_H
#define CVLFIC_GST_BOX_LANDMARKS_H

#ifdef __cplusplus
extern "C" {
#endif

/* x0, y0, ..., x4, y4 as fractions of the box (x: of its width from its left edge, y: of its
 * height from its top edge). */
typedef struct {
    float rel[10];
} cvlfic_box_template;

/* A named template ("haar-frontal", "haar-profile", "dlib-hog"); 0 when the name is unknown. */
int cvlfic_box_template_preset(const char *name, cvlfic_box_template *out);
/* Names of the presets, comma separated (for messages). */
const char *cvlfic_box_template_names(void);

/* The points of a box (left, top, right, bottom) under a template. */
void cvlfic_box_template_apply(const cvlfic_box_template *t, const double box[4], float points[10]);

/* dlib's 5 points from the 5 keypoints most face detectors with landmarks give (RetinaFace,
 * SCRFD, MTCNN, YuNet): the eye on the image's left, the eye on its right, nose tip, mouth
 * corner on the left, on the right (x, y each). Fitted by the least-squares similarity of the
 * eyes, nose and mouth centre onto their places in the standard crop, as cvlfic does for
 * BlazeFace's keypoints (cvlfic/video/landmarks.py). 0 when the points are degenerate. */
int cvlfic_landmarks_from_eyes_nose_mouth(const float in[10], float out[10]);

#ifdef __cplusplus
}
#endif
#endif /* CVLFIC_GST_BOX_LANDMARKS_H */
