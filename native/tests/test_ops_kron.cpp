// lb_kron_transform: equals x (L kron R) computed entry by entry in double, the identity R (NULL)
// equals an explicit identity, the clamp bounds every row to clip * [min, max] of its transformed
// values, and bad arguments are rejected.
#include "test_util.h"

// y = x (L kron R): y[i*n2+j] = sum_{k,l} x[k*n2+l] L[k][i] R[l][j]
static std::vector<double> reference(const std::vector<float> &x, int n1, int n2, const std::vector<float> &L,
                                     const std::vector<float> &R) {
    std::vector<double> y((size_t)n1 * n2, 0.0);
    for (int i = 0; i < n1; i++)
        for (int j = 0; j < n2; j++) {
            double s = 0;
            for (int k = 0; k < n1; k++)
                for (int l = 0; l < n2; l++) s += (double)x[k * n2 + l] * L[k * n1 + i] * R[l * n2 + j];
            y[i * n2 + j] = s;
        }
    return y;
}

static void test_against_reference() {
    const int shapes[][2] = {{1, 8}, {4, 4}, {16, 32}, {4, 43}, {7, 9}};
    for (auto &sh : shapes) {
        const int n1 = sh[0], n2 = sh[1], n = n1 * n2, rows = 5;
        auto L = random_floats((size_t)n1 * n1, 11u + n1), R = random_floats((size_t)n2 * n2, 13u + n2);
        auto x = random_floats((size_t)rows * n, 17u + n);
        auto y = x;
        CHECK(lb_kron_transform(y.data(), rows, n1, n2, L.data(), R.data(), 1.f) == LB_OK, "%dx%d", n1, n2);
        for (int r = 0; r < rows; r++) {
            std::vector<float> xr(x.begin() + r * n, x.begin() + (r + 1) * n);
            auto ref = reference(xr, n1, n2, L, R);
            for (int i = 0; i < n; i++)
                CHECK(std::fabs(y[r * n + i] - ref[i]) < 1e-4 * (1 + std::fabs(ref[i])), "%dx%d row %d [%d]: %g vs %g", n1, n2, r, i,
                      y[r * n + i], ref[i]);
        }
        // NULL right factor = the identity
        std::vector<float> I((size_t)n2 * n2, 0.f);
        for (int i = 0; i < n2; i++) I[i * n2 + i] = 1.f;
        auto a = x, b = x;
        lb_kron_transform(a.data(), rows, n1, n2, L.data(), I.data(), 1.f);
        CHECK(lb_kron_transform(b.data(), rows, n1, n2, L.data(), nullptr, 1.f) == LB_OK, "null right");
        for (size_t i = 0; i < a.size(); i++) CHECK(a[i] == b[i], "%dx%d identity right differs at %zu", n1, n2, i);
    }
}

static void test_clip() {
    const int n1 = 4, n2 = 8, n = 32, rows = 3;
    auto L = random_floats(16, 3), R = random_floats(64, 4), x = random_floats((size_t)rows * n, 5, -3.f, 3.f);
    auto full = x, clipped = x;
    lb_kron_transform(full.data(), rows, n1, n2, L.data(), R.data(), 1.f);
    CHECK(lb_kron_transform(clipped.data(), rows, n1, n2, L.data(), R.data(), 0.8f) == LB_OK, "clip 0.8");
    for (int r = 0; r < rows; r++) {
        float mn = 0.f, mx = 0.f;
        for (int i = 0; i < n; i++) mn = std::fmin(mn, full[r * n + i]), mx = std::fmax(mx, full[r * n + i]);
        int changed = 0;
        for (int i = 0; i < n; i++) {
            const float want = std::fmin(std::fmax(full[r * n + i], 0.8f * mn), 0.8f * mx);
            CHECK(clipped[r * n + i] == want, "row %d [%d] clamped %g, want %g", r, i, clipped[r * n + i], want);
            changed += clipped[r * n + i] != full[r * n + i];
        }
        CHECK(changed >= 2, "row %d: the clamp changed %d values (the extremes at least)", r, changed);
    }
}

static void test_bad_arguments() {
    std::vector<float> x(16, 1.f), L(16, 1.f);
    CHECK(lb_kron_transform(nullptr, 1, 4, 4, L.data(), nullptr, 1.f) == LB_ERR_ARG, "null x");
    CHECK(lb_kron_transform(x.data(), 1, 4, 4, nullptr, nullptr, 1.f) == LB_ERR_ARG, "null left");
    CHECK(lb_kron_transform(x.data(), 1, 0, 4, L.data(), nullptr, 1.f) == LB_ERR_ARG, "n1 = 0");
    CHECK(lb_kron_transform(x.data(), 1, 4, 4, L.data(), nullptr, 0.f) == LB_ERR_ARG, "clip 0");
    CHECK(lb_kron_transform(x.data(), 1, 4, 4, L.data(), nullptr, 1.5f) == LB_ERR_ARG, "clip > 1");
    CHECK(lb_kron_transform(x.data(), 1, 4, 4, L.data(), nullptr, NAN) == LB_ERR_ARG, "clip NaN");
}

int main() {
    test_against_reference();
    test_clip();
    test_bad_arguments();
    return finish("test_ops_kron");
}
