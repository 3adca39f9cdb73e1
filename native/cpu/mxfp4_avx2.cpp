// AVX2 MXFP4 matmul (scalar reference and arithmetic in mxfp4.cpp): one 32-element block per
// 256-bit vector. The nibbles are split (low = elements 0-15, high = 16-31, the activation order),
// looked up as |2w| (u8) and 2w (s8) with vpshufb; vpsignb moves the weight's sign onto the
// activation codes, vpmaddubsw(|2w|, sign(2a, w)) (at most 2 * 144: no saturation) and vpmaddwd give
// 8 int32 partial sums, converted to float (exact) and FMA'd with the block's 2^(ew + ea - 2) into
// 8 lane accumulators (each product exact; only the order of the additions differs from scalar).
// Up to 4 tokens share each decoded weight block.
#include "dispatch.h"
#include "mxfp4_internal.h"
#include "study_pack.h"
#include <immintrin.h>

namespace {
inline float hsum8(__m256 v) {
    __m128 s = _mm_add_ps(_mm256_castps256_ps128(v), _mm256_extractf128_ps(v, 1));
    s = _mm_add_ps(s, _mm_movehl_ps(s, s));
    s = _mm_add_ss(s, _mm_movehdup_ps(s));
    return _mm_cvtss_f32(s);
}
}  // namespace

void matmul_mxfp4_avx2(const uint8_t *w, int64_t rows, int64_t cols, const MxActs &a, int64_t ntok, float *y) {
    const int64_t nb = cols / LB_MX_BLOCK;
    constexpr int kTile = 4;
#pragma omp parallel for num_threads(lb_threads_for((long long)rows * cols * ntok)) schedule(static)
    for (int64_t r = 0; r < rows; r++) {
        const __m256i lut_abs = _mm256_setr_epi8(0, 1, 2, 3, 4, 6, 8, 12, 0, 1, 2, 3, 4, 6, 8, 12, 0, 1, 2, 3, 4, 6, 8,
                                                 12, 0, 1, 2, 3, 4, 6, 8, 12);
        const __m256i lut_sgn = _mm256_setr_epi8(0, 1, 2, 3, 4, 6, 8, 12, 0, -1, -2, -3, -4, -6, -8, -12, 0, 1, 2, 3, 4,
                                                 6, 8, 12, 0, -1, -2, -3, -4, -6, -8, -12);
        const __m256i m4 = _mm256_set1_epi8(0x0f), ones = _mm256_set1_epi16(1);
        const uint8_t *row = w + r * nb * LB_MX_BLOCK_BYTES;
        for (int64_t t0 = 0; t0 < ntok; t0 += kTile) {
            const int nt = (int)(ntok - t0 < kTile ? ntok - t0 : kTile);
            __m256 acc[kTile];
            for (int k = 0; k < kTile; k++) acc[k] = _mm256_setzero_ps();
            for (int64_t b = 0; b < nb; b++) {
                const uint8_t *blk = row + b * LB_MX_BLOCK_BYTES;
                const __m128i n = _mm_loadu_si128((const __m128i *)(blk + 1));
                const __m256i codes = _mm256_and_si256(
                    _mm256_set_m128i(_mm_srli_epi16(n, 4), n), m4);
                const __m256i wabs = _mm256_shuffle_epi8(lut_abs, codes);
                const __m256i wsgn = _mm256_shuffle_epi8(lut_sgn, codes);
                const int ew = (int)blk[0] - 127 - 2;
                for (int k = 0; k < nt; k++) {
                    const int64_t t = t0 + k;
                    const __m256i q = _mm256_loadu_si256((const __m256i *)(a.q2 + (t * nb + b) * LB_MX_BLOCK));
                    const __m256i p16 = _mm256_maddubs_epi16(wabs, _mm256_sign_epi8(q, wsgn));
                    const __m256 f = _mm256_cvtepi32_ps(_mm256_madd_epi16(p16, ones));
                    acc[k] = _mm256_fmadd_ps(f, _mm256_set1_ps(lb_pow2f(ew + a.e[t * nb + b])), acc[k]);
                }
            }
            for (int k = 0; k < nt; k++) y[(t0 + k) * rows + r] = hsum8(acc[k]);
        }
    }
}
