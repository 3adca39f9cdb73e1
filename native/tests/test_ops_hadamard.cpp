// lb_hadamard: orthonormal (H H^T = I from the transforms of the unit vectors), self-inverse,
// equal to Sylvester's (-1)^popcount(i&j)/sqrt(n) for powers of two, every ISA level equal to
// the scalar reference, unsupported sizes rejected.
#include "test_util.h"

static void transform_matrix(int64_t n, std::vector<float> &h) {  // row i = H e_i
    h.assign(n * n, 0.f);
    for (int64_t i = 0; i < n; i++) h[i * n + i] = 1.f;
    CHECK(lb_hadamard(h.data(), n, n) == LB_OK, "hadamard n %lld", (long long)n);
}

static void test_orthonormal() {
    for (int64_t n : {1, 2, 4, 8, 16, 64, 12, 20, 24, 28, 36, 40, 44, 48, 56, 60, 76, 152, 224}) {
        for (int isa = 0; isa <= lb_isa_supported(); isa = isa_next(isa)) {
            lb_isa_set(isa);
            std::vector<float> h;
            transform_matrix(n, h);
            const float e = 1.f / std::sqrt((float)n);
            for (int64_t i = 0; i < n; i++)
                for (int64_t j = 0; j < n; j++) {
                    CHECK(std::fabs(std::fabs(h[i * n + j]) - e) < 1e-6f, "%s n %lld entry not +-1/sqrt(n)", isa_name(isa), (long long)n);
                    CHECK(h[i * n + j] == h[j * n + i], "n %lld not symmetric", (long long)n);
                    double d = 0;
                    for (int64_t k = 0; k < n; k++) d += (double)h[i * n + k] * h[j * n + k];
                    CHECK(std::fabs(d - (i == j ? 1.0 : 0.0)) < 1e-5, "%s n %lld: (H H^T)[%lld][%lld] = %g", isa_name(isa),
                          (long long)n, (long long)i, (long long)j, d);
                }
            if ((n & (n - 1)) == 0)
                for (int64_t i = 0; i < n; i++)
                    for (int64_t j = 0; j < n; j++)
                        CHECK(std::fabs(h[i * n + j] - (__builtin_popcountll(i & j) % 2 ? -e : e)) < 1e-6f, "Sylvester n %lld", (long long)n);
        }
    }
}

static void test_self_inverse_and_isa() {
    for (int64_t n : {128, 896, 1536, 4864}) {
        auto x = random_floats(3 * n, (unsigned)n);
        lb_isa_set(LB_ISA_SCALAR);
        auto ref = x;
        CHECK(lb_hadamard(ref.data(), 3, n) == LB_OK, "n %lld supported", (long long)n);
        for (int isa = 0; isa <= lb_isa_supported(); isa = isa_next(isa)) {
            lb_isa_set(isa);
            auto y = x;
            lb_hadamard(y.data(), 3, n);
            double n0 = 0, n1 = 0;
            for (int64_t i = 0; i < 3 * n; i++) {
                CHECK(std::fabs(y[i] - ref[i]) <= 1e-5f * std::fabs(ref[i]) + 1e-6f, "%s vs scalar n %lld", isa_name(isa), (long long)n);
                n0 += (double)x[i] * x[i];
                n1 += (double)y[i] * y[i];
            }
            CHECK(std::fabs(n0 - n1) < 1e-5 * n0, "norm n %lld", (long long)n);
            lb_hadamard(y.data(), 3, n);
            for (int64_t i = 0; i < 3 * n; i++) CHECK(std::fabs(y[i] - x[i]) < 1e-5f, "%s self-inverse n %lld", isa_name(isa), (long long)n);
        }
    }
}

static void test_bad_args() {
    std::vector<float> x(64, 1.f);
    CHECK(lb_hadamard(x.data(), 1, 3) == LB_ERR_ARG, "n = 3");
    CHECK(lb_hadamard(x.data(), 1, 52) == LB_ERR_ARG, "n = 52 (no construction for 52)");
    CHECK(lb_hadamard(x.data(), 1, 0) == LB_ERR_ARG, "n = 0");
    CHECK(lb_hadamard(nullptr, 1, 16) == LB_ERR_ARG, "null");
    CHECK(x[0] == 1.f, "rejected call must not touch the data");
}

int main() {
    test_orthonormal();
    test_self_inverse_and_isa();
    test_bad_args();
    return finish("test_ops_hadamard");
}
