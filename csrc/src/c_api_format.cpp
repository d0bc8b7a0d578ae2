// The C ABI of the format's tables: the colour transform and the quantizer of bitstream v1, for
// code that recomputes the reconstruction (the torch RAP of training reads them from here).
#include <cstring>

#include "cvlfic/cvlfic.h"
#include "planes.hpp"
#include "profiles.hpp"
#include "status.hpp"

using namespace cvlfic;

extern "C" {

int cvlfic_colour_transform(int profile, int coef[3][4], int *shift) {
    return guarded([&] {
        const Profile *p = find_profile(profile);
        if (!p || !coef || !shift) fail(CVLFIC_ERR_ARGUMENT);
        const ColourTransform &t = colour_transform(p->colour);
        std::memcpy(coef, t.coef, sizeof t.coef);
        *shift = t.shift;
    });
}

int cvlfic_quantizer(int levels, uint8_t q[256], uint8_t d[256]) {
    return guarded([&] {
        if (code_of_levels(levels) < 0 || !q || !d) fail(CVLFIC_ERR_ARGUMENT);
        const Quantizer &t = quantizer(levels);
        std::memcpy(q, t.q, sizeof t.q);
        std::memcpy(d, t.d, sizeof t.d);
    });
}

}  // extern "C"
