// NEON row kernels of matmul_ggml, included by ggml_matmul_neon.cpp (DOT false: baseline ASIMD,
// SMULL/SADALP) and ggml_matmul_dotprod.cpp (DOT true: SDOT, built with +dotprod). Same integer
// block sums as the scalar reference (ggml_matmul.cpp), reordered fp32 accumulation:
//  * F32/F16/BF16: weights converted in registers (FCVTL for f16, a 16-bit shift for bf16), FMA
//    with the fp32 activations, 4 lanes x U chains per token.
//  * Q8_0/Q4_0/Q4_1/Q5_0/Q5_1: one 32-block per step, codes minus the format's offset as int8
//    (|code - offset| <= 128, activations within +-127: a pair of products fits int16), exact int32
//    block sum per lane, then acc += (dw*dx) * sum in fp32.
//  * K-quants: a super-block's 256 codes decoded once into 16 int8 vectors in element order (minus
//    Q3_K's 4 / Q6_K's 32), exact int32 dots per 16 elements times the integer sub-block scale, then
//    the scalar reference's float expression per super-block on the same integer sums.
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

// exact int32 lanes of w * q over 16 elements
template <bool DOT>
inline int32x4_t dot16(int8x16_t w, const int8_t *q) {
    const int8x16_t x = vld1q_s8(q);
#if defined(__ARM_FEATURE_DOTPROD)
    if constexpr (DOT) return vdotq_s32(vdupq_n_s32(0), w, x);
#endif
    return vpaddlq_s16(vmlal_high_s8(vmull_s8(vget_low_s8(w), vget_low_s8(x)), w, x));
}

// One K-quant super-block decoded: c[i] = codes of elements 16i..16i+15 (signed, offsets removed),
// sc[i] = the integer scale of those 16; the min term's integer sum and the two float scales of the
// reference (ggml_matmul.cpp dot_q*_k): result = (d*dx)*sumi - (dmin*dx)*summ
struct KBlock {
    int8x16_t c[16];
    int32_t sc[16];
    uint8_t mn[16];  // Q2_K: min per 16; Q4_K/Q5_K: min per 32 in mn[0..7]
    float d, dmin;
};

