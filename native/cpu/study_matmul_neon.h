// NEON variants of the study formats' matmuls (study_matmul.cpp holds the scalar references),
// included by study_matmul_neon.cpp (DOT false: SMULL/SADALP) and study_matmul_dotprod.cpp (DOT
// true: SDOT, built with +dotprod).
//  - I8CH/I4CH/I8CHA: the scalar path's activation quantisation (study_quant_act*), exact int32 dot
//    products per (row, token), then the scalar epilogue: bit-identical to the reference.
//    I8CHA's u8 activations enter as q - 128 (signed), with 128 * sum(w) added back; I4CHA's u4 ones
//    as q - z_x (-15..15), so I4CH's dot gives sum w*q - z_x*sum w directly.
//  - W*G: per group a table of bf16(s*(i-z)) formed exactly as the reference forms each weight; a
//    row is unpacked through it once (4-bit codes 16 at a time with TBL), then FP32 FMA with every
//    token's bf16(x): the same exact products, summed in 4 x 4 lanes.
// Everything here has internal linkage: the two builds must not share a function.
#pragma once
#include <arm_neon.h>
#include <cstring>
#include "dispatch.h"
#include "study_internal.h"
#include "study_pack.h"

namespace {

// sum of w[c] * q[c] (int8 x int8 -> exact int32); |q| <= 127 (a pair of products fits int16)
template <bool DOT>
inline int32_t dot_s8(const int8_t *w, const int8_t *q, int64_t n) {
    int32x4_t acc = vdupq_n_s32(0);
    int64_t c = 0;
    for (; c + 16 <= n; c += 16) {
        const int8x16_t a = vld1q_s8(w + c), b = vld1q_s8(q + c);
#if defined(__ARM_FEATURE_DOTPROD)
        if constexpr (DOT) {
            acc = vdotq_s32(acc, a, b);
            continue;
        }
#endif
        acc = vpadalq_s16(acc, vmlal_high_s8(vmull_s8(vget_low_s8(a), vget_low_s8(b)), a, b));
    }
    int32_t s = vaddvq_s32(acc);
    for (; c < n; c++) s += w[c] * q[c];
    return s;
}

// sum of w[c] * (q[c] - 128) for u8 q: products up to 128 * 128, so one product per int16 lane
template <bool DOT>
inline int32_t dot_s8_u8m128(const int8_t *w, const uint8_t *q, int64_t n) {
    int32x4_t acc = vdupq_n_s32(0);
    const uint8x16_t bias = vdupq_n_u8(0x80);
    int64_t c = 0;
    for (; c + 16 <= n; c += 16) {
        const int8x16_t a = vld1q_s8(w + c), b = vreinterpretq_s8_u8(veorq_u8(vld1q_u8(q + c), bias));
#if defined(__ARM_FEATURE_DOTPROD)
        if constexpr (DOT) {
            acc = vdotq_s32(acc, a, b);
            continue;
        }
#endif
        acc = vpadalq_s16(acc, vmull_s8(vget_low_s8(a), vget_low_s8(b)));
        acc = vpadalq_s16(acc, vmull_high_s8(a, b));
    }
    int32_t s = vaddvq_s32(acc);
    for (; c < n; c++) s += w[c] * ((int32_t)q[c] - 128);
    return s;
}

// I4CH codes (two's complement int4, LSB first) -> int8 in element order
inline void unpack_i4(const uint8_t *codes, int64_t cols, int8_t *out) {
    int64_t c = 0;
    for (; c + 32 <= cols; c += 32) {
        const int8x16_t b = vld1q_s8((const int8_t *)codes + c / 2);
        const int8x16_t lo = vshrq_n_s8(vshlq_n_s8(b, 4), 4), hi = vshrq_n_s8(b, 4);
        vst1q_s8(out + c, vzip1q_s8(lo, hi));
        vst1q_s8(out + c + 16, vzip2q_s8(lo, hi));
    }
    for (; c < cols; c++) out[c] = (int8_t)lb_get_i4(codes, (int)c);
}

// asym4: I4CHA (int4 weights, activations q - z_x of the u4 codes)
template <bool DOT>
void matmul_sym(bool int4, const uint8_t *w, int64_t rows, int64_t cols, const float *x, int64_t ntok, float *y,
                bool asym4 = false) {
    const int64_t rb = 4 + (int4 ? cols / 2 : cols);  // {f32 scale; codes}
    int8_t *xq = study_scratch_i8((size_t)(ntok * cols));
    float *sx = study_scratch_f32((size_t)ntok);
    for (int64_t t = 0; t < ntok; t++) {
        int8_t *q = xq + t * cols;
        if (asym4) {
            int32_t z;
            sx[t] = study_quant_act_asym(x + t * cols, cols, 15, (uint8_t *)q, &z);
            for (int64_t c = 0; c < cols; c++) q[c] = (int8_t)((int)(uint8_t)q[c] - z);
        } else {
            sx[t] = study_quant_act(x + t * cols, cols, int4 ? 7 : 127, q, nullptr);
        }
    }
#pragma omp parallel num_threads(lb_threads_for((long long)rows * cols * ntok))
    {
        int8_t *wq = int4 ? (int8_t *)study_scratch_rows((size_t)cols) : nullptr;
#pragma omp for schedule(static)
        for (int64_t r = 0; r < rows; r++) {
            const uint8_t *row = w + r * rb;
            float sw;
            std::memcpy(&sw, row, 4);
            const int8_t *codes = (const int8_t *)(row + 4);
            if (int4) unpack_i4(row + 4, cols, wq), codes = wq;
            for (int64_t t = 0; t < ntok; t++)
                y[t * rows + r] = (sw * sx[t]) * (float)dot_s8<DOT>(codes, xq + t * cols, cols);
        }
    }
}

template <bool DOT>
void matmul_asym(const uint8_t *w, int64_t rows, int64_t cols, const float *x, int64_t ntok, float *y) {
    const int64_t rb = 4 + cols;
    const StudyAsymActs acts = study_quant_acts_asym(x, ntok, cols, 255);
    const uint8_t *xq = acts.q;
    const float *sx = acts.scale;
    const int32_t *zx = acts.zero;
#pragma omp parallel for num_threads(lb_threads_for((long long)rows * cols * ntok)) schedule(static)
    for (int64_t r = 0; r < rows; r++) {
        const uint8_t *row = w + r * rb;
        const int8_t *wq = (const int8_t *)(row + 4);
        float sw;
        std::memcpy(&sw, row, 4);
        int32x4_t ws = vdupq_n_s32(0);
        int64_t c = 0;
        for (; c + 16 <= cols; c += 16) ws = vpadalq_s16(ws, vpaddlq_s8(vld1q_s8(wq + c)));
        int32_t wsum = vaddvq_s32(ws);
        for (; c < cols; c++) wsum += wq[c];
        for (int64_t t = 0; t < ntok; t++) {
            const int32_t acc = dot_s8_u8m128<DOT>(wq, xq + t * cols, cols) + 128 * wsum;
            y[t * rows + r] = (sw * sx[t]) * (float)(acc - zx[t] * wsum);
        }
    }
}

}  // namespace
