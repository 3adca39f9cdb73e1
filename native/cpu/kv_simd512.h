// AVX-512 pieces shared by the attention kernels over per-token KV rows (attention_avx512.cpp)
// and over static-K caches (kv_static_avx512.cpp): one cache row into registers, and the scores
// of 16 keys (already in float, kt[16][hd]) against each query head of a GQA group.
#ifndef LOWBIT_KV_SIMD512_H
#define LOWBIT_KV_SIMD512_H
#include <immintrin.h>
#include <stdint.h>
#include "study_simd512.h"
#include "simd512_math.h"
#include <cmath>

// returns FN<NV, BITS, GS> for a KV row layout: BITS 32 (F32), 16 (F16) or the group format's bits,
// GS its group as a compile-time constant capped at the head dimension NV * 16 (a group larger
// than the row is the whole row)
#define LB_KV_PICK(FN, NV, l)                                                     \
    do {                                                                          \
        const int bits_ = (l).fmt == LB_F32 ? 32 : (l).fmt == LB_F16 ? 16 : (l).bits; \
        LB_KV_PICK_GROUP(FN, NV, 8, (l).group)                                    \
        LB_KV_PICK_GROUP(FN, NV, 4, (l).group)                                    \
        LB_KV_PICK_GROUP(FN, NV, 3, (l).group)                                    \
        return bits_ == 32 ? FN<NV, 32, 0> : FN<NV, 16, 0>;                       \
    } while (0)
#define LB_KV_PICK_GROUP(FN, NV, B, group)                                  \
    if (bits_ == B) switch (group) {                                        \
            case 32: return FN<NV, B, 32>;                                  \
            case 64: return FN<NV, B, (NV * 16 >= 64 ? 64 : 32)>;           \
            case 128: return FN<NV, B, (NV * 16 >= 128 ? 128 : 32)>;        \
            default: return FN<NV, B, (NV * 16 >= 256 ? 256 : 32)>;         \
        }

namespace kvsimd {
// BITS: 32 = F32, 16 = F16, 8/4/3 = KV8/KV4/KV3 with group GS (compile-time so the row stays in registers);
// SCALED = false gives the group formats' (code - z) without the scale (the value sum of attention.cpp)
template <int NV, int BITS, int GS, bool SCALED = true>
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
                const __m512 z = _mm512_set1_ps((float)blk[2]), s = _mm512_set1_ps(SCALED ? lb512_scale(blk) : 1.f);
                for (int k = 0; k < GS / 16; k++) dst[k] = lb512_unpack16_u8(blk + 3 + 16 * k, z, s);
            } else {
                const __m512 lut = SCALED ? lb512_lut(iota, blk) : _mm512_sub_ps(iota, _mm512_set1_ps((float)blk[2]));
                for (int k = 0; k < GS / 32; k++) lb512_unpack32<BITS == 4 ? 4 : 3>(blk + 3 + k * 4 * BITS, lut, dst[2 * k], dst[2 * k + 1]);
            }
        }
    }
}

// sc[g * ld + j0 + jj] = scale * q_g . kt[jj] for the 16 keys kt and the gh query heads q (hd = NV * 16)
template <int NV>
inline void scores16(const float *kt, const float *q, int gh, float *sc, int64_t ld, int64_t j0, __m512 vscale) {
    constexpr int hd = NV * 16;
    for (int g = 0; g < gh; g++) {
        __m512 qv[NV], acc[16];
        for (int i = 0; i < NV; i++) qv[i] = _mm512_loadu_ps(q + g * hd + 16 * i);
        for (int jj = 0; jj < 16; jj++) {
            acc[jj] = _mm512_mul_ps(qv[0], _mm512_loadu_ps(kt + jj * hd));
            for (int i = 1; i < NV; i++) acc[jj] = _mm512_fmadd_ps(qv[i], _mm512_loadu_ps(kt + jj * hd + 16 * i), acc[jj]);
        }
        _mm512_storeu_ps(sc + g * ld + j0, _mm512_mul_ps(lb512_reduce16(acc), vscale));
    }
}

