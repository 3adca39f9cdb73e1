// BF16 weights on AVX512_BF16: y = sum W * bf16(x), FP32 accumulation (the arithmetic every variant
// of the BF16 format computes, see ggml_matmul.cpp; llama.cpp's BF16 dot takes bf16 activations too).
//  - x is rounded to bf16 once per call (vcvtne2ps2bf16: round to nearest even, inputs below the
//    normal range to zero, as lb_bf16_round), each token's row zero-padded to whole 32-word vectors.
//  - vdpbf16ps: 32 multiply-adds per instruction (FP32 FMA: 16) on the weights as stored; the products
//    of two bf16 are exact in FP32, only the summation order differs from the scalar reference.
//  - One token (decode): rows one after another (one sequential stream), 4 accumulators per row,
//    the sums of 4 rows reduced together; memory bound.
//  - Several tokens: R x T register tiles (4 rows x up to 6 tokens: 24 accumulators), each loaded
//    weight vector feeds T tokens and each activation vector R rows; the next rows are prefetched
//    (four rows read side by side defeat the hardware prefetchers). Batch-invariant calls
//    (lb_matmul_invariant): 2 x 3 tiles with the one-token kernel's 4 chains per output instead.
// GCC 12 flags the deliberate _mm*_undefined_* self-initialisation inside its own intrinsics
#pragma GCC diagnostic ignored "-Wuninitialized"
#pragma GCC diagnostic ignored "-Wmaybe-uninitialized"
#include <immintrin.h>
#include <omp.h>
#include <vector>
#include "lowbit/lowbit.h"
#include "dispatch.h"
#include "ggml_common.h"
#include "simd512_math.h"
#include "bf16_tile_avx512.h"

