/*
 * Landmarks from a detector's box or keypoints: see box_landmarks.h.
 */
#include "box_landmarks.h"

#include <math.h>
#include <string.h>

typedef struct {
    const char *name;
    cvlfic_box_template t;
} preset;

/* Medians of dlib's 5 points (its predictor run on the face) relative to the detector's box,
 * measured by bench/gst/calibrate_box_landmarks.py (results: results/gst/box_landmarks_calibration.json,
 * docs/gstreamer.md). */
static const preset PRESETS[] = {
    /* OpenCV's haarcascade_frontalface_alt2.xml (facedetect profile=...alt2.xml): 1,874 LFW
     * faces (on the sample clip's 195 frontal detections: 5.0 px mean error in the 112 px crop,
     * against 4.8 px for the clip's own medians) */
    {"haar-frontal", {{0.7458f, 0.3932f, 0.6036f, 0.4016f, 0.2435f, 0.4037f, 0.3860f, 0.4050f,
                       0.5000f, 0.6784f}}},
    /* OpenCV's haarcascade_profileface.xml: the sample clip's 297 profile detections (LFW's
     * 1,001 are near-frontal faces; their medians give 10.4 px on the clip's, these 8.5 px) */
    {"haar-profile", {{0.5521f, 0.4490f, 0.4421f, 0.4457f, 0.2031f, 0.4306f, 0.2881f, 0.4375f,
                       0.3133f, 0.6522f}}},
    /* dlib's HOG frontal face detector: 1,880 LFW faces */
    {"dlib-hog", {{0.7500f, 0.2558f, 0.5887f, 0.2621f, 0.1923f, 0.2718f, 0.3462f, 0.2674f,
                   0.4713f, 0.5930f}}},
};

int cvlfic_box_template_preset(const char *name, cvlfic_box_template *out) {
    if (name == NULL) return 0;
    for (size_t i = 0; i < sizeof(PRESETS) / sizeof(PRESETS[0]); i++) {
        if (strcmp(PRESETS[i].name, name) == 0) {
            if (out) *out = PRESETS[i].t;
            return 1;
        }
    }
    return 0;
}

const char *cvlfic_box_template_names(void) { return "haar-frontal, haar-profile, dlib-hog"; }

void cvlfic_box_template_apply(const cvlfic_box_template *t, const double box[4], float points[10]) {
    double w = box[2] - box[0], h = box[3] - box[1];
    for (int j = 0; j < 5; j++) {
        points[2 * j] = (float)(box[0] + t->rel[2 * j] * w);
        points[2 * j + 1] = (float)(box[1] + t->rel[2 * j + 1] * h);
    }
}

/* dlib's 5 points in the 112 px standard crop (cvlfic/video/landmarks.py, DLIB_TEMPLATE_112) */
static const double DLIB_112[10] = {82.372, 34.457, 66.687, 34.889, 27.264,
                                    34.606, 42.856, 34.964, 54.618, 64.911};
/* eye on the image's left, eye on its right, nose tip, mouth centre in the same crop
 * (BLAZEFACE_TEMPLATE_112, calibrated on LFW by bench/video/calibrate_landmarks.py) */
static const double EYES_NOSE_MOUTH_112[8] = {35.244, 34.309, 75.966, 34.871,
                                              55.176, 59.228, 55.278, 79.919};

int cvlfic_landmarks_from_eyes_nose_mouth(const float in[10], float out[10]) {
    double dst[8];
    for (int i = 0; i < 6; i++) dst[i] = in[i];
    dst[6] = 0.5 * ((double)in[6] + in[8]);
    dst[7] = 0.5 * ((double)in[7] + in[9]);
    for (int i = 0; i < 10; i++)
        if (!isfinite(in[i])) return 0;
    /* least-squares similarity (rotation, uniform scale, shift) from the template onto dst */
    double sx = 0, sy = 0, dx = 0, dy = 0;
    for (int j = 0; j < 4; j++) {
        sx += EYES_NOSE_MOUTH_112[2 * j];
        sy += EYES_NOSE_MOUTH_112[2 * j + 1];
        dx += dst[2 * j];
        dy += dst[2 * j + 1];
    }
    sx /= 4, sy /= 4, dx /= 4, dy /= 4;
    double norm = 0, p = 0, q = 0;
    for (int j = 0; j < 4; j++) {
        double ax = EYES_NOSE_MOUTH_112[2 * j] - sx, ay = EYES_NOSE_MOUTH_112[2 * j + 1] - sy;
        double bx = dst[2 * j] - dx, by = dst[2 * j + 1] - dy;
        norm += ax * ax + ay * ay;
        p += ax * bx + ay * by;
        q += ax * by - ay * bx;
    }
    p /= norm;
    q /= norm;
    if (!(p * p + q * q > 1e-12)) return 0; /* all points at one place */
    for (int j = 0; j < 5; j++) {
        double x = DLIB_112[2 * j] - sx, y = DLIB_112[2 * j + 1] - sy;
        out[2 * j] = (float)(p * x - q * y + dx);
        out[2 * j + 1] = (float)(q * x + p * y + dy);
    }
    return 1;
}
