// Round-to-nearest reference quantizers of the ggml-native formats (scalar).
// *_0/*_1 follow the classic ggml reference rules (scale from the block's extreme value);
// the K-quants use a plain two-level RTN (sub-block scale/min, then 6- or 4-bit quantized
// scales, codes re-rounded against the scales actually stored). No importance weighting:
// GGUF files are normally quantized elsewhere; this exists for tests and ad-hoc conversion.
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

// K-quant helper: for each of ng groups of gs elements, scale = (max - min0)/top with
// min0 = min(0, min); then quantize scales to sbits (d = max scale / smax) and mins likewise.
// Returns the effective per-group scale/min the codes are rounded against.
void k_scales_mins(const float *x, int ng, int gs, int top, int smax, float *d, float *dmin,
                   uint8_t *sc, uint8_t *mn, float *eff_s, float *eff_m) {
    float s[16], m[16], maxs = 0, maxm = 0;
    for (int g = 0; g < ng; g++) {
        float lo = 0, hi = x[g * gs];
        for (int l = 0; l < gs; l++) { lo = fminf(lo, x[g * gs + l]); hi = fmaxf(hi, x[g * gs + l]); }
        s[g] = hi > lo ? (hi - lo) / (float)top : 0.f;
        m[g] = -lo;
        maxs = fmaxf(maxs, s[g]);
        maxm = fmaxf(maxm, m[g]);
    }
    *d = f16_to_f32(f32_to_f16(maxs / (float)smax));
    *dmin = f16_to_f32(f32_to_f16(maxm / (float)smax));
    for (int g = 0; g < ng; g++) {
        sc[g] = (uint8_t)clampi(*d > 0 ? (int)lrintf(s[g] / *d) : 0, 0, smax);
        mn[g] = (uint8_t)clampi(*dmin > 0 ? (int)lrintf(m[g] / *dmin) : 0, 0, smax);
        eff_s[g] = *d * (float)sc[g];
        eff_m[g] = *dmin * (float)mn[g];
    }
}

inline int k_code(float x, float s, float m, int top) {
    return s > 0 ? clampi((int)lrintf((x + m) / s), 0, top) : 0;
}

// Q4_K / Q5_K super-block header: f16 d and dmin, then 8 six-bit scales and mins packed in 12
// bytes; returns each sub-block's effective scale and min for coding its values (top = 2^bits-1)
void k45_header(const float *x, int top, uint8_t *b, float *es, float *em) {
    float d, dmin;
    uint8_t sc[8], mn[8];
    k_scales_mins(x, 8, 32, top, 63, &d, &dmin, sc, mn, es, em);
    wr16(b, f32_to_f16(d));
    wr16(b + 2, f32_to_f16(dmin));
    uint8_t *s = b + 4;
    for (int j = 0; j < 4; j++) {
        s[j] = sc[j] | ((sc[j + 4] >> 4) << 6);
        s[j + 4] = mn[j] | ((mn[j + 4] >> 4) << 6);
        s[j + 8] = (sc[j + 4] & 15) | ((mn[j + 4] & 15) << 4);
    }
}

void q_q4_k(const float *x, uint8_t *b) {
    float es[8], em[8];
    k45_header(x, 15, b, es, em);
    uint8_t *qs = b + 16;
    memset(qs, 0, 128);
    for (int sb = 0; sb < 8; sb++)
        for (int l = 0; l < 32; l++)
            qs[32 * (sb / 2) + l] |= (uint8_t)(k_code(x[32 * sb + l], es[sb], em[sb], 15) << (4 * (sb & 1)));
}

void q_q5_k(const float *x, uint8_t *b) {
    float es[8], em[8];
    k45_header(x, 31, b, es, em);
    uint8_t *qh = b + 16, *qs = b + 48;
    memset(qh, 0, 32 + 128);
    for (int sb = 0; sb < 8; sb++)
        for (int l = 0; l < 32; l++) {
            const int q = k_code(x[32 * sb + l], es[sb], em[sb], 31);
            qs[32 * (sb / 2) + l] |= (uint8_t)((q & 15) << (4 * (sb & 1)));
            qh[l] |= (uint8_t)((q >> 4) << sb);
        }
}

