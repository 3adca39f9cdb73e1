// AVX-512 unpacking of the study group formats, shared by the matmul and attention kernels.
// Only included by *_avx512.cpp files. Each unpack turns 32 codes of a group block into two
// vectors of dequantised weights s*(q-z) by indexing a 16-entry table with vpermps
// (table[i] = ((i & (2^b-1)) - z) * s, built once per group), so there is no int->float
// conversion and no separate zero-point correction; the products equal the scalar reference's
// s*(float)(q-z) exactly.
// Element order ("code order") of the two vectors for 32 codes starting at element e:
//   4-bit: w0 = elements e+2k, w1 = e+2k+1 (k < 16) -- the activations are permuted to match;
//   3-bit, 2-bit, 8-bit: natural order (w0 = e..e+15, w1 = e+16..e+31).
#pragma once
#include <immintrin.h>
#include <stdint.h>
#include <string.h>

static inline __m512 lb512_iota(int bits) {
    const __m512i i = _mm512_setr_epi32(0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15);
    return _mm512_cvtepi32_ps(_mm512_and_si512(i, _mm512_set1_epi32(bits >= 4 ? 15 : (1 << bits) - 1)));
}

static inline float lb512_scale(const uint8_t *blk) {
    uint16_t h;
    memcpy(&h, blk, 2);
    return _cvtsh_ss(h);
}

// table of one group block (bits <= 4)
// (all vector ops: a broadcast f16 load converted in place, the zero point as a broadcast byte)
static inline __m512 lb512_lut(__m512 iota, const uint8_t *blk) {
    int16_t h;
    memcpy(&h, blk, 2);
    const __m512 s = _mm512_cvtph_ps(_mm256_set1_epi16(h));
    const __m512 z = _mm512_cvtepi32_ps(_mm512_cvtepu8_epi32(_mm_set1_epi8((char)blk[2])));
    return _mm512_mul_ps(_mm512_sub_ps(iota, z), s);
}

// lb_bf16_round (study_pack.h) of 16 floats without AVX512_BF16: nearest even, below-normal inputs to a
// signed zero, NaN kept quiet
static inline __m512 lb512_bf16_round(__m512 f) {
    const __m512i u = _mm512_castps_si512(f);
    const __m512i lsb = _mm512_and_si512(_mm512_srli_epi32(u, 16), _mm512_set1_epi32(1));
    __m512i r = _mm512_add_epi32(u, _mm512_add_epi32(lsb, _mm512_set1_epi32(0x7fff)));
    const __mmask16 normal = _mm512_test_epi32_mask(u, _mm512_set1_epi32(0x7f800000));
    r = _mm512_mask_mov_epi32(u, normal, r);  // zero exponent: keep u, masked to the sign below
    r = _mm512_and_si512(r, _mm512_mask_mov_epi32(_mm512_set1_epi32((int)0x80000000u), normal, _mm512_set1_epi32((int)0xffff0000u)));
    const __mmask16 nan = _mm512_cmp_ps_mask(f, f, _CMP_UNORD_Q);
    r = _mm512_mask_mov_epi32(r, nan, _mm512_and_si512(_mm512_or_si512(u, _mm512_set1_epi32(0x00400000)), _mm512_set1_epi32((int)0xffff0000u)));
    return _mm512_castsi512_ps(r);
}

// does element j of code order belong at natural position? (used to permute activations)
// position p (0..31) of a 32-chunk in code order holds natural element code_order_elem(bits, p)
static inline int lb512_code_order_elem(int bits, int p) {
    if (bits != 4) return p;
    return p < 16 ? 2 * p : 2 * (p - 16) + 1;
}

// 3-bit shuffle/shift tables: dword j takes bytes (3j)>>3 and +1 (codes 0..15) or +6, +7 (16..31)
struct Lb3Tables {
    int8_t a[64], b[64];
    int32_t sh[16];
    constexpr Lb3Tables() : a(), b(), sh() {
        for (int j = 0; j < 16; j++) {
            int byte = (3 * j) >> 3;
            a[4 * j] = (int8_t)byte, a[4 * j + 1] = (int8_t)(byte + 1), a[4 * j + 2] = a[4 * j + 3] = -1;
            b[4 * j] = (int8_t)(byte + 6), b[4 * j + 1] = (int8_t)(byte + 7), b[4 * j + 2] = b[4 * j + 3] = -1;
            sh[j] = (3 * j) & 7;
        }
    }
};
alignas(64) static constexpr Lb3Tables kLb3{};

