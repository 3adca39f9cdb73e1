// Round-to-nearest reference quantizers of the 32-element ggml formats (scalar), by the classic
// ggml reference rules (scale from the block's extreme value), and the whole-matrix entries of the
// format table. The K-quants are kquant_quantize.cpp.
#include <math.h>
#include "lowbit/lowbit.h"
#include "format_table.h"
#include "ggml_common.h"

using namespace lbg;

namespace {

inline int clampi(int v, int lo, int hi) { return v < lo ? lo : v > hi ? hi : v; }
inline void wr16(uint8_t *p, uint16_t v) { memcpy(p, &v, 2); }

void q_q8_0(const float *x, uint8_t *b) {
    float amax = 0;
    for (int j = 0; j < 32; j++) amax = fmaxf(amax, fabsf(x[j]));
    const float d = amax / 127.f, id = d != 0 ? 1.f / d : 0.f;
    wr16(b, f32_to_f16(d));
    for (int j = 0; j < 32; j++) b[2 + j] = (uint8_t)(int8_t)roundf(x[j] * id);
}

// symmetric 4/5-bit: the value of largest magnitude maps to code 0 (-2^(bits-1))
template <int BITS>
void q_sym(const float *x, uint8_t *b) {
    const int half = 1 << (BITS - 1), top = (1 << BITS) - 1;
    float amax = 0, vmax = 0;
    for (int j = 0; j < 32; j++)
        if (fabsf(x[j]) > amax) { amax = fabsf(x[j]); vmax = x[j]; }
    const float d = vmax / (float)-half, id = d != 0 ? 1.f / d : 0.f;
    wr16(b, f32_to_f16(d));
    uint8_t q[32];
    for (int j = 0; j < 32; j++) q[j] = (uint8_t)clampi((int)(int8_t)(x[j] * id + (float)half + 0.5f), 0, top);
    uint8_t *qs = b + (BITS == 4 ? 2 : 6);
    uint32_t qh = 0;
    for (int j = 0; j < 16; j++) {
        qs[j] = (q[j] & 15) | ((q[j + 16] & 15) << 4);
        qh |= (uint32_t)(q[j] >> 4) << j;
        qh |= (uint32_t)(q[j + 16] >> 4) << (j + 16);
    }
    if (BITS == 5) memcpy(b + 2, &qh, 4);
}

// asymmetric 4/5-bit: x = d*q + m with m the block minimum
template <int BITS>
void q_asym(const float *x, uint8_t *b) {
    const int top = (1 << BITS) - 1;
    float mn = x[0], mx = x[0];
    for (int j = 1; j < 32; j++) { mn = fminf(mn, x[j]); mx = fmaxf(mx, x[j]); }
    const float d = (mx - mn) / (float)top, id = d != 0 ? 1.f / d : 0.f;
    wr16(b, f32_to_f16(d));
    wr16(b + 2, f32_to_f16(mn));
    uint8_t q[32];
    for (int j = 0; j < 32; j++) q[j] = (uint8_t)clampi((int)(int8_t)((x[j] - mn) * id + 0.5f), 0, top);
    uint8_t *qs = b + (BITS == 4 ? 4 : 8);
    uint32_t qh = 0;
    for (int j = 0; j < 16; j++) {
        qs[j] = (q[j] & 15) | ((q[j + 16] & 15) << 4);
        qh |= (uint32_t)(q[j] >> 4) << j;
        qh |= (uint32_t)(q[j + 16] >> 4) << (j + 16);
    }
    if (BITS == 5) memcpy(b + 4, &qh, 4);
}

}  // namespace

// the format table's entries (format_table.h): whole matrices, and one block of each block format
int32_t quantize_f32(const FormatRow &, int32_t, const float *src, void *dst, int64_t rows, int64_t cols) {
    memcpy(dst, src, (size_t)(rows * cols) * 4);
    return LB_OK;
}
int32_t quantize_f16(const FormatRow &, int32_t, const float *src, void *dst, int64_t rows, int64_t cols) {
    for (int64_t i = 0; i < rows * cols; i++) ((uint16_t *)dst)[i] = f32_to_f16(src[i]);
    return LB_OK;
}
int32_t quantize_bf16(const FormatRow &, int32_t, const float *src, void *dst, int64_t rows, int64_t cols) {
    for (int64_t i = 0; i < rows * cols; i++) ((uint16_t *)dst)[i] = f32_to_bf16(src[i]);
    return LB_OK;
}
int32_t quantize_blocks(const FormatRow &f, int32_t, const float *src, void *dst, int64_t rows, int64_t cols) {
    const int64_t rb = format_row_bytes(f, 0, cols), nb = cols / f.info.block;
    uint8_t *d = (uint8_t *)dst;
    for (int64_t r = 0; r < rows; r++)
        for (int64_t i = 0; i < nb; i++)
            f.quantize_block(src + r * cols + i * f.info.block, d + r * rb + i * f.info.block_bytes);
    return LB_OK;
}
void quantize_q8_0(const float *x, uint8_t *b) { q_q8_0(x, b); }
void quantize_q4_0(const float *x, uint8_t *b) { q_sym<4>(x, b); }
void quantize_q5_0(const float *x, uint8_t *b) { q_sym<5>(x, b); }
void quantize_q4_1(const float *x, uint8_t *b) { q_asym<4>(x, b); }
void quantize_q5_1(const float *x, uint8_t *b) { q_asym<5>(x, b); }
