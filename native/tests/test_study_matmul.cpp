// lb_matmul for the study formats: every ISA level against an independent double-precision
// reference on ragged shapes and 1..9 tokens.
//  W*G: the defined arithmetic is bf16(dequantised weight) x bf16(x) summed in FP32; reference = those
//  exact products summed in double; every variant (scalar, AVX2, AVX-512 FP32, AVX-512 BF16) within
//  1e-5 of sum|w x|, and the reference is checked to differ from the unrounded product (so a variant
//  that skipped the rounding would fail).
//  I8CH/I4CH/I8CHA/I4CHA: integer paths, so every ISA level must give bit-identical outputs; the reference
//  re-derives the documented per-token activation quantisation (symmetric, qmax 127 / 7; asymmetric
//  u8 / u4 with a zero point).
#include "test_util.h"
#include <cstring>
#include "../cpu/study_internal.h"
#include "../cpu/study_pack.h"

static std::vector<float> run(int fmt, int group, const std::vector<uint8_t> &w, int64_t rows, int64_t cols,
                              const std::vector<float> &x, int64_t ntok, int isa) {
    lb_isa_set(isa);
    std::vector<float> y(rows * ntok, -1.f);
    CHECK(lb_matmul(fmt, group, w.data(), rows, cols, x.data(), ntok, y.data()) == LB_OK, "matmul fmt %d", fmt);
    return y;
}

static void test_weight_only() {
    const int fmts[] = {LB_W4G, LB_W3G, LB_W2G};
    struct Shape { int64_t rows, cols; int group; };
    const Shape shapes[] = {{1, 32, 32}, {7, 96, 32}, {33, 256, 64}, {19, 384, 128}, {5, 160, 160},
                            {16, 896, 896}, {9, 64, 8}, {3, 48, 16}, {66, 128, 128}, {37, 512, 256},
                            {18, 640, 128}, {3, 1024, 512}};
    unsigned seed = 11;
    double max_rounding = 0;  // largest |reference - unrounded product| / magnitude seen
    for (int fmt : fmts)
        for (const auto &sh : shapes)
            for (int64_t ntok : {1, 2, 3, 4, 5, 7, 8, 9, 12, 16, 17}) {
                const int64_t rows = sh.rows, cols = sh.cols;
                auto wf = random_floats(rows * cols, seed++, -1.f, 1.5f);
                auto x = random_floats(ntok * cols, seed++);
                std::vector<uint8_t> w(rows * lb_row_bytes(fmt, sh.group, cols));
                CHECK(lb_quantize(fmt, sh.group, wf.data(), w.data(), rows, cols) == LB_OK, "quantize");
                std::vector<float> wd(rows * cols);
                lb_dequantize(fmt, sh.group, w.data(), wd.data(), rows, cols);
                std::vector<double> ref(rows * ntok), mag(rows * ntok);
                for (int64_t t = 0; t < ntok; t++)
                    for (int64_t r = 0; r < rows; r++) {
                        double a = 0, m = 0, exact = 0;
                        for (int64_t c = 0; c < cols; c++) {
                            const double p = (double)lb_bf16_round(wd[r * cols + c]) * lb_bf16_round(x[t * cols + c]);
                            a += p;
                            m += std::fabs(p);
                            exact += (double)wd[r * cols + c] * x[t * cols + c];
                        }
                        ref[t * rows + r] = a, mag[t * rows + r] = m;
                        if (m > 0) max_rounding = std::fmax(max_rounding, std::fabs(a - exact) / m);
                    }
                for (int isa = 0; isa <= lb_isa_supported(); isa = isa_next(isa)) {  // LB_ISA_AVX512_BF16: the vdpbf16ps kernel
                    auto y = run(fmt, sh.group, w, rows, cols, x, ntok, isa);
                    for (int64_t i = 0; i < rows * ntok; i++)
                        CHECK(std::fabs(y[i] - ref[i]) <= 1e-5 * mag[i] + 1e-7, "%s fmt %d %lldx%lld g %d ntok %lld t %lld r %lld: %g vs %g",
                              isa_name(isa), fmt, (long long)rows, (long long)cols, sh.group, (long long)ntok, (long long)(i / rows),
                              (long long)(i % rows), y[i], ref[i]);
                }
            }
    // bf16 rounding moves results by ~2^-9 relative per product: far above the 1e-5 tolerance
    CHECK(max_rounding > 1e-4, "bf16 rounding invisible in the reference (%g)", max_rounding);
}

