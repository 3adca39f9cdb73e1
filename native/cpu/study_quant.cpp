// quantize_study / dequantize_study: RTN quantisation of the study formats (ids >= 100) and its
// inverse. Formats and packing math: study_pack.h. Quantisation runs once per model load, so it is
// scalar and parallel over rows.
#include "kernels.h"
#include "lowbit/lowbit.h"
#include "study_pack.h"
#include <cmath>
#include <cstring>

namespace {
void quant_sym_row(const float *w, int64_t cols, int qmax, uint8_t *row, bool int4) {
    float amax = 0.f;
    for (int64_t c = 0; c < cols; c++) amax = std::fmax(amax, std::fabs(w[c]));
    const float s = lb_sym_scale(amax, qmax), inv = amax > 0.f ? (float)qmax / amax : 0.f;
    std::memcpy(row, &s, 4);
    uint8_t *codes = row + 4;
    if (int4) {
        for (int64_t c = 0; c < cols / 2; c++) codes[c] = 0;
        for (int64_t c = 0; c < cols; c++) lb_put_i4(codes, (int)c, lb_sym_quant(w[c], inv, qmax));
    } else {
        for (int64_t c = 0; c < cols; c++) ((int8_t *)codes)[c] = (int8_t)lb_sym_quant(w[c], inv, qmax);
    }
}
}  // namespace

// bytes per row and code width (0 for the per-channel formats) of a study weight format,
// or LB_ERR_ARG / LB_ERR_FORMAT
static int64_t study_row_layout(int32_t fmt, int32_t group, int64_t cols, int *bits) {
    const int64_t rb = lb_row_bytes(fmt, group, cols);
    if (rb < 0) return LB_ERR_ARG;
    *bits = lb_group_bits(fmt);
    if (!*bits && fmt != LB_I8CH && fmt != LB_I8CHA && fmt != LB_I4CH) return LB_ERR_FORMAT;
    return rb;
}

int32_t quantize_study(int32_t fmt, int32_t group, const float *src, void *dst, int64_t rows, int64_t cols) {
    if (fmt == LB_BF16X16) return quantize_bf16x16(src, dst, rows, cols);
    int bits;
    const int64_t rb = study_row_layout(fmt, group, cols, &bits);
    if (rb < 0) return (int32_t)rb;
    uint8_t *out = (uint8_t *)dst;
#pragma omp parallel for num_threads(lb_threads_get()) schedule(static)
    for (int64_t r = 0; r < rows; r++) {
        const float *w = src + r * cols;
        uint8_t *row = out + r * rb;
        if (bits) {
            const int64_t bb = lb_group_block_bytes(bits, group);
            for (int64_t g = 0; g < cols / group; g++) lb_quant_group(w + g * group, group, bits, row + g * bb);
        } else {
            quant_sym_row(w, cols, fmt == LB_I4CH ? 7 : 127, row, fmt == LB_I4CH);
        }
    }
    return LB_OK;
}

int32_t dequantize_study(int32_t fmt, int32_t group, const void *src, float *dst, int64_t rows, int64_t cols) {
    if (fmt == LB_BF16X16) return dequantize_bf16x16(src, dst, rows, cols);
    int bits;
    const int64_t rb = study_row_layout(fmt, group, cols, &bits);
    if (rb < 0) return (int32_t)rb;
    const uint8_t *in = (const uint8_t *)src;
#pragma omp parallel for num_threads(lb_threads_get()) schedule(static)
    for (int64_t r = 0; r < rows; r++) {
        const uint8_t *row = in + r * rb;
        float *w = dst + r * cols;
        if (bits) {
            const int64_t bb = lb_group_block_bytes(bits, group);
            for (int64_t g = 0; g < cols / group; g++) lb_dequant_group(row + g * bb, bits, group, w + g * group);
        } else {
            float s;
            std::memcpy(&s, row, 4);
            for (int64_t c = 0; c < cols; c++)
                w[c] = s * (float)(fmt == LB_I4CH ? lb_get_i4(row + 4, (int)c) : (int)((const int8_t *)(row + 4))[c]);
        }
    }
    return LB_OK;
}
