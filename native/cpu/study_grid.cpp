// lb_group_params / lb_quantize_params: grids of the grouped weight formats (LB_W4G/W3G/W2G) chosen
// by a calibrated method instead of RTN. GPTQ fixes each group's grid before it starts (static
// groups) and then rounds error-compensated weights onto it; the packing stays here, with the
// format. lb_group_params_awq: AWQ's clipping search, judged by the output error of the layer on its
// calibration inputs (X^T X). Scalar and parallel over rows: it runs once per quantisation, not per token.
#include "format_table.h"
#include "lowbit/lowbit.h"
#include "study_pack.h"
#include <cmath>
#include <algorithm>
#include <vector>

namespace {
// sum over the group of |dequant(quant(w)) - w|^norm on the grid (sh, z)
float grid_error(const float *w, int g, int bits, uint16_t sh, int z, float norm) {
    const float s = lb_f16_to_f32(sh), inv = s > 0.f ? 1.f / s : 0.f;
    float err = 0.f;
    for (int i = 0; i < g; i++) {
        const float d = s * (float)(lb_grid_code(w[i], inv, z, bits) - z) - w[i];
        err += std::pow(std::fabs(d), norm);
    }
    return err;
}

int group_bits_of(int32_t fmt, int32_t group, int64_t rows, int64_t cols) {
    const FormatRow *f = format_row(fmt);  // a grouped weight format
    if (!f || !format_grouped(*f) || !(f->info.uses & LB_USE_WEIGHT)) return LB_ERR_FORMAT;
    const int bits = f->info.bits;
    if (rows <= 0 || lb_row_bytes(fmt, group, cols) < 0) return LB_ERR_ARG;
    return bits;
}

// the grid with the least error among `steps` candidate ranges; candidate 0 is the group's own
// range [mn, mx] (the RTN grid, kept on ties), range_at(i, &lo, &hi) gives the others. Writes the
// f16 scale as a float and the zero point.
template <class Range, class Error>
void best_grid(int bits, float mn, float mx, int steps, Range range_at, Error error_of, float *scale, float *zero) {
    int best_z = 0;
    uint16_t best_sh = lb_group_grid(mn, mx, bits, &best_z);
    double best = steps > 1 ? error_of(best_sh, best_z) : 0.0;
    for (int i = 1; i < steps; i++) {
        float lo, hi;
        range_at(i, &lo, &hi);
        int z;
        const uint16_t sh = lb_group_grid(lo, hi, bits, &z);
        const double err = error_of(sh, z);
        if (err < best) {
            best = err;
            best_sh = sh;
            best_z = z;
        }
    }
    *scale = lb_f16_to_f32(best_sh);
    *zero = (float)best_z;
}
}  // namespace

extern "C" int32_t lb_group_params(int32_t fmt, int32_t group, const float *src, int64_t rows, int64_t cols,
                                   int32_t grid, float max_shrink, float norm, float *scale, float *zero) {
    const int bits = group_bits_of(fmt, group, rows, cols);
    if (bits < 0) return bits;
    if (grid < 0 || !(max_shrink >= 0.f && max_shrink < 1.f) || !(norm > 0.f)) return LB_ERR_ARG;
    const int64_t ng = cols / group;
    // shrink factors p = 1 - i/grid for i < max_shrink*grid (GPTQ's --w_clip search); p = 1 alone without a grid
    const int steps = grid > 0 ? std::max(1, (int)(max_shrink * (float)grid)) : 1;
#pragma omp parallel for num_threads(lb_threads_get()) schedule(static)
    for (int64_t r = 0; r < rows; r++) {
        for (int64_t gi = 0; gi < ng; gi++) {
            const float *w = src + r * cols + gi * group;
            float mn = 0.f, mx = 0.f;
            for (int i = 0; i < group; i++) {
                mn = std::fmin(mn, w[i]);
                mx = std::fmax(mx, w[i]);
            }
            best_grid(bits, mn, mx, steps,
                      [&](int i, float *lo, float *hi) {
                          const float p = 1.f - (float)i / (float)grid;
                          *lo = p * mn;
                          *hi = p * mx;
                      },
                      [&](uint16_t sh, int z) { return (double)grid_error(w, group, bits, sh, z, norm); },
                      &scale[r * ng + gi], &zero[r * ng + gi]);
        }
    }
    return LB_OK;
}

