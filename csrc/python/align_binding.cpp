// cvlfic._core: bindings of the align part of the C API (cvlfic_align_transform,
// cvlfic_align_face).
#include <pybind11/numpy.h>
#include <pybind11/pybind11.h>

#include <cmath>
#include <string>

#include "cvlfic/cvlfic.h"

namespace py = pybind11;

namespace {

constexpr double kMaxCoordinate = 1048576.0;  // the C API's landmark limit (2^20)

// Five (x, y) landmarks as 10 floats; shape (5, 2) or (10,).
struct Landmarks {
    float v[10];
};

Landmarks as_landmarks(const py::handle &obj) {
    py::array_t<float, py::array::c_style | py::array::forcecast> arr;
    try {
        arr = py::array_t<float, py::array::c_style | py::array::forcecast>::ensure(obj);
    } catch (const py::error_already_set &) {
        arr = {};
    }
    if (!arr) throw py::type_error("landmarks must be a (5, 2) array of numbers");
    if (!((arr.ndim() == 2 && arr.shape(0) == 5 && arr.shape(1) == 2) || (arr.ndim() == 1 && arr.shape(0) == 10)))
        throw py::value_error("landmarks must have shape (5, 2): five (x, y) points in dlib's order");
    Landmarks out;
    const float *data = arr.data();
    for (int i = 0; i < 10; ++i) {
        out.v[i] = data[i];
        if (!std::isfinite(out.v[i])) throw py::value_error("landmarks must be finite (NaN or infinity given)");
        if (std::fabs(out.v[i]) > kMaxCoordinate)
            throw py::value_error("landmarks must lie within +-1048576 pixels of the origin");
    }
    return out;
}

size_t as_size(long long size) {
    if (size < 2 || size > CVLFIC_MAX_SIDE || static_cast<unsigned long long>(size) * size > CVLFIC_MAX_PIXELS)
        throw py::value_error("size must be between 2 and 8192 (got " + std::to_string(size) + ")");
    return static_cast<size_t>(size);
}

[[noreturn]] void raise_align(int status) {
    if (status == CVLFIC_ERR_ARGUMENT)
        throw py::value_error(
            "degenerate landmarks: the points are (nearly) all at one place, so the crop would cover at most "
            "one image pixel");
    if (status == CVLFIC_ERR_NO_MEMORY) throw std::bad_alloc();
    throw std::runtime_error(std::string(cvlfic_status_string(status)) + " [status " + std::to_string(status) + "]");
}

py::array_t<double> align_transform(const py::handle &landmarks, long long size) {
    const Landmarks lm = as_landmarks(landmarks);
    const size_t n = as_size(size);
    py::array_t<double> out({2, 3});
    double t[6];
    const int status = cvlfic_align_transform(lm.v, n, t);
    if (status != CVLFIC_OK) raise_align(status);
    double *o = out.mutable_data();
    for (int i = 0; i < 6; ++i) o[i] = t[i];
    return out;
}

py::array_t<uint8_t> align_face(const py::array &image, const py::handle &landmarks, long long size) {
    if (!py::isinstance<py::array_t<uint8_t>>(image) || image.dtype().kind() != 'u' || image.itemsize() != 1)
        throw py::type_error("image must be a numpy uint8 array");
    int channels = 0;
    if (image.ndim() == 2)
        channels = 1;
    else if (image.ndim() == 3 && image.shape(2) == 3)
        channels = 3;
    else
        throw py::value_error("image must have shape (H, W, 3) (BGR) or (H, W) (gray)");
    if (image.shape(0) < 1 || image.shape(1) < 1) throw py::value_error("image must be at least 1x1");
    const size_t height = static_cast<size_t>(image.shape(0)), width = static_cast<size_t>(image.shape(1));
    if (height > CVLFIC_MAX_SIDE || width > CVLFIC_MAX_SIDE || height * width > CVLFIC_MAX_PIXELS)
        throw py::value_error("image larger than " + std::to_string(CVLFIC_MAX_SIDE) + " pixels a side or " +
                              std::to_string(CVLFIC_MAX_PIXELS) + " pixels");
    const Landmarks lm = as_landmarks(landmarks);
    const size_t n = as_size(size);

    py::array_t<uint8_t> a = py::reinterpret_borrow<py::array_t<uint8_t>>(image);
    const bool packed = channels == 1 ? a.strides(1) == 1 && a.strides(0) >= a.shape(1)
                                      : a.strides(2) == 1 && a.strides(1) == 3 && a.strides(0) >= 3 * a.shape(1);
    if (!packed) a = py::array_t<uint8_t, py::array::c_style | py::array::forcecast>(image);
    const size_t stride = static_cast<size_t>(a.strides(0));

    py::array_t<uint8_t> out = channels == 1 ? py::array_t<uint8_t>({n, n}) : py::array_t<uint8_t>({n, n, size_t{3}});
    const uint8_t *src = a.data();
    uint8_t *dst = out.mutable_data();
    int status;
    {
        py::gil_scoped_release release;
        status = cvlfic_align_face(src, height, width, stride, channels, lm.v, n, dst, n * channels);
    }
    if (status != CVLFIC_OK) raise_align(status);
    return out;
}

}  // namespace

void register_align(py::module_ &m) {
    m.def("align_transform", &align_transform, py::arg("landmarks"), py::arg("size") = 112,
          "The 2x3 similarity (float64) mapping image coordinates to the aligned crop's: the geometry of "
          "cvlfic.align_face for these 5 dlib-order landmarks (rounded to whole pixels).");
    m.def("align_face", &align_face, py::arg("image"), py::arg("landmarks"), py::arg("size") = 112,
          "The size x size aligned crop of a BGR (H, W, 3) or gray (H, W) uint8 image: byte-identical to "
          "cvlfic.align_face (dlib's get_face_chip, padding 0.25) for the same landmarks.");
}
