// Dense bf16 x bf16 register tiles on AVX512_BF16 (vdpbf16ps, FP32 accumulation), shared by the BF16
// weight format (ggml_bf16_avx512.cpp) and the W*G kernel's unpacked path (study_wg_bf16_avx512.cpp).
// Weights: rows of n bf16 words (any alignment); activations: token rows of whole 32-word vectors,
// 64-byte aligned, zero past n. Include only from files compiled with -mavx512bf16.
#pragma once
#include <immintrin.h>
#include <stdint.h>
#include "simd512_math.h"

namespace bf16t {
namespace {

// Register tile: 4 rows x up to 6 tokens (24 accumulators; 16 tokens -> 6 + 5 + 5). Output head at
// 16 tokens, 1 thread, fastest call (bench_matmul hp bf16 1 16): 4x6 1750 us, 4x4 1827 us, 3x8
// 1830 us from DRAM (in L2: 4x4 94, 4x6 92, 3x8 89 GMAC/s). Prefetching 2 or 3 row tiles ahead
// instead of 1: 1840-1870 us.
constexpr int kR = 4;  // rows per register tile
constexpr int kT = 6;  // tokens per register tile (at most)

inline __m512 dp(__m512 acc, __m512i w, __m512i x) { return _mm512_dpbf16_ps(acc, (__m512bh)w, (__m512bh)x); }

// weight words c..c+31 of a row of n; words at or past n read as 0
inline __m512i wtail(const uint16_t *w, int64_t c, int64_t n) {
    const __mmask32 m = n - c >= 32 ? (__mmask32)0xffffffffu : (__mmask32)((1u << (n - c)) - 1);
    return _mm512_maskz_loadu_epi16(m, w + c);
}

// R rows x T tokens: y[k * ldy + r] for token k of the tile, row r; x rows xs words apart.
// PF: prefetch the next R rows (weights streaming from DRAM; not for weights already in cache)
template <int R, int T, bool PF>
void tile(const uint16_t *w, int64_t n, const uint16_t *x, int64_t xs, float *y, int64_t ldy) {
    __m512 acc[R][T];
    for (int r = 0; r < R; r++)
        for (int k = 0; k < T; k++) acc[r][k] = _mm512_setzero_ps();
    int64_t c = 0;
    for (; c + 32 <= n; c += 32) {
        __m512i wv[R];
        // the next row tile's line from DRAM while this one computes (past the matrix end a
        // prefetch is only a hint: it never faults)
        if (PF)
            for (int r = 0; r < R; r++) _mm_prefetch((const char *)(w + (R + r) * n + c), _MM_HINT_T0);
        for (int r = 0; r < R; r++) wv[r] = _mm512_loadu_si512(w + r * n + c);
        for (int k = 0; k < T; k++) {
            __m512i xv = _mm512_load_si512(x + k * xs + c);
            if (R > 1) asm("" : "+v"(xv));  // one load per activation vector, not one per row
            for (int r = 0; r < R; r++) acc[r][k] = dp(acc[r][k], wv[r], xv);
        }
    }
    if (c < n) {
        __m512i wv[R];
        for (int r = 0; r < R; r++) wv[r] = wtail(w + r * n, c, n);
        for (int k = 0; k < T; k++) {
            const __m512i xv = _mm512_load_si512(x + k * xs + c);
            for (int r = 0; r < R; r++) acc[r][k] = dp(acc[r][k], wv[r], xv);
        }
    }
    const __m512 z = _mm512_setzero_ps();
    for (int k = 0; k < T; k++) {
        const __m128 s = lb512_hsum4(acc[0][k], R > 1 ? acc[1 % R][k] : z, R > 2 ? acc[2 % R][k] : z, R > 3 ? acc[3 % R][k] : z);
        _mm_mask_storeu_ps(y + k * ldy, (__mmask8)((1u << R) - 1), s);
    }
}

static_assert(kR == 4 && kT <= 6, "tile dispatch");
template <int R, bool PF>
void tile_r(int nt, const uint16_t *w, int64_t n, const uint16_t *x, int64_t xs, float *y, int64_t ldy) {
    switch (nt) {
        case 1: tile<R, 1, PF>(w, n, x, xs, y, ldy); break;
        case 2: tile<R, 2, PF>(w, n, x, xs, y, ldy); break;
        case 3: tile<R, 3, PF>(w, n, x, xs, y, ldy); break;
        case 4: tile<R, 4, PF>(w, n, x, xs, y, ldy); break;
        case 5: tile<R, 5, PF>(w, n, x, xs, y, ldy); break;
        default: tile<R, 6, PF>(w, n, x, xs, y, ldy); break;
    }
}

template <bool PF>
void tile_any(int nr, int nt, const uint16_t *w, int64_t n, const uint16_t *x, int64_t xs, float *y, int64_t ldy) {
    switch (nr) {
        case 1: tile_r<1, PF>(nt, w, n, x, xs, y, ldy); break;
        case 2: tile_r<2, PF>(nt, w, n, x, xs, y, ldy); break;
        case 3: tile_r<3, PF>(nt, w, n, x, xs, y, ldy); break;
        default: tile_r<4, PF>(nt, w, n, x, xs, y, ldy); break;
    }
}

// tokens of the tile starting at t0: at most maxt (<= kT), balanced (kT: 16 -> 6 + 5 + 5, 9 -> 5 + 4)
inline int token_tile(int64_t left, int maxt = kT) {
    if (left <= maxt) return (int)left;
    const int64_t n = (left + maxt - 1) / maxt;
    return (int)((left + n - 1) / n);
}

}  // namespace
}  // namespace bf16t
