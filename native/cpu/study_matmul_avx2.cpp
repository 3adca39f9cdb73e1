// AVX2 weight-only matmul (W4G/W3G/W2G, group % 32 == 0) for CPUs without AVX-512. Per group a
// table of bf16(s*(i-z)) (formed exactly as in the scalar reference, then rounded as lb_bf16_round);
// eight codes at a time: their b bytes are broadcast, shifted per lane and looked up with vpermps.
// The activations are rounded to bf16 once per call, then FP32 FMA (products of bf16 values are
// exact). Tile: 2 rows x up to 4 tokens.
#include "lowbit/runtime.h"
#include "dispatch.h"
#include "study_internal.h"
#include "study_pack.h"
#include "simd256_math.h"
#include <immintrin.h>
#include <cstring>

namespace {
// lb256_bf16_round (simd256_math.h) for dequantised weights s*(q-z), which are always finite and
// zero or normal (|s| >= 2^-24, an f16): only the nearest-even step
inline __m256 bf16_round_weight(__m256 f) {
    const __m256i u = _mm256_castps_si256(f);
    const __m256i lsb = _mm256_and_si256(_mm256_srli_epi32(u, 16), _mm256_set1_epi32(1));
    return _mm256_castsi256_ps(_mm256_and_si256(_mm256_add_epi32(u, _mm256_add_epi32(lsb, _mm256_set1_epi32(0x7fff))),
                                                 _mm256_set1_epi32((int)0xffff0000u)));
}

// per group: table of bf16(s*(i-z)) for codes i = 0..7 (lo) and 8..15 (hi, 4-bit only)
template <int BITS>
inline void group_table(const uint8_t *blk, __m256 &lo, __m256 &hi) {
    uint16_t h;
    std::memcpy(&h, blk, 2);
    const __m256 s = _mm256_set1_ps(_cvtsh_ss(h)), z = _mm256_set1_ps((float)blk[2]);
    // entry i holds code i mod 2^b: vpermps reads 3 index bits, a 2-bit code has the next code above it
    const __m256 i0 = BITS == 2 ? _mm256_setr_ps(0, 1, 2, 3, 0, 1, 2, 3) : _mm256_setr_ps(0, 1, 2, 3, 4, 5, 6, 7);
    const __m256 i8 = _mm256_add_ps(i0, _mm256_set1_ps(8));
    lo = bf16_round_weight(_mm256_mul_ps(_mm256_sub_ps(i0, z), s));  // exact products, then rounded
    hi = BITS == 4 ? bf16_round_weight(_mm256_mul_ps(_mm256_sub_ps(i8, z), s)) : lo;
}

// 8 codes -> 8 table values: vpermps uses the low 3 bits of each lane (bits above are ignored), the
// 4th bit of a 4-bit code picks the hi table (moved to the sign bit for blendv)
template <int BITS>
inline __m256 unpack8(const uint8_t *codes, __m256 lo, __m256 hi) {
    // 8 codes = BITS bytes (assembled in a register: a 3-byte memcpy goes through the stack)
    uint32_t v = codes[0] | (uint32_t)codes[1] << 8;
    if (BITS >= 3) v |= (uint32_t)codes[2] << 16;
    if (BITS >= 4) v |= (uint32_t)codes[3] << 24;
    const __m256i sh = _mm256_setr_epi32(0, BITS, 2 * BITS, 3 * BITS, 4 * BITS, 5 * BITS, 6 * BITS, 7 * BITS);
    const __m256i q = _mm256_srlv_epi32(_mm256_set1_epi32((int)v), sh);
    const __m256 a = _mm256_permutevar8x32_ps(lo, q);
    if (BITS != 4) return a;
    const __m256 b = _mm256_permutevar8x32_ps(hi, q);
    return _mm256_blendv_ps(a, b, _mm256_castsi256_ps(_mm256_slli_epi32(q, 28)));
}

inline float hsum(__m256 v) {
    __m128 a = _mm_add_ps(_mm256_castps256_ps128(v), _mm256_extractf128_ps(v, 1));
    a = _mm_add_ps(a, _mm_movehl_ps(a, a));
    a = _mm_add_ss(a, _mm_movehdup_ps(a));
    return _mm_cvtss_f32(a);
}

template <int BITS, int R, int T>
void tile(const uint8_t *w0row, int64_t rb, int64_t ngroups, int group, const float *x, int64_t cols, float *y,
          int64_t rows) {
    const int64_t bb = lb_group_block_bytes(BITS, group);
    __m256 acc[R][T][2];
    #pragma GCC unroll 8
    for (int r = 0; r < R; r++)
        #pragma GCC unroll 8
        for (int t = 0; t < T; t++) acc[r][t][0] = acc[r][t][1] = _mm256_setzero_ps();
    for (int64_t g = 0; g < ngroups; g++) {
        __m256 s[R], z[R];  // table halves (codes 0..7, 8..15)
        #pragma GCC unroll 8
        for (int r = 0; r < R; r++) {
            const uint8_t *blk = w0row + r * rb + g * bb;
            group_table<BITS>(blk, s[r], z[r]);
        }
        for (int k = 0; k < group / 16; k++) {
            const int64_t off = g * group + k * 16;
            #pragma GCC unroll 8
            for (int r = 0; r < R; r++) {
                const uint8_t *codes = w0row + r * rb + g * bb + 3 + k * 2 * BITS;
                const __m256 a = unpack8<BITS>(codes, s[r], z[r]), b = unpack8<BITS>(codes + BITS, s[r], z[r]);
                #pragma GCC unroll 8
                for (int t = 0; t < T; t++) {
                    acc[r][t][0] = _mm256_fmadd_ps(a, _mm256_loadu_ps(x + t * cols + off), acc[r][t][0]);
                    acc[r][t][1] = _mm256_fmadd_ps(b, _mm256_loadu_ps(x + t * cols + off + 8), acc[r][t][1]);
                }
            }
        }
    }
    #pragma GCC unroll 8
    for (int r = 0; r < R; r++)
        #pragma GCC unroll 8
        for (int t = 0; t < T; t++) y[t * rows + r] = hsum(_mm256_add_ps(acc[r][t][0], acc[r][t][1]));
}

template <int BITS, int R>
void tile_t(int T, const uint8_t *w, int64_t rb, int64_t ng, int group, const float *x, int64_t cols, float *y,
            int64_t rows) {
    switch (T) {
        case 1: tile<BITS, R, 1>(w, rb, ng, group, x, cols, y, rows); break;
        case 2: tile<BITS, R, 2>(w, rb, ng, group, x, cols, y, rows); break;
        case 3: tile<BITS, R, 3>(w, rb, ng, group, x, cols, y, rows); break;
        default: tile<BITS, R, 4>(w, rb, ng, group, x, cols, y, rows); break;
    }
}

template <int BITS>
void run(int group, const uint8_t *w, int64_t rows, int64_t cols, const float *x, int64_t ntok, float *y) {
    const int64_t ngroups = cols / group, rb = ngroups * lb_group_block_bytes(BITS, group);
    const int64_t nblocks = (rows + 15) / 16;
#pragma omp parallel for num_threads(lb_threads_for((long long)rows * cols * ntok)) schedule(static)
    for (int64_t blk = 0; blk < nblocks; blk++) {
        const int64_t r0 = blk * 16, r1 = r0 + 16 < rows ? r0 + 16 : rows;
        for (int64_t t0 = 0; t0 < ntok; t0 += 4) {
            const int T = (int)(ntok - t0 < 4 ? ntok - t0 : 4);
            for (int64_t r = r0; r < r1; r += 2) {
                if (r + 1 < r1) tile_t<BITS, 2>(T, w + r * rb, rb, ngroups, group, x + t0 * cols, cols, y + t0 * rows + r, rows);
                else tile_t<BITS, 1>(T, w + r * rb, rb, ngroups, group, x + t0 * cols, cols, y + t0 * rows + r, rows);
            }
        }
    }
}
}  // namespace

void matmul_wg_avx2(int bits, int group, const uint8_t *w, int64_t rows, int64_t cols, const float *x, int64_t ntok,
                    float *y) {
    float *xb = study_scratch_f32((size_t)(ntok * cols));
    for (int64_t i = 0; i + 8 <= ntok * cols; i += 8) _mm256_storeu_ps(xb + i, lb256_bf16_round(_mm256_loadu_ps(x + i)));
    for (int64_t i = ntok * cols / 8 * 8; i < ntok * cols; i++) xb[i] = lb_bf16_round(x[i]);
    x = xb;
    switch (bits) {
        case 4: run<4>(group, w, rows, cols, x, ntok, y); break;
        case 3: run<3>(group, w, rows, cols, x, ntok, y); break;
        default: run<2>(group, w, rows, cols, x, ntok, y); break;
    }
}
