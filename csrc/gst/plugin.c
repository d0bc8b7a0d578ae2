/*
 * The cvlfic GStreamer plugin (libgstcvlfic.so): cvlficfaceenc and cvlficroilabel.
 * docs/gstreamer.md says how to build, find and use it.
 */
#include <gst/gst.h>

#include "gstcvlficfaceenc.h"
#include "gstcvlficroilabel.h"

#ifndef PACKAGE
#define PACKAGE "cvlfic"
#endif
#ifndef VERSION
#define VERSION "1.0.0"
#endif

static gboolean plugin_init(GstPlugin *plugin) {
    const gchar *file = gst_plugin_get_filename(plugin);
    if (file) {
        gchar *dir = g_path_get_dirname(file);
        gst_cvlfic_set_plugin_dir(dir);
        g_free(dir);
    }
    return gst_element_register(plugin, "cvlficfaceenc", GST_RANK_NONE, GST_TYPE_CVLFIC_FACE_ENC) &&
           gst_element_register(plugin, "cvlficroilabel", GST_RANK_NONE, GST_TYPE_CVLFIC_ROI_LABEL);
}

GST_PLUGIN_DEFINE(GST_VERSION_MAJOR, GST_VERSION_MINOR, cvlfic,
                  "cvlfic: faces of video frames into .lfics face streams (LFIC learned face codec)", plugin_init,
                  VERSION, "MIT/X11", PACKAGE, "cvlfic")
