// cvlfic._core: bindings of the encoder part of the C API.
#include <pybind11/numpy.h>
#include <pybind11/pybind11.h>

#include "cvlfic/cvlfic.h"

namespace py = pybind11;

void register_encoder(py::module_ &m) { (void)m; }
