// Face alignment (align.hpp): the geometry and sampling of dlib's get_face_chip for a
// 5-point shape, written out so that every double operation that decides a pixel happens
// in dlib's order. Floating-point contraction (a*b+c fused into one rounding) would change
// results, so it is turned off for this file.
#if defined(__clang__)
#pragma STDC FP_CONTRACT OFF
#elif defined(__GNUC__)
#pragma GCC optimize("fp-contract=off")
#endif

#include "align.hpp"

#include <algorithm>
#include <cmath>
#include <cstring>
#include <vector>

#include "status.hpp"

namespace cvlfic {
namespace {

// dlib's 5-point reference face (get_face_chip_details): the points of a mean face in the
// unit square, in dlib's landmark order.
constexpr double kReference[5][2] = {
    {0.8595674595992, 0.2134981538014}, {0.6460604764104, 0.2289674387677},
    {0.1205750620789, 0.2137274526848}, {0.3340850613712, 0.2290642403242},
    {0.4901123135679, 0.6277975316475}};

struct Point {
    double x, y;
};

// dlib's drectangle: inclusive bounds, width = right - left + 1.
struct DRect {
    double l, t, r, b;
    bool empty() const { return t > b || l > r; }
    double width() const { return empty() ? 0 : r - l + 1; }
    double height() const { return empty() ? 0 : b - t + 1; }
    double area() const { return width() * height(); }
    Point centre() const { return {(l + r) / 2.0, (t + b) / 2.0}; }
};

// dlib's rectangle (integer bounds); empty when left > right or top > bottom.
struct IRect {
    long l = 0, t = 0, r = -1, b = -1;
    bool empty() const { return t > b || l > r; }
    long width() const { return empty() ? 0 : r - l + 1; }
    long height() const { return empty() ? 0 : b - t + 1; }
};

// pyramid_down<2>'s coordinate mapping to the next level (as dlib states it).
DRect rect_down(const DRect &r) {
    return {r.l / 2.0 - 1.25, r.t / 2.0 - 0.75, r.r / 2.0 - 1.25, r.b / 2.0 - 0.75};
}

struct Rotator {
    double s, c;
    explicit Rotator(double angle) : s(std::sin(angle)), c(std::cos(angle)) {}
    // dlib's rotate_point(centre, p, angle).
    Point about(const Point &centre, const Point &p) const {
        const double dx = p.x - centre.x, dy = p.y - centre.y;
        const double x = c * dx - s * dy;
        const double y = s * dx + c * dy;
        return {x + centre.x, y + centre.y};
    }
};

// Python's round(): to the nearest integer, ties to even; independent of the FPU mode.
double round_half_even(double v) {
    const double f = std::floor(v);
    const double d = v - f;
    if (d > 0.5) return f + 1;
    if (d < 0.5) return f;
    return std::fmod(f, 2.0) == 0 ? f : f + 1;
}

// The number of 2:1 pyramid levels extract_image_chips goes down for a chip `rect` of
// `pixels` pixels, and the border it grows the source area by.
int pyramid_depth(const DRect &rect, double pixels, double *grow) {
    int depth = 0;
    double g = 2;
    DRect r = rect_down(rect);
    while (r.area() > pixels) {
        r = rect_down(r);
        ++depth;
        g = g * 2 + 2;
    }
    if (grow) *grow = g;
    return depth;
}

// One pyramid_down<2> step: a separable [1 4 6 4 1] filter, keeping every other row and
// column from the third on; integer arithmetic as dlib's (sum / 256, truncated). Sources
// of 8 rows or columns or fewer give an empty level. The filtered rows are kept 5 at a time.
void pyramid_step(const uint8_t *src, long rows, long cols, size_t stride, int ch, std::vector<uint8_t> &dst,
                  long *out_rows, long *out_cols) {
    if (rows <= 8 || cols <= 8) {
        *out_rows = *out_cols = 0;
        dst.clear();
        return;
    }
    const long tc = (cols - 3) / 2;
    const long dr_count = (rows - 3) / 2;
    const size_t row_len = static_cast<size_t>(tc) * ch;
    dst.assign(static_cast<size_t>(dr_count) * row_len, 0);
    std::vector<uint16_t> ring(5 * row_len);
    long filtered = 0;  // rows [0, filtered) have been filtered into the ring
    auto filter_row = [&](long r) {
        const uint8_t *s = src + static_cast<size_t>(r) * stride;
        uint16_t *o = ring.data() + static_cast<size_t>(r % 5) * row_len;
        for (long c = 0; c < tc; ++c) {
            const uint8_t *p = s + static_cast<size_t>(2 * c) * ch;
            for (int k = 0; k < ch; ++k)
                o[c * ch + k] = static_cast<uint16_t>(p[k] + 4 * p[ch + k] + 6 * p[2 * ch + k] + 4 * p[3 * ch + k] +
                                                      p[4 * ch + k]);
        }
    };
    for (long dr = 0; dr < dr_count; ++dr) {
        const long r = 2 + 2 * dr;
        while (filtered <= r + 2) filter_row(filtered++);
        const uint16_t *t0 = ring.data() + static_cast<size_t>((r - 2) % 5) * row_len;
        const uint16_t *t1 = ring.data() + static_cast<size_t>((r - 1) % 5) * row_len;
        const uint16_t *t2 = ring.data() + static_cast<size_t>(r % 5) * row_len;
        const uint16_t *t3 = ring.data() + static_cast<size_t>((r + 1) % 5) * row_len;
        const uint16_t *t4 = ring.data() + static_cast<size_t>((r + 2) % 5) * row_len;
        uint8_t *o = dst.data() + static_cast<size_t>(dr) * row_len;
        for (size_t i = 0; i < row_len; ++i)
            o[i] = static_cast<uint8_t>((t0[i] + 4 * t1[i] + 6 * t2[i] + 4 * t3[i] + t4[i]) / 256);
    }
    *out_rows = dr_count;
    *out_cols = tc;
}

// dlib's assign_pixel(uint8, double): saturate, then truncate toward zero.
inline uint8_t to_byte(double v) {
    if (v <= 255.0) return v >= 0 ? static_cast<uint8_t>(v) : 0;
    return 255;
}

}  // namespace

ChipDetails face_chip_details(const float landmarks[10], size_t size, double padding) {
    if (size < 2 || !(padding >= 0)) fail(CVLFIC_ERR_ARGUMENT);
    Point to[5], from[5];
    for (int i = 0; i < 5; ++i) {
        const double x = landmarks[2 * i], y = landmarks[2 * i + 1];
        if (!(std::fabs(x) <= kAlignMaxCoordinate) || !(std::fabs(y) <= kAlignMaxCoordinate))
            fail(CVLFIC_ERR_ARGUMENT);  // NaN fails the comparison too
        to[i] = {round_half_even(x), round_half_even(y)};
    }
    const double shrink = 1.0 / (2 * padding + 1);  // dlib divides a matrix by multiplying
    const double side = static_cast<double>(size);
    for (int i = 0; i < 5; ++i)
        from[i] = {((kReference[i][0] + padding) * shrink) * side, ((kReference[i][1] + padding) * shrink) * side};

    // The least-squares similarity from the chip's reference points to the landmarks.
    Point mf{0, 0}, mt{0, 0};
    for (int i = 0; i < 5; ++i) {
        mf.x += from[i].x;
        mf.y += from[i].y;
        mt.x += to[i].x;
        mt.y += to[i].y;
    }
    mf.x /= 5;
    mf.y /= 5;
    mt.x /= 5;
    mt.y /= 5;
    double norm = 0, p = 0, q = 0;
    for (int i = 0; i < 5; ++i) {
        const double ax = from[i].x - mf.x, ay = from[i].y - mf.y;
        const double bx = to[i].x - mt.x, by = to[i].y - mt.y;
        norm += ax * ax + ay * ay;
        p += ax * bx + ay * by;
        q += ax * by - ay * bx;
    }
    const double a = p / norm, b = q / norm;  // the transform's matrix is [[a, -b], [b, a]]
    const double tx = mt.x - (a * mf.x + -b * mf.y);
    const double ty = mt.y - (b * mf.x + a * mf.y);

    ChipDetails chip;
    chip.size = size;
    chip.angle = std::atan2(b, a);
    const double scale = std::sqrt(a * a + b * b);
    const double half = side / 2.0;
    const double cx = (a * half + -b * half) + tx;
    const double cy = (b * half + a * half) + ty;
    const double extent = side * scale - 1;  // dlib's centered_drect(centre, side*scale, ...)
    chip.left = cx - extent / 2;
    chip.top = cy - extent / 2;
    chip.right = cx + extent / 2;
    chip.bottom = cy + extent / 2;
    // Degenerate: the crop would cover at most one image pixel (all points at one place).
    if (!(extent > 0) || !std::isfinite(chip.angle) || !std::isfinite(chip.left) || !std::isfinite(chip.top) ||
        !std::isfinite(chip.right) || !std::isfinite(chip.bottom) || !(chip.right > chip.left))
        fail(CVLFIC_ERR_ARGUMENT);
    return chip;
}

void chip_image_to_crop(const ChipDetails &chip, double t[6]) {
    const DRect rect{chip.left, chip.top, chip.right, chip.bottom};
    const double side = static_cast<double>(chip.size);
    const int depth = pyramid_depth(rect, side * side, nullptr);
    const Rotator rot(chip.angle);
    const Point tl = rot.about(rect.centre(), {rect.l, rect.t});
    // Crop pixel (u, v) samples image point tl + k * R(angle) * (u, v) (k image pixels per
    // crop pixel). From a pyramid level, dlib's level coordinates are its nominal p/2 -
    // (1.25, 0.75) while the filter centres level pixel x on source pixel 2x + 2: the crop
    // is shifted by (-0.5, +0.5) * (2^depth - 1) from the nominal geometry.
    const double k = (rect.r - rect.l) / (side - 1);
    const double levels = std::ldexp(1.0, depth) - 1;
    const double bx = tl.x - 0.5 * levels, by = tl.y + 0.5 * levels;
    // Inverse: (u, v) = R(-angle) * (p - b) / k.
    t[0] = rot.c / k;
    t[1] = rot.s / k;
    t[3] = -rot.s / k;
    t[4] = rot.c / k;
    t[2] = -(t[0] * bx + t[1] * by);
    t[5] = -(t[3] * bx + t[4] * by);
}

void warp_chip(const uint8_t *img, size_t height, size_t width, size_t stride, int channels,
               const ChipDetails &chip, uint8_t *out, size_t out_stride) {
    const size_t n = chip.size;
    const int ch = channels;
    const DRect rect{chip.left, chip.top, chip.right, chip.bottom};
    const double pixels = static_cast<double>(n) * static_cast<double>(n);
    const long img_rows = static_cast<long>(height), img_cols = static_cast<long>(width);

    // A chip without rotation or scaling is a plain copy (extract_image_chip's fast path).
    if (chip.angle == 0 && static_cast<double>(n) == rect.height() && static_cast<double>(n) == rect.width()) {
        const long left = std::lround(rect.l), top = std::lround(rect.t);
        for (size_t r = 0; r < n; ++r) {
            uint8_t *o = out + r * out_stride;
            const long y = top + static_cast<long>(r);
            for (size_t c = 0; c < n; ++c) {
                const long x = left + static_cast<long>(c);
                if (y >= 0 && y < img_rows && x >= 0 && x < img_cols)
                    std::memcpy(o + c * ch, img + static_cast<size_t>(y) * stride + static_cast<size_t>(x) * ch, ch);
                else
                    std::memset(o + c * ch, 0, ch);
            }
        }
        return;
    }

    // The source area: the rotated chip rectangle grown by the pyramid's border, inside the
    // image, rounded to whole pixels.
    double grow = 2;
    pyramid_depth(rect, pixels, &grow);
    const Rotator rot(chip.angle);
    const Point centre = rect.centre();
    const Point corners[4] = {rot.about(centre, {rect.l, rect.t}), rot.about(centre, {rect.r, rect.t}),
                              rot.about(centre, {rect.l, rect.b}), rot.about(centre, {rect.r, rect.b})};
    DRect area{corners[0].x, corners[0].y, corners[0].x, corners[0].y};
    for (int i = 1; i < 4; ++i) {
        area.l = std::min(area.l, corners[i].x);
        area.t = std::min(area.t, corners[i].y);
        area.r = std::max(area.r, corners[i].x);
        area.b = std::max(area.b, corners[i].y);
    }
    area = {std::max(area.l - grow, 0.0), std::max(area.t - grow, 0.0),
            std::min(area.r + grow, static_cast<double>(img_cols - 1)),
            std::min(area.b + grow, static_cast<double>(img_rows - 1))};
    IRect box;  // empty unless the area meets the image
    const IRect rounded{std::lround(area.l), std::lround(area.t), std::lround(area.r), std::lround(area.b)};
    if (!rounded.empty()) box = rounded;

    // The level the chip is sampled from: down while a level still has more pixels than it.
    DRect local{rect.l + static_cast<double>(-box.l), rect.t + static_cast<double>(-box.t),
                rect.r + static_cast<double>(-box.l), rect.b + static_cast<double>(-box.t)};
    int level = -1;
    while (rect_down(local).area() > pixels) {
        ++level;
        local = rect_down(local);
    }

    const uint8_t *src = img + static_cast<size_t>(box.empty() ? 0 : box.t) * stride +
                         static_cast<size_t>(box.empty() ? 0 : box.l) * ch;
    long rows = box.height(), cols = box.width();
    size_t src_stride = stride;
    std::vector<uint8_t> levels[2];
    for (int i = 0; i <= level; ++i) {
        std::vector<uint8_t> &next = levels[i & 1];
        long nr = 0, nc = 0;
        pyramid_step(src, rows, cols, src_stride, ch, next, &nr, &nc);
        src = next.data();
        rows = nr;
        cols = nc;
        src_stride = static_cast<size_t>(nc) * ch;
        if (rows == 0) break;
    }

    // find_affine_transform of the chip's corners (0,0), (n-1,0), (0,n-1) onto the rotated
    // rectangle's; its pseudo-inverse is exact for these points.
    const Point mid = local.centre();
    const Point p0 = rot.about(mid, {local.l, local.t});
    const Point p1 = rot.about(mid, {local.r, local.t});
    const Point p2 = rot.about(mid, {local.l, local.b});
    const double inv = 1.0 / static_cast<double>(n - 1);
    const double m00 = p0.x * -inv + p1.x * inv, m01 = p0.x * -inv + p2.x * inv, m02 = p0.x;
    const double m10 = p0.y * -inv + p1.y * inv, m11 = p0.y * -inv + p2.y * inv, m12 = p0.y;

    // Bilinear sampling, black outside the source (interpolate_bilinear + black_background).
    const double max_x = static_cast<double>(cols - 1), max_y = static_cast<double>(rows - 1);
    for (size_t r = 0; r < n; ++r) {
        uint8_t *o = out + r * out_stride;
        const double dr = static_cast<double>(r);
        for (size_t c = 0; c < n; ++c, o += ch) {
            const double dc = static_cast<double>(c);
            const double x = (m00 * dc + m01 * dr) + m02;
            const double y = (m10 * dc + m11 * dr) + m12;
            if (!(x >= 0 && y >= 0 && x < max_x && y < max_y)) {
                std::memset(o, 0, ch);
                continue;
            }
            // floor, for 0 <= x, y < 2^31 (a cast, not a libm call)
            const double fx = static_cast<double>(static_cast<long>(x)), fy = static_cast<double>(static_cast<long>(y));
            const double lr = x - fx, tb = y - fy;
            const uint8_t *top = src + static_cast<size_t>(fy) * src_stride + static_cast<size_t>(fx) * ch;
            const uint8_t *bottom = top + src_stride;
            for (int k = 0; k < ch; ++k) {
                const double tl = top[k], tr = top[ch + k], bl = bottom[k], br = bottom[ch + k];
                const double v = (1 - tb) * ((1 - lr) * tl + lr * tr) + tb * ((1 - lr) * bl + lr * br);
                o[k] = to_byte(v);
            }
        }
    }
}

}  // namespace cvlfic