// a row's first and last byte, or (EVERY_LINE) each cache line it touches once: KV4 rows of 67
// bytes (head_dim 128) may straddle 3 lines, and the bf16 KV4 kernel gains 10% from the middle one
// at 32K; the FP32 kernel's F16 rows lose 10% from the extra loop (measured, bench_attention)
template <int HINT, bool EVERY_LINE>
inline void prefetch_row(const uint8_t *row, int64_t row_bytes) {
    if (EVERY_LINE) {
        const uintptr_t end = (uintptr_t)(row + row_bytes - 1);
        for (uintptr_t a = (uintptr_t)row & ~(uintptr_t)63; a <= end; a += 64) _mm_prefetch((const char *)a, (_mm_hint)HINT);
    } else {
        _mm_prefetch((const char *)row, (_mm_hint)HINT);
        _mm_prefetch((const char *)row + row_bytes - 1, (_mm_hint)HINT);
    }
}

// before the scores of keys jb..jb+15 of a tile of n: the next 16 key rows into L1
template <bool EVERY_LINE>
inline void prefetch_keys(const uint8_t *const *kr, int jb, int n, int64_t row_bytes) {
    for (int jj = jb + 16; jj < jb + 32 && jj < n; jj++) prefetch_row<_MM_HINT_T0, EVERY_LINE>(kr[jj], row_bytes);
}

// prefetch_keys, and the value rows of keys jb..jb+15 into L2 for the value pass after the tile's
// softmax. Measured (bench_attention, 32K, from DRAM): the value prefetch helps KV8 (-8 to -15%),
// slows F16 (~+15%) and the KV4 kernels (+4-12%), whose value rows the hardware prefetcher streams
// (K and V rows of krow_bytes / vrow_bytes: a mixed pair's pools differ)
inline void prefetch_keys_values(const uint8_t *const *kr, const uint8_t *const *vr, int jb, int n, int64_t krow_bytes,
                                 int64_t vrow_bytes) {
    prefetch_keys<false>(kr, jb, n, krow_bytes);
    for (int jj = jb; jj < jb + 16 && jj < n; jj++) prefetch_row<_MM_HINT_T1, false>(vr[jj], vrow_bytes);
}

// online-softmax step of one head over a tile of scores s[0..n): s becomes exp(s - m') (and 0 from n
// up to the next multiple of 16), m becomes m' (the new running max), lsum is rescaled and grown;
// returns the factor for the head's output accumulators, exp(m - m') (0 on the first tile)
inline float softmax_tile(float *s, int n, float &m, float &lsum) {
    const int np = (n + 15) / 16 * 16;
    const __mmask16 last = (__mmask16)(n % 16 ? (1u << (n % 16)) - 1 : 0xffff);
    __m512 mx = _mm512_set1_ps(m);
    for (int j = 0; j < np; j += 16)
        mx = _mm512_mask_max_ps(mx, j + 16 < np ? (__mmask16)0xffff : last, mx, _mm512_loadu_ps(s + j));
    const float mnew = _mm512_reduce_max_ps(mx);
    const float corr = std::exp(m - mnew);
    m = mnew;
    const __m512 mv = _mm512_set1_ps(mnew);
    __m512 sum = _mm512_setzero_ps();
    for (int j = 0; j < np; j += 16) {
        const __m512 e = _mm512_maskz_mov_ps(j + 16 < np ? (__mmask16)0xffff : last, lb512_exp(_mm512_sub_ps(_mm512_loadu_ps(s + j), mv)));
        _mm512_storeu_ps(s + j, e);
        sum = _mm512_add_ps(sum, e);
    }
    lsum = lsum * corr + _mm512_reduce_add_ps(sum);
    return corr;
}
}  // namespace kvsimd
#endif
