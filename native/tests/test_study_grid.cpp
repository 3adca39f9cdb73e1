// lb_group_params / lb_quantize_params: without a search they reproduce RTN byte for byte; the
// clipping search never picks a worse grid than RTN and shrinks around an outlier; values already
// on a grid come back exactly; grids the format cannot store are refused. lb_group_params_awq: its
// grid 0 is RTN, it picks the limit a brute-force search over the same candidates picks, it never does
// worse than RTN on the output error, and it weighs errors by X^T X (an outlier on a busy input is kept).
#include "test_util.h"
#include "../cpu/study_pack.h"
#include <cstring>

static float group_error(const float *w, const float *d, int g, float norm) {
    float e = 0.f;
    for (int i = 0; i < g; i++) e += std::pow(std::fabs(d[i] - w[i]), norm);
    return e;
}

static void test_rtn_equivalence_and_search() {
    for (int fmt : {LB_W4G, LB_W3G, LB_W2G}) {
        const int64_t rows = 6, cols = 256, group = 128, ng = cols / group;
        auto w = random_floats(rows * cols, 11 + fmt, -1.f, 1.f);
        w[5] = 9.f;  // an outlier in row 0, group 0: clipping it pays off
        const int64_t rb = lb_row_bytes(fmt, group, cols);
        std::vector<uint8_t> rtn(rows * rb), got(rows * rb);
        std::vector<float> s(rows * ng), z(rows * ng);
        CHECK(lb_quantize(fmt, group, w.data(), rtn.data(), rows, cols) == LB_OK, "quantize");
        CHECK(lb_group_params(fmt, group, w.data(), rows, cols, 0, 0.8f, 2.4f, s.data(), z.data()) == LB_OK, "params");
        CHECK(lb_quantize_params(fmt, group, w.data(), s.data(), z.data(), got.data(), rows, cols) == LB_OK, "pack");
        CHECK(std::memcmp(rtn.data(), got.data(), rtn.size()) == 0, "fmt %d: grid 0 differs from RTN", fmt);

        std::vector<float> s2(rows * ng), z2(rows * ng), d_rtn(rows * cols), d_mse(rows * cols);
        CHECK(lb_group_params(fmt, group, w.data(), rows, cols, 100, 0.8f, 2.4f, s2.data(), z2.data()) == LB_OK, "search");
        CHECK(lb_quantize_params(fmt, group, w.data(), s2.data(), z2.data(), got.data(), rows, cols) == LB_OK, "pack");
        lb_dequantize(fmt, group, rtn.data(), d_rtn.data(), rows, cols);
        lb_dequantize(fmt, group, got.data(), d_mse.data(), rows, cols);
        for (int64_t r = 0; r < rows; r++)
            for (int64_t g = 0; g < ng; g++) {
                const int64_t o = r * cols + g * group;
                CHECK(group_error(&w[o], &d_mse[o], group, 2.4f) <= group_error(&w[o], &d_rtn[o], group, 2.4f) * (1 + 1e-5f),
                      "fmt %d row %lld group %lld: search worse than RTN", fmt, (long long)r, (long long)g);
            }
        CHECK(s2[0] < s[0], "fmt %d: the outlier group keeps its full range (%g vs %g)", fmt, s2[0], s[0]);

        // dequantised values lie on their grid: packing them again gives the same bytes
        std::vector<uint8_t> again(rows * rb);
        CHECK(lb_quantize_params(fmt, group, d_mse.data(), s2.data(), z2.data(), again.data(), rows, cols) == LB_OK, "repack");
        CHECK(std::memcmp(again.data(), got.data(), got.size()) == 0, "fmt %d: grid values moved on repacking", fmt);
    }
}

static void test_bad_grids() {
    const int64_t cols = 128;
    auto w = random_floats(cols, 3);
    std::vector<uint8_t> out(lb_row_bytes(LB_W4G, 128, cols));
    float s = 0.1f, z = 8.f;  // 0.1 is not an f16 value
    CHECK(lb_quantize_params(LB_W4G, 128, w.data(), &s, &z, out.data(), 1, cols) == LB_ERR_ARG, "non-f16 scale");
    s = 0.125f;
    z = 16.f;
    CHECK(lb_quantize_params(LB_W4G, 128, w.data(), &s, &z, out.data(), 1, cols) == LB_ERR_ARG, "zero above 15");
    z = 7.5f;
    CHECK(lb_quantize_params(LB_W4G, 128, w.data(), &s, &z, out.data(), 1, cols) == LB_ERR_ARG, "fractional zero");
    z = 8.f;
    CHECK(lb_quantize_params(LB_W4G, 128, w.data(), &s, &z, out.data(), 1, cols) == LB_OK, "valid grid");
    CHECK(lb_quantize_params(LB_Q4_0, 128, w.data(), &s, &z, out.data(), 1, cols) == LB_ERR_FORMAT, "not a grouped format");
    CHECK(lb_group_params(LB_W4G, 128, w.data(), 1, cols, 100, 1.f, 2.4f, &s, &z) == LB_ERR_ARG, "shrink to nothing");
    CHECK(lb_group_params(LB_W4G, 100, w.data(), 1, cols, 0, 0.8f, 2.4f, &s, &z) == LB_ERR_ARG, "group not dividing cols");
}

// X^T X of n random tokens over cols inputs, input `busy` scaled by `gain`
static std::vector<float> gram(int64_t cols, int n, unsigned seed, int64_t busy, float gain) {
    auto x = random_floats((size_t)n * cols, seed);
    for (int t = 0; t < n; t++) x[t * cols + busy] *= gain;
    std::vector<float> h(cols * cols, 0.f);
    for (int t = 0; t < n; t++)
        for (int64_t i = 0; i < cols; i++)
            for (int64_t j = 0; j < cols; j++) h[i * cols + j] += x[t * cols + i] * x[t * cols + j];
    return h;
}

