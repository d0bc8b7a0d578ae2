/* cvlficroilabel: renames GstVideoRegionOfInterestMeta types (see gstcvlficroilabel.c). */
#ifndef CVLFIC_GST_ROILABEL_H
#define CVLFIC_GST_ROILABEL_H

#include <gst/base/gstbasetransform.h>
#include <gst/gst.h>

G_BEGIN_DECLS

#define GST_TYPE_CVLFIC_ROI_LABEL (gst_cvlfic_roi_label_get_type())
G_DECLARE_FINAL_TYPE(GstCvlficRoiLabel, gst_cvlfic_roi_label, GST, CVLFIC_ROI_LABEL, GstBaseTransform)

G_END_DECLS

#endif /* CVLFIC_GST_ROILABEL_H */