void q_q2_k(const float *x, uint8_t *b) {
    float d, dmin, es[16], em[16];
    uint8_t sc[16], mn[16];
    k_scales_mins(x, 16, 16, 3, 15, &d, &dmin, sc, mn, es, em);
    for (int g = 0; g < 16; g++) b[g] = sc[g] | (mn[g] << 4);
    uint8_t *qs = b + 16;
    memset(qs, 0, 64);
    for (int e = 0; e < 256; e++) {
        const int n = e / 128, j = (e % 128) / 32, l = e % 32;
        qs[32 * n + l] |= (uint8_t)(k_code(x[e], es[e / 16], em[e / 16], 3) << (2 * j));
    }
    wr16(b + 80, f32_to_f16(d));
    wr16(b + 82, f32_to_f16(dmin));
}

// symmetric K-quants (Q3_K, Q6_K): per 16 elements s = extreme value / -2^(bits-1);
// scales quantized signed with d = max|s| / smax.
void k_sym_scales(const float *x, int half, int smax, float *d, int8_t *sc, float *eff) {
    float s[16], maxs = 0;
    for (int g = 0; g < 16; g++) {
        float amax = 0, v = 0;
        for (int l = 0; l < 16; l++)
            if (fabsf(x[16 * g + l]) > amax) { amax = fabsf(x[16 * g + l]); v = x[16 * g + l]; }
        s[g] = v / (float)-half;
        maxs = fmaxf(maxs, fabsf(s[g]));
    }
    *d = f16_to_f32(f32_to_f16(maxs / (float)smax));
    for (int g = 0; g < 16; g++) {
        sc[g] = (int8_t)clampi(*d > 0 ? (int)lrintf(s[g] / *d) : 0, -smax, smax);
        eff[g] = *d * (float)sc[g];
    }
}

void q_q3_k(const float *x, uint8_t *b) {
    float d, eff[16];
    int8_t sc[16];
    k_sym_scales(x, 4, 31, &d, sc, eff);
    uint8_t *hm = b, *qs = b + 32, *s = b + 96;
    memset(b, 0, 108);
    for (int i = 0; i < 16; i++) {
        const int u = sc[i] + 32;
        s[i % 8] |= (uint8_t)((u & 15) << (4 * (i / 8)));
        s[8 + i % 4] |= (uint8_t)((u >> 4) << (2 * (i / 4)));
    }
    for (int e = 0; e < 256; e++) {
        const int n = e / 128, j = (e % 128) / 32, l = e % 32;
        const float s16 = eff[e / 16];
        const int q = (s16 != 0 ? clampi((int)lrintf(x[e] / s16), -4, 3) : 0) + 4;
        qs[32 * n + l] |= (uint8_t)((q & 3) << (2 * j));
        hm[l] |= (uint8_t)((q >> 2) << (4 * n + j));
    }
    wr16(b + 108, f32_to_f16(d));
}

void q_q6_k(const float *x, uint8_t *b) {
    float d, eff[16];
    int8_t sc[16];
    k_sym_scales(x, 32, 127, &d, sc, eff);
    uint8_t *ql = b, *qh = b + 128;
    memset(b, 0, 192);
    memcpy(b + 192, sc, 16);
    for (int e = 0; e < 256; e++) {
        const int n = e / 128, k = (e % 128) / 32, l = e % 32;
        const float s16 = eff[e / 16];
        const int q = (s16 != 0 ? clampi((int)lrintf(x[e] / s16), -32, 31) : 0) + 32;
        ql[64 * n + 32 * (k & 1) + l] |= (uint8_t)((q & 15) << (4 * (k >> 1)));
        qh[32 * n + l] |= (uint8_t)((q >> 4) << (2 * k));
    }
    wr16(b + 208, f32_to_f16(d));
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
void quantize_q2_k(const float *x, uint8_t *b) { q_q2_k(x, b); }
void quantize_q3_k(const float *x, uint8_t *b) { q_q3_k(x, b); }
void quantize_q4_k(const float *x, uint8_t *b) { q_q4_k(x, b); }
void quantize_q5_k(const float *x, uint8_t *b) { q_q5_k(x, b); }
void quantize_q6_k(const float *x, uint8_t *b) { q_q6_k(x, b); }