namespace lbg {
namespace {
using bf16t::dp;
using bf16t::kR;
using bf16t::token_tile;
using bf16t::wtail;

// R rows (n words apart) against T tokens' bf16 x (zero-padded to whole vectors): per (row, token) 4
// chains of vdpbf16ps and their sum in s[r][k]. R = T = 1 is the one-token kernel; larger tiles (the
// batch-invariant multi-token calls) sum every (row, token) exactly as it does, loading each weight
// vector once for T tokens and each activation vector once for R rows.
template <int R, int T>
inline __attribute__((always_inline)) void row1_t(const uint16_t *w, int64_t n, const uint16_t *const *x, __m512 (*s)[T]) {
    __m512 a[R][T][4];
    for (int r = 0; r < R; r++)
        for (int k = 0; k < T; k++) a[r][k][0] = a[r][k][1] = a[r][k][2] = a[r][k][3] = _mm512_setzero_ps();
    int64_t c = 0;
    for (; c + 128 <= n; c += 128)
        for (int u = 0; u < 4; u++) {
            __m512i wv[R];
            for (int r = 0; r < R; r++) wv[r] = _mm512_loadu_si512(w + r * n + c + 32 * u);
            for (int k = 0; k < T; k++) {
                __m512i xv = _mm512_load_si512(x[k] + c + 32 * u);
                if (R > 1) asm("" : "+v"(xv));  // one load per activation vector, not one per row
                for (int r = 0; r < R; r++) a[r][k][u] = dp(a[r][k][u], wv[r], xv);
            }
        }
    for (; c < n; c += 32)
        for (int r = 0; r < R; r++) {
            const __m512i wv = wtail(w + r * n, c, n);
            for (int k = 0; k < T; k++) a[r][k][0] = dp(a[r][k][0], wv, _mm512_load_si512(x[k] + c));
        }
    for (int r = 0; r < R; r++)
        for (int k = 0; k < T; k++)
            s[r][k] = _mm512_add_ps(_mm512_add_ps(a[r][k][0], a[r][k][1]), _mm512_add_ps(a[r][k][2], a[r][k][3]));
}

inline __attribute__((always_inline)) __m512 row1(const uint16_t *w, const uint16_t *x, int64_t n) {
    __m512 s[1][1];
    row1_t<1, 1>(w, n, &x, s);
    return s[0][0];
}

// nr consecutive rows (n words apart) x one token -> out[0..nr)
void rows1(const uint16_t *w, int64_t n, int nr, const uint16_t *x, float *out) {
    int r = 0;
    for (; r + 4 <= nr; r += 4) {
        const __m512 s0 = row1(w + r * n, x, n), s1 = row1(w + (r + 1) * n, x, n);
        const __m512 s2 = row1(w + (r + 2) * n, x, n), s3 = row1(w + (r + 3) * n, x, n);
        _mm_storeu_ps(out + r, lb512_hsum4(s0, s1, s2, s3));
    }
    const __m512 z = _mm512_setzero_ps();
    for (; r < nr; r++) out[r] = _mm_cvtss_f32(lb512_hsum4(row1(w + r * n, x, n), z, z, z));
}

// nr rows x T tokens (x rows xs words apart), every output as rows1 computes it, in register tiles of
// 2 rows x T tokens (lb512_hsum4 reduces each input on its own): y[k * ldy + r] for token k
template <int T>
void rows1_tokens_t(const uint16_t *w, int64_t n, int nr, const uint16_t *xb, int64_t xs, float *y, int64_t ldy) {
    const uint16_t *x[T];
    for (int k = 0; k < T; k++) x[k] = xb + k * xs;
    const __m512 z = _mm512_setzero_ps();
    for (int r = 0; r < nr; r += 4) {
        const int n4 = nr - r < 4 ? nr - r : 4;
        __m512 s[4][T];
        for (int i = 0; i < 4; i++)
            for (int k = 0; k < T; k++) s[i][k] = z;
        for (int i = 0; i < n4; i += 2) {
            if (i + 1 < n4) row1_t<2, T>(w + (r + i) * n, n, x, s + i);
            else row1_t<1, T>(w + (r + i) * n, n, x, s + i);
        }
        for (int k = 0; k < T; k++)
            _mm_mask_storeu_ps(y + k * ldy + r, (__mmask8)((1u << n4) - 1), lb512_hsum4(s[0][k], s[1][k], s[2][k], s[3][k]));
    }
}

// batch-invariant calls: tokens in tiles of up to 3 (2 rows x 3 tokens x 4 chains: 24 accumulators)
constexpr int kInvTokens = 3;
void rows1_tokens(const uint16_t *w, int64_t n, int nr, const uint16_t *xb, int64_t xs, int nt, float *y, int64_t ldy) {
    switch (nt) {
        case 1: rows1_tokens_t<1>(w, n, nr, xb, xs, y, ldy); break;
        case 2: rows1_tokens_t<2>(w, n, nr, xb, xs, y, ldy); break;
        default: rows1_tokens_t<3>(w, n, nr, xb, xs, y, ldy); break;
    }
}

// x (ntok x cols f32) -> bf16, rows of xs words (xs = cols rounded up to 32, the tail zero)
void convert_x(const float *x, int64_t ntok, int64_t cols, int64_t xs, uint16_t *xb) {
    for (int64_t t = 0; t < ntok; t++) {
        const float *src = x + t * cols;
        for (int64_t c = 0; c < xs; c += 32) {
            const int64_t left = cols - c;
            const __mmask16 mlo = left >= 16 ? (__mmask16)0xffff : left > 0 ? (__mmask16)((1u << left) - 1) : 0;
            const __mmask16 mhi = left >= 32 ? (__mmask16)0xffff : left > 16 ? (__mmask16)((1u << (left - 16)) - 1) : 0;
            const __m512 lo = _mm512_maskz_loadu_ps(mlo, src + c), hi = _mm512_maskz_loadu_ps(mhi, src + c + 16);
            _mm512_store_si512(xb + t * xs + c, (__m512i)_mm512_cvtne2ps_pbh(hi, lo));
        }
    }
}

uint16_t *scratch_words(size_t n) {
    struct alignas(64) Line { uint16_t w[32]; };
    thread_local std::vector<Line> buf;
    if (buf.size() * 32 < n) buf.resize((n + 31) / 32);
    return (uint16_t *)buf.data();
}

}  // namespace

void matmul_bf16_dot_avx512(const uint8_t *wb, int64_t rows, int64_t cols, const float *x, int64_t ntok, float *y,
                            bool invariant) {
    const uint16_t *w = (const uint16_t *)wb;
    const int64_t xs = (cols + 31) / 32 * 32;
    uint16_t *xb = scratch_words((size_t)(ntok * xs));
    convert_x(x, ntok, cols, xs, xb);

    // Row blocks handed out dynamically in chunks of lb_chunk_items (dispatch.h). One token: 16 rows read in order. More:
    // when all tokens' activations fit in L2 (batched decode), every token tile of kR rows in turn
    // (those rows come from DRAM once and stay in L1 for the other tiles); otherwise (prefill) token
    // tiles outside, over a block of 8 row tiles that stays in L2.
    const int nthreads = lb_threads_for((long long)rows * cols * ntok);
    const int64_t kRowBlock = ntok == 1 ? 16 : 8 * kR;  // 32 rows: whole output lines per token (ggml_matmul.cpp)
    const int64_t nrb = (rows + kRowBlock - 1) / kRowBlock;
    const int64_t per_chunk = lb_chunk_items(nrb, kRowBlock * cols * 2, nthreads, ntok == 1);
    const int64_t nchunks = (nrb + per_chunk - 1) / per_chunk;
    const bool x_fits_l2 = ntok * xs * 2 <= (512 << 10);
#pragma omp parallel for schedule(dynamic, 1) num_threads(nthreads)
    for (int64_t ch = 0; ch < nchunks; ch++) {
        const int64_t b1 = (ch + 1) * per_chunk < nrb ? (ch + 1) * per_chunk : nrb;
        for (int64_t blk = ch * per_chunk; blk < b1; blk++) {
            const int64_t r0 = blk * kRowBlock, r1 = r0 + kRowBlock < rows ? r0 + kRowBlock : rows;
            if (ntok == 1) {
                rows1(w + r0 * cols, cols, (int)(r1 - r0), xb, y + r0);
                continue;
            }
            if (invariant) {  // each token as a one-token call computes it
                for (int64_t t0 = 0; t0 < ntok; t0 += kInvTokens) {
                    const int nt = (int)(ntok - t0 < kInvTokens ? ntok - t0 : kInvTokens);
                    rows1_tokens(w + r0 * cols, cols, (int)(r1 - r0), xb + t0 * xs, xs, nt, y + t0 * rows + r0, rows);
                }
                continue;
            }
            if (x_fits_l2) {
                for (int64_t r = r0; r < r1; r += kR) {
                    const int nr = (int)(r1 - r < kR ? r1 - r : kR);
                    for (int64_t t0 = 0; t0 < ntok;) {
                        const int nt = token_tile(ntok - t0);
                        bf16t::tile_any<true>(nr, nt, w + r * cols, cols, xb + t0 * xs, xs, y + t0 * rows + r, rows);
                        t0 += nt;
                    }
                }
            } else {
                for (int64_t t0 = 0; t0 < ntok;) {
                    const int nt = token_tile(ntok - t0);
                    for (int64_t r = r0; r < r1; r += kR) {
                        const int nr = (int)(r1 - r < kR ? r1 - r : kR);
                        bf16t::tile_any<true>(nr, nt, w + r * cols, cols, xb + t0 * xs, xs, y + t0 * rows + r, rows);
                    }
                    t0 += nt;
                }
            }
        }
    }
}

}  // namespace lbg
