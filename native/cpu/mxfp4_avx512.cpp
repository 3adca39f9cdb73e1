// AVX-512 MXFP4 matmul (scalar reference and arithmetic in mxfp4.cpp): two 32-element blocks per
// 512-bit vector. The two blocks' nibbles are split and their 128-bit lanes ordered (lo b, hi b,
// lo b+1, hi b+1) to match the activation codes in memory; vpshufb gives |2w| (u8), the weight's sign
// bit negates the activation code (masked vpsubb), and vpdpbusd sums 4 products per int32 lane
// (lanes 0-7 block b, 8-15 block b+1). Converted to float (exact) and FMA'd with each block's
// 2^(ew + ea - 2) into 16 lane accumulators: each term exact, only the addition order differs from
// scalar. Up to 8 tokens share each decoded weight pair; an odd last block is masked.
#include "dispatch.h"
#include "mxfp4_internal.h"
#include "study_pack.h"
#include <immintrin.h>
// GCC 12 flags the undefined upper halves of its own cast / convert intrinsics (as attention_avx512.cpp)
#pragma GCC diagnostic ignored "-Wuninitialized"
#pragma GCC diagnostic ignored "-Wmaybe-uninitialized"

void matmul_mxfp4_avx512(const uint8_t *w, int64_t rows, int64_t cols, const MxActs &a, int64_t ntok, float *y) {
    const int64_t nb = cols / LB_MX_BLOCK;
    constexpr int kTile = 8;
#pragma omp parallel for num_threads(lb_threads_for((long long)rows * cols * ntok)) schedule(static)
    for (int64_t r = 0; r < rows; r++) {
        const __m512i lut_abs = _mm512_set4_epi32(0x0c080604, 0x03020100, 0x0c080604, 0x03020100);
        const __m512i m4 = _mm512_set1_epi8(0x0f), eight = _mm512_set1_epi8(8), zero = _mm512_setzero_si512();
        const uint8_t *row = w + r * nb * LB_MX_BLOCK_BYTES;
        for (int64_t t0 = 0; t0 < ntok; t0 += kTile) {
            const int nt = (int)(ntok - t0 < kTile ? ntok - t0 : kTile);
            __m512 acc[kTile];
            for (int k = 0; k < kTile; k++) acc[k] = _mm512_setzero_ps();
            for (int64_t b = 0; b < nb; b += 2) {
                const bool pair = b + 1 < nb;
                const uint8_t *b0 = row + b * LB_MX_BLOCK_BYTES, *b1 = b0 + LB_MX_BLOCK_BYTES;
                const __m128i n0 = _mm_loadu_si128((const __m128i *)(b0 + 1));
                const __m128i n1 = pair ? _mm_loadu_si128((const __m128i *)(b1 + 1)) : _mm_setzero_si128();
                const __m256i n = _mm256_set_m128i(n1, n0);
                // [lo b, lo b+1, hi b, hi b+1] -> [lo b, hi b, lo b+1, hi b+1]
                const __m512i split = _mm512_and_si512(
                    _mm512_inserti64x4(_mm512_castsi256_si512(n), _mm256_srli_epi16(n, 4), 1), m4);
                const __m512i codes = _mm512_shuffle_i64x2(split, split, _MM_SHUFFLE(3, 1, 2, 0));
                const __m512i wabs = _mm512_shuffle_epi8(lut_abs, codes);
                const __mmask64 neg = _mm512_test_epi8_mask(codes, eight);
                const __mmask64 live = pair ? ~0ull : 0xffffffffull;
                const int ew0 = (int)b0[0] - 127 - 2, ew1 = pair ? (int)b1[0] - 127 - 2 : 0;
                for (int k = 0; k < nt; k++) {
                    const int64_t t = t0 + k;
                    const int32_t *ea = a.e + t * nb + b;
                    const __m512i q = _mm512_maskz_loadu_epi8(live, a.q2 + (t * nb + b) * LB_MX_BLOCK);
                    const __m512i qs = _mm512_mask_sub_epi8(q, neg, zero, q);
                    const __m512 f = _mm512_cvtepi32_ps(_mm512_dpbusd_epi32(zero, wabs, qs));
                    const __m512 s = _mm512_insertf32x8(_mm512_set1_ps(lb_pow2f(ew0 + ea[0])),
                                                        _mm256_set1_ps(pair ? lb_pow2f(ew1 + ea[1]) : 0.f), 1);
                    acc[k] = _mm512_fmadd_ps(f, s, acc[k]);
                }
            }
            for (int k = 0; k < nt; k++) y[(t0 + k) * rows + r] = _mm512_reduce_add_ps(acc[k]);
        }
    }
}
