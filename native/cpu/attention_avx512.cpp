// AVX-512 attention over a span of keys (reference: attention_span_scalar in attention.cpp).
// Online softmax over tiles of ATTN_TILE keys; per tile:
//  - scores, 16 keys at a time. F32/F16/KV8: each key row converted into NV = head_dim/16
//    registers, dotted with every query head of the group, one reduce16 per (16 keys, head).
//    KV4/KV3: integer scores (kv_internal.h): the 16 rows' codes are unpacked to bytes,
//    transposed so a register holds 4 consecutive codes of each of the 16 keys, and every head's
//    int8 query is applied with vpdpbusd (64 multiply-adds per instruction, no horizontal
//    reduction); group scales and zero points are applied per group on the 16 keys' sums.
//  - softmax update: new running max, rescale of the sum and the output accumulators.
//  - values. F32/F16/KV8: KT rows dequantised into registers and accumulated into every head's
//    output with FMAs. KV4/KV3: the weights p*s of the tile are quantised to u8 per head and group
//    (kv_internal.h), 4 rows' codes are interleaved so a dword holds one element of 4 keys, and
//    vpdpbusd accumulates 4 keys x 16 elements per instruction into int32 sums, flushed into the
//    FP32 output once per tile. Those accumulators hold elements in "quad order" (register
//    4c+k, dword 4L+i = element 64c+16L+4k+i), permuted back at the end.
// GCC 12 flags _mm512_undefined_* inside its own intrinsics as uninitialised (false positive)
#pragma GCC diagnostic ignored "-Wuninitialized"
#pragma GCC diagnostic ignored "-Wmaybe-uninitialized"
#include "kv_internal.h"
#include "simd512_math.h"
#include "study_internal.h"
#include "study_simd512.h"
#include <cmath>
#include <cstring>

