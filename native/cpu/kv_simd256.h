// AVX2 readers of the per-token KV cache rows, shared by the *_avx2.cpp attention kernels (include
// only from files built with -mavx2 -mfma -mf16c).
#pragma once
#include <immintrin.h>
#include <cstring>
#include "kv_internal.h"

namespace kv256 {
// codes c0..c0+7 (c0 % 8 == 0) of a BITS-bit LSB-first stream as int32 lanes; reads only their bytes
template <int BITS>
inline __m256i codes8(const uint8_t *codes, int c0) {
    const uint8_t *p = codes + c0 * BITS / 8;
    if constexpr (BITS == 8) {
        return _mm256_cvtepu8_epi32(_mm_loadl_epi64((const __m128i *)p));
    } else {
        uint32_t u;
        if constexpr (BITS == 4) std::memcpy(&u, p, 4);
        else u = (uint32_t)p[0] | (uint32_t)p[1] << 8 | (uint32_t)p[2] << 16;  // 3 bytes: not past the block
        const __m256i sh = BITS == 4 ? _mm256_setr_epi32(0, 4, 8, 12, 16, 20, 24, 28) : _mm256_setr_epi32(0, 3, 6, 9, 12, 15, 18, 21);
        return _mm256_and_si256(_mm256_srlv_epi32(_mm256_set1_epi32((int)u), sh), _mm256_set1_epi32((1 << BITS) - 1));
    }
}

// one cache row into out[HD]: BITS 32 (F32), 16 (F16) or a group format's bits with group GS;
// SCALED = false gives the group formats' (code - z) without the scale (the value sum)
template <int HD, int BITS, int GS, bool SCALED>
inline void load_row(const uint8_t *row, float *out) {
    if constexpr (BITS == 32) {
        std::memcpy(out, row, 4 * HD);
    } else if constexpr (BITS == 16) {
        for (int i = 0; i < HD; i += 8) _mm256_storeu_ps(out + i, _mm256_cvtph_ps(_mm_loadu_si128((const __m128i *)(row + 2 * i))));
    } else {
        constexpr int bb = 3 + GS * BITS / 8;
        for (int g = 0; g < HD / GS; g++) {
            const uint8_t *blk = row + g * bb;
            const __m256 z = _mm256_set1_ps((float)blk[2]);
            const __m256 s = _mm256_set1_ps(SCALED ? _cvtsh_ss((unsigned short)(blk[0] | blk[1] << 8)) : 1.f);
            for (int c = 0; c < GS; c += 8) {
                const __m256 x = _mm256_sub_ps(_mm256_cvtepi32_ps(codes8<BITS>(blk + 3, c)), z);  // code - z, exact
                _mm256_storeu_ps(out + g * GS + c, SCALED ? _mm256_mul_ps(x, s) : x);
            }
        }
    }
}

}  // namespace kv256
