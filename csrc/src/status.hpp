// Internal failure signalling: the core throws Failure, the C API turns it into a status.
#pragma once
#include "cvlfic/cvlfic.h"

namespace cvlfic {

struct Failure {
    cvlfic_status status;
};

[[noreturn]] inline void fail(cvlfic_status status) { throw Failure{status}; }

}  // namespace cvlfic
