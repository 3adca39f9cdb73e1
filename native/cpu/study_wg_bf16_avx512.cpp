// W4G / W3G / W2G matmul on AVX512_BF16 (group % 128 == 0): y = sum bf16(s*(q-z)) * bf16(x), FP32
// accumulation, the format's defined arithmetic (scalar reference: study_matmul.cpp).
//  - Activations are rounded to bf16 once per call (vcvtne2ps2bf16, round to nearest even, as
//    lb_bf16_round) and stored in "code order" per 128-element chunk, so that each weight vector
//    unpacked from the codes meets its activations without any shuffling in the inner loop.
//  - Per group and row, a 32-word table holds bf16((i - z) * s) for every code i (repeated every 2^b
//    words), so vpermw turns 32 codes in 16-bit lanes into 32 bf16 weights (garbage bits above the
//    code in a lane only select another copy of the same entry).
//  - vdpbf16ps: 32 multiply-adds per instruction. The products are exact in FP32; vdpbf16ps adds the
//    two products of a lane pair one after the other, so only the summation order differs from the
//    scalar reference.
// Code order of a 128-element chunk: vector k (0..3) lane j holds
//   4-bit: nibble k of 16-bit word j of the 64 code bytes  = element 4j + k
//   2-bit: bits 2k..2k+1 of byte j of the 32 code bytes     = element 4j + k
//   3-bit: element 32k + j (natural; the two bytes holding each code are gathered with vpermb)
// Register tile (1-4, 7 and 8 tokens): R rows x T tokens of accumulators; per chunk the T activation
// vectors of each k are loaded once and reused by the R rows, and each unpacked weight vector feeds T
// tokens. Other token counts (batched decode, prefill): each row unpacked to bf16 once into a small
// buffer, then the dense vdpbf16ps tiles of bf16_tile_avx512.h (run_unpacked). Batch-invariant calls
// (lb_matmul_invariant): one row x up to 6 tokens with the one-token tile's 4 accumulators each.
// vpermb (3-bit) needs AVX512_VBMI: part of level LB_ISA_AVX512_BF16 (lb_bf16_kernels)
#pragma GCC target("avx512vbmi")
#pragma GCC diagnostic ignored "-Wuninitialized"
#pragma GCC diagnostic ignored "-Wmaybe-uninitialized"
#include "lowbit/runtime.h"
#include "dispatch.h"
#include "study_internal.h"
#include "study_pack.h"
#include "study_simd512.h"
#include "bf16_tile_avx512.h"
#include <cstring>
#include <type_traits>