namespace {
// BITS: 32 = F32, 16 = F16, 8/4/3 = KV8/KV4/KV3 with group GS (compile-time so the row stays in registers)
template <int NV, int BITS, int GS>
inline void load_row(const uint8_t *row, __m512 iota, __m512 *v) {
    if (BITS == 32) {
        for (int i = 0; i < NV; i++) v[i] = _mm512_loadu_ps((const float *)row + 16 * i);
    } else if (BITS == 16) {
        for (int i = 0; i < NV; i++) v[i] = _mm512_cvtph_ps(_mm256_loadu_si256((const __m256i *)(row + 32 * i)));
    } else {
        constexpr int bb = 3 + GS * BITS / 8;
        for (int g = 0; g < NV * 16 / GS; g++) {
            const uint8_t *blk = row + g * bb;
            __m512 *dst = v + g * GS / 16;
            if (BITS == 8) {
                const __m512 z = _mm512_set1_ps((float)blk[2]), s = _mm512_set1_ps(lb512_scale(blk));
                for (int k = 0; k < GS / 16; k++) dst[k] = lb512_unpack16_u8(blk + 3 + 16 * k, z, s);
            } else {
                const __m512 lut = lb512_lut(iota, blk);
                for (int k = 0; k < GS / 32; k++) lb512_unpack32<BITS == 4 ? 4 : 3>(blk + 3 + k * 4 * BITS, lut, dst[2 * k], dst[2 * k + 1]);
            }
        }
    }
}

// 32 codes (natural order) of a group block's code stream -> 32 bytes at dst
template <int BITS>
inline void unpack32_u8(const uint8_t *codes, uint8_t *dst) {
    __m256i r;
    if (BITS == 8) {
        r = _mm256_loadu_si256((const __m256i *)codes);
    } else if (BITS == 4) {  // word k = byte k: (b | b << 4) & 0x0f0f puts code 2k in the low byte, 2k+1 in the high
        const __m256i t = _mm256_cvtepu8_epi16(_mm_loadu_si128((const __m128i *)codes));
        r = _mm256_ternarylogic_epi32(t, _mm256_slli_epi16(t, 4), _mm256_set1_epi16(0x0f0f), 0xa8);  // (A|B)&C
    } else {  // 3-bit: dword j = code j (the float unpack's shuffle/shift tables), narrowed to bytes
        const __m512i v = _mm512_broadcast_i32x4(_mm_maskz_loadu_epi8(0x0fff, codes));
        const __m512i sh = _mm512_load_si512(kLb3.sh), seven = _mm512_set1_epi32(7);
        const __m512i c0 = _mm512_and_si512(_mm512_srlv_epi32(_mm512_shuffle_epi8(v, _mm512_load_si512(kLb3.a)), sh), seven);
        const __m512i c1 = _mm512_and_si512(_mm512_srlv_epi32(_mm512_shuffle_epi8(v, _mm512_load_si512(kLb3.b)), sh), seven);
        r = _mm256_inserti128_si256(_mm256_castsi128_si256(_mm512_cvtepi32_epi8(c0)), _mm512_cvtepi32_epi8(c1), 1);
    }
    _mm256_storeu_si256((__m256i *)dst, r);
}

// 16x16 dword transpose: out[c].dword[r] = in[r].dword[c]
inline void transpose16(const __m512i *r, __m512i *out) {
    __m512i t[16], u[16];
    for (int k = 0; k < 8; k++) {
        t[2 * k] = _mm512_unpacklo_epi32(r[2 * k], r[2 * k + 1]);
        t[2 * k + 1] = _mm512_unpackhi_epi32(r[2 * k], r[2 * k + 1]);
    }
    for (int k = 0; k < 4; k++) {  // u[4k+c], 128-bit lane L: rows 4k..4k+3 at column 4L+c
        u[4 * k + 0] = _mm512_unpacklo_epi64(t[4 * k], t[4 * k + 2]);
        u[4 * k + 1] = _mm512_unpackhi_epi64(t[4 * k], t[4 * k + 2]);
        u[4 * k + 2] = _mm512_unpacklo_epi64(t[4 * k + 1], t[4 * k + 3]);
        u[4 * k + 3] = _mm512_unpackhi_epi64(t[4 * k + 1], t[4 * k + 3]);
    }
    for (int c = 0; c < 4; c++) {
        const __m512i v0 = _mm512_shuffle_i32x4(u[c], u[4 + c], 0x44), v1 = _mm512_shuffle_i32x4(u[c], u[4 + c], 0xee);
        const __m512i w0 = _mm512_shuffle_i32x4(u[8 + c], u[12 + c], 0x44), w1 = _mm512_shuffle_i32x4(u[8 + c], u[12 + c], 0xee);
        out[c] = _mm512_shuffle_i32x4(v0, w0, 0x88);
        out[4 + c] = _mm512_shuffle_i32x4(v0, w0, 0xdd);
        out[8 + c] = _mm512_shuffle_i32x4(v1, w1, 0x88);
        out[12 + c] = _mm512_shuffle_i32x4(v1, w1, 0xdd);
    }
}

// accumulate n (<= KT) weighted V rows j0.. into acc[gh][hd] (weights p[g * ATTN_TILE + jj])
template <int NV, int BITS, int GS, int KT>
inline void v_tile(const uint8_t *const *rows, __m512 iota, int n, const float *p, int gh, float *acc) {
    __m512 v[KT][NV];
    for (int jj = 0; jj < n; jj++) load_row<NV, BITS, GS>(rows[jj], iota, v[jj]);
    for (int g = 0; g < gh; g++) {
        __m512 w[KT];
        for (int jj = 0; jj < n; jj++) w[jj] = _mm512_set1_ps(p[g * ATTN_TILE + jj]);
        float *a = acc + g * NV * 16;
        for (int i = 0; i < NV; i++) {
            __m512 x = _mm512_loadu_ps(a + 16 * i);
            for (int jj = 0; jj < n; jj++) x = _mm512_fmadd_ps(w[jj], v[jj][i], x);
            _mm512_storeu_ps(a + 16 * i, x);
        }
    }
}

// stands in for the rows past the end of a tile (scale 0, zero 0, codes 0); larger than any row
alignas(64) const uint8_t kZeroRow[1024] = {};

// scales and zero points of one group of 16 rows (rows[i] + off): two gathers of the dword at the block header
inline void gather_headers(const uint8_t *const *rows, int64_t off, float *scale, int32_t *zero) {
    const __m512i o = _mm512_set1_epi64(off);
    const __m256i lo = _mm512_i64gather_epi32(_mm512_add_epi64(_mm512_loadu_si512(rows), o), nullptr, 1);
    const __m256i hi = _mm512_i64gather_epi32(_mm512_add_epi64(_mm512_loadu_si512(rows + 8), o), nullptr, 1);
    const __m512i d = _mm512_inserti64x4(_mm512_castsi256_si512(lo), hi, 1);
    _mm512_storeu_ps(scale, _mm512_cvtph_ps(_mm512_cvtepi32_epi16(d)));
    _mm512_storeu_si512(zero, _mm512_and_si512(_mm512_srli_epi32(d, 16), _mm512_set1_epi32(0xff)));
}

// 4-bit: 16 packed bytes (32 codes) of each of 4 rows -> dword b = byte b of the 4 rows; lo/hi nibbles give
// element 2b / 2b+1 of the 4 keys
inline void interleave4_u4(const uint8_t *r0p, const uint8_t *r1p, const uint8_t *r2p, const uint8_t *r3p, __m512i &lo, __m512i &hi) {
    const __m128i r0 = _mm_loadu_si128((const __m128i *)r0p), r1 = _mm_loadu_si128((const __m128i *)r1p);
    const __m128i r2 = _mm_loadu_si128((const __m128i *)r2p), r3 = _mm_loadu_si128((const __m128i *)r3p);
    const __m128i a = _mm_unpacklo_epi8(r0, r1), b = _mm_unpackhi_epi8(r0, r1);
    const __m128i c = _mm_unpacklo_epi8(r2, r3), d = _mm_unpackhi_epi8(r2, r3);
    __m512i z = _mm512_castsi128_si512(_mm_unpacklo_epi16(a, c));
    z = _mm512_inserti32x4(z, _mm_unpackhi_epi16(a, c), 1);
    z = _mm512_inserti32x4(z, _mm_unpacklo_epi16(b, d), 2);
    z = _mm512_inserti32x4(z, _mm_unpackhi_epi16(b, d), 3);
    const __m512i m = _mm512_set1_epi8(0x0f);
    lo = _mm512_and_si512(z, m);
    hi = _mm512_and_si512(_mm512_srli_epi32(z, 4), m);
}

// a vector whose 128-bit lane L holds x[group of elements 64c+16L..] (GS >= 64: one group per register)
template <int GS, typename T>
inline __m512i lanes_of(const T *x, int c) {
    int32_t a, b;
    if (GS >= 64) {
        std::memcpy(&a, x + 64 * c / GS, 4);
        return _mm512_set1_epi32(a);
    }
    std::memcpy(&a, x + 2 * c, 4);  // GS == 32: lanes 0-1 in group 2c, lanes 2-3 in group 2c+1
    std::memcpy(&b, x + 2 * c + 1, 4);
    return _mm512_inserti64x4(_mm512_set1_epi32(a), _mm256_set1_epi32(b), 1);
}

// KV4/KV3 values of one tile (n keys from t0, softmax weights p in sc[g][.], zero past n):
// acc[g] (quad order) += per group wmax/255 * sum_j wq_j (c_j - z_j)
template <int NV, int BITS, int GS>
void values_int(const uint8_t *const *rows, int n, const float *sc, int gh, float *vs,
                int32_t *vz, int32_t *wq8, int32_t *iacc, float *wsc, int32_t *zsum, float *acc) {
    constexpr int hd = NV * 16, T = ATTN_TILE, NG = hd / GS, bb = 3 + GS * BITS / 8, Q = 16 / NV;
    const int np = (n + 15) / 16 * 16;  // rows n..np-1 are kZeroRow
    for (int jj = 0; jj < np; jj += 16)
        for (int G = 0; G < NG; G++) gather_headers(rows + jj, G * bb, vs + G * T + jj, vz + G * T + jj);
    // u8 weight codes per head and group (dword jq of wq8[g][.][G] = keys 4jq..4jq+3)
    for (int g = 0; g < gh; g++)
        for (int G = 0; G < NG; G++) {
            __m512 wm = _mm512_setzero_ps();
            for (int j = 0; j < np; j += 16)
                wm = _mm512_max_ps(wm, _mm512_mul_ps(_mm512_loadu_ps(sc + g * T + j), _mm512_loadu_ps(vs + G * T + j)));
            const float wmax = _mm512_reduce_max_ps(wm);
            const float inv = wmax > 0.f ? 255.f / wmax : 0.f;
            wsc[g * NG + G] = wmax / 255.f;
            __m512i zs = _mm512_setzero_si512();
            for (int j = 0; j < np; j += 16) {
                const __m512 w = _mm512_mul_ps(_mm512_loadu_ps(sc + g * T + j), _mm512_loadu_ps(vs + G * T + j));
                const __m512i q = _mm512_min_epi32(_mm512_cvtps_epi32(_mm512_mul_ps(w, _mm512_set1_ps(inv))), _mm512_set1_epi32(255));
                zs = _mm512_add_epi32(zs, _mm512_mullo_epi32(q, _mm512_loadu_si512(vz + G * T + j)));
                if (NG == 1) {
                    _mm_storeu_si128((__m128i *)(wq8 + (size_t)g * (T / 4) + j / 4), _mm512_cvtepi32_epi8(q));
                } else {
                    alignas(16) int32_t d[4];
                    _mm_store_si128((__m128i *)d, _mm512_cvtepi32_epi8(q));
                    for (int k = 0; k < 4; k++) wq8[((size_t)g * (T / 4) + j / 4 + k) * NG + G] = d[k];
                }
            }
            zsum[g * NG + G] = _mm512_reduce_add_epi32(zs);
        }
    for (int i = 0; i < gh * hd; i++) iacc[i] = 0;
    alignas(64) uint8_t vb[4][hd];
    for (int jb = 0; jb < n; jb += 4 * Q) {
        __m512i tr[Q][NV];  // quad qd, register 4c+k: dword 4L+i = element 64c+16L+4k+i of keys jb+4qd..+3
                            // (4-bit: register 2P+h: dword b = element 32P+2b+h)
        for (int qd = 0; qd < Q && BITS == 4; qd++) {
            const uint8_t *const *r4 = rows + jb + 4 * qd;
            for (int P = 0; P < hd / 32; P++) {
                const int64_t off = P * 32 / GS * bb + 3 + (P % (GS / 32)) * 16;
                interleave4_u4(r4[0] + off, r4[1] + off, r4[2] + off, r4[3] + off, tr[qd][2 * P], tr[qd][2 * P + 1]);
            }
        }
        for (int qd = 0; qd < Q && BITS != 4; qd++) {
            for (int r = 0; r < 4; r++) {
                const int64_t key = jb + 4 * qd + r;
                if (key < n) {
                    const uint8_t *row = rows[key];
                    for (int G = 0; G < NG; G++)
                        for (int p = 0; p < GS / 32; p++) unpack32_u8<BITS>(row + G * bb + 3 + p * 4 * BITS, vb[r] + G * GS + 32 * p);
                } else {
                    std::memset(vb[r], 0, hd);
                }
            }
            for (int c = 0; c < NV / 4; c++) {
                const __m512i r0 = _mm512_load_si512(vb[0] + 64 * c), r1 = _mm512_load_si512(vb[1] + 64 * c);
                const __m512i r2 = _mm512_load_si512(vb[2] + 64 * c), r3 = _mm512_load_si512(vb[3] + 64 * c);
                const __m512i a = _mm512_unpacklo_epi8(r0, r1), b = _mm512_unpackhi_epi8(r0, r1);
                const __m512i cc = _mm512_unpacklo_epi8(r2, r3), d = _mm512_unpackhi_epi8(r2, r3);
                tr[qd][4 * c + 0] = _mm512_unpacklo_epi16(a, cc);
                tr[qd][4 * c + 1] = _mm512_unpackhi_epi16(a, cc);
                tr[qd][4 * c + 2] = _mm512_unpacklo_epi16(b, d);
                tr[qd][4 * c + 3] = _mm512_unpackhi_epi16(b, d);
            }
        }
        for (int g = 0; g < gh; g++) {
            int32_t *ia = iacc + g * hd;
            __m512i a[NV];
            for (int r = 0; r < NV; r++) a[r] = _mm512_loadu_si512(ia + 16 * r);
            for (int qd = 0; qd < Q; qd++) {
                const int32_t *w = wq8 + ((size_t)g * (T / 4) + (jb / 4 + qd)) * NG;
                if (BITS == 4) {
                    for (int r = 0; r < NV; r++) a[r] = _mm512_dpbusd_epi32(a[r], _mm512_set1_epi32(w[r / 2 * 32 / GS]), tr[qd][r]);
                } else {
                    for (int c = 0; c < NV / 4; c++) {
                        const __m512i wv = lanes_of<GS>(w, c);
                        for (int k = 0; k < 4; k++) a[4 * c + k] = _mm512_dpbusd_epi32(a[4 * c + k], wv, tr[qd][4 * c + k]);
                    }
                }
            }
            for (int r = 0; r < NV; r++) _mm512_storeu_si512(ia + 16 * r, a[r]);
        }
    }
    // flush: acc += wsc * (sum - zero sum), per lane group
    for (int g = 0; g < gh; g++)
        for (int r = 0; r < NV; r++) {
            const int c = r / 4, G4 = r / 2 * 32 / GS;
            const __m512 ws = BITS == 4 ? _mm512_set1_ps(wsc[g * NG + G4]) : _mm512_castsi512_ps(lanes_of<GS>((const int32_t *)(wsc + g * NG), c));
            const __m512i zsv = BITS == 4 ? _mm512_set1_epi32(zsum[g * NG + G4]) : lanes_of<GS>(zsum + g * NG, c);
            const __m512 t = _mm512_cvtepi32_ps(_mm512_sub_epi32(_mm512_loadu_si512(iacc + g * hd + 16 * r), zsv));
            float *a = acc + g * hd + 16 * r;
            _mm512_storeu_ps(a, _mm512_fmadd_ps(ws, t, _mm512_loadu_ps(a)));
        }
}

template <int NV, int BITS, int GS>
void span(const KvLayout &l, const uint8_t *kc, const uint8_t *vc, const float *q, int64_t q_stride, int gh, float scale,
          int kvh, int64_t j0, int64_t j1, float *m, float *lsum, float *acc_out) {
    constexpr int hd = NV * 16, T = ATTN_TILE, KT = NV <= 4 ? 4 : NV <= 8 ? 2 : 1;
    constexpr bool intk = BITS == 4 || BITS == 3;
    constexpr int NG = intk ? hd / GS : 1;
    const __m512 iota = lb512_iota(BITS == 3 ? 3 : 4), vscale = _mm512_set1_ps(scale);
    // scratch (floats): scores [gh][T], accumulators [gh][hd], key tile [16][hd] (floats, or bytes + transposed
    // bytes), query [gh][hd] (floats, or int8 codes), group sums of the int8 query [gh][NG], query scales [gh];
    // int values: row scales [NG][T], zeros [NG][T], weight codes [gh][T/4][NG] dwords, int32 sums [gh][hd],
    // weight scales and zero sums [gh][NG]
    float *sc = study_scratch_f32((size_t)(gh * T + 2 * gh * hd + 16 * hd + gh * NG + gh + 2 * NG * T + gh * T * NG / 4 +
                                           gh * hd + 2 * gh * NG + 16));
    float *acc = sc + gh * T, *kt = acc + gh * hd, *qf = kt + 16 * hd, *qs = qf + gh * hd, *qscale = qs + gh * NG;
    float *vs = qscale + gh, *wsc = vs + NG * T;
    int32_t *vz = (int32_t *)(wsc + gh * NG), *wq8 = vz + NG * T, *iacc = wq8 + gh * T * NG / 4, *zsum = iacc + gh * hd;
    int8_t *q8 = (int8_t *)qf, *q8p = q8 + gh * hd;
    // int path: kb [16][hd] code bytes, kT [hd/4][16] dwords (4 codes of each key); both fit in kt
    uint8_t *kb = (uint8_t *)kt, *kT = kb + 16 * hd;
    alignas(64) float sv[NG][16], zv[NG][16];
    if (intk) {
        for (int g = 0; g < gh; g++) {
            qscale[g] = kv_quant_query(q + g * q_stride, hd, q8 + g * hd);
            if (BITS == 4)  // dword 8P+2k+h of q8p = q8[32P + 8k + h + 0,2,4,6] (the nibble order of the packed scores)
                for (int i = 0; i < hd; i++) {
                    const int P = i / 32, k = i % 32 / 8, h = i % 8 / 4, e = i % 4;
                    q8p[g * hd + i] = q8[g * hd + 32 * P + 8 * k + h + 2 * e];
                }
            for (int G = 0; G < NG; G++) {
                int32_t s = 0;
                for (int i = 0; i < GS; i++) s += q8[g * hd + G * GS + i];
                qs[g * NG + G] = (float)s;
            }
        }
    } else {
        for (int g = 0; g < gh; g++)
            for (int i = 0; i < hd; i++) qf[g * hd + i] = q[g * q_stride + i];
    }
    for (int g = 0; g < gh; g++) {
        m[g] = -INFINITY;
        lsum[g] = 0.f;
        for (int i = 0; i < hd; i++) acc[g * hd + i] = 0.f;
    }
    for (int64_t t0 = j0; t0 < j1; t0 += T) {
        const int n = (int)(j1 - t0 < T ? j1 - t0 : T);
        const uint8_t *kr[T], *vr[T];  // the tile's rows, addressed once
        kv_rows(l, kc, kvh, t0, n, kr);
        kv_rows(l, vc, kvh, t0, n, vr);
        for (int j = n; j < (n + 15) / 16 * 16; j++) kr[j] = vr[j] = kZeroRow;
        // scores of 16 keys at a time into sc[g][jb..]
        for (int jb = 0; jb < n; jb += 16) {
            const int nb = n - jb < 16 ? n - jb : 16;
            // prefetch the next 16 key rows, and this block's value rows for the value pass (into L2)
            for (int jj = jb + 16; jj < jb + 32 && jj < n; jj++) {
                _mm_prefetch((const char *)kr[jj], _MM_HINT_T0);
                _mm_prefetch((const char *)kr[jj] + l.row_bytes - 1, _MM_HINT_T0);
            }
            for (int jj = jb; jj < jb + nb; jj++) {
                _mm_prefetch((const char *)vr[jj], _MM_HINT_T1);
                _mm_prefetch((const char *)vr[jj] + l.row_bytes - 1, _MM_HINT_T1);
            }
            if (BITS == 4) {
                constexpr int bb = 3 + GS * BITS / 8;
                const uint8_t *const *r16 = kr + jb;
                for (int G = 0; G < NG; G++) gather_headers(r16, G * bb, sv[G], (int32_t *)zv[G]);
                for (int G = 0; G < NG; G++) _mm512_store_ps(zv[G], _mm512_cvtepi32_ps(_mm512_load_si512(zv[G])));  // zeros as floats
                const __m512i m = _mm512_set1_epi8(0x0f);
                // heads in chunks of 8 whose int and float sums stay in registers; per piece of 32 codes the 16 rows'
                // packed bytes go through a 16 x 4 dword transpose, then each nibble register meets every head
                for (int g0 = 0; g0 < gh; g0 += 8) {
                    const int ng = gh - g0 < 8 ? gh - g0 : 8;
                    __m512 sf[8];
                    for (int G = 0; G < NG; G++) {
                        __m512i is[8];
                        for (int g = 0; g < 8; g++) is[g] = _mm512_setzero_si512();
                        for (int P = G * GS / 32; P < (G + 1) * GS / 32; P++) {
                            const int64_t off = G * bb + 3 + (P % (GS / 32)) * 16;
                            __m512i z[4];
                            for (int mm = 0; mm < 4; mm++) {
                                z[mm] = _mm512_castsi128_si512(_mm_loadu_si128((const __m128i *)(r16[mm] + off)));
                                for (int L = 1; L < 4; L++)
                                    z[mm] = _mm512_inserti32x4(z[mm], _mm_loadu_si128((const __m128i *)(r16[mm + 4 * L] + off)), L);
                            }
                            const __m512i t0 = _mm512_unpacklo_epi32(z[0], z[1]), t1 = _mm512_unpackhi_epi32(z[0], z[1]);
                            const __m512i t2 = _mm512_unpacklo_epi32(z[2], z[3]), t3 = _mm512_unpackhi_epi32(z[2], z[3]);
                            const __m512i u[4] = {_mm512_unpacklo_epi64(t0, t2), _mm512_unpackhi_epi64(t0, t2), _mm512_unpacklo_epi64(t1, t3),
                                                  _mm512_unpackhi_epi64(t1, t3)};
                            for (int k = 0; k < 4; k++)
                                for (int h = 0; h < 2; h++) {
                                    const __m512i code = _mm512_and_si512(h ? _mm512_srli_epi32(u[k], 4) : u[k], m);
                                    const int d = 8 * P + 2 * k + h;
                                    for (int g = 0; g < 8; g++)
                                        if (g < ng)
                                            is[g] = _mm512_dpbusd_epi32(is[g], code, _mm512_set1_epi32(((const int32_t *)(q8p + (g0 + g) * hd))[d]));
                                }
                        }
                        const __m512 zg = _mm512_load_ps(zv[G]), sg = _mm512_load_ps(sv[G]);
                        for (int g = 0; g < 8; g++)
                            if (g < ng) {  // exact: integers below 2^24
                                const __m512 t = _mm512_fnmadd_ps(zg, _mm512_set1_ps(qs[(g0 + g) * NG + G]), _mm512_cvtepi32_ps(is[g]));
                                sf[g] = G == 0 ? _mm512_mul_ps(t, sg) : _mm512_fmadd_ps(t, sg, sf[g]);
                            }
                    }
                    for (int g = 0; g < ng; g++)
                        _mm512_storeu_ps(sc + (g0 + g) * T + jb, _mm512_mul_ps(_mm512_mul_ps(sf[g], _mm512_set1_ps(qscale[g0 + g])), vscale));
                }
            } else if (intk) {
                constexpr int bb = 3 + GS * BITS / 8;
                for (int jj = 0; jj < 16; jj++) {
                    if (jj < nb) {
                        const uint8_t *row = kr[jb + jj];
                        for (int G = 0; G < NG; G++) {
                            const uint8_t *blk = row + G * bb;
                            sv[G][jj] = lb512_scale(blk);
                            zv[G][jj] = (float)blk[2];
                            for (int p = 0; p < GS / 32; p++) unpack32_u8<BITS>(blk + 3 + p * 4 * BITS, kb + jj * hd + G * GS + 32 * p);
                        }
                    } else {
                        for (int G = 0; G < NG; G++) sv[G][jj] = zv[G][jj] = 0.f;
                        std::memset(kb + jj * hd, 0, hd);
                    }
                }
                for (int c = 0; c < hd / 64; c++) {
                    __m512i r[16], o[16];
                    for (int jj = 0; jj < 16; jj++) r[jj] = _mm512_loadu_si512(kb + jj * hd + 64 * c);
                    transpose16(r, o);
                    for (int d = 0; d < 16; d++) _mm512_storeu_si512(kT + (16 * c + d) * 64, o[d]);
                }
                for (int g = 0; g < gh; g++) {
                    const int32_t *qd = (const int32_t *)(q8 + g * hd);
                    __m512 s = _mm512_setzero_ps();
                    for (int G = 0; G < NG; G++) {
                        __m512i is[4] = {_mm512_setzero_si512(), _mm512_setzero_si512(), _mm512_setzero_si512(), _mm512_setzero_si512()};
                        for (int d = G * GS / 4; d < (G + 1) * GS / 4; d++)
                            is[d % 4] = _mm512_dpbusd_epi32(is[d % 4], _mm512_loadu_si512(kT + d * 64), _mm512_set1_epi32(qd[d]));
                        const __m512i isum = _mm512_add_epi32(_mm512_add_epi32(is[0], is[1]), _mm512_add_epi32(is[2], is[3]));
                        // exact: integers below 2^24
                        const __m512 t = _mm512_fnmadd_ps(_mm512_load_ps(zv[G]), _mm512_set1_ps(qs[g * NG + G]), _mm512_cvtepi32_ps(isum));
                        s = G == 0 ? _mm512_mul_ps(t, _mm512_load_ps(sv[G])) : _mm512_fmadd_ps(t, _mm512_load_ps(sv[G]), s);
                    }
                    _mm512_storeu_ps(sc + g * T + jb, _mm512_mul_ps(_mm512_mul_ps(s, _mm512_set1_ps(qscale[g])), vscale));
                }
            } else {
                __m512 v[NV];
                for (int jj = 0; jj < 16; jj++) {
                    if (jj < nb) load_row<NV, BITS, GS>(kr[jb + jj], iota, v);
                    else for (int i = 0; i < NV; i++) v[i] = _mm512_setzero_ps();
                    for (int i = 0; i < NV; i++) _mm512_storeu_ps(kt + jj * hd + 16 * i, v[i]);
                }
                for (int g = 0; g < gh; g++) {
                    __m512 qv[NV], a[16];
                    for (int i = 0; i < NV; i++) qv[i] = _mm512_loadu_ps(qf + g * hd + 16 * i);
                    for (int jj = 0; jj < 16; jj++) {
                        a[jj] = _mm512_mul_ps(qv[0], _mm512_loadu_ps(kt + jj * hd));
                        for (int i = 1; i < NV; i++) a[jj] = _mm512_fmadd_ps(qv[i], _mm512_loadu_ps(kt + jj * hd + 16 * i), a[jj]);
                    }
                    _mm512_storeu_ps(sc + g * T + jb, _mm512_mul_ps(lb512_reduce16(a), vscale));
                }
            }
        }
        // online softmax update; keys past n are masked out
        const int np = (n + 15) / 16 * 16;
        const __mmask16 last = (__mmask16)(n % 16 ? (1u << (n % 16)) - 1 : 0xffff);
        for (int g = 0; g < gh; g++) {
            float *s = sc + g * T;
            __m512 mx = _mm512_set1_ps(m[g]);
            for (int j = 0; j < np; j += 16)
                mx = _mm512_mask_max_ps(mx, j + 16 < np ? (__mmask16)0xffff : last, mx, _mm512_loadu_ps(s + j));
            const float mnew = _mm512_reduce_max_ps(mx);
            const float corr = std::exp(m[g] - mnew);  // 0 on the first tile (m = -inf)
            m[g] = mnew;
            const __m512 mv = _mm512_set1_ps(mnew);
            __m512 sum = _mm512_setzero_ps();
            for (int j = 0; j < np; j += 16) {
                const __m512 e = _mm512_maskz_mov_ps(j + 16 < np ? (__mmask16)0xffff : last,
                                                     lb512_exp(_mm512_sub_ps(_mm512_loadu_ps(s + j), mv)));
                _mm512_storeu_ps(s + j, e);
                sum = _mm512_add_ps(sum, e);
            }
            lsum[g] = lsum[g] * corr + _mm512_reduce_add_ps(sum);
            if (corr != 1.f) {
                const __m512 cv = _mm512_set1_ps(corr);
                for (int i = 0; i < hd; i += 16) _mm512_storeu_ps(acc + g * hd + i, _mm512_mul_ps(_mm512_loadu_ps(acc + g * hd + i), cv));
            }
        }
        if constexpr (intk) {
            values_int<NV, BITS, GS>(vr, n, sc, gh, vs, vz, wq8, iacc, wsc, zsum, acc);
        } else {  // KT rows at a time, so each accumulator is loaded and stored once per KT rows
            int j = 0;
            for (; j + KT <= n; j += KT) v_tile<NV, BITS, GS, KT>(vr + j, iota, KT, sc + j, gh, acc);
            for (; j < n; j++) v_tile<NV, BITS, GS, 1>(vr + j, iota, 1, sc + j, gh, acc);
        }
    }
    for (int g = 0; g < gh; g++)
        for (int i = 0; i < hd; i++) {
            // quad order (int values): register r = 4c+k, dword p = 4L+i' holds element 64c+16L+4k+i'
            const int r = i / 16, pp = i % 16;
            acc_out[g * hd + (BITS == 4 ? 32 * (r / 2) + 2 * pp + r % 2 : intk ? 64 * (r / 4) + 16 * (pp / 4) + 4 * (r % 4) + pp % 4 : i)] =
                acc[g * hd + i];
        }
}

using SpanFn = void (*)(const KvLayout &, const uint8_t *, const uint8_t *, const float *, int64_t, int, float, int, int64_t,
                        int64_t, float *, float *, float *);

template <int NV>
SpanFn pick_group(const KvLayout &l) {
    const int bits = l.fmt == LB_F32 ? 32 : l.fmt == LB_F16 ? 16 : l.bits;
#define LB_SPAN_BITS(B)                                                   \
    if (bits == B) switch (l.group) {                                     \
            case 32: return span<NV, B, 32>;                              \
            case 64: return span<NV, B, (NV * 16 >= 64 ? 64 : 32)>;      \
            case 128: return span<NV, B, (NV * 16 >= 128 ? 128 : 32)>;   \
            default: return span<NV, B, (NV * 16 >= 256 ? 256 : 32)>;    \
        }
    LB_SPAN_BITS(8)
    LB_SPAN_BITS(4)
    LB_SPAN_BITS(3)
#undef LB_SPAN_BITS
    return bits == 32 ? span<NV, 32, 0> : span<NV, 16, 0>;
}
}  // namespace

void attention_span_avx512(const KvLayout &l, const uint8_t *kc, const uint8_t *vc, const float *q, int64_t q_stride,
                           int gh, float scale, int kvh, int64_t j0, int64_t j1, float *m, float *lsum, float *acc) {
    const SpanFn f = l.head_dim == 64 ? pick_group<4>(l) : l.head_dim == 128 ? pick_group<8>(l) : pick_group<16>(l);
    f(l, kc, vc, q, q_stride, gh, scale, kvh, j0, j1, m, lsum, acc);
}

bool attention_supported_avx512(const KvLayout &l) {
    if (l.head_dim != 64 && l.head_dim != 128 && l.head_dim != 256) return false;
    return l.bits == 0 || l.group % 32 == 0;
}
