// AVX-512 MXFP4 matmul (scalar reference and arithmetic in mxfp4.cpp): two 32-element blocks per
// 512-bit vector. The two blocks' 16 nibble bytes are loaded side by side and split into
// [lo b, lo b+1, hi b, hi b+1] (128-bit lanes); the activation codes are first copied into that order
// per block pair (once per token, before the rows), so no lane shuffle runs per weight. vpshufb gives
// |2w| (u8), the weight's sign bit negates the activation code (masked vpsubb), and vpdpbusd sums 4
// products per int32 lane (lanes 0-3 and 8-11: block b; 4-7 and 12-15: block b+1). Each lane's
// integer is converted to float (exact) and scaled by 2^(ew + ea - 2) with vscalefps (exact, as the
// scalar's float(isum) * 2^E), then added into 16 lane accumulators: only the order of the additions
// differs from scalar, never with the token count. Up to 8 tokens share each decoded weight pair; an
// odd last block pairs with zero weights and zero activation codes.
#include "dispatch.h"
#include "mxfp4_internal.h"
#include "study_pack.h"
#include <immintrin.h>
#include <vector>
// GCC 12 flags the undefined upper halves of its own cast / convert intrinsics (as attention_avx512.cpp)
#pragma GCC diagnostic ignored "-Wuninitialized"
#pragma GCC diagnostic ignored "-Wmaybe-uninitialized"

void matmul_mxfp4_avx512(const uint8_t *w, int64_t rows, int64_t cols, const MxActs &a, int64_t ntok, float *y) {
    const int64_t nb = cols / LB_MX_BLOCK, np = (nb + 1) / 2;
    // per token and block pair: 64 code bytes in the weights' lane order, and 16 lane exponents ea - 2
    thread_local std::vector<int8_t> qa;
    thread_local std::vector<float> ea;
    if ((int64_t)qa.size() < ntok * np * 64) qa.resize((size_t)(ntok * np * 64)), ea.resize((size_t)(ntok * np * 16));
    for (int64_t t = 0; t < ntok; t++)
        for (int64_t p = 0; p < np; p++) {
            const int8_t *q0 = a.q2 + (t * nb + 2 * p) * LB_MX_BLOCK;
            const bool pair = 2 * p + 1 < nb;
            const __m256i b0 = _mm256_loadu_si256((const __m256i *)q0);
            const __m256i b1 = pair ? _mm256_loadu_si256((const __m256i *)(q0 + LB_MX_BLOCK)) : _mm256_setzero_si256();
            // [b0 lo, b1 lo, b0 hi, b1 hi]
            const __m256i lo = _mm256_permute2x128_si256(b0, b1, 0x20), hi = _mm256_permute2x128_si256(b0, b1, 0x31);
            _mm512_storeu_si512(qa.data() + (t * np + p) * 64, _mm512_inserti64x4(_mm512_castsi256_si512(lo), hi, 1));
            const float e0 = (float)(a.e[t * nb + 2 * p] - 2), e1 = pair ? (float)(a.e[t * nb + 2 * p + 1] - 2) : 0.f;
            const __m256 h = _mm256_setr_ps(e0, e0, e0, e0, e1, e1, e1, e1);
            _mm512_storeu_ps(ea.data() + (t * np + p) * 16, _mm512_insertf32x8(_mm512_castps256_ps512(h), h, 1));
        }
    const int8_t *qv = qa.data();
    const float *ev = ea.data();
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
            for (int64_t p = 0; p < np; p++) {
                const bool pair = 2 * p + 1 < nb;
                const uint8_t *b0 = row + 2 * p * LB_MX_BLOCK_BYTES, *b1 = b0 + LB_MX_BLOCK_BYTES;
                const __m128i n0 = _mm_loadu_si128((const __m128i *)(b0 + 1));
                const __m128i n1 = pair ? _mm_loadu_si128((const __m128i *)(b1 + 1)) : _mm_setzero_si128();
                const __m256i n = _mm256_set_m128i(n1, n0);
                const __m512i codes = _mm512_and_si512(
                    _mm512_inserti64x4(_mm512_castsi256_si512(n), _mm256_srli_epi16(n, 4), 1), m4);
                const __m512i wabs = _mm512_shuffle_epi8(lut_abs, codes);
                const __mmask64 neg = _mm512_test_epi8_mask(codes, eight);
                const float w0 = (float)((int)b0[0] - 127), w1 = pair ? (float)((int)b1[0] - 127) : 0.f;
                const __m256 wh = _mm256_setr_ps(w0, w0, w0, w0, w1, w1, w1, w1);
                const __m512 ew = _mm512_insertf32x8(_mm512_castps256_ps512(wh), wh, 1);
                for (int k = 0; k < nt; k++) {
                    const int64_t i = (t0 + k) * np + p;
                    const __m512i q = _mm512_loadu_si512(qv + i * 64);
                    const __m512i qs = _mm512_mask_sub_epi8(q, neg, zero, q);
                    const __m512 f = _mm512_cvtepi32_ps(_mm512_dpbusd_epi32(zero, wabs, qs));
                    acc[k] = _mm512_add_ps(acc[k], _mm512_scalef_ps(f, _mm512_add_ps(ew, _mm512_loadu_ps(ev + i * 16))));
                }
            }
            for (int k = 0; k < nt; k++) y[(t0 + k) * rows + r] = _mm512_reduce_add_ps(acc[k]);
        }
    }
}