namespace {
constexpr int kRowBlock = 16;     // rows per parallel work item (their codes stay in L1 across token tiles)
constexpr int kPrefetchRows = 4;  // prefetch the same bytes this many rows ahead (rows are contiguous)
// Token counts for which rows are unpacked to bf16 once (run_unpacked) rather than per 4x4 token tile.
// W4G g128, 1 thread, in L2, GMAC/s per token count (tiles; unpacked with 6-token dense tiles):
//   896x896:   5: 61; 68   6: 63; 72   7: 71; 69   8: 79; 78   9: 63; 80   12: 79; 82   16: 79; 87   64: 79; 93
//   896x4864:  5: 69; 71   6: 72; 74   7: 78; 71   8: 83; 82   9: 72; 85   12: 83; 90   16: 83; 95   64: 82; 102
// (2-4 tokens: tiles 57-83, unpacked 39-64.)
inline bool unpack_for(int64_t ntok) { return ntok >= 9 || ntok == 5 || ntok == 6; }
// tokens per dense tile of the unpacked path: 4 (16 -> 4 x 4) measured ~1% faster than 6 (16 -> 6 + 5 + 5)
// for 896x896 and 4864x896 at 16 tokens (the unpacked rows are in L1 there, unlike the BF16 head's)
constexpr int kUnpackT = 4;

inline __m512i bf16_pair(__m512 hi, __m512 lo) { return (__m512i)_mm512_cvtne2ps_pbh(hi, lo); }

// (i mod 2^b) - z for every zero point z and i < 16
template <int BITS>
struct CodeMinusZero {
    float v[16][16];
    constexpr CodeMinusZero() : v() {
        for (int z = 0; z < 16; z++)
            for (int i = 0; i < 16; i++) v[z][i] = (float)((i & ((1 << BITS) - 1)) - z);
    }
};
template <int BITS>
alignas(64) constexpr CodeMinusZero<BITS> kCodeMinusZero{};

// 32-word table of one group block: word i = bf16((i mod 2^b - z) * s)
template <int BITS>
inline __m512i group_lut(const uint8_t *blk) {
    int16_t h;
    std::memcpy(&h, blk, 2);
    const __m512 s = _mm512_cvtph_ps(_mm256_set1_epi16(h));
    const __m512 f = _mm512_mul_ps(_mm512_load_ps(kCodeMinusZero<BITS>.v[blk[2] & 15]), s);  // exact in FP32
    return bf16_pair(f, f);
}

// 3-bit: vpermb indices (two bytes per 16-bit lane) of vector k, and the per-lane shift
struct Bf3Tables {
    int8_t idx[4][64];
    int16_t sh[32];
    constexpr Bf3Tables() : idx(), sh() {
        for (int k = 0; k < 4; k++)
            for (int j = 0; j < 32; j++) {
                const int bit = 3 * (32 * k + j);
                idx[k][2 * j] = (int8_t)(bit >> 3);
                idx[k][2 * j + 1] = (int8_t)((bit >> 3) + 1);  // at most byte 47: inside the 48 code bytes
            }
        for (int j = 0; j < 32; j++) sh[j] = (int16_t)((3 * j) & 7);
    }
};
alignas(64) constexpr Bf3Tables kBf3{};

// raw codes of one 128-element chunk: 4-bit 64 bytes, 3-bit 48 bytes (masked load), 2-bit 32 bytes
// widened to 16-bit lanes
template <int BITS>
inline __m512i load_chunk(const uint8_t *codes) {
    if (BITS == 4) return _mm512_loadu_si512(codes);
    if (BITS == 2) return _mm512_cvtepu8_epi16(_mm256_loadu_si256((const __m256i *)codes));
    return _mm512_maskz_loadu_epi8(0x0000ffffffffffffULL, codes);
}

// vector k (code order) of a chunk as 32 bf16 weights
template <int BITS, int K>
inline __m512i unpack_k(__m512i raw, __m512i lut) {
    __m512i idx;
    if (BITS == 3) {
        idx = _mm512_permutexvar_epi8(_mm512_load_si512(kBf3.idx[K]), raw);
        idx = _mm512_srlv_epi16(idx, _mm512_load_si512(kBf3.sh));
    } else {
        idx = K == 0 ? raw : _mm512_srli_epi16(raw, K * (BITS == 4 ? 4 : 2));
    }
    return _mm512_permutexvar_epi16(idx, lut);
}

inline __m512 dp(__m512 acc, __m512i w, __m512i x) { return _mm512_dpbf16_ps(acc, (__m512bh)w, (__m512bh)x); }

// Accumulators per (row, token): NA of them, cycled over k, so that small tiles still have >= 8
// independent vdpbf16ps chains in flight.
template <int R, int T>
constexpr int n_acc() { return R * T >= 8 ? 1 : R * T >= 4 ? 2 : 4; }

// y[t*rows + r] for r < R, t < T. rowp: first row's bytes (rows rb apart); xb: bf16 activations in
// code order (token stride xs words). A (row, token)'s sum depends on NA and, from 16 outputs on, on
// the reduction: tile<BITS, 1, T, 4> (T <= 4) sums each one as the one-token tile<BITS, 1, 1> does.
template <int BITS, int R, int T, int NA = n_acc<R, T>()>
void tile(const uint8_t *rowp, int64_t rb, int64_t cols, int group, const uint16_t *xb, int64_t xs, float *y,
          int64_t rows) {
    const int64_t bb = lb_group_block_bytes(BITS, group), ngroups = cols / group;
    const int cpg = group / 128;
    __m512 acc[R][T][NA];
    for (int r = 0; r < R; r++)
        for (int t = 0; t < T; t++)
            for (int a = 0; a < NA; a++) acc[r][t][a] = _mm512_setzero_ps();
    for (int64_t g = 0; g < ngroups; g++) {
        __m512i lut[R];
        for (int r = 0; r < R; r++) lut[r] = group_lut<BITS>(rowp + r * rb + g * bb);
        for (int ch = 0; ch < cpg; ch++) {
            const int64_t e0 = (g * cpg + ch) * 128;  // first element of the chunk
            __m512i raw[R];
            for (int r = 0; r < R; r++) {
                const uint8_t *codes = rowp + r * rb + g * bb + 3 + ch * 16 * BITS;
                _mm_prefetch((const char *)(codes + kPrefetchRows * rb), _MM_HINT_T0);
                raw[r] = load_chunk<BITS>(codes);
            }
            auto step = [&](auto kc) {
                constexpr int K = decltype(kc)::value;
                __m512i xv[T];
                for (int t = 0; t < T; t++) xv[t] = _mm512_load_si512(xb + t * xs + e0 + 32 * K);
                for (int r = 0; r < R; r++) {
                    const __m512i w = unpack_k<BITS, K>(raw[r], lut[r]);
                    for (int t = 0; t < T; t++) acc[r][t][K % NA] = dp(acc[r][t][K % NA], w, xv[t]);
                }
            };
            step(std::integral_constant<int, 0>());
            step(std::integral_constant<int, 1>());
            step(std::integral_constant<int, 2>());
            step(std::integral_constant<int, 3>());
        }
    }
    if (R * T >= 16) {
        static_assert(R * T <= 16 || R * T % 16 == 0, "tile size");
        for (int i = 0; i < R * T; i += 16) {
            __m512 v[16];
            for (int q = 0; q < 16; q++) {
                const int r = (i + q) / T, t = (i + q) % T;
                v[q] = acc[r][t][0];
                for (int a = 1; a < NA; a++) v[q] = _mm512_add_ps(v[q], acc[r][t][a]);
            }
            alignas(64) float s[16];
            _mm512_store_ps(s, lb512_reduce16(v));
            for (int q = 0; q < 16; q++) y[((i + q) % T) * rows + (i + q) / T] = s[q];
        }
    } else {
        for (int r = 0; r < R; r++)
            for (int t = 0; t < T; t++) {
                __m512 v = acc[r][t][0];
                for (int a = 1; a < NA; a++) v = _mm512_add_ps(v, acc[r][t][a]);
                y[t * rows + r] = _mm512_reduce_add_ps(v);
            }
    }
}

template <int BITS, int T>
void rows_tile(int64_t r0, int64_t r1, const uint8_t *w, int64_t rb, int64_t cols, int group, const uint16_t *xb,
               int64_t xs, float *y, int64_t rows, bool single) {
    // R: T <= 4 -> 4 rows (16 accumulators at T = 4), T 5..8 -> 2 rows; one row for a lone token,
    // whose row must stream from DRAM alone (interleaved rows defeat the prefetcher)
    constexpr int R = T <= 4 ? 4 : 2;
    int64_t r = r0;
    if (!single)
        for (; r + R <= r1; r += R) tile<BITS, R, T>(w + r * rb, rb, cols, group, xb, xs, y + r, rows);
    for (; r < r1; r++) tile<BITS, 1, T>(w + r * rb, rb, cols, group, xb, xs, y + r, rows);
}

template <int BITS>
void rows_tile_t(int T, int64_t r0, int64_t r1, const uint8_t *w, int64_t rb, int64_t cols, int group,
                 const uint16_t *xb, int64_t xs, float *y, int64_t rows, bool single) {
    switch (T) {
        case 1: rows_tile<BITS, 1>(r0, r1, w, rb, cols, group, xb, xs, y, rows, single); break;
        case 2: rows_tile<BITS, 2>(r0, r1, w, rb, cols, group, xb, xs, y, rows, single); break;
        case 3: rows_tile<BITS, 3>(r0, r1, w, rb, cols, group, xb, xs, y, rows, single); break;
        case 4: rows_tile<BITS, 4>(r0, r1, w, rb, cols, group, xb, xs, y, rows, single); break;
        case 5: rows_tile<BITS, 5>(r0, r1, w, rb, cols, group, xb, xs, y, rows, single); break;
        case 6: rows_tile<BITS, 6>(r0, r1, w, rb, cols, group, xb, xs, y, rows, single); break;
        case 7: rows_tile<BITS, 7>(r0, r1, w, rb, cols, group, xb, xs, y, rows, single); break;
        default: rows_tile<BITS, 8>(r0, r1, w, rb, cols, group, xb, xs, y, rows, single); break;
    }
}

// Batch-invariant calls (several tokens): rows one at a time, each against token tiles of up to
// kInvTT with the one-token tile's 4 accumulators per token (24 in all), so every output is summed as
// in a one-token call; a row's codes are unpacked once per token tile.
constexpr int kInvTT = 6;
template <int BITS>
void rows_invariant(int T, int64_t r0, int64_t r1, const uint8_t *w, int64_t rb, int64_t cols, int group,
                    const uint16_t *xb, int64_t xs, float *y, int64_t rows) {
    constexpr int NA = n_acc<1, 1>();
    static_assert(kInvTT == 6, "tiles");
    for (int64_t r = r0; r < r1; r++) {
        const uint8_t *row = w + r * rb;
        switch (T) {
            case 1: tile<BITS, 1, 1, NA>(row, rb, cols, group, xb, xs, y + r, rows); break;
            case 2: tile<BITS, 1, 2, NA>(row, rb, cols, group, xb, xs, y + r, rows); break;
            case 3: tile<BITS, 1, 3, NA>(row, rb, cols, group, xb, xs, y + r, rows); break;
            case 4: tile<BITS, 1, 4, NA>(row, rb, cols, group, xb, xs, y + r, rows); break;
            case 5: tile<BITS, 1, 5, NA>(row, rb, cols, group, xb, xs, y + r, rows); break;
            default: tile<BITS, 1, 6, NA>(row, rb, cols, group, xb, xs, y + r, rows); break;
        }
    }
}

// token tiles: at most `most` (kMaxTT by default), balanced (16 -> 4 x 4, 6 -> 3 + 3)
constexpr int kMaxTT = 4;  // 4 rows x 4 tokens measured faster than 2 x 8 (fewer unpacks per FMA)
inline int token_tile(int64_t left, int most = kMaxTT) {
    if (left <= most) return (int)left;
    const int64_t n = (left + most - 1) / most;
    return (int)((left + n - 1) / n);
}

// one row's weights as bf16 words in code order (what the tiles above compute from the codes)
template <int BITS>
void unpack_row(const uint8_t *row, int group, int64_t cols, uint16_t *dst) {
    const int64_t bb = lb_group_block_bytes(BITS, group), ngroups = cols / group;
    const int cpg = group / 128;
    for (int64_t g = 0; g < ngroups; g++) {
        const __m512i lut = group_lut<BITS>(row + g * bb);
        for (int ch = 0; ch < cpg; ch++) {
            const uint8_t *codes = row + g * bb + 3 + ch * 16 * BITS;
            _mm_prefetch((const char *)(codes + kPrefetchRows * (ngroups * bb)), _MM_HINT_T0);
            const __m512i raw = load_chunk<BITS>(codes);
            uint16_t *o = dst + (g * cpg + ch) * 128;
            _mm512_store_si512(o, unpack_k<BITS, 0>(raw, lut));
            _mm512_store_si512(o + 32, unpack_k<BITS, 1>(raw, lut));
            _mm512_store_si512(o + 64, unpack_k<BITS, 2>(raw, lut));
            _mm512_store_si512(o + 96, unpack_k<BITS, 3>(raw, lut));
        }
    }
}

// Many tokens: each row is unpacked to bf16 once (into an L1/L2 buffer of kR rows), then dense
// kR x kT vdpbf16ps tiles (bf16_tile_avx512.h) run over all token tiles: the table lookups are paid
// once per row instead of once per token tile.
template <int BITS>
void run_unpacked(int group, const uint8_t *w, int64_t rows, int64_t cols, const uint16_t *xb, int64_t ntok, float *y) {
    const int64_t rb = cols / group * lb_group_block_bytes(BITS, group);
    const int64_t nblocks = (rows + kRowBlock - 1) / kRowBlock;
#pragma omp parallel num_threads(lb_threads_for((long long)rows * cols * ntok))
    {
        uint16_t *wb = (uint16_t *)study_scratch_rows(sizeof(uint16_t) * bf16t::kR * cols);
#pragma omp for schedule(static)
        for (int64_t blk = 0; blk < nblocks; blk++) {
            const int64_t r0 = blk * kRowBlock, r1 = r0 + kRowBlock < rows ? r0 + kRowBlock : rows;
            for (int64_t r = r0; r < r1; r += bf16t::kR) {
                const int nr = (int)(r1 - r < bf16t::kR ? r1 - r : bf16t::kR);
                for (int i = 0; i < nr; i++) unpack_row<BITS>(w + (r + i) * rb, group, cols, wb + i * cols);
                for (int64_t t0 = 0; t0 < ntok;) {
                    const int nt = bf16t::token_tile(ntok - t0, kUnpackT);
                    bf16t::tile_any<false>(nr, nt, wb, cols, xb + t0 * cols, cols, y + t0 * rows + r, rows);
                    t0 += nt;
                }
            }
        }
    }
}

template <int BITS>
void run(int group, const uint8_t *w, int64_t rows, int64_t cols, const uint16_t *xb, int64_t ntok, float *y,
         bool invariant) {
    if (!invariant && unpack_for(ntok)) return run_unpacked<BITS>(group, w, rows, cols, xb, ntok, y);
    const int64_t rb = cols / group * lb_group_block_bytes(BITS, group);
    const int64_t nblocks = (rows + kRowBlock - 1) / kRowBlock;
#pragma omp parallel for num_threads(lb_threads_for((long long)rows * cols * ntok)) schedule(static)
    for (int64_t blk = 0; blk < nblocks; blk++) {
        const int64_t r0 = blk * kRowBlock, r1 = r0 + kRowBlock < rows ? r0 + kRowBlock : rows;
        for (int64_t t0 = 0; t0 < ntok;) {
            const int T = token_tile(ntok - t0, invariant ? kInvTT : kMaxTT);
            if (invariant)
                rows_invariant<BITS>(T, r0, r1, w, rb, cols, group, xb + t0 * cols, cols, y + t0 * rows, rows);
            else
                rows_tile_t<BITS>(T, r0, r1, w, rb, cols, group, xb + t0 * cols, cols, y + t0 * rows, rows, ntok == 1);
            t0 += T;
        }
    }
}

// one token's x (cols % 128 == 0) -> bf16 in code order
void convert_x(int bits, const float *x, int64_t cols, uint16_t *xb) {
    // 4/2-bit: natural bf16 words n0..n3 (elements 0..127) -> out_k[j] = element 4j + k, a 32x4 transpose
    alignas(64) static constexpr struct Idx {
        int16_t a[32], b[32];
        constexpr Idx() : a(), b() {
            for (int q = 0; q < 32; q++) {
                const int k = q / 16, r = q % 16;  // a: k = 0/1 of rows 0..15; b: k = 2/3
                a[q] = (int16_t)(r < 8 ? 4 * r + k : 32 + 4 * (r - 8) + k);
                b[q] = (int16_t)(a[q] + 2);
            }
        }
    } kIdx{};
    const __m512i ia = _mm512_load_si512(kIdx.a), ib = _mm512_load_si512(kIdx.b);
    for (int64_t c = 0; c < cols; c += 128) {
        const float *src = x + c;
        __m512i n[4];
        for (int i = 0; i < 4; i++) n[i] = bf16_pair(_mm512_loadu_ps(src + 32 * i + 16), _mm512_loadu_ps(src + 32 * i));
        uint16_t *dst = xb + c;
        if (bits == 3) {
            for (int i = 0; i < 4; i++) _mm512_store_si512(dst + 32 * i, n[i]);
            continue;
        }
        const __m512i A = _mm512_permutex2var_epi16(n[0], ia, n[1]), B = _mm512_permutex2var_epi16(n[0], ib, n[1]);
        const __m512i C = _mm512_permutex2var_epi16(n[2], ia, n[3]), D = _mm512_permutex2var_epi16(n[2], ib, n[3]);
        _mm512_store_si512(dst, _mm512_shuffle_i64x2(A, C, 0x44));
        _mm512_store_si512(dst + 32, _mm512_shuffle_i64x2(A, C, 0xee));
        _mm512_store_si512(dst + 64, _mm512_shuffle_i64x2(B, D, 0x44));
        _mm512_store_si512(dst + 96, _mm512_shuffle_i64x2(B, D, 0xee));
    }
}
}  // namespace

void matmul_wg_bf16_avx512(int bits, int group, const uint8_t *w, int64_t rows, int64_t cols, const float *x,
                           int64_t ntok, float *y, bool invariant) {
    // bf16 activations: 2 bytes each, in the caller thread's scratch (64-byte aligned, cols % 128 == 0)
    uint16_t *xb = (uint16_t *)study_scratch_i8((size_t)(ntok * cols * 2));
    // token rows convert independently: in parallel for batched steps and prefill
#pragma omp parallel for num_threads(lb_threads_get()) schedule(static) if (ntok >= 4)
    for (int64_t t = 0; t < ntok; t++) convert_x(bits, x + t * cols, cols, xb + t * cols);
    switch (bits) {
        case 4: run<4>(group, w, rows, cols, xb, ntok, y, invariant); break;
        case 3: run<3>(group, w, rows, cols, xb, ntok, y, invariant); break;
        default: run<2>(group, w, rows, cols, xb, ntok, y, invariant); break;
    }
}
