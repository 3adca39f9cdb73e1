// NEON row kernels of matmul_ggml, included by ggml_matmul_neon.cpp (DOT false: baseline ASIMD,
// SMULL/SADALP) and ggml_matmul_dotprod.cpp (DOT true: SDOT, built with +dotprod). Same integer
// block sums as the scalar reference (ggml_matmul.cpp), reordered fp32 accumulation:
//  * F32/F16/BF16: weights converted in registers (FCVTL for f16, a 16-bit shift for bf16), FMA
//    with the fp32 activations, 4 lanes x U chains per token.
//  * Q8_0/Q4_0/Q4_1/Q5_0/Q5_1: one 32-block per step, codes minus the format's offset as int8
//    (|code - offset| <= 128, activations within +-127: a pair of products fits int16), exact int32
//    block sum per lane, then acc += (dw*dx) * sum in fp32.
//  * K-quants: none (the table's slot is empty: scalar).
// Everything here has internal linkage: the two builds must not share a function.
#pragma once
#include <arm_neon.h>
#include "ggml_common.h"

namespace lbg {
namespace {

template <int32_t FMT>
inline float32x4_t load_w4(const uint8_t *w, int64_t c) {
    if (FMT == LB_F32) return vld1q_f32((const float *)w + c);
    const uint16x4_t h = vld1_u16((const uint16_t *)w + c);
    if (FMT == LB_F16) return vcvt_f32_f16(vreinterpret_f16_u16(h));
    return vreinterpretq_f32_u32(vshll_n_u16(h, 16));
}

template <int32_t FMT, int NT>
void row_float_t(const uint8_t *w, const Act &a, int64_t t0, float *out) {
    constexpr int U = NT == 1 ? 4 : NT == 2 ? 2 : 1;
    float32x4_t acc[NT][U];
    for (int k = 0; k < NT; k++)
        for (int u = 0; u < U; u++) acc[k][u] = vdupq_n_f32(0.f);
    const int64_t n = a.c1;
    const float *x[NT];
    for (int k = 0; k < NT; k++) x[k] = a.x(t0 + k);
    int64_t c = a.c0;
    for (; c + 4 * U <= n; c += 4 * U) {
        float32x4_t wv[U];
        for (int u = 0; u < U; u++) wv[u] = load_w4<FMT>(w, c + 4 * u);
        for (int k = 0; k < NT; k++)
            for (int u = 0; u < U; u++) acc[k][u] = vfmaq_f32(acc[k][u], wv[u], vld1q_f32(x[k] + c + 4 * u));
    }
    for (; c + 4 <= n; c += 4) {
        const float32x4_t wv = load_w4<FMT>(w, c);
        for (int k = 0; k < NT; k++) acc[k][0] = vfmaq_f32(acc[k][0], wv, vld1q_f32(x[k] + c));
    }
    for (int k = 0; k < NT; k++) {
        for (int u = 1; u < U; u++) acc[k][0] = vaddq_f32(acc[k][0], acc[k][u]);
        float s = vaddvq_f32(acc[k][0]);
        for (int64_t cc = c; cc < n; cc++) s += w_at<FMT>(w, cc) * x[k][cc];
        out[k] = s;
    }
}

// a block's 32 codes minus the format's offset, as int8 in element order: lo = 0..15, hi = 16..31
template <int32_t FMT>
inline void codes(const uint8_t *b, int8x16_t &lo, int8x16_t &hi) {
    if (FMT == LB_Q8_0) {
        lo = vld1q_s8((const int8_t *)b + 2);
        hi = vld1q_s8((const int8_t *)b + 18);
        return;
    }
    const int qo = FMT == LB_Q4_0 ? 2 : FMT == LB_Q4_1 ? 4 : FMT == LB_Q5_0 ? 6 : 8;
    const uint8x16_t qs = vld1q_u8(b + qo);
    uint8x16_t l = vandq_u8(qs, vdupq_n_u8(0x0f)), h = vshrq_n_u8(qs, 4);
    if (FMT == LB_Q5_0 || FMT == LB_Q5_1) {
        // bit e of qh -> 0x10 in element e: element e tests bit e%8 of qh byte e/8
        const uint32_t qh = rd32(b + (FMT == LB_Q5_0 ? 2 : 4));
        static const uint8_t kBits[16] = {1, 2, 4, 8, 16, 32, 64, 128, 1, 2, 4, 8, 16, 32, 64, 128};
        const uint8x16_t bit = vld1q_u8(kBits), v16 = vdupq_n_u8(16);
        const uint8x16_t h0 = vcombine_u8(vdup_n_u8((uint8_t)qh), vdup_n_u8((uint8_t)(qh >> 8)));
        const uint8x16_t h1 = vcombine_u8(vdup_n_u8((uint8_t)(qh >> 16)), vdup_n_u8((uint8_t)(qh >> 24)));
        l = vorrq_u8(l, vandq_u8(vtstq_u8(h0, bit), v16));
        h = vorrq_u8(h, vandq_u8(vtstq_u8(h1, bit), v16));
    }
    const int8x16_t off = vdupq_n_s8((int8_t)vnni_offset(FMT));
    lo = vsubq_s8(vreinterpretq_s8_u8(l), off);
    hi = vsubq_s8(vreinterpretq_s8_u8(h), off);
}

// per-lane int32 sums of w * q over 32 elements (exact)
template <bool DOT>
inline int32x4_t dot32(int8x16_t w0, int8x16_t w1, const int8_t *q) {
    const int8x16_t q0 = vld1q_s8(q), q1 = vld1q_s8(q + 16);
#if defined(__ARM_FEATURE_DOTPROD)
    if constexpr (DOT) return vdotq_s32(vdotq_s32(vdupq_n_s32(0), w0, q0), w1, q1);
#endif
    int16x8_t p0 = vmull_s8(vget_low_s8(w0), vget_low_s8(q0));
    p0 = vmlal_high_s8(p0, w0, q0);
    int16x8_t p1 = vmull_s8(vget_low_s8(w1), vget_low_s8(q1));
    p1 = vmlal_high_s8(p1, w1, q1);
    return vpadalq_s16(vpaddlq_s16(p0), p1);
}

template <bool DOT>
struct RowB32 {
    template <int32_t FMT, int NT>
    static void run(const uint8_t *w, const Act &a, int64_t t0, float *out) {
        constexpr int bb = format_row(FMT)->info.block_bytes;
        constexpr bool minterm = FMT == LB_Q4_1 || FMT == LB_Q5_1;
        float32x4_t acc[NT];
        float macc[NT];
        for (int k = 0; k < NT; k++) acc[k] = vdupq_n_f32(0.f), macc[k] = 0.f;
        for (int64_t b = a.b0(); b < a.b1(); b++) {
            const uint8_t *p = w + b * bb;
            int8x16_t w0, w1;
            codes<FMT>(p, w0, w1);
            const float dw = rdh(p);
            for (int k = 0; k < NT; k++) {
                const int32x4_t s = dot32<DOT>(w0, w1, a.q(t0 + k) + b * 32);
                const float dx = a.d(t0 + k)[b];
                acc[k] = vfmaq_f32(acc[k], vcvtq_f32_s32(s), vdupq_n_f32(dw * dx));
                if (minterm) macc[k] += rdh(p + 2) * (dx * (float)a.s(t0 + k)[b]);
            }
        }
        for (int k = 0; k < NT; k++) out[k] = vaddvq_f32(acc[k]) + macc[k];
    }
};

template <int32_t FMT>
void row_float(const uint8_t *w, const Act &a, int64_t t0, int nt, float *out) {
#define LB_NEON_FLOAT(N) row_float_t<FMT, N>(w, a, t0, out)
    LB_TILE_SWITCH(LB_NEON_FLOAT)
#undef LB_NEON_FLOAT
}

template <bool DOT, int32_t FMT>
void row_b32(const uint8_t *w, const Act &a, int64_t t0, int nt, float *out) {
#define LB_NEON_B32(N) RowB32<DOT>::template run<FMT, N>(w, a, t0, out)
    LB_TILE_SWITCH(LB_NEON_B32)
#undef LB_NEON_B32
}

}  // namespace
}  // namespace lbg