extern "C" int32_t lb_quantize_params(int32_t fmt, int32_t group, const float *src, const float *scale, const float *zero,
                                      void *dst, int64_t rows, int64_t cols) {
    const int bits = group_bits_of(fmt, group, rows, cols);
    if (bits < 0) return bits;
    const int64_t ng = cols / group, rb = lb_row_bytes(fmt, group, cols), bb = lb_group_block_bytes(bits, group);
    const int qmax = (1 << bits) - 1;
    for (int64_t i = 0; i < rows * ng; i++) {  // grids the format cannot store are refused, not rounded
        const float z = zero[i];
        if (!(scale[i] >= 0.f) || lb_f16_to_f32(lb_f32_to_f16(scale[i])) != scale[i] || z != std::floor(z) || z < 0 || z > qmax)
            return LB_ERR_ARG;
    }
#pragma omp parallel for num_threads(lb_threads_get()) schedule(static)
    for (int64_t r = 0; r < rows; r++) {
        uint8_t *row = (uint8_t *)dst + r * rb;
        for (int64_t gi = 0; gi < ng; gi++)
            lb_pack_group(src + r * cols + gi * group, group, bits, lb_f32_to_f16(scale[r * ng + gi]), (int)zero[r * ng + gi],
                          row + gi * bb);
    }
    return LB_OK;
}

namespace {
// d^T H d over one group: d = dequant(quant(w)) - w on the grid (sh, z), H the group's block of a
// [cols][cols] matrix starting at h (row stride cols); h = NULL: sum d^2
double output_error(const float *w, int g, int bits, uint16_t sh, int z, const float *h, int64_t cols, float *d) {
    const float s = lb_f16_to_f32(sh), inv = s > 0.f ? 1.f / s : 0.f;
    for (int i = 0; i < g; i++) d[i] = s * (float)(lb_grid_code(w[i], inv, z, bits) - z) - w[i];
    double err = 0.0;
    for (int i = 0; i < g; i++) {
        if (h == nullptr) {
            err += (double)d[i] * d[i];
            continue;
        }
        double hd = 0.0;
        const float *row = h + i * cols;
        for (int j = 0; j < g; j++) hd += (double)row[j] * d[j];
        err += d[i] * hd;
    }
    return err;
}
}  // namespace

extern "C" int32_t lb_group_params_awq(int32_t fmt, int32_t group, const float *src, int64_t rows, int64_t cols, const float *xtx,
                                       int32_t grid, float max_shrink, float *scale, float *zero) {
    const int bits = group_bits_of(fmt, group, rows, cols);
    if (bits < 0) return bits;
    if (grid < 0 || !(max_shrink >= 0.f && max_shrink < 1.f)) return LB_ERR_ARG;
    const int64_t ng = cols / group;
    // limits m = p * max|w|, p = 1 - i/grid for i < max_shrink*grid (AWQ's auto_clip); p = 1 alone without a grid
    const int steps = grid > 0 ? std::max(1, (int)(max_shrink * (float)grid)) : 1;
#pragma omp parallel num_threads(lb_threads_get())
    {
        std::vector<float> d(group);
#pragma omp for schedule(static)
        for (int64_t r = 0; r < rows; r++) {
            for (int64_t gi = 0; gi < ng; gi++) {
                const float *w = src + r * cols + gi * group;
                const float *h = xtx == nullptr ? nullptr : xtx + (gi * group) * cols + gi * group;
                float mn = 0.f, mx = 0.f;
                for (int i = 0; i < group; i++) {
                    mn = std::fmin(mn, w[i]);
                    mx = std::fmax(mx, w[i]);
                }
                const float amax = std::fmax(-mn, mx);
                best_grid(bits, mn, mx, steps,
                          [&](int i, float *lo, float *hi) {
                              const float m = amax * (1.f - (float)i / (float)grid);
                              *lo = std::fmax(mn, -m);
                              *hi = std::fmin(mx, m);
                          },
                          [&](uint16_t sh, int z) { return output_error(w, group, bits, sh, z, h, cols, d.data()); },
                          &scale[r * ng + gi], &zero[r * ng + gi]);
            }
        }
    }
    return LB_OK;
}
