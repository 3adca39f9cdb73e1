// AVX-512 pieces shared by the attention kernels over per-token KV rows (attention_avx512.cpp)
// and over static-K caches (kv_static_avx512.cpp): one cache row into registers, and the scores
// of 16 keys (already in float, kt[16][hd]) against each query head of a GQA group.
#ifndef LOWBIT_KV_SIMD512_H
#define LOWBIT_KV_SIMD512_H
#include <immintrin.h>
#include <stdint.h>
#include "study_simd512.h"

namespace kvsimd {
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
}  // namespace kvsimd
#endif
