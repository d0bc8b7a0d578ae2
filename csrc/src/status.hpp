// Internal failure signalling: the core throws Failure, the C API turns it into a status.
#pragma once
#include <new>

#include "cvlfic/cvlfic.h"

namespace cvlfic {

struct Failure {
    cvlfic_status status;
};

[[noreturn]] inline void fail(cvlfic_status status) { throw Failure{status}; }

// Runs the body of a C API function: its status, and no exception ever crossing the ABI.
template <class F>
int guarded(F &&body) noexcept {
    try {
        body();
        return CVLFIC_OK;
    } catch (const Failure &f) {
        return f.status;
    } catch (const std::bad_alloc &) {
        return CVLFIC_ERR_NO_MEMORY;
    } catch (...) {
        return CVLFIC_ERR_INTERNAL;
    }
}

}  // namespace cvlfic
