// lb_rmsnorm, lb_rope_ext (plain), lb_silu_mul, lb_add, lb_add_bias: hand-computed values, every ISA level
// against the scalar reference (1e-5 relative), bad arguments.
#include "test_util.h"

static bool close(float a, float b, float rel = 1e-5f, float abs_ = 1e-6f) {
    return std::fabs(a - b) <= rel * std::fmax(std::fabs(a), std::fabs(b)) + abs_;
}

static void test_rmsnorm() {
    const float x[4] = {1.f, -2.f, 3.f, -4.f}, w[4] = {1.f, 0.5f, 2.f, 1.f};
    float out[4];
    for (int isa = 0; isa <= lb_isa_supported(); isa = isa_next(isa)) {
        lb_isa_set(isa);
        CHECK(lb_rmsnorm(x, w, out, 1, 4, 0.f) == LB_OK, "rmsnorm");
        const float inv = 1.f / std::sqrt(30.f / 4.f);  // mean of squares 7.5
        for (int i = 0; i < 4; i++) CHECK(close(out[i], x[i] * inv * w[i]), "%s rmsnorm[%d]", isa_name(isa), i);
    }
    for (int64_t n : {1, 15, 16, 17, 896, 1000}) {
        auto xs = random_floats(3 * n, 5 + (unsigned)n, -4.f, 4.f), ws = random_floats(n, 9, 0.5f, 1.5f);
        std::vector<float> ref(3 * n), got(3 * n);
        lb_isa_set(LB_ISA_SCALAR);
        lb_rmsnorm(xs.data(), ws.data(), ref.data(), 3, n, 1e-6f);
        for (int isa = isa_next(LB_ISA_SCALAR); isa <= lb_isa_supported(); isa = isa_next(isa)) {
            lb_isa_set(isa);
            got = xs;
            CHECK(lb_rmsnorm(got.data(), ws.data(), got.data(), 3, n, 1e-6f) == LB_OK, "in place");
            for (int64_t i = 0; i < 3 * n; i++) CHECK(close(got[i], ref[i]), "%s rmsnorm n %lld i %lld", isa_name(isa), (long long)n, (long long)i);
        }
    }
    float o;
    CHECK(lb_rmsnorm(x, nullptr, &o, 1, 4, 1e-6f) == LB_ERR_ARG, "null weight");
    CHECK(lb_rmsnorm(x, w, &o, 1, 0, 1e-6f) == LB_ERR_ARG, "n 0");
    CHECK(lb_rmsnorm(x, w, &o, 1, 4, -1.f) == LB_ERR_ARG, "negative eps");
}

