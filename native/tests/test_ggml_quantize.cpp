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

// Known answers: FNV-1a 64 of the bytes llama.cpp's reference quantizers (ggml's
// quantize_row_qN_K_ref, no importance matrix: what llama-quantize writes) give for four seeded
// 4x512 inputs (Irwin-Hall noise in rows of three magnitudes; with outliers; all positive; with
// all-zero sub-blocks), hashed out of tree. The generator is plain float arithmetic, so every
// platform draws the same inputs.
struct KnownAnswer {
    int fmt;
    uint64_t fnv[4];
};
const KnownAnswer kKnown[] = {
    {LB_Q2_K, {0xbd0edf64470ff0acULL, 0x9d789d9bae0de13bULL, 0x60ad2db211aee46bULL, 0x1c6415c910d7148fULL}},
    {LB_Q3_K, {0xa6029f9d477b8772ULL, 0xb41448cc00b4c277ULL, 0xa06304820e6723d3ULL, 0xa0cb705ca634126cULL}},
    {LB_Q4_K, {0x6ca55f9786337d0aULL, 0xbc963c617c1224b4ULL, 0x293f3bba7084ddadULL, 0x79d110655d8aa953ULL}},
    {LB_Q5_K, {0x699d3666e7e8bf95ULL, 0x3de769dbfcdc514fULL, 0xd1e9f16b87fc2ac5ULL, 0x2d4bab366f6c3894ULL}},
    {LB_Q6_K, {0x2553d6099ed2597dULL, 0xea76f81bc97e3007ULL, 0x521ea506c87eda06ULL, 0xb6b8097cac6d5fc8ULL}},
};

void known_answer_input(int dist, std::vector<float> &x, int cols) {
    uint64_t s = 0x9e3779b97f4a7c15ULL + (uint64_t)dist;
    auto u = [&s] {
        s = s * 6364136223846793005ULL + 1442695040888963407ULL;
        return (float)(s >> 40) * (1.f / 16777216.f);
    };
    for (size_t i = 0; i < x.size(); i++) {
        float g = u() + u() + u() + u() - 2.f;
        if (dist == 1 && i % 97 == 5) g *= 30.f;
        if (dist == 2) g = std::fabs(g) + 0.01f;
        if (dist == 3 && (i / 16) % 7 == 3) g = 0.f;
        const size_t r = i / (size_t)cols;
        x[i] = g * (r % 3 == 0 ? 0.002f : r % 3 == 1 ? 0.02f : 2.f);
    }
}

void test_known_answers() {
    const int rows = 4, cols = 512;
    std::vector<float> x((size_t)rows * cols);
    for (const KnownAnswer &k : kKnown)
        for (int dist = 0; dist < 4; dist++) {
            known_answer_input(dist, x, cols);
            std::vector<uint8_t> q((size_t)(lb_row_bytes(k.fmt, 0, cols) * rows));
            CHECK(lb_quantize(k.fmt, 0, x.data(), q.data(), rows, cols) == LB_OK, "fmt %d quantize", k.fmt);
            uint64_t h = 0xcbf29ce484222325ULL;
            for (uint8_t b : q) h = (h ^ b) * 0x100000001b3ULL;
            CHECK(h == k.fnv[dist], "fmt %d input %d: bytes differ from llama.cpp's reference quantizer (fnv %016llx)",
                  k.fmt, dist, (unsigned long long)h);
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
    test_known_answers();
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
