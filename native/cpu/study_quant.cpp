// RTN quantisation of the grouped (W*G, KV*) and per-channel (I8CH, I8CHA, I4CH, I4CHA) formats and its
// inverse. Formats and packing math: study_pack.h. Quantisation runs once per model load, so it is
// scalar and parallel over rows.
#include "format_table.h"
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

int32_t quantize_groups(const FormatRow &f, int32_t group, const float *src, void *dst, int64_t rows, int64_t cols) {
    const int bits = f.info.bits;
    const int64_t rb = format_row_bytes(f, group, cols), bb = lb_group_block_bytes(bits, group);
    uint8_t *out = (uint8_t *)dst;
#pragma omp parallel for num_threads(lb_threads_get()) schedule(static)
    for (int64_t r = 0; r < rows; r++)
        for (int64_t g = 0; g < cols / group; g++) lb_quant_group(src + r * cols + g * group, group, bits, out + r * rb + g * bb);
    return LB_OK;
}

int32_t dequantize_groups(const FormatRow &f, int32_t group, const void *src, float *dst, int64_t rows, int64_t cols) {
    const int bits = f.info.bits;
    const int64_t rb = format_row_bytes(f, group, cols), bb = lb_group_block_bytes(bits, group);
    const uint8_t *in = (const uint8_t *)src;
#pragma omp parallel for num_threads(lb_threads_get()) schedule(static)
    for (int64_t r = 0; r < rows; r++)
        for (int64_t g = 0; g < cols / group; g++) lb_dequant_group(in + r * rb + g * bb, bits, group, dst + r * cols + g * group);
    return LB_OK;
}

// I8CH / I8CHA (8-bit codes) and I4CH / I4CHA (4-bit): {f32 scale; codes} per row
int32_t quantize_channels(const FormatRow &f, int32_t, const float *src, void *dst, int64_t rows, int64_t cols) {
    const bool int4 = f.info.bits == 4;
    const int64_t rb = format_row_bytes(f, 0, cols);
    uint8_t *out = (uint8_t *)dst;
#pragma omp parallel for num_threads(lb_threads_get()) schedule(static)
    for (int64_t r = 0; r < rows; r++) quant_sym_row(src + r * cols, cols, int4 ? 7 : 127, out + r * rb, int4);
    return LB_OK;
}

int32_t dequantize_channels(const FormatRow &f, int32_t, const void *src, float *dst, int64_t rows, int64_t cols) {
    const bool int4 = f.info.bits == 4;
    const int64_t rb = format_row_bytes(f, 0, cols);
    const uint8_t *in = (const uint8_t *)src;
#pragma omp parallel for num_threads(lb_threads_get()) schedule(static)
    for (int64_t r = 0; r < rows; r++) {
        const uint8_t *row = in + r * rb;
        float *w = dst + r * cols;
        float s;
        std::memcpy(&s, row, 4);
        for (int64_t c = 0; c < cols; c++)
            w[c] = s * (float)(int4 ? lb_get_i4(row + 4, (int)c) : (int)((const int8_t *)(row + 4))[c]);
    }
    return LB_OK;
}
