// lb_clip_rows: every row clamped to clip * [min(0, min), max(0, max)] of its own values (a float
// reference per row), clip 1 leaves every bit, an all-positive row keeps its lower bound at 0, and bad
// arguments are rejected.
#include "test_util.h"
#include <cstring>

static void test_against_reference() {
    for (int64_t n : {1, 7, 64, 100, 896})
        for (float clip : {0.5f, 0.9f, 0.95f}) {
            const int64_t rows = 5;
            auto x = random_floats((size_t)(rows * n), (unsigned)(n * 7 + (int)(clip * 100)), -3.f, 3.f);
            for (int64_t i = 0; i < n; i++) x[n + i] = std::fabs(x[n + i]) + 0.5f;  // row 1 all positive
            for (int64_t i = 0; i < n; i++) x[2 * n + i] = 0.f;                      // row 2 all zero
            auto y = x;
            CHECK(lb_clip_rows(y.data(), rows, n, clip) == LB_OK, "n %lld clip %g", (long long)n, clip);
            for (int64_t r = 0; r < rows; r++) {
                float mn = 0.f, mx = 0.f;
                for (int64_t i = 0; i < n; i++) mn = std::fmin(mn, x[r * n + i]), mx = std::fmax(mx, x[r * n + i]);
                int changed = 0;
                for (int64_t i = 0; i < n; i++) {
                    const float want = std::fmin(std::fmax(x[r * n + i], clip * mn), clip * mx);
                    CHECK(y[r * n + i] == want, "n %lld clip %g row %lld [%lld]: %g, want %g", (long long)n, clip, (long long)r,
                          (long long)i, y[r * n + i], want);
                    changed += y[r * n + i] != x[r * n + i];
                }
                if (r != 2) CHECK(changed >= 1, "n %lld clip %g row %lld: the clamp changed nothing", (long long)n, clip, (long long)r);
            }
        }
}

static void test_no_clip_and_args() {
    auto x = random_floats(300, 3, -2.f, 2.f), y = x;
    CHECK(lb_clip_rows(y.data(), 3, 100, 1.f) == LB_OK, "clip 1");
    CHECK(std::memcmp(x.data(), y.data(), x.size() * 4) == 0, "clip 1 changed the rows");
    CHECK(lb_clip_rows(y.data(), 3, 100, 0.f) == LB_ERR_ARG, "clip 0");
    CHECK(lb_clip_rows(y.data(), 3, 100, 1.5f) == LB_ERR_ARG, "clip 1.5");
    CHECK(lb_clip_rows(y.data(), 3, 100, NAN) == LB_ERR_ARG, "clip NaN");
    CHECK(lb_clip_rows(nullptr, 3, 100, 0.9f) == LB_ERR_ARG, "null x");
    CHECK(lb_clip_rows(y.data(), 0, 100, 0.9f) == LB_ERR_ARG, "zero rows");
}

int main() {
    test_against_reference();
    test_no_clip_and_args();
    return finish("test_ops_clip");
}
