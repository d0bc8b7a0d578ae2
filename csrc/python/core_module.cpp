// cvlfic._core: numpy/bytes bindings over the C API (compiled in statically).
#include <pybind11/numpy.h>
#include <pybind11/pybind11.h>

#include <string>
#include <vector>

#include "cvlfic/cvlfic.h"

namespace py = pybind11;

namespace {

// Streams that fail to parse raise cvlfic.errors.CorruptStreamError (a ValueError) or its
// subclasses TruncatedStreamError / UnsupportedVersionError, with the status as `.status`.
[[noreturn]] void raise_status(int status) {
    const std::string msg = cvlfic_status_string(status);
    const char *cls = nullptr;
    switch (status) {
        case CVLFIC_ERR_ARGUMENT: throw py::value_error(msg);
        case CVLFIC_ERR_NO_MEMORY: throw std::bad_alloc();
        case CVLFIC_ERR_TRUNCATED: cls = "TruncatedStreamError"; break;
        case CVLFIC_ERR_UNSUPPORTED_VERSION:
        case CVLFIC_ERR_UNKNOWN_PROFILE: cls = "UnsupportedVersionError"; break;
        case CVLFIC_ERR_FOREIGN:
        case CVLFIC_ERR_CHECKSUM:
        case CVLFIC_ERR_TOO_LARGE:
        case CVLFIC_ERR_CORRUPT: cls = "CorruptStreamError"; break;
        default: throw std::runtime_error(msg + " [status " + std::to_string(status) + "]");
    }
    py::object exc = py::module_::import("cvlfic.errors").attr(cls);
    PyErr_SetObject(exc.ptr(), exc(msg, status).ptr());
    throw py::error_already_set();
}

// A stream above the caller's pixel limit: cvlfic.errors.LimitError naming the size and limit.
[[noreturn]] void raise_too_large(const cvlfic_stream_info &info, size_t limit) {
    const size_t pixels = info.height * info.width;
    std::string msg = "the stream holds a " + std::to_string(info.width) + "x" + std::to_string(info.height) +
                      " image (" + std::to_string(pixels) + " pixels), ";
    if (info.height > CVLFIC_MAX_SIDE || info.width > CVLFIC_MAX_SIDE)
        msg += "above the format's largest side of " + std::to_string(CVLFIC_MAX_SIDE) + " pixels";
    else
        msg += "above the decode limit of " + std::to_string(limit) + " pixels (raise it with max_pixels, or --max-pixels on the command line)";
    py::object exc = py::module_::import("cvlfic.errors").attr("LimitError");
    PyErr_SetObject(exc.ptr(), exc(msg, pixels, limit).ptr());
    throw py::error_already_set();
}

void check(int status) {
    if (status != CVLFIC_OK) raise_status(status);
}

// A BGR uint8 H x W x 3 image with packed pixels; other layouts are copied once.
struct Image {
    py::array_t<uint8_t> keep;
    const uint8_t *data;
    size_t height, width, stride;
};

Image as_image(const py::array &arr) {
    if (!py::isinstance<py::array_t<uint8_t>>(arr) || arr.dtype().kind() != 'u' || arr.itemsize() != 1)
        throw py::type_error("image must be a numpy uint8 array");
    if (arr.ndim() != 3 || arr.shape(2) != 3)
        throw py::value_error("image must have shape (H, W, 3)");
    if (arr.shape(0) < 1 || arr.shape(1) < 1) throw py::value_error("image must be at least 1x1");
    py::array_t<uint8_t> a = py::reinterpret_borrow<py::array_t<uint8_t>>(arr);
    const bool packed = a.strides(2) == 1 && a.strides(1) == 3 && a.strides(0) >= 3 * a.shape(1);
    if (!packed) a = py::array_t<uint8_t, py::array::c_style | py::array::forcecast>(arr);
    return Image{a, a.data(), static_cast<size_t>(a.shape(0)), static_cast<size_t>(a.shape(1)),
                 static_cast<size_t>(a.strides(0))};
}

py::array_t<uint8_t> as_mask(const py::array &arr, const Image &img, int profile) {
    if (!py::isinstance<py::array_t<uint8_t>>(arr) || arr.dtype().kind() != 'u' || arr.itemsize() != 1)
        throw py::type_error("mask must be a numpy uint8 array");
    size_t mh = 0, mw = 0;
    check(cvlfic_mask_shape(img.height, img.width, profile, &mh, &mw));
    if (arr.ndim() != 2 || static_cast<size_t>(arr.shape(0)) != mh || static_cast<size_t>(arr.shape(1)) != mw)
        throw py::value_error("mask must have shape (" + std::to_string(mh) + ", " + std::to_string(mw) + ")");
    return py::array_t<uint8_t, py::array::c_style | py::array::forcecast>(arr);
}

const uint8_t *bytes_data(const py::bytes &b, size_t &size) {
    char *buf = nullptr;
    Py_ssize_t len = 0;
    if (PyBytes_AsStringAndSize(b.ptr(), &buf, &len) != 0) throw py::error_already_set();
    size = static_cast<size_t>(len);
    return reinterpret_cast<const uint8_t *>(buf);
}

py::dict info_dict(const cvlfic_stream_info &info) {
    py::dict d;
    d["version"] = info.version;
    d["profile"] = info.profile;
    d["levels"] = info.levels;
    d["height"] = info.height;
    d["width"] = info.width;
    d["mask_shape"] = py::make_tuple(info.mask_height, info.mask_width);
    return d;
}

py::bytes encode(const py::array &image, const py::array &mask_arr, int profile, int levels) {
    const Image img = as_image(image);
    const py::array_t<uint8_t> mask = as_mask(mask_arr, img, profile);
    std::string out(cvlfic_encode_bound(img.height, img.width, profile), '\0');
    size_t size = 0;
    int status;
    {
        py::gil_scoped_release nogil;
        status = cvlfic_encode(img.data, img.height, img.width, img.stride, profile, levels, mask.data(),
                               reinterpret_cast<uint8_t *>(&out[0]), out.size(), &size);
    }
    check(status);
    out.resize(size);
    return py::bytes(out);
}

// The binding always passes an explicit limit (the C API's 0 = default is for C callers).
size_t checked_limit(size_t max_pixels) {
    if (max_pixels < 1 || max_pixels > CVLFIC_MAX_PIXELS)
        throw py::value_error("max_pixels must be in 1.." + std::to_string(CVLFIC_MAX_PIXELS));
    return max_pixels;
}

cvlfic_stream_info read_info_raw(const py::bytes &data, size_t max_pixels) {
    size_t size = 0;
    const uint8_t *p = bytes_data(data, size);
    cvlfic_stream_info info{};
    const int status = cvlfic_read_info_limited(p, size, checked_limit(max_pixels), &info);
    if (status == CVLFIC_ERR_TOO_LARGE && info.height > 0) raise_too_large(info, max_pixels);
    check(status);
    return info;
}

py::tuple decode(const py::bytes &data, size_t max_pixels) {
    const cvlfic_stream_info info = read_info_raw(data, max_pixels);
    size_t size = 0;
    const uint8_t *p = bytes_data(data, size);
    py::array_t<uint8_t> recon({info.height, info.width, size_t{3}});
    py::array_t<uint8_t> mask({info.mask_height, info.mask_width});
    uint8_t *r = recon.mutable_data(), *m = mask.mutable_data();
    int status;
    {
        py::gil_scoped_release nogil;
        status = cvlfic_decode_limited(p, size, max_pixels, r, info.height * info.width * 3, m,
                                       info.mask_height * info.mask_width);
    }
    check(status);
    return py::make_tuple(recon, mask, info_dict(info));
}

py::array_t<uint8_t> reconstruct(const py::array &image, const py::array &mask_arr, int profile, int levels) {
    const Image img = as_image(image);
    const py::array_t<uint8_t> mask = as_mask(mask_arr, img, profile);
    py::array_t<uint8_t> recon({img.height, img.width, size_t{3}});
    uint8_t *r = recon.mutable_data();
    int status;
    {
        py::gil_scoped_release nogil;
        status = cvlfic_reconstruct(img.data, img.height, img.width, img.stride, profile, levels, mask.data(), r,
                                    img.height * img.width * 3);
    }
    check(status);
    return recon;
}

py::tuple analyze(const py::array &image, const py::array &mask_arr, int profile, int levels, int model) {
    const Image img = as_image(image);
    const py::array_t<uint8_t> mask = as_mask(mask_arr, img, profile);
    cvlfic_analysis a{};
    size_t count = 0;
    int status = cvlfic_analyze(img.data, img.height, img.width, img.stride, profile, levels, mask.data(), model,
                                &a, nullptr, 0, &count);
    if (status != CVLFIC_ERR_BUFFER_TOO_SMALL || count == 0) check(status);
    std::string symbols(count, '\0');
    check(cvlfic_analyze(img.data, img.height, img.width, img.stride, profile, levels, mask.data(), model, &a,
                         reinterpret_cast<uint8_t *>(&symbols[0]), count, &count));
    py::dict d;
    d["ideal_bits"] = a.ideal_bits;
    d["mask_bits"] = a.mask_bits;
    d["symbols"] = a.symbols;
    d["mask_symbols"] = a.mask_symbols;
    d["binary_decisions"] = a.binary_decisions;
    return py::make_tuple(d, py::bytes(symbols));
}

py::dict profile_info(int profile) {
    cvlfic_profile p{};
    check(cvlfic_profile_info(profile, &p));
    py::dict d;
    d["id"] = p.id;
    d["name"] = p.name;
    d["planes"] = p.planes;
    d["region"] = p.region;
    py::list sizes;
    for (int c = 0; c < 3; ++c) {
        py::list plane;
        for (int s = 0; s < p.num_sizes; ++s) plane.append(p.block_sizes[c][s]);
        sizes.append(py::tuple(plane));
    }
    d["block_sizes"] = py::tuple(sizes);
    return d;
}

}  // namespace

