// Reference quantizers of the K-quants (scalar), by llama.cpp's own rules without an importance
// matrix, so lowbit's RTN Q2_K..Q6_K of a tensor is the file llama-quantize writes (checked out of
// tree against ggml's quantize_row_qN_K_ref, byte for byte):
//  - each sub-block first searches its own scale (and min) for the smallest weighted error:
//    affine_search (Q2_K, Q4_K, Q5_K: x ~ s*q - m over a sweep of candidate scales, least squares
//    for s and m at each), sym_search (Q6_K: x ~ s*q, candidate scales around max/nmax, weighted by
//    x^2), q3_search (Q3_K: x ~ s*q with codes moved one at a time while the weighted fit improves);
//  - the sub-block scales and mins are then quantized under the super-block's f16 d and dmin, and
//    every value is re-rounded against the scale actually stored. A sub-block whose stored scale
//    is 0 keeps the codes its search chose (they multiply 0; llama.cpp writes the same bytes).
// The float operations run in the reference's order: the build has -ffp-contract=off, and the
// tie rule of rint() is the reference's nearest_int (ties to even) for these magnitudes.
#include <math.h>
#include <string.h>
#include "lowbit/lowbit.h"
#include "format_table.h"
#include "ggml_common.h"

using namespace lbg;

namespace {

constexpr float kZeroGroup = 1e-15f;  // a sub-block whose largest |x| is below this is all zeros

inline int nearest(float v) { return (int)lrintf(v); }
inline int clampi(int v, int lo, int hi) { return v < lo ? lo : v > hi ? hi : v; }
inline void wr16(uint8_t *p, uint16_t v) { memcpy(p, &v, 2); }
inline float f16_round(float v) { return f16_to_f32(f32_to_f16(v)); }

// x ~ scale*L + min over n values (L in 0..nmax), weights w; returns scale, *neg_min = -min
// (min <= 0). Starts from the min/max grid, then tries nstep+1 grids of (nmax + rmin + rdelta*i)
// steps over the range, fitting scale and min by weighted least squares on each one's codes and
// keeping the fit with the smallest weighted error (|diff| when mad, else diff^2).
float affine_search(int n, int nmax, const float *x, const float *w, uint8_t *L, float *neg_min,
                    float rmin, float rdelta, int nstep, bool mad) {
    float lo = x[0], hi = x[0], sw = w[0], sx = w[0] * x[0];
    for (int i = 1; i < n; i++) {
        lo = x[i] < lo ? x[i] : lo;
        hi = x[i] > hi ? x[i] : hi;
        sw += w[i];
        sx += w[i] * x[i];
    }
    if (lo > 0) lo = 0;
    if (hi == lo) {
        memset(L, 0, (size_t)n);
        *neg_min = -lo;
        return 0.f;
    }
    float inv = nmax / (hi - lo), scale = 1 / inv, best = 0;
    for (int i = 0; i < n; i++) {
        L[i] = (uint8_t)clampi(nearest(inv * (x[i] - lo)), 0, nmax);
        const float d = scale * L[i] + lo - x[i];
        best += w[i] * (mad ? fabsf(d) : d * d);
    }
    uint8_t trial[32];
    for (int step = 0; step <= nstep; step++) {
        inv = (rmin + rdelta * step + nmax) / (hi - lo);
        float sl = 0, sl2 = 0, sxl = 0;
        for (int i = 0; i < n; i++) {
            const int l = clampi(nearest(inv * (x[i] - lo)), 0, nmax);
            trial[i] = (uint8_t)l;
            sl += w[i] * l;
            sl2 += w[i] * l * l;
            sxl += w[i] * l * x[i];
        }
        const float det = sw * sl2 - sl * sl;
        if (det <= 0) continue;
        float s = (sw * sxl - sx * sl) / det, m = (sl2 * sx - sl * sxl) / det;
        if (m > 0) {  // the offset may only lower values: refit the scale alone
            m = 0;
            s = sxl / sl2;
        }
        float err = 0;
        for (int i = 0; i < n; i++) {
            const float d = s * trial[i] + m - x[i];
            err += w[i] * (mad ? fabsf(d) : d * d);
        }
        if (err < best) {
            memcpy(L, trial, (size_t)n);
            best = err;
            scale = s;
            lo = m;
        }
    }
    *neg_min = -lo;
    return scale;
}

// the value of largest magnitude (the first of equals); 0 for a sub-block of zeros (all |x| below kZeroGroup)
float extreme_value(int n, const float *x) {
    float amax = 0, vmax = 0;
    for (int i = 0; i < n; i++)
        if (fabsf(x[i]) > amax) { amax = fabsf(x[i]); vmax = x[i]; }
    return amax < kZeroGroup ? 0.f : vmax;
}

// codes of x on the grid 1/inv (l in -nmax..nmax-1, stored as l + offset) and the x^2-weighted
// sums of the least-squares fit: sxl = sum(w x l), sl2 = sum(w l^2)
void grid_fit(int n, int nmax, const float *x, float inv, int offset, int8_t *L, float *sxl, float *sl2) {
    *sxl = *sl2 = 0;
    for (int i = 0; i < n; i++) {
        const int l = clampi(nearest(inv * x[i]), -nmax, nmax - 1);
        L[i] = (int8_t)(l + offset);
        const float w = x[i] * x[i];
        *sxl += w * x[i] * l;
        *sl2 += w * l * l;
    }
}

// x ~ scale*(L - nmax), L in 0..2*nmax-1, weighted by x^2: the value of largest magnitude starts
// the grid (-nmax steps), then 18 nearby grids (nmax +- 0.1..0.9 steps) compete on the weighted
// least-squares fit sum(w x l)^2 / sum(w l^2)
float sym_search(int n, int nmax, const float *x, int8_t *L) {
    const float vmax = extreme_value(n, x);
    if (vmax == 0) {
        memset(L, 0, (size_t)n);
        return 0.f;
    }
    float inv = -nmax / vmax, sxl, sl2;
    grid_fit(n, nmax, x, inv, nmax, L, &sxl, &sl2);
    float scale = sl2 ? sxl / sl2 : 0.f, best = scale * sxl;
    int8_t trial[32];
    for (int k = -9; k <= 9; k++) {
        if (k == 0) continue;
        inv = -(nmax + 0.1f * k) / vmax;
        grid_fit(n, nmax, x, inv, nmax, trial, &sxl, &sl2);
        if (sl2 > 0 && sxl * sxl > best * sl2) {
            memcpy(L, trial, (size_t)n);
            scale = sxl / sl2;
            best = scale * sxl;
        }
    }
    return scale;
}

// Q3_K's sub-block search: codes from the extreme value's grid, then up to 5 passes that move each
// code to the one the fit without it suggests, whenever the weighted (x^2) fit improves
float q3_search(int n, int nmax, const float *x, int8_t *L) {
    const float vmax = extreme_value(n, x);
    if (vmax == 0) {
        memset(L, 0, (size_t)n);
        return 0.f;
    }
    float sxl, sl2;
    grid_fit(n, nmax, x, -nmax / vmax, 0, L, &sxl, &sl2);
    for (int pass = 0; pass < 5; pass++) {
        int moved = 0;
        for (int i = 0; i < n; i++) {
            const float w = x[i] * x[i];
            float slx = sxl - w * x[i] * L[i];
            if (slx <= 0) continue;
            float sl2x = sl2 - w * L[i] * L[i];
            const int l = clampi(nearest(x[i] * sl2x / slx), -nmax, nmax - 1);
            if (l == L[i]) continue;
            slx += w * x[i] * l;
            sl2x += w * l * l;
            if (sl2x > 0 && slx * slx * sl2 > sxl * sxl * sl2x) {
                L[i] = (int8_t)l;
                sxl = slx;
                sl2 = sl2x;
                moved++;
            }
        }
        if (!moved) break;
    }
    for (int i = 0; i < n; i++) L[i] = (int8_t)(L[i] + nmax);
    return sl2 > 0.0f ? sxl / sl2 : 0.0f;
}

// two-bit codes of 256 values (0..3), four per byte: byte l of each half of 128 holds values l,
// l+32, l+64, l+96 (Q2_K's and Q3_K's layout)
template <typename T>
void pack2(const T *L, uint8_t *qs) {
    for (int j = 0; j < 256; j += 128)
        for (int l = 0; l < 32; l++)
            qs[j / 4 + l] = (uint8_t)(L[j + l] | (L[j + l + 32] << 2) | (L[j + l + 64] << 4) | (L[j + l + 96] << 6));
}

// the sixteen sub-block scales of a symmetric K-quant (Q3_K, Q6_K) from its search, with codes in
// L; returns the scale of largest magnitude (the first of equals), *amax its magnitude
float signed_scales(float (*search)(int, int, const float *, int8_t *), int nmax, const float *x, int8_t *L,
                    float *scales, float *amax) {
    float max_scale = 0;
    *amax = 0;
    for (int j = 0; j < 16; j++) {
        scales[j] = search(16, nmax, x + 16 * j, L + 16 * j);
        if (fabsf(scales[j]) > *amax) { *amax = fabsf(scales[j]); max_scale = scales[j]; }
    }
    return max_scale;
}

// Q4_K / Q5_K: eight sub-blocks of 32, weights sqrt(mean x^2) + |x|, six-bit scales and mins
// under f16 d = max scale / 63 and dmin = max min / 63, packed in 12 bytes; returns the codes
void k45_block(const float *x, int nmax, float rmin, int nstep, uint8_t *b, uint8_t *L) {
    float scales[8], mins[8], w[32], max_scale = 0, max_min = 0;
    for (int j = 0; j < 8; j++) {
        const float *xs = x + 32 * j;
        float sum2 = 0;
        for (int l = 0; l < 32; l++) sum2 += xs[l] * xs[l];
        const float av = sqrtf(sum2 / 32);
        for (int l = 0; l < 32; l++) w[l] = av + fabsf(xs[l]);
        scales[j] = affine_search(32, nmax, xs, w, L + 32 * j, &mins[j], rmin, 0.1f, nstep, false);
        if (scales[j] > max_scale) max_scale = scales[j];
        if (mins[j] > max_min) max_min = mins[j];
    }
    const float inv_scale = max_scale > 0 ? 63.f / max_scale : 0.f, inv_min = max_min > 0 ? 63.f / max_min : 0.f;
    uint8_t sc[8], mn[8];
    for (int j = 0; j < 8; j++) {
        sc[j] = (uint8_t)nearest(inv_scale * scales[j]);
        mn[j] = (uint8_t)nearest(inv_min * mins[j]);
        sc[j] = sc[j] < 63 ? sc[j] : 63;
        mn[j] = mn[j] < 63 ? mn[j] : 63;
    }
    uint8_t *s = b + 4;
    for (int j = 0; j < 4; j++) {
        s[j] = sc[j] | ((sc[j + 4] >> 4) << 6);
        s[j + 4] = mn[j] | ((mn[j + 4] >> 4) << 6);
        s[j + 8] = (sc[j + 4] & 15) | ((mn[j + 4] & 15) << 4);
    }
    const uint16_t d = f32_to_f16(max_scale / 63.f), dmin = f32_to_f16(max_min / 63.f);
    wr16(b, d);
    wr16(b + 2, dmin);
    for (int j = 0; j < 8; j++) {
        const float ds = f16_to_f32(d) * sc[j];
        if (!ds) continue;
        const float dm = f16_to_f32(dmin) * mn[j];
        for (int l = 0; l < 32; l++) L[32 * j + l] = (uint8_t)clampi(nearest((x[32 * j + l] + dm) / ds), 0, nmax);
    }
}

void q_q4_k(const float *x, uint8_t *b) {
    uint8_t L[256];
    k45_block(x, 15, -1.f, 20, b, L);
    uint8_t *qs = b + 16;
    for (int j = 0; j < 256; j += 64)
        for (int l = 0; l < 32; l++) qs[j / 2 + l] = L[j + l] | (L[j + l + 32] << 4);
}

void q_q5_k(const float *x, uint8_t *b) {
    uint8_t L[256];
    k45_block(x, 31, -0.5f, 15, b, L);
    uint8_t *qh = b + 16, *qs = b + 48;
    memset(qh, 0, 32);
    for (int j = 0; j < 256; j += 64)
        for (int l = 0; l < 32; l++) {
            const int lo = L[j + l], hi = L[j + l + 32], bit = j / 32;
            qh[l] |= (uint8_t)((lo >> 4) << bit | (hi >> 4) << (bit + 1));
            qs[j / 2 + l] = (uint8_t)((lo & 15) | (hi & 15) << 4);
        }
}

// Q2_K: sixteen sub-blocks of 16 weighted by |x| with absolute error, four-bit scales and mins
// under f16 d = max scale / 15, dmin = max min / 15
void q_q2_k(const float *x, uint8_t *b) {
    uint8_t L[256];
    float scales[16], mins[16], w[16], max_scale = 0, max_min = 0;
    for (int j = 0; j < 16; j++) {
        for (int l = 0; l < 16; l++) w[l] = fabsf(x[16 * j + l]);
        scales[j] = affine_search(16, 3, x + 16 * j, w, L + 16 * j, &mins[j], -0.5f, 0.1f, 15, true);
        if (scales[j] > max_scale) max_scale = scales[j];
        if (mins[j] > max_min) max_min = mins[j];
    }
    uint8_t *sc = b;
    uint16_t d = 0, dmin = 0;
    memset(sc, 0, 16);
    if (max_scale > 0) {
        const float inv = 15.f / max_scale;
        for (int j = 0; j < 16; j++) sc[j] = (uint8_t)nearest(inv * scales[j]);
        d = f32_to_f16(max_scale / 15.f);
    }
    if (max_min > 0) {
        const float inv = 15.f / max_min;
        for (int j = 0; j < 16; j++) sc[j] |= (uint8_t)(nearest(inv * mins[j]) << 4);
        dmin = f32_to_f16(max_min / 15.f);
    }
    for (int j = 0; j < 16; j++) {
        const float ds = f16_to_f32(d) * (sc[j] & 15);
        if (!ds) continue;
        const float dm = f16_to_f32(dmin) * (sc[j] >> 4);
        for (int l = 0; l < 16; l++) L[16 * j + l] = (uint8_t)clampi(nearest((x[16 * j + l] + dm) / ds), 0, 3);
    }
    pack2(L, b + 16);
    wr16(b + 80, d);
    wr16(b + 82, dmin);
}

// Q3_K: sixteen sub-blocks of 16, signed six-bit scales under f16 d = -(largest scale) / 32
void q_q3_k(const float *x, uint8_t *b) {
    int8_t L[256];
    float scales[16], amax;
    const float max_scale = signed_scales(q3_search, 4, x, L, scales, &amax);
    uint8_t *hm = b, *qs = b + 32, *s = b + 96;
    memset(s, 0, 12);
    uint16_t d = 0;
    if (max_scale) {
        const float inv = -32.f / max_scale;
        for (int j = 0; j < 16; j++) {
            const int l = clampi((int8_t)nearest(inv * scales[j]), -32, 31) + 32;
            s[j % 8] |= (uint8_t)((l & 15) << (4 * (j / 8)));
            s[8 + j % 4] |= (uint8_t)((l >> 4) << (2 * (j / 4)));
        }
        d = f32_to_f16(1 / inv);
    }
    for (int j = 0; j < 16; j++) {
        const int u = ((s[j % 8] >> (4 * (j / 8))) & 15) | (((s[8 + j % 4] >> (2 * (j / 4))) & 3) << 4);
        const float ds = f16_to_f32(d) * (u - 32);
        if (!ds) continue;
        for (int l = 0; l < 16; l++) L[16 * j + l] = (int8_t)(clampi(nearest(x[16 * j + l] / ds), -4, 3) + 4);
    }
    memset(hm, 0, 32);
    for (int e = 0; e < 256; e++)  // the high bit of code e: byte e % 32, bit e / 32
        if (L[e] > 3) {
            hm[e % 32] |= (uint8_t)(1 << (e / 32));
            L[e] = (int8_t)(L[e] - 4);
        }
    pack2(L, qs);
    wr16(b + 108, d);
}

// Q6_K: sixteen sub-blocks of 16, signed eight-bit scales under f16 d = -(largest scale) / 128
void q_q6_k(const float *x, uint8_t *b) {
    int8_t L[256];
    float scales[16], amax;
    const float max_scale = signed_scales(sym_search, 32, x, L, scales, &amax);
    if (amax < kZeroGroup) {
        memset(b, 0, 210);
        return;
    }
    const float inv = -128.f / max_scale;
    const uint16_t d = f32_to_f16(1 / inv);
    int8_t *sc = (int8_t *)(b + 192);
    for (int j = 0; j < 16; j++) {
        const int v = nearest(inv * scales[j]);
        sc[j] = (int8_t)(v < 127 ? v : 127);
    }
    for (int j = 0; j < 16; j++) {
        const float ds = f16_to_f32(d) * sc[j];
        if (!ds) continue;
        for (int l = 0; l < 16; l++) L[16 * j + l] = (int8_t)(clampi(nearest(x[16 * j + l] / ds), -32, 31) + 32);
    }
    uint8_t *ql = b, *qh = b + 128;
    for (int j = 0; j < 256; j += 128)
        for (int l = 0; l < 32; l++) {
            const int q1 = L[j + l], q2 = L[j + l + 32], q3 = L[j + l + 64], q4 = L[j + l + 96];
            ql[j / 2 + l] = (uint8_t)((q1 & 15) | (q3 & 15) << 4);
            ql[j / 2 + l + 32] = (uint8_t)((q2 & 15) | (q4 & 15) << 4);
            qh[j / 4 + l] = (uint8_t)((q1 >> 4) | (q2 >> 4) << 2 | (q3 >> 4) << 4 | (q4 >> 4) << 6);
        }
    wr16(b + 208, d);
}

}  // namespace

void quantize_q2_k(const float *x, uint8_t *b) { q_q2_k(x, b); }
void quantize_q3_k(const float *x, uint8_t *b) { q_q3_k(x, b); }
void quantize_q4_k(const float *x, uint8_t *b) { q_q4_k(x, b); }
void quantize_q5_k(const float *x, uint8_t *b) { q_q5_k(x, b); }
void quantize_q6_k(const float *x, uint8_t *b) { q_q6_k(x, b); }