static void test_rope() {
    // head_dim 4, base 100, pos 2: theta_0 = 2, theta_1 = 2 * 100^(-1/2) = 0.2
    const float base[4] = {1.f, 2.f, 3.f, 4.f};
    const int32_t pos = 2;
    float v[4];
    std::copy(base, base + 4, v);
    CHECK(lb_rope_ext(v, 1, 1, 4, 4, &pos, 100.f, 0, nullptr) == LB_OK, "rope");
    // pairs (0,1) angle 2, (2,3) angle 0.2
    CHECK(close(v[0], 1 * std::cos(2.f) - 2 * std::sin(2.f)) && close(v[1], 1 * std::sin(2.f) + 2 * std::cos(2.f)), "llama pair 0");
    CHECK(close(v[2], 3 * std::cos(.2f) - 4 * std::sin(.2f)) && close(v[3], 3 * std::sin(.2f) + 4 * std::cos(.2f)), "llama pair 1");
    std::copy(base, base + 4, v);
    CHECK(lb_rope_ext(v, 1, 1, 4, 4, &pos, 100.f, 1, nullptr) == LB_OK, "rope neox");
    // pairs (0,2) angle 2, (1,3) angle 0.2
    CHECK(close(v[0], 1 * std::cos(2.f) - 3 * std::sin(2.f)) && close(v[2], 1 * std::sin(2.f) + 3 * std::cos(2.f)), "neox pair 0");
    CHECK(close(v[1], 2 * std::cos(.2f) - 4 * std::sin(.2f)) && close(v[3], 2 * std::sin(.2f) + 4 * std::cos(.2f)), "neox pair 1");
    // partial rotation leaves the tail, two heads rotate alike, position 0 is the identity
    float w[2][6] = {{1, 2, 3, 4, 5, 6}, {1, 2, 3, 4, 5, 6}};
    CHECK(lb_rope_ext(&w[0][0], 1, 2, 6, 4, &pos, 100.f, 1, nullptr) == LB_OK, "partial");
    CHECK(w[0][4] == 5.f && w[0][5] == 6.f, "tail untouched");
    for (int i = 0; i < 6; i++) CHECK(w[0][i] == w[1][i], "heads alike");
    const int32_t p0[2] = {0, 0};
    float u[8] = {1, 2, 3, 4, 5, 6, 7, 8};
    lb_rope_ext(u, 2, 1, 4, 4, p0, 10000.f, 0, nullptr);
    for (int i = 0; i < 8; i++) CHECK(u[i] == (float)(i + 1), "pos 0 identity");
    // rotations preserve the norm at long positions
    const int32_t far = 32000;
    auto r = random_floats(128, 3);
    double n0 = 0, n1 = 0;
    for (float f : r) n0 += f * f;
    lb_rope_ext(r.data(), 1, 1, 128, 128, &far, 1e6f, 1, nullptr);
    for (float f : r) n1 += f * f;
    CHECK(std::fabs(n0 - n1) < 1e-4 * n0, "norm preserved");
    CHECK(lb_rope_ext(v, 1, 1, 4, 3, &pos, 100.f, 0, nullptr) == LB_ERR_ARG, "odd rot_dim");
    CHECK(lb_rope_ext(v, 1, 1, 4, 6, &pos, 100.f, 0, nullptr) == LB_ERR_ARG, "rot_dim > head_dim");
    CHECK(lb_rope_ext(v, 1, 1, 4, 4, nullptr, 100.f, 0, nullptr) == LB_ERR_ARG, "null pos");
    CHECK(lb_rope_ext(v, 1, 1, 4, 4, &pos, 100.f, 2, nullptr) == LB_ERR_ARG, "neox 2");
}

static void test_silu_add() {
    for (int64_t n : {1, 7, 16, 33, 4864}) {
        auto g = random_floats(n, 21, -30.f, 30.f), u = random_floats(n, 22);
        if (n > 3) g[0] = -100.f, g[1] = 100.f, g[2] = 0.f;
        for (int isa = 0; isa <= lb_isa_supported(); isa = isa_next(isa)) {
            lb_isa_set(isa);
            auto got = g;
            CHECK(lb_silu_mul(got.data(), u.data(), n) == LB_OK, "silu");
            for (int64_t i = 0; i < n; i++) {
                const double ref = g[i] / (1.0 + std::exp(-(double)g[i])) * u[i];
                CHECK(std::fabs(got[i] - ref) <= 1e-5 * std::fabs(ref) + 1e-6, "%s silu n %lld i %lld: %g vs %g", isa_name(isa),
                      (long long)n, (long long)i, got[i], ref);
            }
        }
    }
    float y[6] = {1, 2, 3, 4, 5, 6};
    const float x[6] = {1, 1, 1, 2, 2, 2}, b[3] = {10, 20, 30};
    CHECK(lb_add(y, x, 6) == LB_OK, "add");
    CHECK(y[0] == 2 && y[5] == 8, "add values");
    CHECK(lb_add_bias(y, b, 2, 3) == LB_OK, "bias");
    CHECK(y[0] == 12 && y[2] == 34 && y[3] == 16 && y[5] == 38, "bias values");
    CHECK(lb_add(y, nullptr, 6) == LB_ERR_ARG, "null");
    CHECK(lb_add_bias(y, b, 2, 0) == LB_ERR_ARG, "n 0");
    CHECK(lb_silu_mul(y, x, -1) == LB_ERR_ARG, "n < 0");
}

int main() {
    test_rmsnorm();
    test_rope();
    test_silu_add();
    return finish("test_ops_elementwise");
}
