// cvlfic._core: the format's tables (cvlfic_colour_transform, cvlfic_quantizer), which the
// torch RAP of training reads instead of restating them (cvlfic.bitstream wraps them).
#include <pybind11/numpy.h>
#include <pybind11/pybind11.h>

#include <string>

#include "cvlfic/cvlfic.h"

namespace py = pybind11;

namespace {

void check_argument(int status, const std::string &what) {
    if (status != CVLFIC_OK) throw py::value_error(what + ": " + cvlfic_status_string(status));
}

// ((coef of plane 0), (plane 1), (plane 2)), shift: each coef is (b, g, r, offset).
py::tuple colour_transform(int profile) {
    int coef[3][4] = {};
    int shift = 0;
    check_argument(cvlfic_colour_transform(profile, coef, &shift), "profile " + std::to_string(profile));
    py::list rows;
    for (const auto &row : coef) rows.append(py::make_tuple(row[0], row[1], row[2], row[3]));
    return py::make_tuple(py::tuple(rows), shift);
}

// (q, d) as uint8 arrays of 256 entries.
py::tuple quantizer(int levels) {
    py::array_t<uint8_t> q(256), d(256);
    check_argument(cvlfic_quantizer(levels, q.mutable_data(), d.mutable_data()),
                   "levels " + std::to_string(levels));
    return py::make_tuple(q, d);
}

}  // namespace

void register_format(py::module_ &m) {
    m.def("colour_transform", &colour_transform, py::arg("profile"),
          "((b, g, r, offset) per plane, shift): plane p = min(255, (coef . (b, g, r, 1)) >> shift)");
    m.def("quantizer", &quantizer, py::arg("levels"),
          "(q, d): uint8[256] tables; a block mean v is coded as q[v] and restored as d[q[v]]");
}
