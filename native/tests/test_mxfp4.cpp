// LB_MXFP4: the documented element arithmetic on hand-worked blocks (E8M0 scale choice, E2M1 rounding
// with ties to even, saturation, the nibble layout), and lb_matmul at every ISA level against an
// independent double-precision reference: weights and activations dequantized through
// lb_quantize/lb_dequantize (activations are quantized per 32 exactly as weights), products summed in
// double. Every term is exact, so variants may differ from the reference only by FP32 summation;
// each level's ntok > 1 outputs must equal its one-token calls bit for bit (batch invariance), and the
// ARM levels (NEON, dotprod) must equal the scalar reference bit for bit.
#include "test_util.h"
#include <cstring>

static std::vector<float> deq(const std::vector<float> &v, int64_t rows, int64_t cols) {
    std::vector<uint8_t> q(rows * lb_row_bytes(LB_MXFP4, 0, cols));
    CHECK(lb_quantize(LB_MXFP4, 0, v.data(), q.data(), rows, cols) == LB_OK, "quantize");
    std::vector<float> d(rows * cols);
    CHECK(lb_dequantize(LB_MXFP4, 0, q.data(), d.data(), rows, cols) == LB_OK, "dequantize");
    return d;
}

static void test_elements() {
    // max|x| = 6: e = floor(log2 6) - 2 = 0, scale 1; the ties go to the even code
    const float in[16] = {0.25f, 0.75f, 1.25f, 1.75f, 2.5f, 3.5f, 5.f, 6.f, -0.3f, 0.2f, -1.1f, 2.9f, -4.4f, 0.76f, 5.01f, -6.f};
    const float want[16] = {0.f, 1.f, 1.f, 2.f, 2.f, 4.f, 4.f, 6.f, -0.5f, 0.f, -1.f, 3.f, -4.f, 1.f, 6.f, -6.f};
    std::vector<float> x(32, 0.f);
    for (int j = 0; j < 16; j++) x[j] = in[j], x[16 + j] = in[j] * 0.5f;  // the high half at half scale
    std::vector<uint8_t> b(17);
    lb_quantize(LB_MXFP4, 0, x.data(), b.data(), 1, 32);
    CHECK(b[0] == 127, "E8M0 of max 6: %d", b[0]);
    CHECK((b[1] & 15) == 0 && (b[2] & 15) == 2 && (b[8] & 15) == 7 && (b[9] & 15) == 9 && (b[16] & 15) == 15,
          "codes of 0.25 / 0.75 / 6 / -0.3 / -6 (low nibbles)");
    auto d = deq(x, 1, 32);
    for (int j = 0; j < 16; j++) {
        CHECK(d[j] == want[j], "element %d: %g -> %g, want %g", j, in[j], d[j], want[j]);
        // x/2 at the same scale: 0.125 -> 0, 0.375 -> 0.5, 0.625 -> 0.5, 0.875 -> 1, 1.25 -> 1 (tie) ...
    }
    const float half_want[16] = {0.f, 0.5f, 0.5f, 1.f, 1.f, 2.f, 2.f, 3.f, 0.f, 0.f, -0.5f, 1.5f, -2.f, 0.5f, 3.f, -3.f};
    for (int j = 0; j < 16; j++) CHECK(d[16 + j] == half_want[j], "element %d: %g -> %g, want %g", 16 + j, x[16 + j], d[16 + j], half_want[j]);

    // max 7.9: e = 0 still (floor(log2 7.9) = 2), 7.9 saturates at 6; max 1: e = -2 (scale 1/4), 1 -> 4 * 1/4
    std::vector<float> y(64, 0.f);
    y[0] = 7.9f, y[1] = -7.f, y[32] = 1.f, y[33] = 0.1f, y[34] = -0.3f;
    auto dy = deq(y, 1, 64);
    CHECK(dy[0] == 6.f && dy[1] == -6.f, "saturation: %g %g", dy[0], dy[1]);
    CHECK(dy[32] == 1.f && dy[33] == 0.125f && dy[34] == -0.25f, "scale 1/4: %g %g %g", dy[32], dy[33], dy[34]);
    lb_quantize(LB_MXFP4, 0, y.data(), b.data(), 1, 32);
    CHECK(b[0] == 127, "E8M0 of max 7.9: %d", b[0]);

    // zeros: exponent -127 (byte 0), value 0; large and tiny magnitudes keep their scale
    std::vector<float> z(32, 0.f);
    lb_quantize(LB_MXFP4, 0, z.data(), b.data(), 1, 32);
    CHECK(b[0] == 0, "E8M0 of a zero block: %d", b[0]);
    std::vector<float> big(32, 0.f);
    big[5] = 3e20f, big[6] = -1e-30f;
    auto db = deq(big, 1, 32);
    CHECK(std::fabs(db[5] - 3e20f) <= 0.25f * 3e20f && db[6] == 0.f, "large block: %g %g", db[5], db[6]);
    std::vector<uint8_t> w(17);
    CHECK(lb_quantize(LB_MXFP4, 0, big.data(), w.data(), 1, 31) == LB_ERR_ARG, "cols not a multiple of 32");
}

static std::vector<float> run(const std::vector<uint8_t> &w, int64_t rows, int64_t cols, const float *x, int64_t ntok, int isa) {
    lb_isa_set(isa);
    std::vector<float> y(rows * ntok, -1.f);
    CHECK(lb_matmul(LB_MXFP4, 0, w.data(), rows, cols, x, ntok, y.data()) == LB_OK, "matmul");
    return y;
}