// lb_bf16_round: nearest even, ties, below-normal inputs to signed zero, NaN stays NaN
static void test_bf16_round() {
    auto bits = [](float f) { uint32_t u; std::memcpy(&u, &f, 4); return u; };
    auto from = [](uint32_t u) { float f; std::memcpy(&f, &u, 4); return f; };
    CHECK(bits(lb_bf16_round(from(0x3f808000u))) == 0x3f800000u, "tie to even (down)");
    CHECK(bits(lb_bf16_round(from(0x3f818000u))) == 0x3f820000u, "tie to even (up)");
    CHECK(bits(lb_bf16_round(from(0x3f808001u))) == 0x3f810000u, "above half rounds up");
    CHECK(bits(lb_bf16_round(from(0x807fffffu))) == 0x80000000u, "negative subnormal to -0");
    CHECK(bits(lb_bf16_round(from(0x7f7fffffu))) == 0x7f800000u, "max float rounds to inf");
    CHECK(std::isnan(lb_bf16_round(from(0x7f800001u))), "NaN stays NaN");
}

static void test_integer() {
    struct Shape { int64_t rows, cols; };
    const Shape shapes[] = {{1, 2}, {3, 64}, {5, 70}, {17, 126}, {4, 128}, {9, 130}, {33, 258}, {2, 896}, {3, 1000}, {18, 62}, {6, 192}};
    unsigned seed = 101;
    for (int fmt : {LB_I8CH, LB_I4CH, LB_I8CHA, LB_I4CHA}) {
        const int qmax = fmt == LB_I4CH ? 7 : 127;
        for (const auto &sh : shapes)
            for (int64_t ntok : {1, 2, 3, 4, 5, 8, 9}) {
                const int64_t rows = sh.rows, cols = sh.cols;
                auto wf = random_floats(rows * cols, seed++, -2.f, 2.f);
                auto x = random_floats(ntok * cols, seed++, -3.f, 3.f);
                if (ntok > 1)
                    for (int64_t c = 0; c < cols; c++) x[cols + c] = 0.f;  // an all-zero token
                std::vector<uint8_t> w(rows * lb_row_bytes(fmt, 0, cols));
                lb_quantize(fmt, 0, wf.data(), w.data(), rows, cols);
                std::vector<float> wd(rows * cols);
                lb_dequantize(fmt, 0, w.data(), wd.data(), rows, cols);
                auto y0 = run(fmt, 0, w, rows, cols, x, ntok, LB_ISA_SCALAR);
                for (int isa = isa_next(LB_ISA_SCALAR); isa <= lb_isa_supported(); isa = isa_next(isa)) {
                    auto y = run(fmt, 0, w, rows, cols, x, ntok, isa);
                    CHECK(std::memcmp(y.data(), y0.data(), y.size() * 4) == 0, "%s fmt %d %lldx%lld ntok %lld not bit-exact",
                          isa_name(isa), fmt, (long long)rows, (long long)cols, (long long)ntok);
                }
                for (int64_t t = 0; t < ntok; t++) {
                    float amax = 0.f;
                    for (int64_t c = 0; c < cols; c++) amax = std::fmax(amax, std::fabs(x[t * cols + c]));
                    const double sx = amax > 0 ? amax / qmax : 1.0;
                    if (fmt == LB_I8CHA || fmt == LB_I4CHA) {  // documented asymmetric u8/u4 activations, in float as specified
                        const float qa = fmt == LB_I8CHA ? 255.f : 15.f;
                        float mn = 0.f, mx = 0.f;
                        for (int64_t c = 0; c < cols; c++) mn = std::fmin(mn, x[t * cols + c]), mx = std::fmax(mx, x[t * cols + c]);
                        const float s = mx > mn ? (mx - mn) / qa : 1.f, inv = 1.f / s;
                        const int z = mx > mn ? (int)std::fmin(qa, std::fmax(0.f, std::rint(-mn / s))) : 0;
                        for (int64_t r = 0; r < rows; r++) {
                            double ref = 0, mag = 0;
                            for (int64_t c = 0; c < cols; c++) {
                                const int q = (int)std::fmin(qa, std::fmax(0.f, std::rint(x[t * cols + c] * inv) + z));
                                ref += (double)wd[r * cols + c] * (q - z) * s;
                                mag += std::fabs((double)wd[r * cols + c] * (q - z) * s);
                            }
                            CHECK(std::fabs(y0[t * rows + r] - ref) <= 1e-5 * mag + 1e-6, "fmt %d asym ref t %lld r %lld: %g vs %g",
                                  fmt, (long long)t, (long long)r, y0[t * rows + r], ref);
                        }
                        continue;
                    }
                    for (int64_t r = 0; r < rows; r++) {
                        double ref = 0, mag = 0;
                        for (int64_t c = 0; c < cols; c++) {
                            const double q = amax > 0 ? std::fmax(-qmax, std::fmin(qmax, std::nearbyint(x[t * cols + c] * (qmax / amax)))) : 0;
                            ref += (double)wd[r * cols + c] * q * sx;
                            mag += std::fabs((double)wd[r * cols + c] * q * sx);
                        }
                        CHECK(std::fabs(y0[t * rows + r] - ref) <= 1e-5 * mag + 1e-6, "fmt %d ref t %lld r %lld: %g vs %g", fmt,
                              (long long)t, (long long)r, y0[t * rows + r], ref);
                    }
                }
            }
    }
}

