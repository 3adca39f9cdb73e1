// quantize -> dequantize round trips of the ggml-native formats stay within each format's
// error bound: half a step for plain rounding, one step where the reference quantizer
// clamps the extreme value (Q4_0/Q5_0 map the largest magnitude to -2^(b-1)), plus fp16
// rounding of the stored scale. Steps are computed per group from the input.
#include <algorithm>
#include "test_util.h"

namespace {

struct Bound {
    int fmt;
    const char *name;
    int group;     // elements sharing one (sub-)scale
    int levels;    // asymmetric: levels-1 steps over [min0, max]; symmetric: step = amax / levels
    bool sym;
    float steps;   // allowed error in steps
    float rms;     // allowed rms error / rms of the input (uniform [-1,1] data)
    int smax;      // K-quants: largest quantized sub-scale (the scales' own rounding adds
                   // up to levels * half a scale step, mins half a min step)
};

const Bound kBounds[] = {
    {LB_Q8_0, "q8_0", 32, 127, true, 0.5f, 0.006f, 0},
    {LB_Q4_0, "q4_0", 32, 8, true, 1.0f, 0.08f, 0},
    {LB_Q5_0, "q5_0", 32, 16, true, 1.0f, 0.04f, 0},
    {LB_Q4_1, "q4_1", 32, 16, false, 0.5f, 0.08f, 0},
    {LB_Q5_1, "q5_1", 32, 32, false, 0.5f, 0.04f, 0},
    {LB_Q2_K, "q2_k", 16, 4, false, 1.0f, 0.40f, 15},
    {LB_Q3_K, "q3_k", 16, 4, true, 1.0f, 0.16f, 31},
    {LB_Q4_K, "q4_k", 32, 16, false, 1.0f, 0.085f, 63},
    {LB_Q5_K, "q5_k", 32, 32, false, 1.0f, 0.042f, 63},
    {LB_Q6_K, "q6_k", 16, 32, true, 1.0f, 0.02f, 127},
};

void roundtrip(const Bound &b, int rows, int cols, unsigned seed) {
    std::vector<float> x = random_floats((size_t)rows * cols, seed);
    for (int r = 0; r < rows; r++)  // rows of very different magnitude
        for (int c = 0; c < cols; c++) x[(size_t)r * cols + c] *= std::pow(10.f, (float)(r % 5) - 2.f);
    std::vector<uint8_t> q((size_t)(lb_row_bytes(b.fmt, 0, cols) * rows));
    std::vector<float> y(x.size());
    CHECK(lb_quantize(b.fmt, 0, x.data(), q.data(), rows, cols) == LB_OK, "%s quantize", b.name);
    CHECK(lb_dequantize(b.fmt, 0, q.data(), y.data(), rows, cols) == LB_OK, "%s dequantize", b.name);
    int bad = 0;
    for (int r = 0; r < rows; r++) {
        double se = 0, sx = 0;
        float sb_step = 0, sb_min = 0;  // per super-block: largest group step and |min|
        for (int g0 = 0; g0 < cols; g0 += b.group) {
            if (b.smax && g0 % 256 == 0) {
                sb_step = sb_min = 0;
                for (int h0 = g0; h0 < g0 + 256; h0 += b.group) {
                    const float *xh = &x[(size_t)r * cols + h0];
                    float lo = 0, hi = xh[0], am = 0;
                    for (int l = 0; l < b.group; l++) {
                        lo = std::min(lo, xh[l]);
                        hi = std::max(hi, xh[l]);
                        am = std::max(am, std::fabs(xh[l]));
                    }
                    sb_step = std::max(sb_step, b.sym ? am / (float)b.levels : (hi - lo) / (float)(b.levels - 1));
                    sb_min = std::max(sb_min, -lo);
                }
            }
            const float *xg = &x[(size_t)r * cols + g0];
            float mn = xg[0], mx = xg[0], amax = 0;
            for (int l = 0; l < b.group; l++) {
                mn = std::min(mn, xg[l]);
                mx = std::max(mx, xg[l]);
                amax = std::max(amax, std::fabs(xg[l]));
            }
            if (b.fmt >= LB_Q2_K) mn = std::min(mn, 0.f);  // K-quant mins are never positive offsets
            const float step = b.sym ? amax / (float)b.levels : (mx - mn) / (float)(b.levels - 1);
            float tol = b.steps * step + 2e-3f * amax;
            if (b.smax) tol += ((float)b.levels * sb_step + (b.sym ? 0.f : sb_min)) / (2.f * (float)b.smax);
            for (int l = 0; l < b.group; l++) {
                const float e = std::fabs(y[(size_t)r * cols + g0 + l] - xg[l]);
                se += (double)e * e;
                sx += (double)xg[l] * xg[l];
                if (e > tol && bad++ < 3)
                    CHECK(false, "%s row %d col %d: |%g - %g| > %g", b.name, r, g0 + l, y[(size_t)r * cols + g0 + l], xg[l], tol);
            }
        }
        const double rel = std::sqrt(se / sx);
        CHECK(rel <= b.rms, "%s row %d rms error ratio %g > %g", b.name, r, rel, b.rms);
    }
}

void test_half_types(unsigned seed) {
    std::vector<float> x = random_floats(4096, seed, -300.f, 300.f);
    x[0] = 0.f; x[1] = 65504.f; x[2] = 1e-7f; x[3] = -2.5e-6f; x[4] = 70000.f;
    std::vector<uint16_t> h(x.size());
    std::vector<float> y(x.size());
    CHECK(lb_quantize(LB_F16, 0, x.data(), h.data(), 1, (int64_t)x.size()) == LB_OK, "f16 quantize");
    CHECK(lb_dequantize(LB_F16, 0, h.data(), y.data(), 1, (int64_t)x.size()) == LB_OK, "f16 dequantize");
    CHECK(y[1] == 65504.f && std::isinf(y[4]), "f16 max %g, overflow %g", y[1], y[4]);
    for (size_t i = 0; i < x.size(); i++) {
        if (i == 4) continue;
        const float tol = std::fabs(x[i]) * std::ldexp(1.f, -11) + std::ldexp(1.f, -25);
        if (std::fabs(y[i] - x[i]) > tol) { CHECK(false, "f16 %zu: %g vs %g", i, y[i], x[i]); break; }
    }
    CHECK(lb_quantize(LB_BF16, 0, x.data(), h.data(), 1, (int64_t)x.size()) == LB_OK, "bf16 quantize");
    CHECK(lb_dequantize(LB_BF16, 0, h.data(), y.data(), 1, (int64_t)x.size()) == LB_OK, "bf16 dequantize");
    for (size_t i = 0; i < x.size(); i++)
        if (std::fabs(y[i] - x[i]) > std::fabs(x[i]) * std::ldexp(1.f, -8)) { CHECK(false, "bf16 %zu: %g vs %g", i, y[i], x[i]); break; }
    // ties round to even: 1 + 2^-11 (halfway between halves 1 and 1+2^-10) -> 1
    const float tie = 1.f + std::ldexp(1.f, -11);
    uint16_t t;
    lb_quantize(LB_F16, 0, &tie, &t, 1, 1);
    CHECK(t == 0x3c00, "f16 tie -> %04x", t);
}

}  // namespace

int main() {
    unsigned seed = 1;
    test_half_types(seed++);
    for (const Bound &b : kBounds) {
        roundtrip(b, 5, 256, seed++);
        roundtrip(b, 3, 1024, seed++);
    }
    // an all-zero block must round trip to zeros (no 0/0)
    for (const Bound &b : kBounds) {
        std::vector<float> z(256, 0.f), y(256, 1.f);
        std::vector<uint8_t> q((size_t)lb_row_bytes(b.fmt, 0, 256));
        lb_quantize(b.fmt, 0, z.data(), q.data(), 1, 256);
        lb_dequantize(b.fmt, 0, q.data(), y.data(), 1, 256);
        CHECK(*std::max_element(y.begin(), y.end()) == 0.f && *std::min_element(y.begin(), y.end()) == 0.f, "%s zeros", b.name);
    }
    return finish("test_ggml_quantize");
}