static void test_matmul() {
    struct Shape { int64_t rows, cols; };
    const Shape shapes[] = {{1, 32}, {7, 64}, {5, 96}, {33, 160}, {16, 896}, {3, 4864}, {19, 256}};
    unsigned seed = 5;
    for (const auto &sh : shapes)
        for (int64_t ntok : {1, 2, 3, 5, 8, 9, 17}) {
            const int64_t rows = sh.rows, cols = sh.cols;
            auto wf = random_floats(rows * cols, seed++, -1.f, 1.5f);
            auto x = random_floats(ntok * cols, seed++, -3.f, 2.f);
            for (int64_t i = 0; i < ntok * cols; i += 37) x[i] *= 20.f;  // outliers: blocks with other scales
            std::vector<uint8_t> w(rows * lb_row_bytes(LB_MXFP4, 0, cols));
            CHECK(lb_quantize(LB_MXFP4, 0, wf.data(), w.data(), rows, cols) == LB_OK, "quantize");
            std::vector<float> wd(rows * cols);
            lb_dequantize(LB_MXFP4, 0, w.data(), wd.data(), rows, cols);
            auto xd = deq(x, ntok, cols);
            std::vector<double> ref(rows * ntok), mag(rows * ntok);
            for (int64_t t = 0; t < ntok; t++)
                for (int64_t r = 0; r < rows; r++) {
                    double a = 0, m = 0;
                    for (int64_t c = 0; c < cols; c++) {
                        const double p = (double)wd[r * cols + c] * xd[t * cols + c];
                        a += p, m += std::fabs(p);
                    }
                    ref[t * rows + r] = a, mag[t * rows + r] = m;
                }
            std::vector<float> scalar;
            for (int isa = 0; isa <= lb_isa_supported(); isa = isa_next(isa)) {
                auto y = run(w, rows, cols, x.data(), ntok, isa);
                if (isa == 0) scalar = y;
                for (int64_t i = 0; i < rows * ntok; i++)
                    CHECK(std::fabs(y[i] - ref[i]) <= 1e-5 * mag[i] + 1e-30 &&
                              std::fabs(y[i] - scalar[i]) <= 1e-5 * mag[i] + 1e-30,
                          "%s %lldx%lld ntok %lld t %lld r %lld: %g vs ref %g scalar %g", isa_name(isa), (long long)rows,
                          (long long)cols, (long long)ntok, (long long)(i / rows), (long long)(i % rows), y[i], ref[i], scalar[i]);
                // the NEON kernels add the block terms in the scalar's order: equal bit for bit
                if (isa >= LB_ISA_NEON)
                    CHECK(std::memcmp(y.data(), scalar.data(), y.size() * sizeof(float)) == 0,
                          "%s %lldx%lld ntok %lld: not bit-identical to scalar", isa_name(isa), (long long)rows,
                          (long long)cols, (long long)ntok);
                if (ntok > 1)
                    for (int64_t t = 0; t < ntok; t++) {
                        auto y1 = run(w, rows, cols, x.data() + t * cols, 1, isa);
                        CHECK(std::memcmp(y1.data(), y.data() + t * rows, rows * sizeof(float)) == 0,
                              "%s %lldx%lld: token %lld of %lld differs from its one-token call", isa_name(isa), (long long)rows,
                              (long long)cols, (long long)t, (long long)ntok);
                    }
            }
        }
    lb_isa_set(lb_isa_supported());
}

// blocks scaled by 2^-24 .. 2^24 so that the FP32 sum of a row's terms rounds (exact terms of one
// magnitude mostly add exactly): the ARM kernels must still add them in the scalar's order, bit for bit
static void test_matmul_wide_scales() {
    unsigned seed = 77;
    std::mt19937 rng(seed);
    for (int64_t cols : {32, 128, 160, 896}) {
        const int64_t rows = 9, ntok = 5;
        auto wf = random_floats(rows * cols, seed++, -1.f, 1.f), x = random_floats(ntok * cols, seed++, -1.f, 1.f);
        for (int64_t b = 0; b < rows * cols; b += 32) {
            const float s = std::ldexp(1.f, (int)(rng() % 49) - 24);
            for (int j = 0; j < 32; j++) wf[b + j] *= s;
        }
        for (int64_t b = 0; b < ntok * cols; b += 32) {
            const float s = std::ldexp(1.f, (int)(rng() % 49) - 24);
            for (int j = 0; j < 32; j++) x[b + j] *= s;
        }
        std::vector<uint8_t> w(rows * lb_row_bytes(LB_MXFP4, 0, cols));
        CHECK(lb_quantize(LB_MXFP4, 0, wf.data(), w.data(), rows, cols) == LB_OK, "quantize");
        const auto scalar = run(w, rows, cols, x.data(), ntok, LB_ISA_SCALAR);
        for (int isa = isa_next(LB_ISA_SCALAR); isa <= lb_isa_supported(); isa = isa_next(isa)) {
            if (isa < LB_ISA_NEON) continue;  // the x86 kernels add in another order (tested above)
            auto y = run(w, rows, cols, x.data(), ntok, isa);
            CHECK(std::memcmp(y.data(), scalar.data(), y.size() * sizeof(float)) == 0,
                  "%s wide scales %lldx%lld: not bit-identical to scalar", isa_name(isa), (long long)rows, (long long)cols);
        }
    }
    lb_isa_set(lb_isa_supported());
}

int main() {
    test_elements();
    test_matmul();
    test_matmul_wide_scales();
    return finish("test_mxfp4");
}
