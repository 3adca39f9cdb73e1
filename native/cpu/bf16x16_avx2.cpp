// LB_BF16X16 without vdpbf16ps (AVX2 and AVX-512 CPUs without AVX512_BF16): the weights widened to
// FP32 in registers (a bf16 is the top half of a float: the even column of a pair is the word shifted
// up 16, the odd one the word with its low half cleared) and FP32 FMA with the bf16-rounded
// activations broadcast: the products are exact, so this is the format's arithmetic with another
// summation order (reference in bf16x16.cpp). The engine stores BF16 weights in this layout only where
// the vdpbf16ps kernel runs (ModelWeights.bf16Layout); this path keeps a forced lower level or a
// caller that picked the layout anyway at row-major BF16's speed instead of the scalar reference's.
// Each token has its own accumulators summed in one order whatever the tile: batch invariant.
#include <immintrin.h>
#include <omp.h>
#include "lowbit/lowbit.h"
#include "dispatch.h"
#include "kernels.h"
#include "study_internal.h"
#include "study_pack.h"

namespace {
constexpr int kMaxT = 2;              // tokens per tile: 8 accumulators + 4 weight vectors + 2 broadcasts in 16 registers
constexpr int kPrefetchBytes = 2048;  // ahead in the block's stream

// one block (16 rows) x T tokens: rows [0, live) of y[k * rows + lane]
template <int T>
void block_tile(const uint32_t *wb, int64_t ncp, const float *x, int64_t cols, float *y, int64_t rows, int live) {
    const __m256i hi_mask = _mm256_set1_epi32((int)0xffff0000u);
    __m256 acc[T][4];
    for (int k = 0; k < T; k++) acc[k][0] = acc[k][1] = acc[k][2] = acc[k][3] = _mm256_setzero_ps();
    for (int64_t p = 0; p < ncp; p++) {
        const uint32_t *v = wb + p * 16;
        _mm_prefetch((const char *)v + kPrefetchBytes, _MM_HINT_T0);  // a hint: never faults past the end
        const __m256i v0 = _mm256_loadu_si256((const __m256i *)v), v1 = _mm256_loadu_si256((const __m256i *)(v + 8));
        const __m256 e0 = _mm256_castsi256_ps(_mm256_slli_epi32(v0, 16)), o0 = _mm256_castsi256_ps(_mm256_and_si256(v0, hi_mask));
        const __m256 e1 = _mm256_castsi256_ps(_mm256_slli_epi32(v1, 16)), o1 = _mm256_castsi256_ps(_mm256_and_si256(v1, hi_mask));
        for (int k = 0; k < T; k++) {
            const __m256 xe = _mm256_broadcast_ss(x + k * cols + 2 * p), xo = _mm256_broadcast_ss(x + k * cols + 2 * p + 1);
            acc[k][0] = _mm256_fmadd_ps(e0, xe, acc[k][0]);
            acc[k][1] = _mm256_fmadd_ps(o0, xo, acc[k][1]);
            acc[k][2] = _mm256_fmadd_ps(e1, xe, acc[k][2]);
            acc[k][3] = _mm256_fmadd_ps(o1, xo, acc[k][3]);
        }
    }
    for (int k = 0; k < T; k++) {
        const __m256 lo = _mm256_add_ps(acc[k][0], acc[k][1]), hi = _mm256_add_ps(acc[k][2], acc[k][3]);
        if (live == 16) {
            _mm256_storeu_ps(y + k * rows, lo);
            _mm256_storeu_ps(y + k * rows + 8, hi);
        } else {  // the last block: its padding rows are not stored
            alignas(32) float out[16];
            _mm256_store_ps(out, lo);
            _mm256_store_ps(out + 8, hi);
            for (int l = 0; l < live; l++) y[k * rows + l] = out[l];
        }
    }
}
}  // namespace

void matmul_bf16x16_avx2(const uint16_t *w, int64_t rows, int64_t cols, const float *x, int64_t ntok, float *y) {
    const int64_t ncp = cols / 2, nblk = (rows + 15) / 16;
    float *xb = study_scratch_f32((size_t)(ntok * cols));
    study_round_bf16(x, ntok * cols, xb);
    const uint32_t *wp = (const uint32_t *)w;
    const int nthreads = lb_threads_for((long long)rows * cols * ntok);
    const int64_t per_chunk = lb_chunk_items(nblk, 32 * cols, nthreads, ntok == 1);
    const int64_t nchunks = (nblk + per_chunk - 1) / per_chunk;
    // row blocks outside, token tiles inside: a block is read from DRAM once, then from L1/L2
#pragma omp parallel for schedule(dynamic, 1) num_threads(nthreads)
    for (int64_t ch = 0; ch < nchunks; ch++) {
        const int64_t b1 = (ch + 1) * per_chunk < nblk ? (ch + 1) * per_chunk : nblk;
        for (int64_t b = ch * per_chunk; b < b1; b++) {
            const int live = rows - 16 * b >= 16 ? 16 : (int)(rows - 16 * b);
            for (int64_t t0 = 0; t0 < ntok; t0 += kMaxT) {
                const uint32_t *wb = wp + b * 16 * ncp;
                float *yt = y + t0 * rows + 16 * b;
                if (ntok - t0 >= 2) block_tile<2>(wb, ncp, xb + t0 * cols, cols, yt, rows, live);
                else block_tile<1>(wb, ncp, xb + t0 * cols, cols, yt, rows, live);
            }
        }
    }
}