template <int BITS>
static inline void lb512_unpack32(const uint8_t *codes, __m512 lut, __m512 &w0, __m512 &w1) {
    if (BITS == 4) {
        const __m512i b = _mm512_cvtepu8_epi32(_mm_loadu_si128((const __m128i *)codes));
        w0 = _mm512_permutexvar_ps(b, lut);
        w1 = _mm512_permutexvar_ps(_mm512_srli_epi32(b, 4), lut);
    } else if (BITS == 2) {
        const __m512i sh = _mm512_setr_epi32(0, 2, 4, 6, 8, 10, 12, 14, 16, 18, 20, 22, 24, 26, 28, 30);
        int32_t a, b;
        memcpy(&a, codes, 4);
        memcpy(&b, codes + 4, 4);
        w0 = _mm512_permutexvar_ps(_mm512_srlv_epi32(_mm512_set1_epi32(a), sh), lut);
        w1 = _mm512_permutexvar_ps(_mm512_srlv_epi32(_mm512_set1_epi32(b), sh), lut);
    } else {  // 3-bit: 12 bytes; dword j gets the two bytes holding code j, then a variable shift
        const __m512i v = _mm512_broadcast_i32x4(_mm_maskz_loadu_epi8(0x0fff, codes));
        const __m512i sh = _mm512_load_si512(kLb3.sh);
        w0 = _mm512_permutexvar_ps(_mm512_srlv_epi32(_mm512_shuffle_epi8(v, _mm512_load_si512(kLb3.a)), sh), lut);
        w1 = _mm512_permutexvar_ps(_mm512_srlv_epi32(_mm512_shuffle_epi8(v, _mm512_load_si512(kLb3.b)), sh), lut);
    }
}

// 8-bit (KV8): 16 codes, natural order
static inline __m512 lb512_unpack16_u8(const uint8_t *codes, __m512 zero, __m512 scale) {
    const __m512 q = _mm512_cvtepi32_ps(_mm512_cvtepu8_epi32(_mm_loadu_si128((const __m128i *)codes)));
    return _mm512_mul_ps(_mm512_sub_ps(q, zero), scale);
}

// lane i of the result = horizontal sum of a[i] (16 reductions in 45 shuffles/adds instead of ~150)
static inline __m512 lb512_reduce16(const __m512 *a) {
    __m512 b[8], c[4], d[2];
    for (int k = 0; k < 8; k++)
        b[k] = _mm512_add_ps(_mm512_unpacklo_ps(a[2 * k], a[2 * k + 1]), _mm512_unpackhi_ps(a[2 * k], a[2 * k + 1]));
    for (int k = 0; k < 4; k++) {
        const __m512d x = _mm512_castps_pd(b[2 * k]), y = _mm512_castps_pd(b[2 * k + 1]);
        c[k] = _mm512_add_ps(_mm512_castpd_ps(_mm512_unpacklo_pd(x, y)), _mm512_castpd_ps(_mm512_unpackhi_pd(x, y)));
    }
    for (int k = 0; k < 2; k++)
        d[k] = _mm512_add_ps(_mm512_shuffle_f32x4(c[2 * k], c[2 * k + 1], _MM_SHUFFLE(2, 0, 2, 0)),
                             _mm512_shuffle_f32x4(c[2 * k], c[2 * k + 1], _MM_SHUFFLE(3, 1, 3, 1)));
    return _mm512_add_ps(_mm512_shuffle_f32x4(d[0], d[1], _MM_SHUFFLE(2, 0, 2, 0)),
                         _mm512_shuffle_f32x4(d[0], d[1], _MM_SHUFFLE(3, 1, 3, 1)));
}
