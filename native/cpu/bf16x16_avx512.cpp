// LB_BF16X16 on AVX512_BF16: y = sum W * bf16(x), FP32 accumulation (the arithmetic of LB_BF16; the
// reference is in bf16x16.cpp). A vector of the repacked weights is one column pair of 16 rows, so
// vdpbf16ps takes the activation pair as a broadcast memory operand ({1to16}) and each accumulator
// lane is one output row: no horizontal sums, 1 weight load per T products, and the weights stream
// from one address sequence, prefetched a fixed distance ahead.
// Output head 151936x896 (bench_matmul hp bf16 / bf16x16 2 1,4,16: a sixteenth of the rows, weights
// from DRAM in huge pages, 2 threads, fastest call), against the row-major 4x6 tiles of LB_BF16:
//   16 tokens 648-695 vs 914-938 us (391-420 vs 290-298 GFLOP/s); 4 tokens 450-480 vs 784-802 us;
//   1 token 457-464 vs 451-473 us (memory bound either way). Without the prefetch (prototype): no gain.
// Batch-invariant calls (lb_matmul_invariant): tiles of up to 3 tokens with the one-token tile's 8
// accumulator sets, so every token is summed as alone.
#include <immintrin.h>
#include <omp.h>
#include <utility>
#include <vector>
#include "lowbit/lowbit.h"
#include "dispatch.h"
#include "kernels.h"

namespace {
constexpr int kMaxT = 16;            // tokens per tile: 16 accumulators + the weight vector
constexpr int kPrefetchBytes = 4096; // ahead in the block's stream (1-4 KB measured best)

// acc += w . (the bf16 pair at p, broadcast), the broadcast folded into the instruction (from the
// intrinsics GCC emits a separate vpbroadcastd per product)
inline __m512 dp_pair(__m512 acc, __m512i w, const uint32_t *p) {
    asm("vdpbf16ps %2%{1to16%}, %1, %0" : "+v"(acc) : "v"(w), "m"(*p));
    return acc;
}

// one block (16 rows) x T tokens: y[k * rows + lane] for token k and the lanes in `live` (the last
// block's padding rows are not stored). xp: the tile's pairs, T per column pair. Fewer than 8 tokens
// cycle NA accumulator sets over the column pairs so that enough independent chains hide the latency.
// A token's sums depend on NA only: block_tile<T, 8> (T <= 3) sums each token as the one-token
// block_tile<1> does (batch-invariant calls).
template <int T>
constexpr int n_acc() { return T >= 8 ? 1 : (8 + T - 1) / T; }  // >= 8 independent chains (vdpbf16ps latency 6)

template <int T, int NA = n_acc<T>()>
void block_tile(const uint32_t *wb, int64_t ncp, const uint32_t *xp, float *y, int64_t rows, __mmask16 live) {
    // The loops over accumulators are unrolled by pragma: left to GCC 12 -O3 the array stayed in
    // memory too, all T accumulators stored to the stack after every weight vector (half the speed).
    __m512 acc[NA * T];
#pragma GCC unroll 64
    for (int i = 0; i < NA * T; i++) acc[i] = _mm512_setzero_ps();
    const int64_t pend = ncp / NA * NA;
    for (int64_t p = 0; p < pend; p += NA) {
#pragma GCC unroll 8
        for (int a = 0; a < NA; a++) {
            const uint32_t *v = wb + (p + a) * 16;
            if (T > 1) _mm_prefetch((const char *)v + kPrefetchBytes, _MM_HINT_T0);  // a hint: never faults past the end
            const __m512i wv = _mm512_loadu_si512(v);
#pragma GCC unroll 16
            for (int k = 0; k < T; k++) acc[a * T + k] = dp_pair(acc[a * T + k], wv, xp + (p + a) * T + k);
        }
    }
    if constexpr (NA > 1) {
        for (int64_t p = pend; p < ncp; p++) {  // the last column pairs
            const __m512i wv = _mm512_loadu_si512(wb + p * 16);
#pragma GCC unroll 16
            for (int k = 0; k < T; k++) acc[k] = dp_pair(acc[k], wv, xp + p * T + k);
        }
#pragma GCC unroll 64
        for (int i = T; i < NA * T; i++) acc[i % T] = _mm512_add_ps(acc[i % T], acc[i]);
    }
#pragma GCC unroll 16
    for (int k = 0; k < T; k++) _mm512_mask_storeu_ps(y + k * rows, live, acc[k]);
}

using TileFn = void (*)(const uint32_t *, int64_t, const uint32_t *, float *, int64_t, __mmask16);
template <int... T>
constexpr TileFn pick(int nt, std::integer_sequence<int, T...>) {
    TileFn f = nullptr;
    ((f = nt == T + 1 ? block_tile<T + 1> : f), ...);
    return f;
}

// batch-invariant calls: tiles of up to 3 tokens with the one-token tile's 8 accumulator sets (24)
constexpr int kInvT = 3;
TileFn pick_invariant(int nt) {
    static_assert(n_acc<1>() == 8 && kInvT == 3, "tiles");
    return nt == 1 ? block_tile<1> : nt == 2 ? block_tile<2, 8> : block_tile<3, 8>;
}

// token tiles of at most kMaxT (invariant: kInvT), balanced (20 -> 10 + 10)
int tile_tokens(int64_t left, bool invariant) {
    if (invariant) return (int)(left < kInvT ? left : kInvT);
    if (left <= kMaxT) return (int)left;
    const int64_t n = (left + kMaxT - 1) / kMaxT;
    return (int)((left + n - 1) / n);
}

// token t's row of x as bf16 pairs (round to nearest even, as lb_bf16_round) at out[p * stride]
void convert_row(const float *x, int64_t cols, uint32_t *out, int64_t stride) {
    alignas(64) uint32_t pairs[16];
    for (int64_t c = 0; c < cols; c += 32) {
        const int64_t left = cols - c;
        const __mmask16 mlo = left >= 16 ? (__mmask16)0xffff : (__mmask16)((1u << left) - 1);
        const __mmask16 mhi = left >= 32 ? (__mmask16)0xffff : left > 16 ? (__mmask16)((1u << (left - 16)) - 1) : 0;
        const __m512 lo = _mm512_maskz_loadu_ps(mlo, x + c), hi = _mm512_maskz_loadu_ps(mhi, x + c + 16);
        _mm512_store_si512(pairs, (__m512i)_mm512_cvtne2ps_pbh(hi, lo));
        const int np = (int)(left >= 32 ? 16 : left / 2);
        for (int j = 0; j < np; j++) out[(c / 2 + j) * stride] = pairs[j];
    }
}

uint32_t *scratch_pairs(size_t n) {
    thread_local std::vector<uint32_t> buf;
    if (buf.size() < n) buf.resize(n);
    return buf.data();
}
}  // namespace

