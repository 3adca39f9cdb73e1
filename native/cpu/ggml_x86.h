// x86 helpers shared by the AVX2 and AVX-512 ggml kernels (include only from files built with at least
// -mavx2 -mf16c). Internal linkage: each ISA's file gets its own copy, compiled with its own flags.
#pragma once
#include <immintrin.h>
#include "ggml_common.h"

namespace lbg {
namespace {

inline float h2f(const uint8_t *p) { return _cvtsh_ss(rd16(p)); }  // F16C, not the portable decoder

// the 16 sub-block scales of a Q2_K / Q3_K super-block at p as int16 (Q3_K: its 6-bit signed scales, see
// unpack_q3k_scales: low nibbles in bytes 96..103, high pairs in 104..107; Q2_K: the low nibbles of
// bytes 0..15, the mins in mn16 from their high nibbles), d and (Q2_K) dmin
template <bool THREE>
inline void q23k_scales(const uint8_t *p, __m256i &sc16, __m256i &mn16, float &d, float &dmin) {
    if (THREE) {
        const uint32_t u0 = rd32(p + 96), u1 = rd32(p + 100), u2 = rd32(p + 104);
        const uint32_t lo4 = 0x0f0f0f0f, hi2 = 0x03030303;
        const __m128i v = _mm_setr_epi32((int)((u0 & lo4) | ((u2 & hi2) << 4)), (int)((u1 & lo4) | (((u2 >> 2) & hi2) << 4)),
                                         (int)(((u0 >> 4) & lo4) | (((u2 >> 4) & hi2) << 4)),
                                         (int)(((u1 >> 4) & lo4) | (((u2 >> 6) & hi2) << 4)));
        sc16 = _mm256_cvtepi8_epi16(_mm_sub_epi8(v, _mm_set1_epi8(32)));
        mn16 = _mm256_setzero_si256();
        d = h2f(p + 108), dmin = 0;
    } else {
        const __m128i sb = _mm_loadu_si128((const __m128i *)p), m0f = _mm_set1_epi8(0x0f);
        sc16 = _mm256_cvtepu8_epi16(_mm_and_si128(sb, m0f));
        mn16 = _mm256_cvtepu8_epi16(_mm_and_si128(_mm_srli_epi16(sb, 4), m0f));
        d = h2f(p + 80), dmin = h2f(p + 82);
    }
}

}  // namespace
}  // namespace lbg