// any code bytes a file may hold (int8 -128, every nibble), extreme activations: every level gives the
// scalar reference's integer sums (the AVX2 kernels' products must not saturate)
static void test_integer_any_codes() {
    unsigned seed = 909;
    for (int fmt : {LB_I8CH, LB_I4CH, LB_I8CHA, LB_I4CHA})
        for (int64_t cols : {64, 192, 896, 250})
            for (int64_t ntok : {1, 4, 5}) {
                const int64_t rows = 21, rb = lb_row_bytes(fmt, 0, cols);
                std::vector<uint8_t> w(rows * rb);
                unsigned s = seed++;
                for (auto &b : w) b = (uint8_t)((s = s * 1103515245u + 12345u) >> 23);
                for (int64_t r = 0; r < rows; r++) {
                    const float sc = 0.01f * (float)(r + 1);
                    std::memcpy(&w[r * rb], &sc, 4);
                    if (r % 3 == 0) std::memset(&w[r * rb + 4], 0x80, (size_t)(rb - 4));  // all -128 (int4: -8)
                }
                auto x = random_floats(ntok * cols, seed++, -1.f, 1.f);
                for (int64_t c = 0; c < cols; c += 2) x[c] = c % 4 ? -1.f : 1.f;  // many codes at +-qmax, u8 0 and 255
                auto y0 = run(fmt, 0, w, rows, cols, x, ntok, LB_ISA_SCALAR);
                for (int isa = isa_next(LB_ISA_SCALAR); isa <= lb_isa_supported(); isa = isa_next(isa)) {
                    auto y = run(fmt, 0, w, rows, cols, x, ntok, isa);
                    CHECK(std::memcmp(y.data(), y0.data(), y.size() * 4) == 0, "%s fmt %d any codes %lld cols ntok %lld not bit-exact",
                          isa_name(isa), fmt, (long long)cols, (long long)ntok);
                }
            }
}