// the reference: every candidate limit of the group, its grid, its error d^T H d in double
static double ref_error(const float *w, int g, int bits, float mn, float mx, float m, const float *h, int64_t cols, float *s_out) {
    int z;
    const uint16_t sh = lb_group_grid(std::fmax(mn, -m), std::fmin(mx, m), bits, &z);
    const float s = lb_f16_to_f32(sh);
    std::vector<double> d(g);
    for (int i = 0; i < g; i++) d[i] = (double)(s * (float)(lb_grid_code(w[i], s > 0 ? 1.f / s : 0.f, z, bits) - z) - w[i]);
    double e = 0;
    for (int i = 0; i < g; i++)
        for (int j = 0; j < g; j++) e += d[i] * (h ? h[i * cols + j] : (i == j ? 1.0 : 0.0)) * d[j];
    *s_out = s;
    return e;
}

static void test_awq_clip() {
    for (int fmt : {LB_W4G, LB_W3G}) {
        const int64_t rows = 5, cols = 256, group = 128, ng = cols / group;
        const int bits = fmt == LB_W4G ? 4 : 3, grid = 20;
        const float shrink = 0.5f;
        auto w = random_floats(rows * cols, 21 + fmt, -1.f, 1.f);
        w[5] = 6.f;  // an outlier in row 0, group 0, on input 5
        auto h = gram(cols, 300, 5, 200, 1.f);
        const int64_t rb = lb_row_bytes(fmt, group, cols);
        std::vector<uint8_t> rtn(rows * rb), got(rows * rb);
        std::vector<float> s(rows * ng), z(rows * ng);
        CHECK(lb_quantize(fmt, group, w.data(), rtn.data(), rows, cols) == LB_OK, "quantize");
        CHECK(lb_group_params_awq(fmt, group, w.data(), rows, cols, h.data(), 0, shrink, s.data(), z.data()) == LB_OK, "grid 0");
        CHECK(lb_quantize_params(fmt, group, w.data(), s.data(), z.data(), got.data(), rows, cols) == LB_OK, "pack");
        CHECK(std::memcmp(rtn.data(), got.data(), rtn.size()) == 0, "fmt %d: grid 0 differs from RTN", fmt);

        CHECK(lb_group_params_awq(fmt, group, w.data(), rows, cols, h.data(), grid, shrink, s.data(), z.data()) == LB_OK, "search");
        for (int64_t r = 0; r < rows; r++)
            for (int64_t g = 0; g < ng; g++) {
                const float *wg = &w[r * cols + g * group];
                const float *hg = &h[(g * group) * cols + g * group];
                float mn = 0, mx = 0, sc;
                for (int i = 0; i < group; i++) mn = std::fmin(mn, wg[i]), mx = std::fmax(mx, wg[i]);
                const float amax = std::fmax(-mn, mx);
                const double full = ref_error(wg, group, bits, mn, mx, amax, hg, cols, &sc);
                double best = full;
                float best_s = sc;
                for (int i = 1; i < (int)(shrink * grid); i++) {
                    const double e = ref_error(wg, group, bits, mn, mx, amax * (1.f - (float)i / grid), hg, cols, &sc);
                    if (e < best) best = e, best_s = sc;
                }
                CHECK(s[r * ng + g] == best_s, "fmt %d row %lld group %lld: scale %g, the reference picks %g", fmt, (long long)r,
                      (long long)g, s[r * ng + g], best_s);
                CHECK(best <= full, "fmt %d: the search is worse than RTN", fmt);
            }
        std::vector<float> s_rtn(rows * ng), z_rtn(rows * ng);
        lb_group_params(fmt, group, w.data(), rows, cols, 0, 0.5f, 2.f, s_rtn.data(), z_rtn.data());
        CHECK(s[0] < s_rtn[0], "fmt %d: the outlier on a quiet input keeps its full range (%g vs %g)", fmt, s[0], s_rtn[0]);

        // the same outlier on an input carrying most of the energy: clipping it would cost more than it saves
        auto busy = gram(cols, 300, 5, 5, 50.f);
        CHECK(lb_group_params_awq(fmt, group, w.data(), rows, cols, busy.data(), grid, shrink, s.data(), z.data()) == LB_OK, "busy");
        CHECK(s[0] == s_rtn[0], "fmt %d: the outlier on a busy input was clipped (%g vs %g)", fmt, s[0], s_rtn[0]);
        CHECK(lb_group_params_awq(fmt, group, w.data(), rows, cols, nullptr, grid, shrink, s.data(), z.data()) == LB_OK, "identity");
        CHECK(s[0] < s_rtn[0], "fmt %d: without X^T X the outlier keeps its full range", fmt);
    }
    const int64_t cols = 128;
    auto w = random_floats(cols, 3);
    float s, z;
    CHECK(lb_group_params_awq(LB_W4G, 128, w.data(), 1, cols, nullptr, 20, 1.f, &s, &z) == LB_ERR_ARG, "shrink to nothing");
    CHECK(lb_group_params_awq(LB_Q4_0, 128, w.data(), 1, cols, nullptr, 20, 0.5f, &s, &z) == LB_ERR_FORMAT, "not grouped");
}

int main() {
    test_rtn_equivalence_and_search();
    test_bad_grids();
    test_awq_clip();
    return finish("test_study_grid");
}
