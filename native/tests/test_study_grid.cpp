// lb_group_params / lb_quantize_params: without a search they reproduce RTN byte for byte; the
// clipping search never picks a worse grid than RTN and shrinks around an outlier; values already
// on a grid come back exactly; grids the format cannot store are refused.
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

int main() {
    test_rtn_equivalence_and_search();
    test_bad_grids();
    return finish("test_study_grid");
}