void register_align(py::module_ &m);    // align_binding.cpp
void register_encoder(py::module_ &m);  // encoder_binding.cpp
void register_format(py::module_ &m);   // format_binding.cpp

PYBIND11_MODULE(_core, m) {
    m.doc() = "cvlfic lossless core (bitstream v1); use cvlfic.bitstream, the documented API";
    m.attr("FORMAT_VERSION") = cvlfic_format_version();
    m.attr("MODEL_V1") = CVLFIC_MODEL_V1;
    m.attr("MODEL_DPCM") = CVLFIC_MODEL_DPCM;
    m.attr("MODEL_V1_PREDICTOR_ONLY") = CVLFIC_MODEL_V1_PREDICTOR_ONLY;
    m.attr("MODEL_DPCM_CONTEXTS") = CVLFIC_MODEL_DPCM_CONTEXTS;
    m.attr("MODEL_V1_UNTRAINED") = CVLFIC_MODEL_V1_UNTRAINED;
    m.def("version", &cvlfic_version);
    m.def("num_profiles", &cvlfic_num_profiles);
    m.def("levels_table", [] {
        int t[16];
        const int n = cvlfic_levels_table(t, 16);
        py::list out;
        for (int i = 0; i < n; ++i) out.append(t[i]);
        return py::tuple(out);
    });
    m.def("mask_shape", [](size_t h, size_t w, int profile) {
        size_t mh = 0, mw = 0;
        check(cvlfic_mask_shape(h, w, profile, &mh, &mw));
        return py::make_tuple(mh, mw);
    });
    m.def("encode_bound", &cvlfic_encode_bound);
    m.def("profile_info", &profile_info);
    m.def("encode", &encode, py::arg("image"), py::arg("mask"), py::arg("profile"), py::arg("levels"));
    m.attr("DEFAULT_MAX_PIXELS") = static_cast<size_t>(CVLFIC_DEFAULT_MAX_PIXELS);
    m.attr("MAX_PIXELS") = static_cast<size_t>(CVLFIC_MAX_PIXELS);
    m.attr("MAX_SIDE") = static_cast<size_t>(CVLFIC_MAX_SIDE);
    m.def("decode", &decode, py::arg("data"), py::arg("max_pixels") = static_cast<size_t>(CVLFIC_DEFAULT_MAX_PIXELS));
    m.def("read_info", [](const py::bytes &d, size_t max_pixels) { return info_dict(read_info_raw(d, max_pixels)); },
          py::arg("data"), py::arg("max_pixels") = static_cast<size_t>(CVLFIC_DEFAULT_MAX_PIXELS));
    m.def("reconstruct", &reconstruct, py::arg("image"), py::arg("mask"), py::arg("profile"), py::arg("levels"));
    m.def("analyze", &analyze, py::arg("image"), py::arg("mask"), py::arg("profile"), py::arg("levels"),
          py::arg("model") = CVLFIC_MODEL_V1);
    register_align(m);
    register_encoder(m);
    register_format(m);
}