template <int32_t FMT>
inline void decode_k(const uint8_t *b, KBlock &k) {
    const uint8x16_t m3 = vdupq_n_u8(3), m0f = vdupq_n_u8(15);
    if (FMT == LB_Q2_K || FMT == LB_Q3_K) {
        // group g = 8n + 2j + h: bits 2j of qs bytes 32n + 16h ..
        const uint8_t *qs = b + (FMT == LB_Q2_K ? 16 : 32);
        for (int n = 0; n < 2; n++)
            for (int h = 0; h < 2; h++) {
                const uint8x16_t v = vld1q_u8(qs + 32 * n + 16 * h);
                uint8x16_t hm;
                if (FMT == LB_Q3_K) hm = vld1q_u8(b + 16 * h);
                for (int j = 0; j < 4; j++) {
                    const int g = 8 * n + 2 * j + h;
                    const uint8x16_t c2 = vandq_u8(vshlq_u8(v, vdupq_n_s8((int8_t)(-2 * j))), m3);
                    if (FMT == LB_Q2_K) {
                        k.c[g] = vreinterpretq_s8_u8(c2);
                    } else {  // code - 4 unless the hmask bit 4n + j is set
                        const uint8x16_t set = vtstq_u8(hm, vdupq_n_u8((uint8_t)(1 << (4 * n + j))));
                        k.c[g] = vaddq_s8(vsubq_s8(vreinterpretq_s8_u8(c2), vdupq_n_s8(4)),
                                          vreinterpretq_s8_u8(vandq_u8(set, vdupq_n_u8(4))));
                    }
                }
            }
        if (FMT == LB_Q2_K) {
            for (int g = 0; g < 16; g++) k.sc[g] = b[g] & 15, k.mn[g] = b[g] >> 4;
            k.d = rdh(b + 80), k.dmin = rdh(b + 82);
        } else {
            int8_t s8[16];
            unpack_q3k_scales(b + 96, s8);
            for (int g = 0; g < 16; g++) k.sc[g] = s8[g];
            k.d = rdh(b + 108), k.dmin = 0;
        }
    } else if (FMT == LB_Q4_K || FMT == LB_Q5_K) {
        // sub-block sb (32 elements): nibble sb & 1 of qs bytes 32 (sb / 2) .., Q5_K: bit sb of qh as bit 4
        constexpr bool FIVE = FMT == LB_Q5_K;
        const uint8_t *qs = b + (FIVE ? 48 : 16);
        uint8_t sc[8];
        unpack_k4_scales(b + 4, sc, k.mn);
        for (int sb = 0; sb < 8; sb++)
            for (int h = 0; h < 2; h++) {
                const uint8x16_t v = vld1q_u8(qs + 32 * (sb / 2) + 16 * h);
                uint8x16_t c = sb & 1 ? vshrq_n_u8(v, 4) : vandq_u8(v, m0f);
                if (FIVE) {
                    const uint8x16_t qh = vld1q_u8(b + 16 + 16 * h);
                    c = vorrq_u8(c, vandq_u8(vtstq_u8(qh, vdupq_n_u8((uint8_t)(1 << sb))), vdupq_n_u8(16)));
                }
                k.c[2 * sb + h] = vreinterpretq_s8_u8(c);
                k.sc[2 * sb + h] = sc[sb];
            }
        k.d = rdh(b), k.dmin = rdh(b + 2);
    } else {  // Q6_K, group g = 8n + 2k + h: low nibble (k >> 1) of ql 64n + 32 (k & 1) + 16h .., 2 bits 2k of qh 32n + 16h ..
        const int8_t *sc = (const int8_t *)(b + 192);
        for (int n = 0; n < 2; n++)
            for (int h = 0; h < 2; h++) {
                const uint8x16_t qh = vld1q_u8(b + 128 + 32 * n + 16 * h);
                for (int kk = 0; kk < 4; kk++) {
                    const uint8x16_t ql = vld1q_u8(b + 64 * n + 32 * (kk & 1) + 16 * h);
                    const uint8x16_t lo = kk >> 1 ? vshrq_n_u8(ql, 4) : vandq_u8(ql, m0f);
                    const uint8x16_t hi = vandq_u8(vshlq_u8(qh, vdupq_n_s8((int8_t)(-2 * kk))), m3);
                    const int g = 8 * n + 2 * kk + h;
                    k.c[g] = vsubq_s8(vreinterpretq_s8_u8(vorrq_u8(lo, vshlq_n_u8(hi, 4))), vdupq_n_s8(32));
                }
            }
        for (int g = 0; g < 16; g++) k.sc[g] = sc[g];
        k.d = rdh(b + 208), k.dmin = 0;
    }
}

template <bool DOT>
struct RowK {
    template <int32_t FMT, int NT>
    static void run(const uint8_t *w, const Act &a, int64_t t0, float *out) {
        constexpr int bb = format_row(FMT)->info.block_bytes;
        float acc[NT];
        for (int k = 0; k < NT; k++) acc[k] = 0.f;
        KBlock kb;
        for (int64_t b = a.b0(); b < a.b1(); b++) {
            decode_k<FMT>(w + b * bb, kb);
            for (int k = 0; k < NT; k++) {
                const int8_t *q = a.q(t0 + k) + b * 256;
                const int16_t *b16 = a.b16(t0 + k) + b * 16;
                int32x4_t is = vdupq_n_s32(0);
                for (int g = 0; g < 16; g++) is = vmlaq_n_s32(is, dot16<DOT>(kb.c[g], q + 16 * g), kb.sc[g]);
                const int32_t sumi = vaddvq_s32(is);
                int32_t summ = 0;
                if (FMT == LB_Q2_K)
                    for (int g = 0; g < 16; g++) summ += kb.mn[g] * b16[g];
                else if (FMT == LB_Q4_K || FMT == LB_Q5_K)
                    for (int sb = 0; sb < 8; sb++) summ += kb.mn[sb] * (b16[2 * sb] + b16[2 * sb + 1]);
                const float dx = a.d(t0 + k)[b];
                const float r = (kb.d * dx) * (float)sumi;
                acc[k] += FMT == LB_Q2_K || FMT == LB_Q4_K || FMT == LB_Q5_K ? r - (kb.dmin * dx) * (float)summ : r;
            }
        }
        for (int k = 0; k < NT; k++) out[k] = acc[k];
    }
};

template <bool DOT, int32_t FMT>
void row_k(const uint8_t *w, const Act &a, int64_t t0, int nt, float *out) {
#define LB_NEON_K(N) RowK<DOT>::template run<FMT, N>(w, a, t0, out)
    LB_TILE_SWITCH(LB_NEON_K)
#undef LB_NEON_K
}

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
