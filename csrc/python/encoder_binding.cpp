// cvlfic._core: bindings of the face encoder (cvlfic_encoder_*, cvlfic_encode_face).
#include <pybind11/numpy.h>
#include <pybind11/pybind11.h>

#include <pybind11/stl.h>

#include <algorithm>
#include <memory>
#include <string>
#include <utility>
#include <vector>

#include "cvlfic/cvlfic.h"

namespace py = pybind11;

namespace {

using Image = py::array_t<uint8_t, py::array::c_style | py::array::forcecast>;

[[noreturn]] void raise_params(int status) {
    throw py::value_error(std::string(cvlfic_status_string(status)));
}

// A face as (pointer, height, width, stride, channels); H x W is gray, H x W x 3 BGR.
struct Face {
    const uint8_t *data;
    size_t h, w, stride;
    int channels;
};

Face face_of(const Image &img) {
    if (img.ndim() == 2) return {img.data(), static_cast<size_t>(img.shape(0)), static_cast<size_t>(img.shape(1)),
                                 static_cast<size_t>(img.shape(1)), 1};
    if (img.ndim() == 3 && img.shape(2) == 3)
        return {img.data(), static_cast<size_t>(img.shape(0)), static_cast<size_t>(img.shape(1)),
                static_cast<size_t>(3 * img.shape(1)), 3};
    throw py::value_error("face must be H x W x 3 BGR or H x W gray uint8");
}

class Encoder {
public:
    explicit Encoder(const py::bytes &params) {
        const std::string blob = params;
        cvlfic_encoder *e = nullptr;
        const int st = cvlfic_encoder_create(reinterpret_cast<const uint8_t *>(blob.data()), blob.size(), &e);
        if (st != CVLFIC_OK) raise_params(st);
        enc_.reset(e);
    }
    int profile() const { return cvlfic_encoder_profile(enc_.get()); }
    py::dict params() const {
        cvlfic_encoder_params p;
        const int st = cvlfic_encoder_params_get(enc_.get(), &p);
        if (st != CVLFIC_OK) raise_params(st);
        py::dict d;
        d["profile"] = p.profile;
        py::list levels, rates, steps;
        for (int i = 0; i < p.num_levels; ++i) levels.append(p.levels[i]);
        for (int i = 0; i < p.num_rates; ++i) rates.append(py::make_tuple(p.rate_bpp[i], p.rate_levels[i]));
        for (int i = 0; i < p.num_steps; ++i) steps.append(p.step_cost[i]);
        d["level_candidates"] = py::tuple(levels);
        d["rate_levels"] = py::tuple(rates);
        d["gray_share"] = p.gray_share;
        d["step_cost"] = py::tuple(steps);
        if (p.prior_height) {
            py::array_t<double> w({p.prior_height, p.prior_width});
            std::copy(p.prior_weight, p.prior_weight + p.prior_height * p.prior_width, w.mutable_data());
            d["prior_weight"] = w;
        } else {
            d["prior_weight"] = py::none();
        }
        return d;
    }
    size_t budget(const Image &img, int kind, double rate) const {
        const Face f = face_of(img);
        size_t b = 0;
        int st;
        {
            py::gil_scoped_release nogil;
            st = cvlfic_encoder_budget(enc_.get(), f.data, f.h, f.w, f.stride, f.channels, kind, rate, &b);
        }
        if (st != CVLFIC_OK) throw py::value_error(cvlfic_status_string(st));
        return b;
    }
    // (status, stream or None, size): status CVLFIC_ERR_BUDGET comes back with the smallest
    // stream's size, for the caller's message; other failures raise.
    py::tuple encode(const Image &img, int kind, double rate) const {
        const Face f = face_of(img);
        // The worst case of a face's stream is about 10 bytes per pixel: one buffer per
        // thread, grown as needed, instead of a new zeroed one per face.
        thread_local std::vector<uint8_t> out;
        const size_t bound = cvlfic_encode_bound(f.h, f.w, profile());
        if (out.size() < bound) out.resize(bound);
        size_t size = 0;
        int st;
        {
            py::gil_scoped_release nogil;
            st = cvlfic_encode_face(enc_.get(), f.data, f.h, f.w, f.stride, f.channels, kind, rate, out.data(),
                                    out.size(), &size);
        }
        if (st == CVLFIC_ERR_BUDGET) return py::make_tuple(st, py::none(), size);
        if (st != CVLFIC_OK) throw py::value_error(cvlfic_status_string(st));
        return py::make_tuple(st, py::bytes(reinterpret_cast<const char *>(out.data()), size), size);
    }

private:
    struct Free {
        void operator()(cvlfic_encoder *e) const { cvlfic_encoder_free(e); }
    };
    std::unique_ptr<cvlfic_encoder, Free> enc_;
};

py::bytes write_params(int profile, const std::vector<int> &levels, const std::vector<std::pair<double, int>> &rates,
                       double gray_share, const std::vector<double> &step_cost, const py::object &prior) {
    cvlfic_encoder_params p{};
    if (levels.size() > CVLFIC_PARAMS_MAX_LEVELS || rates.size() > CVLFIC_PARAMS_MAX_RATES ||
        step_cost.size() > CVLFIC_MAX_SIZES - 1)
        throw py::value_error("too many level candidates, rates or step costs");
    p.profile = profile;
    p.num_levels = static_cast<int>(levels.size());
    std::copy(levels.begin(), levels.end(), p.levels);
    p.num_rates = static_cast<int>(rates.size());
    for (size_t i = 0; i < rates.size(); ++i) p.rate_bpp[i] = rates[i].first, p.rate_levels[i] = rates[i].second;
    p.gray_share = gray_share;
    p.num_steps = static_cast<int>(step_cost.size());
    std::copy(step_cost.begin(), step_cost.end(), p.step_cost);
    py::array_t<double, py::array::c_style | py::array::forcecast> weights;
    if (!prior.is_none()) {
        weights = prior;
        if (weights.ndim() != 2) throw py::value_error("prior must be a 2-D array of region weights");
        p.prior_height = static_cast<size_t>(weights.shape(0));
        p.prior_width = static_cast<size_t>(weights.shape(1));
        p.prior_weight = weights.data();
    }
    size_t size = 0;
    cvlfic_encoder_params_write(&p, nullptr, 0, &size);
    std::string out(size, '\0');
    const int st = cvlfic_encoder_params_write(&p, reinterpret_cast<uint8_t *>(&out[0]), out.size(), &size);
    if (st != CVLFIC_OK) raise_params(st);
    return py::bytes(out.data(), size);
}

}  // namespace

void register_encoder(py::module_ &m) {
    m.attr("RATE_MAX_BYTES") = CVLFIC_RATE_MAX_BYTES;
    m.attr("RATE_BPP") = CVLFIC_RATE_BPP;
    m.attr("RATE_QUALITY") = CVLFIC_RATE_QUALITY;
    m.attr("ERR_BUDGET") = static_cast<int>(CVLFIC_ERR_BUDGET);
    m.def("write_encoder_params", &write_params, py::arg("profile"), py::arg("level_candidates"),
          py::arg("rate_levels"), py::arg("gray_share"), py::arg("step_cost"), py::arg("prior"));
    m.def("bpp_for_quality", &cvlfic_bpp_for_quality, py::arg("quality"));
    py::class_<Encoder>(m, "Encoder", "A model's fast face encoder (its encoder.bin), shareable by threads")
        .def(py::init<const py::bytes &>(), py::arg("params"))
        .def_property_readonly("profile", &Encoder::profile)
        .def_property_readonly("params", &Encoder::params)
        .def("budget", &Encoder::budget, py::arg("face"), py::arg("kind"), py::arg("rate"))
        .def("encode", &Encoder::encode, py::arg("face"), py::arg("kind"), py::arg("rate"));
}
