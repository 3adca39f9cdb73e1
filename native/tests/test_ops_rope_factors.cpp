// lb_rope_ext: per-frequency divisors (Llama-3.1 rope_freqs) against hand-computed rotations,
// and NULL factors == factors of 1.
#include "test_util.h"

int main() {
    const int head_dim = 8, half = 4;
    const int32_t pos[2] = {3, 1000};
    const float base = 10000.f;
    const float factors[half] = {1.f, 2.f, 8.f, 32.f};
    std::vector<float> x = random_floats(2 * head_dim, 7), y = x, z = x;
    CHECK(lb_rope_ext(y.data(), 2, 1, head_dim, head_dim, pos, base, 0, factors) == LB_OK, "rope_ext");
    for (int t = 0; t < 2; t++)
        for (int i = 0; i < half; i++) {
            const double theta = pos[t] * std::pow((double)base, -2.0 * i / head_dim) / factors[i];
            const float a = x[t * head_dim + 2 * i], b = x[t * head_dim + 2 * i + 1];
            const double ra = a * std::cos(theta) - b * std::sin(theta), rb = a * std::sin(theta) + b * std::cos(theta);
            CHECK(std::fabs(y[t * head_dim + 2 * i] - ra) < 1e-5, "t %d i %d: %f vs %f", t, i, y[t * head_dim + 2 * i], ra);
            CHECK(std::fabs(y[t * head_dim + 2 * i + 1] - rb) < 1e-5, "t %d i %d (odd)", t, i);
        }
    std::vector<float> w = x;
    CHECK(lb_rope_ext(z.data(), 2, 1, head_dim, head_dim, pos, base, 1, nullptr) == LB_OK, "rope_ext null");
    const float ones[half] = {1.f, 1.f, 1.f, 1.f};
    CHECK(lb_rope_ext(w.data(), 2, 1, head_dim, head_dim, pos, base, 1, ones) == LB_OK, "rope ones");
    for (int i = 0; i < 2 * head_dim; i++) CHECK(z[i] == w[i], "null factors differ at %d", i);
    const float bad[half] = {1.f, 0.f, 1.f, 1.f};
    CHECK(lb_rope_ext(z.data(), 2, 1, head_dim, head_dim, pos, base, 0, bad) == LB_ERR_ARG, "zero factor accepted");
    return finish("test_ops_rope_factors");
}