void matmul_bf16x16_avx512(const uint16_t *w, int64_t rows, int64_t cols, const float *x, int64_t ntok, float *y, bool invariant) {
    const int64_t ncp = cols / 2, nblk = (rows + 15) / 16;
    // activations: tile by tile, each [column pair][token of the tile]
    uint32_t *xt = scratch_pairs((size_t)(ntok * ncp));
    std::vector<int> tiles;
    for (int64_t t0 = 0; t0 < ntok;) {
        const int nt = tile_tokens(ntok - t0, invariant);
        for (int k = 0; k < nt; k++) convert_row(x + (t0 + k) * cols, cols, xt + t0 * ncp + k, nt);
        tiles.push_back(nt);
        t0 += nt;
    }
    const uint32_t *wp = (const uint32_t *)w;
    const int nthreads = lb_threads_for((long long)rows * cols * ntok);
    const int64_t per_chunk = lb_chunk_items(nblk, 32 * cols, nthreads, ntok == 1);
    const int64_t nchunks = (nblk + per_chunk - 1) / per_chunk;
    // row blocks outside, token tiles inside: a block (16 x cols words) is read from DRAM once and
    // stays in L1/L2 for the other tiles
#pragma omp parallel for schedule(dynamic, 1) num_threads(nthreads)
    for (int64_t ch = 0; ch < nchunks; ch++) {
        const int64_t b1 = (ch + 1) * per_chunk < nblk ? (ch + 1) * per_chunk : nblk;
        for (int64_t b = ch * per_chunk; b < b1; b++) {
            const int64_t left = rows - 16 * b;
            const __mmask16 live = left >= 16 ? (__mmask16)0xffff : (__mmask16)((1u << left) - 1);
            int64_t t0 = 0;
            for (int nt : tiles) {
                const TileFn f = invariant ? pick_invariant(nt) : pick(nt, std::make_integer_sequence<int, kMaxT>());
                f(wp + b * 16 * ncp, ncp, xt + t0 * ncp, y + t0 * rows + 16 * b, rows, live);
                t0 += nt;
            }
        }
    }
}