// skewed (all non-negative) activations: the asymmetric variant must be closer to the exact product
static void test_asym_helps_skewed(int sym, int asym) {
    const int64_t rows = 64, cols = 512;
    auto wf = random_floats(rows * cols, 77, -1.f, 1.f);
    auto x = random_floats(cols, 78, 0.f, 2.f);
    std::vector<uint8_t> w(rows * lb_row_bytes(sym, 0, cols));
    lb_quantize(sym, 0, wf.data(), w.data(), rows, cols);
    std::vector<float> wd(rows * cols), ys(rows), ya(rows);
    lb_dequantize(sym, 0, w.data(), wd.data(), rows, cols);
    CHECK(lb_matmul(sym, 0, w.data(), rows, cols, x.data(), 1, ys.data()) == LB_OK, "sym");
    CHECK(lb_matmul(asym, 0, w.data(), rows, cols, x.data(), 1, ya.data()) == LB_OK, "asym");  // same weight bytes
    double es = 0, ea = 0;
    for (int64_t r = 0; r < rows; r++) {
        double exact = 0;
        for (int64_t c = 0; c < cols; c++) exact += (double)wd[r * cols + c] * x[c];
        es += std::fabs(ys[r] - exact);
        ea += std::fabs(ya[r] - exact);
    }
    CHECK(ea < 0.75 * es, "fmt %d: asymmetric activations should halve the error on non-negative input: %g vs %g", asym, ea, es);
}

// rows are independent work items: the thread count must not change a single bit
static void test_thread_count_invariance() {
    const int64_t rows = 77, cols = 256, ntok = 6;
    auto wf = random_floats(rows * cols, 5), x = random_floats(ntok * cols, 6);
    // W*G at group 64 (FP32-FMA kernels) and 128 (+1000: BF16 kernel where the CPU has it)
    const int cases[] = {LB_W4G, LB_W3G, LB_W2G, LB_W4G + 1000, LB_W3G + 1000, LB_W2G + 1000, LB_I8CH, LB_I8CHA, LB_I4CH, LB_I4CHA};
    for (int c : cases) {
        const int fmt = c % 1000, group = c >= 1000 ? 128 : fmt < 110 ? 64 : 0;
        std::vector<uint8_t> w(rows * lb_row_bytes(fmt, group, cols));
        lb_quantize(fmt, group, wf.data(), w.data(), rows, cols);
        const int saved = lb_threads_get();
        lb_threads_set(1);
        auto y1 = run(fmt, group, w, rows, cols, x, ntok, lb_isa_supported());
        lb_threads_set(3);
        auto y3 = run(fmt, group, w, rows, cols, x, ntok, lb_isa_supported());
        lb_threads_set(saved);
        CHECK(std::memcmp(y1.data(), y3.data(), y1.size() * 4) == 0, "fmt %d differs between 1 and 3 threads", fmt);
    }
}

static void test_bad_args() {
    std::vector<uint8_t> w(4096);
    std::vector<float> x(256), y(256);
    CHECK(lb_matmul(LB_W4G, 32, w.data(), 2, 64, x.data(), 0, y.data()) == LB_ERR_ARG, "ntok 0");
    CHECK(lb_matmul(LB_W4G, 48, w.data(), 2, 64, x.data(), 1, y.data()) == LB_ERR_ARG, "cols % group");
    CHECK(lb_matmul(LB_W3G, 32, w.data(), 2, 64, nullptr, 1, y.data()) == LB_ERR_ARG, "null x");
    CHECK(lb_matmul(LB_I4CH, 0, w.data(), 2, 63, x.data(), 1, y.data()) == LB_ERR_ARG, "odd cols int4");
}

int main() {
    test_bf16_round();
    test_weight_only();
    test_integer();
    test_integer_any_codes();
    test_asym_helps_skewed(LB_I8CH, LB_I8CHA);
    test_asym_helps_skewed(LB_I4CH, LB_I4CHA);
    test_thread_count_invariance();
    test_bad_args();
    return finish("test_study_matmul");
}
