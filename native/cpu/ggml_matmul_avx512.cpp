// AVX-512 (F/BW/VL + VNNI) row kernels of matmul_ggml. Same integer block sums as the scalar
// reference in ggml_matmul.cpp; only the order of the fp32 accumulation differs.
//  * float formats: weights converted in registers (F16C / 16-bit shift), FMA with fp32 x.
//  * *_0/*_1: four 32-blocks per step: 64-byte loads, vpermt2w gathers the packed codes of
//    blocks A..D (and their f16 scales) into the lanes the split-order activations expect; vpdpbusd
//    (unsigned code x signed int8 activation) accumulates onto a per-token preloaded
//    "-offset * sum(q)" lane, so the signed weight offset costs nothing per row.
//  * K-quants: one super-block per step; vpmaddubsw pair sums, then vpdpwssd by the 6/8-bit
//    sub-block scales; mins/offsets from the activation's sums per 16.
// Every kernel handles a tile of NT tokens (template) so unpacking is paid once per tile.
// GCC 12 flags the deliberate _mm*_undefined_* self-initialisation inside its own intrinsics
#pragma GCC diagnostic ignored "-Wuninitialized"
#pragma GCC diagnostic ignored "-Wmaybe-uninitialized"
#include <immintrin.h>
#include "lowbit/lowbit.h"
#include "ggml_common.h"
#include "ggml_x86.h"
#include "simd512_math.h"

namespace lbg {
namespace {


// ------------------------------------------------------------------ float formats
// 16 F16 values from memory to fp32 with the load kept a separate instruction. GCC folds a plain
// load into vcvtph2ps's memory operand, and that form streamed F16 rows from DRAM far slower on
// Zen 4: the F16 GEMV of Qwen2.5-0.5B's shapes read 19 GB/s on one core with it, 27 GB/s with a
// separate load (2 threads: 35 -> 43 GB/s); from L2 the two forms ran at the same speed. The F16 KV
// rows of attention (kv_simd512.h) keep the folded form: they reuse each row for several query heads and
// ran 7-13% slower with this one (32K context, head_dim 64, 2 threads: 1128 -> 1206-1276 us).
inline __m512 load_cvtph(const void *p) {
    __m256i h = _mm256_loadu_si256((const __m256i *)p);
    asm("" : "+v"(h));  // opaque to the compiler: keeps vmovdqu + vcvtph2ps (register form)
    return _mm512_cvtph_ps(h);
}

template <int32_t FMT>
inline __m512 load_w16(const uint8_t *w, int64_t c) {
    if (FMT == LB_F32) return _mm512_loadu_ps((const float *)w + c);
    if (FMT == LB_F16) return load_cvtph((const uint16_t *)w + c);
    const __m256i h = _mm256_loadu_si256((const __m256i *)((const uint16_t *)w + c));
    return _mm512_castsi512_ps(_mm512_slli_epi32(_mm512_cvtepu16_epi32(h), 16));
}

template <int32_t FMT>
inline __m512 load_w16_tail(const uint8_t *w, int64_t c, __mmask16 m) {
    if (FMT == LB_F32) return _mm512_maskz_loadu_ps(m, (const float *)w + c);
    const __m256i h = _mm256_maskz_loadu_epi16(m, (const uint16_t *)w + c);
    if (FMT == LB_F16) return _mm512_cvtph_ps(h);
    return _mm512_castsi512_ps(_mm512_slli_epi32(_mm512_cvtepu16_epi32(h), 16));
}

template <int32_t FMT, int NT>
void row_float_t(const uint8_t *w, const Act &a, int64_t t0, float *out) {
    constexpr int U = NT == 1 ? 4 : NT == 2 ? 2 : 1;  // independent FMA chains: NT*U >= 4
    __m512 acc[NT][U];
    for (int k = 0; k < NT; k++)
        for (int u = 0; u < U; u++) acc[k][u] = _mm512_setzero_ps();
    const int64_t n = a.c1;
    const float *x[NT];
    for (int k = 0; k < NT; k++) x[k] = a.x(t0 + k);
    int64_t c = a.c0;
    for (; c + 16 * U <= n; c += 16 * U) {
        __m512 wv[U];
        for (int u = 0; u < U; u++) wv[u] = load_w16<FMT>(w, c + 16 * u);
        for (int k = 0; k < NT; k++)
            for (int u = 0; u < U; u++) acc[k][u] = _mm512_fmadd_ps(wv[u], _mm512_loadu_ps(x[k] + c + 16 * u), acc[k][u]);
    }
    for (; c < n; c += 16) {
        const __mmask16 m = n - c >= 16 ? (__mmask16)0xffff : (__mmask16)((1u << (n - c)) - 1);
        const __m512 wv = load_w16_tail<FMT>(w, c, m);
        for (int k = 0; k < NT; k++) acc[k][0] = _mm512_fmadd_ps(wv, _mm512_maskz_loadu_ps(m, x[k] + c), acc[k][0]);
    }
    for (int k = 0; k < NT; k++) {
        for (int u = 1; u < U; u++) acc[k][0] = _mm512_add_ps(acc[k][0], acc[k][u]);
        out[k] = _mm512_reduce_add_ps(acc[k][0]);
    }
}

inline __m128 hsum4(__m512 a0, __m512 a1, __m512 a2, __m512 a3) { return lb512_hsum4(a0, a1, a2, a3); }

// Single token, nr rows one after another: 4 accumulators per row, 4 rows' sums reduced together.
// row1_float_t: R rows against T tokens, each (row, token) summed exactly so (4 accumulators of its
// own, the same steps): each weight vector is loaded and converted once for T tokens, each activation
// vector loaded once for R rows (batch-invariant multi-token calls; R = T = 1 is the one-token kernel).
template <int32_t FMT, int R, int T>
inline __attribute__((always_inline)) void row1_float_t(const uint8_t *w, int64_t rb, const float *const *x, int64_t c, int64_t n,
                                                        __m512 (*s)[T]) {
    __m512 a[R][T][4];
    for (int r = 0; r < R; r++)
        for (int k = 0; k < T; k++) a[r][k][0] = a[r][k][1] = a[r][k][2] = a[r][k][3] = _mm512_setzero_ps();
    for (; c + 64 <= n; c += 64)
        for (int u = 0; u < 4; u++) {
            __m512 wv[R];
            for (int r = 0; r < R; r++) wv[r] = load_w16<FMT>(w + r * rb, c + 16 * u);
            for (int k = 0; k < T; k++) {
                __m512 xv = _mm512_loadu_ps(x[k] + c + 16 * u);
                if (R > 1) asm("" : "+v"(xv));  // one load per activation vector, not one per row
                for (int r = 0; r < R; r++) a[r][k][u] = _mm512_fmadd_ps(wv[r], xv, a[r][k][u]);
            }
        }
    for (; c < n; c += 16) {
        const __mmask16 m = n - c >= 16 ? (__mmask16)0xffff : (__mmask16)((1u << (n - c)) - 1);
        for (int r = 0; r < R; r++) {
            const __m512 wv = load_w16_tail<FMT>(w + r * rb, c, m);
            for (int k = 0; k < T; k++) a[r][k][0] = _mm512_fmadd_ps(wv, _mm512_maskz_loadu_ps(m, x[k] + c), a[r][k][0]);
        }
    }
    for (int r = 0; r < R; r++)
        for (int k = 0; k < T; k++)
            s[r][k] = _mm512_add_ps(_mm512_add_ps(a[r][k][0], a[r][k][1]), _mm512_add_ps(a[r][k][2], a[r][k][3]));
}

template <int32_t FMT>
inline __attribute__((always_inline)) __m512 row1_float(const uint8_t *w, const float *x, int64_t c, int64_t n) {
    __m512 s[1][1];
    row1_float_t<FMT, 1, 1>(w, 0, &x, c, n, s);
    return s[0][0];
}

template <int32_t FMT>
void rows1_float(const uint8_t *w, int64_t rb, int nr, const Act &a, int64_t t, float *out) {
    const float *x = a.x(t);
    const int64_t c = a.c0, n = a.c1;
    int r = 0;
    for (; r + 4 <= nr; r += 4) {
        const __m512 s0 = row1_float<FMT>(w + r * rb, x, c, n), s1 = row1_float<FMT>(w + (r + 1) * rb, x, c, n);
        const __m512 s2 = row1_float<FMT>(w + (r + 2) * rb, x, c, n), s3 = row1_float<FMT>(w + (r + 3) * rb, x, c, n);
        _mm_storeu_ps(out + r, hsum4(s0, s1, s2, s3));
    }
    for (; r < nr; r++) {
        const __m512 z = _mm512_setzero_ps();
        out[r] = _mm_cvtss_f32(hsum4(row1_float<FMT>(w + r * rb, x, c, n), z, z, z));
    }
}

// nr rows x T (<= kInvTile) tokens t0.., every output as rows1_float computes it, in register tiles of
// 2 rows x T tokens (hsum4 reduces each of its four inputs on its own, so rows may be grouped
// differently): y[(t0 + k) * ldy + r]
template <int32_t FMT, int T>
void rows1_float_tokens_t(const uint8_t *w, int64_t rb, int nr, const Act &a, int64_t t0, float *y, int64_t ldy) {
    const float *x[T];
    for (int k = 0; k < T; k++) x[k] = a.x(t0 + k);
    const __m512 z = _mm512_setzero_ps();
    for (int r = 0; r < nr; r += 4) {
        const int n4 = nr - r < 4 ? nr - r : 4;
        __m512 s[4][T];
        for (int i = 0; i < 4; i++)
            for (int k = 0; k < T; k++) s[i][k] = z;
        for (int i = 0; i < n4; i += 2) {
            if (i + 1 < n4) row1_float_t<FMT, 2, T>(w + (r + i) * rb, rb, x, a.c0, a.c1, s + i);
            else row1_float_t<FMT, 1, T>(w + (r + i) * rb, rb, x, a.c0, a.c1, s + i);
        }
        for (int k = 0; k < T; k++)
            _mm_mask_storeu_ps(y + (t0 + k) * ldy + r, (__mmask8)((1u << n4) - 1), hsum4(s[0][k], s[1][k], s[2][k], s[3][k]));
    }
}

template <int32_t FMT>
void rows1_float_tokens(const uint8_t *w, int64_t rb, int nr, const Act &a, int64_t t0, int nt, float *y, int64_t ldy) {
    lb_inv_tile_width(nt, [&](auto n) { rows1_float_tokens_t<FMT, n>(w, rb, nr, a, t0, y, ldy); });
}

// R (<= 4) rows x T tokens register tile (prefill, batched decode): each activation vector
// feeds R FMAs, each converted weight vector T. The R rows' sums of one token are reduced
// together (hsum4) into R consecutive outputs: one store per token, no horizontal sum per
// accumulator. R = 3, T = 8 uses 24 accumulators + 3 weights + 1 activation of the 32 registers
// and converts each weight once per 8 tokens.
template <int32_t FMT, int R, int T>
void rows_float_rt(const uint8_t *w, int64_t rb, const Act &a, int64_t t0, float *y, int64_t ldy) {
    __m512 acc[R][T];
    for (int r = 0; r < R; r++)
        for (int k = 0; k < T; k++) acc[r][k] = _mm512_setzero_ps();
    const float *x[T];
    for (int k = 0; k < T; k++) x[k] = a.x(t0 + k);
    const int64_t n = a.c1;
    int64_t c = a.c0;
    constexpr int ES = FMT == LB_F32 ? 4 : 2;
    for (; c + 16 <= n; c += 16) {
        __m512 wv[R];
        // the next row tile is requested from DRAM while this one computes: with three rows
        // read side by side the hardware prefetchers fall behind (b16 output head from DRAM,
        // 1 thread: 61 -> 95 GFLOP/s; in cache it costs ~2%). Past the last row of the matrix
        // a prefetch is only a hint: it never faults.
        if ((c & 31) == 0)
            for (int r = 0; r < R; r++) _mm_prefetch((const char *)w + (R + r) * rb + c * ES, _MM_HINT_T0);
        for (int r = 0; r < R; r++) wv[r] = load_w16<FMT>(w + r * rb, c);
        for (int k = 0; k < T; k++) {
            __m512 xv = _mm512_loadu_ps(x[k] + c);
            if (R > 1) asm("" : "+v"(xv));  // one load per activation vector, not one per FMA
            for (int r = 0; r < R; r++) acc[r][k] = _mm512_fmadd_ps(wv[r], xv, acc[r][k]);
        }
    }
    if (c < n) {
        const __mmask16 m = (__mmask16)((1u << (n - c)) - 1);
        __m512 wv[R];
        for (int r = 0; r < R; r++) wv[r] = load_w16_tail<FMT>(w + r * rb, c, m);
        for (int k = 0; k < T; k++) {
            const __m512 xv = _mm512_maskz_loadu_ps(m, x[k] + c);
            for (int r = 0; r < R; r++) acc[r][k] = _mm512_fmadd_ps(wv[r], xv, acc[r][k]);
        }
    }
    const __m512 z = _mm512_setzero_ps();
    for (int k = 0; k < T; k++) {
        const __m128 s = hsum4(acc[0][k], R > 1 ? acc[1 % R][k] : z, R > 2 ? acc[2 % R][k] : z, R > 3 ? acc[3 % R][k] : z);
        float *o = y + (t0 + k) * ldy;
        if (R == 4) _mm_storeu_ps(o, s);
        else _mm_mask_storeu_ps(o, (__mmask8)((1u << R) - 1), s);
    }
}

template <int32_t FMT>
void rows_float(const uint8_t *w, int64_t rb, int nr, const Act &a, int64_t t0, int nt, float *y, int64_t ldy) {
    static_assert(kMaxRows == 3, "row tiles");
    switch (nr) {
        case 1: lb_tile_width(nt, [&](auto n) { rows_float_rt<FMT, 1, n>(w, rb, a, t0, y, ldy); }); break;
        case 2: lb_tile_width(nt, [&](auto n) { rows_float_rt<FMT, 2, n>(w, rb, a, t0, y, ldy); }); break;
        default: lb_tile_width(nt, [&](auto n) { rows_float_rt<FMT, 3, n>(w, rb, a, t0, y, ldy); }); break;
    }
}

// ------------------------------------------------------------------ 32-block formats
// vpermt2w indices for one format, built once. Every field of every block starts at an even
// byte, so word granularity suffices (no VBMI needed).
struct B32Idx {
    alignas(64) uint16_t codes[32];  // [qs_A qs_B qs_C qs_D] first 16 bytes of each block's codes
    alignas(64) uint16_t dm[32];     // [d_A d_B d_C d_D m_A m_B m_C m_D ...]
    explicit B32Idx(B32Layout L) {
        for (int i = 0; i < 32; i++) {
            codes[i] = (uint16_t)(((i / 8) * L.bb + L.qs) / 2 + i % 8);
            dm[i] = (uint16_t)(((i % 4) * L.bb + ((i / 4) % 2 == 1 && L.m >= 0 ? L.m : 0)) / 2);
        }
    }
};

template <int32_t FMT>
const B32Idx &b32idx() {
    static const B32Idx idx(layout32(FMT));
    return idx;
}

// Unpack 4 blocks at p: codes in split order (lo: first 16 of each block, one 128-bit lane per
// block; hi: last 16), and the f16 scale/min words [dA dB dC dD mA mB mC mD ...].
template <int32_t FMT>
inline __attribute__((always_inline)) void unpack4(const uint8_t *p, __m512i icodes, __m512i idm, __m512i &lo, __m512i &hi, __m512i &dmw) {
    constexpr B32Layout L = layout32(FMT);
    const __m512i m0f = _mm512_set1_epi8(0x0f), v16 = _mm512_set1_epi8(16), flip = _mm512_set1_epi8((char)0x80);
    if (L.nib) {
        constexpr int rest = 4 * L.bb - 64;
        const __m512i l0 = _mm512_loadu_si512(p);
        __m512i l1;
        if (rest == 8) l1 = _mm512_castsi128_si512(_mm_loadl_epi64((const __m128i *)(p + 64)));
        else if (rest == 16) l1 = _mm512_castsi128_si512(_mm_loadu_si128((const __m128i *)(p + 64)));
        else if (rest == 32) l1 = _mm512_castsi256_si512(_mm256_loadu_si256((const __m256i *)(p + 64)));
        else l1 = _mm512_maskz_loadu_epi8((__mmask64)((1ull << rest) - 1), p + 64);
        const __m512i qs = _mm512_permutex2var_epi16(l0, icodes, l1);
        lo = _mm512_and_si512(qs, m0f);
        hi = _mm512_and_si512(_mm512_srli_epi16(qs, 4), m0f);
        dmw = _mm512_permutex2var_epi16(l0, idm, l1);
        if (L.qh >= 0) {  // bit e of a block's qh is bit 4 of its element e
            const uint64_t ha = rd32(p + L.qh), hb = rd32(p + L.bb + L.qh);
            const uint64_t hc = rd32(p + 2 * L.bb + L.qh), hd = rd32(p + 3 * L.bb + L.qh);
            const uint64_t mlo = (ha & 0xffff) | (hb & 0xffff) << 16 | (hc & 0xffff) << 32 | (hd & 0xffff) << 48;
            const uint64_t mhi = ha >> 16 | (hb >> 16) << 16 | (hc >> 16) << 32 | (hd >> 16) << 48;
            lo = _mm512_mask_add_epi8(lo, _cvtu64_mask64(mlo), lo, v16);
            hi = _mm512_mask_add_epi8(hi, _cvtu64_mask64(mhi), hi, v16);
        }
    } else {  // Q8_0: 136 bytes; the last 16 codes of each block are 16 bytes further on
        const __m512i l0 = _mm512_loadu_si512(p), l1 = _mm512_loadu_si512(p + 64);
        const __m512i m0 = _mm512_loadu_si512(p + 16);
        const __m512i m1 = _mm512_maskz_loadu_epi8((__mmask64)((1ull << 56) - 1), p + 80);
        lo = _mm512_xor_si512(_mm512_permutex2var_epi16(l0, icodes, l1), flip);
        hi = _mm512_xor_si512(_mm512_permutex2var_epi16(m0, icodes, m1), flip);
        dmw = _mm512_permutex2var_epi16(l0, idm, l1);
    }
}

// Four blocks per step. Codes go to two vectors in "split" order: lo = the first 16 codes of
// blocks A..D (one 128-bit lane each), hi = their last 16; the activation copy qp has the same
// order, so both vpdpbusd land in one accumulator whose 128-bit lane k holds block k.
template <int32_t FMT, int NT>
void row_b32_t(const uint8_t *w, const Act &a, int64_t t0, float *out) {
    constexpr B32Layout L = layout32(FMT);
    constexpr bool MIN = L.m >= 0;
    const B32Idx &I = b32idx<FMT>();
    const __m512i icodes = _mm512_load_si512(I.codes), idm = _mm512_load_si512(I.dm);
    const __m512i lane4 = _mm512_setr_epi32(0, 0, 0, 0, 1, 1, 1, 1, 2, 2, 2, 2, 3, 3, 3, 3);
    // small tiles: two groups in flight with separate accumulators (shorter FMA chains)
    constexpr int UN = NT <= 2 ? 2 : 1;
    __m512 acc[UN][NT];
    __m128 macc[UN][NT];
    for (int u = 0; u < UN; u++)
        for (int k = 0; k < NT; k++) acc[u][k] = _mm512_setzero_ps(), macc[u][k] = _mm_setzero_ps();
    const int64_t nb = a.b1();
    auto group = [&](int64_t b, __m512 *acc, __m128 *macc) __attribute__((always_inline)) {
        __m512i lo, hi, dmw;
        unpack4<FMT>(w + b * L.bb, icodes, idm, lo, hi, dmw);
        // 4 block scales (and mins) as f32; per token times the activation block scales,
        // spread over each block's 4 lanes by one permute
        const __m256 dm8 = _mm256_cvtph_ps(_mm512_castsi512_si128(dmw));
        const __m128 dw4 = _mm256_castps256_ps128(dm8);
        for (int k = 0; k < NT; k++) {
            const int8_t *xq = a.qp(t0 + k) + b * 32;
            const __m512i i0 = _mm512_dpbusd_epi32(_mm512_load_si512(a.li(t0 + k) + b * 4), lo, _mm512_load_si512(xq));
            const __m512i i1 = _mm512_dpbusd_epi32(i0, hi, _mm512_load_si512(xq + 64));
            const __m128 s4 = _mm_mul_ps(dw4, _mm_load_ps(a.d(t0 + k) + b));
            acc[k] = _mm512_fmadd_ps(_mm512_cvtepi32_ps(i1), _mm512_permutexvar_ps(lane4, _mm512_castps128_ps512(s4)), acc[k]);
            if (MIN) macc[k] = _mm_fmadd_ps(_mm256_extractf128_ps(dm8, 1), _mm_load_ps(a.ds(t0 + k) + b), macc[k]);
        }
    };
    int64_t b = a.b0();
    if (UN == 2)
        for (; b + 8 <= nb; b += 8) {
            group(b, acc[0], macc[0]);
            group(b + 4, acc[UN - 1], macc[UN - 1]);
        }
    for (; b + 4 <= nb; b += 4) group(b, acc[0], macc[0]);
    for (int k = 0; k < NT; k++) {
        if (UN == 2) acc[0][k] = _mm512_add_ps(acc[0][k], acc[UN - 1][k]), macc[0][k] = _mm_add_ps(macc[0][k], macc[UN - 1][k]);
        float tail = 0;
        for (int64_t bt = b; bt < nb; bt++)
            tail += dot_block32(FMT, w + bt * L.bb, a.q(t0 + k) + bt * 32, a.d(t0 + k)[bt], a.s(t0 + k)[bt]);
        if (MIN) acc[0][k] = _mm512_add_ps(acc[0][k], _mm512_zextps128_ps512(macc[0][k]));
        out[k] = _mm512_reduce_add_ps(acc[0][k]) + tail;
    }
}

// R rows x T tokens register tile of the 32-block formats (prefill, batched decode): per group of
// 4 blocks each row is unpacked once for T tokens and each token's codes, offsets and scales are
// loaded once for R rows. Per (row, token): two vpdpbusd, then the int32 sums converted and
// scaled by dw*dx (the weight scales spread over the blocks' lanes once per row, the activation
// scales once per token): the same products and order as row_b32_t, one permute fewer per pair.
// Registers: R*T accumulators + 2R codes + R scales + 4 of the token (R=3,T=8 spills some).
template <int32_t FMT, int R, int NT>
void rows_b32_rt(const uint8_t *w, int64_t rb, const Act &a, int64_t t0, float *y, int64_t ldy) {
    constexpr B32Layout L = layout32(FMT);
    constexpr bool MIN = L.m >= 0;
    const B32Idx &I = b32idx<FMT>();
    const __m512i icodes = _mm512_load_si512(I.codes), idm = _mm512_load_si512(I.dm);
    const __m512i lane4 = _mm512_setr_epi32(0, 0, 0, 0, 1, 1, 1, 1, 2, 2, 2, 2, 3, 3, 3, 3);
    __m512 acc[R][NT];
    __m128 macc[R][NT];
    for (int r = 0; r < R; r++)
        for (int k = 0; k < NT; k++) acc[r][k] = _mm512_setzero_ps(), macc[r][k] = _mm_setzero_ps();
    const int64_t nb = a.b1();
    int64_t b = a.b0();
    for (; b + 4 <= nb; b += 4) {
        __m512i lo[R], hi[R];
        __m512 dws[R];
        __m128 mw[R];
        // the next row tile's bytes from DRAM while this one computes: rows read side by side
        // defeat the hardware prefetchers (as in rows_float_rt; past the matrix only a hint)
        for (int r = 0; r < R; r++)
            for (int off = 0; off < 4 * L.bb; off += 64) _mm_prefetch((const char *)w + (R + r) * rb + b * L.bb + off, _MM_HINT_T0);
        for (int r = 0; r < R; r++) {
            __m512i dmw;
            unpack4<FMT>(w + r * rb + b * L.bb, icodes, idm, lo[r], hi[r], dmw);
            const __m256 dm8 = _mm256_cvtph_ps(_mm512_castsi512_si128(dmw));
            dws[r] = _mm512_permutexvar_ps(lane4, _mm512_castps256_ps512(dm8));
            if (MIN) mw[r] = _mm256_extractf128_ps(dm8, 1);
        }
        for (int k = 0; k < NT; k++) {
            const int8_t *xq = a.qp(t0 + k) + b * 32;
            const __m512i x0 = _mm512_load_si512(xq), x1 = _mm512_load_si512(xq + 64);
            const __m512i li = _mm512_load_si512(a.li(t0 + k) + b * 4);
            const __m512 dxs = _mm512_permutexvar_ps(lane4, _mm512_castps128_ps512(_mm_load_ps(a.d(t0 + k) + b)));
            for (int r = 0; r < R; r++) {
                const __m512i i1 = _mm512_dpbusd_epi32(_mm512_dpbusd_epi32(li, lo[r], x0), hi[r], x1);
                acc[r][k] = _mm512_fmadd_ps(_mm512_cvtepi32_ps(i1), _mm512_mul_ps(dws[r], dxs), acc[r][k]);
            }
            if (MIN) {
                const __m128 ds = _mm_load_ps(a.ds(t0 + k) + b);
                for (int r = 0; r < R; r++) macc[r][k] = _mm_fmadd_ps(mw[r], ds, macc[r][k]);
            }
        }
    }
    for (int r = 0; r < R; r++)
        for (int k = 0; k < NT; k++) {
            float tail = 0;
            for (int64_t bt = b; bt < nb; bt++)
                tail += dot_block32(FMT, w + r * rb + bt * L.bb, a.q(t0 + k) + bt * 32, a.d(t0 + k)[bt], a.s(t0 + k)[bt]);
            __m512 s = acc[r][k];
            if (MIN) s = _mm512_add_ps(s, _mm512_zextps128_ps512(macc[r][k]));
            y[(t0 + k) * ldy + r] = _mm512_reduce_add_ps(s) + tail;
        }
}

// nr (<= kMaxRows) rows x nt (<= kMaxTile) tokens. Three rows x 8 tokens spill a few registers
// and still beat 3 x 4 twice (1 thread, Qwen2.5-0.5B shapes from DRAM, A/B: Q4_0 16 tokens
// 155 -> 163 tok/s, 128 tokens 148 -> 155; Q8_0 16 tokens 118 -> 139, 128 tokens 116-123 -> 137):
// each row is unpacked once per 8 tokens.
// Q8_0 under 8 tokens stays one row at a time: its 34-byte blocks make the rows' streams twice as
// wide, and side by side they lost to one sequential stream (1 thread, DRAM, Qwen2.5-0.5B shapes:
// 2 tokens 49 -> 40 tok/s, 4 tokens 79 -> 72; 8 tokens 100 -> 114, Q4_0 wins at every count).
template <int32_t FMT>
void rows_b32(const uint8_t *w, int64_t rb, int nr, const Act &a, int64_t t0, int nt, float *y, int64_t ldy) {
    static_assert(kMaxRows == 3 && kMaxTile == 8, "row tiles");
    if (FMT == LB_Q8_0 && nt < kMaxTile) {
        for (int r = 0; r < nr; r++) {
            float out[kMaxTile];
            lb_tile_width(nt, [&](auto n) { row_b32_t<FMT, n>(w + r * rb, a, t0, out); });
            for (int k = 0; k < nt; k++) y[(t0 + k) * ldy + r] = out[k];
        }
        return;
    }
    if (nr == 1) return lb_tile_width(nt, [&](auto n) { rows_b32_rt<FMT, 1, n>(w, rb, a, t0, y, ldy); });
    if (nr == 2) return lb_tile_width(nt, [&](auto n) { rows_b32_rt<FMT, 2, n>(w, rb, a, t0, y, ldy); });
    lb_tile_width(nt, [&](auto n) { rows_b32_rt<FMT, 3, n>(w, rb, a, t0, y, ldy); });
}

// Single token, nr rows one after another; per row two groups of 4 blocks in flight.
// Row1B32<FMT, T>: one row against T tokens t0.., each summed exactly as the one-token kernel (T = 1)
// sums it (its own accumulators, the same steps); the weights are unpacked once for the T tokens
// (batch-invariant multi-token calls).
template <int32_t FMT, int T>
struct Row1B32 {
    static constexpr B32Layout L = layout32(FMT);
    static constexpr bool MIN = L.m >= 0;
    __m512i icodes, idm;
    const int8_t *qp[T];
    const int32_t *li[T];
    const float *d[T], *ds[T], *dxp[T];
    const int32_t *op[T];
    const __m512i lane4 = _mm512_setr_epi32(0, 0, 0, 0, 1, 1, 1, 1, 2, 2, 2, 2, 3, 3, 3, 3);
    int64_t b0, nb;

    Row1B32(const Act &a, int64_t t0) {
        const B32Idx &I = b32idx<FMT>();
        icodes = _mm512_load_si512(I.codes);
        idm = _mm512_load_si512(I.dm);
        for (int k = 0; k < T; k++)
            qp[k] = a.qp(t0 + k), li[k] = a.li(t0 + k), d[k] = a.d(t0 + k), ds[k] = a.ds(t0 + k), dxp[k] = a.dxp(t0 + k), op[k] = a.op(t0 + k);
        b0 = a.b0(), nb = a.b1();
        if (FMT == LB_Q4_0 || FMT == LB_Q8_0) {
            alignas(64) uint16_t i16[32], iT[32];
            for (int e = 0; e < 32; e++) i16[e] = (uint16_t)((e % 4 % 2 ? 32 : 0) + (e / 4 % 4) * L.bb / 2);
            for (int e = 0; e < 32; e++) iT[e] = (uint16_t)((e / 4 % 4) * L.bb / 2);
            idx16 = _mm512_load_si512(i16);
            idxT = _mm512_load_si512(iT);
        }
    }

    inline __attribute__((always_inline)) void group(const uint8_t *w, int64_t b, __m512 *acc, __m128 *macc) const {
        __m512i lo, hi, dmw;
        unpack4<FMT>(w + b * L.bb, icodes, idm, lo, hi, dmw);
        const __m256 dm8 = _mm256_cvtph_ps(_mm512_castsi512_si128(dmw));
        for (int k = 0; k < T; k++) {
            const __m512i i0 = _mm512_dpbusd_epi32(_mm512_load_si512(li[k] + b * 4), lo, _mm512_load_si512(qp[k] + b * 32));
            const __m512i i1 = _mm512_dpbusd_epi32(i0, hi, _mm512_load_si512(qp[k] + b * 32 + 64));
            const __m128 s4 = _mm_mul_ps(_mm256_castps256_ps128(dm8), _mm_load_ps(d[k] + b));
            acc[k] = _mm512_fmadd_ps(_mm512_cvtepi32_ps(i1), _mm512_permutexvar_ps(lane4, _mm512_castps128_ps512(s4)), acc[k]);
            if (MIN) macc[k] = _mm_fmadd_ps(_mm256_extractf128_ps(dm8, 1), _mm_load_ps(ds[k] + b), macc[k]);
        }
    }
    // Q4_0/Q8_0, up to 16 blocks (G groups of 4): the groups' int32 sums (4 lanes per block)
    // are added down to one lane per block by unpacks (lane 4k+g = block 4g+k), so the scales
    // need no spreading: for Q4_0 the 16 weight scales come from the groups' first 64-byte
    // loads by 2 permutes (Q8_0: the per-group scale permute places them, blends merge); the
    // activation scales and the offset terms -offset*sum(q) were stored in that lane order
    // (Act::dxp, Act::op). Saves the spreading permute and the separate FMA of every group.
    __m512i idx16;   // word 4k+g <- scale word of block k in group g (first or second source)
    __m512i idxT;    // Q8_0: word 4k+j <- scale word of block k (unpack4's scale permute)
    template <int G>
    inline __attribute__((always_inline)) void step16(const uint8_t *w, int64_t b, __m512 *acc) const {
        __m512i l0[4], is[T][4];
        if (FMT != LB_Q4_0) {  // Q8_0: scales not all in the first 64 bytes; one permute per group, blended
            __m256i dsel;
            for (int g = 0; g < G; g++) {
                const int64_t bg = b + 4 * g;
                __m512i lo, hi, dmw;
                unpack4<FMT>(w + bg * L.bb, icodes, idxT, lo, hi, dmw);
                for (int k = 0; k < T; k++) {
                    const __m512i i0 = _mm512_dpbusd_epi32(_mm512_setzero_si512(), lo, _mm512_load_si512(qp[k] + bg * 32));
                    is[k][g] = _mm512_dpbusd_epi32(i0, hi, _mm512_load_si512(qp[k] + bg * 32 + 64));
                }
                const __m256i dg = _mm512_castsi512_si256(dmw);
                dsel = g == 0 ? dg : _mm256_mask_mov_epi16(dsel, (__mmask16)(0x1111u << g), dg);
            }
            const __m512 dw = _mm512_cvtph_ps(dsel);
            for (int k = 0; k < T; k++) step16_sum<G>(is[k], dw, b, k, acc[k]);
            return;
        }
        const __m512i m0f = _mm512_set1_epi8(0x0f);
        for (int g = 0; g < G; g++) {
            const uint8_t *p = w + (b + 4 * g) * L.bb;
            l0[g] = _mm512_loadu_si512(p);
            const __m512i l1 = _mm512_castsi128_si512(_mm_loadl_epi64((const __m128i *)(p + 64)));
            const __m512i qs = _mm512_permutex2var_epi16(l0[g], icodes, l1);
            const __m512i lo = _mm512_and_si512(qs, m0f), hi = _mm512_and_si512(_mm512_srli_epi16(qs, 4), m0f);
            const int64_t bg = b + 4 * g;
            for (int k = 0; k < T; k++) {
                const __m512i i0 = _mm512_dpbusd_epi32(_mm512_setzero_si512(), lo, _mm512_load_si512(qp[k] + bg * 32));
                is[k][g] = _mm512_dpbusd_epi32(i0, hi, _mm512_load_si512(qp[k] + bg * 32 + 64));
            }
        }
        // lanes of missing groups (g >= G) repeat present ones (finite scales, times dx = 0)
        const __m256i d01 = _mm512_castsi512_si256(_mm512_permutex2var_epi16(l0[0], idx16, l0[G > 1 ? 1 : 0]));
        __m256i dsel = d01;
        if (G > 2) {
            const __m256i d23 = _mm512_castsi512_si256(_mm512_permutex2var_epi16(l0[2], idx16, l0[G > 3 ? 3 : 2]));
            dsel = _mm256_mask_mov_epi16(d01, (__mmask16)0xcccc, d23);
        }
        const __m512 dw = _mm512_cvtph_ps(dsel);
        for (int k = 0; k < T; k++) step16_sum<G>(is[k], dw, b, k, acc[k]);
    }
    // is[g]: token k's int32 sums of group g (4 lanes per block); dw: weight scales at lane 4k+g
    template <int G>
    inline __attribute__((always_inline)) void step16_sum(const __m512i *is, __m512 dw, int64_t b, int k, __m512 &acc) const {
        const __m512i z = _mm512_setzero_si512();
        const __m512i i1 = G > 1 ? is[1] : z, i3 = G > 3 ? is[3] : z;
        const __m512i s01 = _mm512_add_epi32(_mm512_unpacklo_epi32(is[0], i1), _mm512_unpackhi_epi32(is[0], i1));
        const __m512i s23 = G > 2 ? _mm512_add_epi32(_mm512_unpacklo_epi32(is[2], i3), _mm512_unpackhi_epi32(is[2], i3)) : z;
        const __m512i isum = _mm512_add_epi32(_mm512_add_epi32(_mm512_unpacklo_epi64(s01, s23), _mm512_unpackhi_epi64(s01, s23)),
                                              _mm512_load_si512(op[k] + b));
        // lanes of missing groups get activation scale 0
        constexpr __mmask16 m = G == 4 ? 0xffff : G == 3 ? 0x7777 : G == 2 ? 0x3333 : 0x1111;
        const __m512 dx = _mm512_maskz_load_ps(m, dxp[k] + b);
        acc = _mm512_fmadd_ps(_mm512_cvtepi32_ps(isum), _mm512_mul_ps(dw, dx), acc);
    }
    // whole groups of the row into s[k]; the tail blocks (< 4) go to tail[k]
    inline __attribute__((always_inline)) void row(const uint8_t *w, const Act &a, int64_t t0, __m512 *s, float *tail) const {
        __m512 acc0[T], acc1[T];
        __m128 m0[T], m1[T];
        for (int k = 0; k < T; k++) acc0[k] = acc1[k] = _mm512_setzero_ps(), m0[k] = m1[k] = _mm_setzero_ps();
        int64_t b = b0;
        if ((FMT == LB_Q4_0 || FMT == LB_Q8_0) && b0 % 16 == 0) {  // (Q5_0 measured no faster this way)
            for (; b + 32 <= nb; b += 32) step16<4>(w, b, acc0), step16<4>(w, b + 16, acc1);
            if (b + 16 <= nb) step16<4>(w, b, acc0), b += 16;
            switch ((nb - b) / 4) {
                case 3: step16<3>(w, b, acc1), b += 12; break;
                case 2: step16<2>(w, b, acc1), b += 8; break;
                case 1: step16<1>(w, b, acc1), b += 4; break;
                default: break;
            }
        }
        for (; b + 8 <= nb; b += 8) {
            group(w, b, acc0, m0);
            group(w, b + 4, acc1, m1);
        }
        if (b + 4 <= nb) group(w, b, acc0, m0), b += 4;
        for (int k = 0; k < T; k++) {
            s[k] = _mm512_add_ps(acc0[k], acc1[k]);
            if (MIN) s[k] = _mm512_add_ps(s[k], _mm512_zextps128_ps512(_mm_add_ps(m0[k], m1[k])));
            float tl = 0;
            for (int64_t bt = b; bt < nb; bt++) tl += dot_block32(FMT, w + bt * L.bb, a.q(t0 + k) + bt * 32, a.d(t0 + k)[bt], a.s(t0 + k)[bt]);
            tail[k] = tl;
        }
    }
};

template <int32_t FMT>
void rows1_b32(const uint8_t *w, int64_t rb, int nr, const Act &a, int64_t t, float *out) {
    const Row1B32<FMT, 1> k(a, t);
    int r = 0;
    alignas(16) float tl[4];
    __m512 s[4];
    for (; r + 4 <= nr; r += 4) {
        for (int i = 0; i < 4; i++) k.row(w + (r + i) * rb, a, t, s + i, tl + i);
        _mm_storeu_ps(out + r, _mm_add_ps(hsum4(s[0], s[1], s[2], s[3]), _mm_load_ps(tl)));
    }
    for (; r < nr; r++) {
        const __m512 z = _mm512_setzero_ps();
        k.row(w + r * rb, a, t, s, tl);
        out[r] = _mm_cvtss_f32(hsum4(s[0], z, z, z)) + tl[0];
    }
}

// nr rows x T (<= kInvTile) tokens t0.., every output as rows1_b32 computes it (hsum4 reduces each
// of its inputs on its own, a tail adds per lane): y[(t0 + k) * ldy + r]
template <int32_t FMT, int T>
void rows1_b32_tokens_t(const uint8_t *w, int64_t rb, int nr, const Act &a, int64_t t0, float *y, int64_t ldy) {
    const Row1B32<FMT, T> k(a, t0);
    const __m512 z = _mm512_setzero_ps();
    for (int r = 0; r < nr; r += 4) {
        const int n4 = nr - r < 4 ? nr - r : 4;
        __m512 s[4][T];
        alignas(16) float tl[T][4] = {};
        float tk[T];
        for (int i = 0; i < 4; i++) {
            if (i < n4) k.row(w + (r + i) * rb, a, t0, s[i], tk);
            for (int j = 0; j < T; j++) {
                if (i >= n4) s[i][j] = z;
                else tl[j][i] = tk[j];
            }
        }
        for (int j = 0; j < T; j++)
            _mm_mask_storeu_ps(y + (t0 + j) * ldy + r, (__mmask8)((1u << n4) - 1),
                               _mm_add_ps(hsum4(s[0][j], s[1][j], s[2][j], s[3][j]), _mm_load_ps(tl[j])));
    }
}

template <int32_t FMT>
void rows1_b32_tokens(const uint8_t *w, int64_t rb, int nr, const Act &a, int64_t t0, int nt, float *y, int64_t ldy) {
    lb_inv_tile_width(nt, [&](auto n) { rows1_b32_tokens_t<FMT, n>(w, rb, nr, a, t0, y, ldy); });
}

// ------------------------------------------------------------------ K-quants
// Sub-block sums: vpmaddubsw (code x q, pair sums < 2^15 for codes <= 63) then vpdpwssd with
// the sub-block scale as the 16-bit multiplier, accumulated in int32.
// Q4_K/Q5_K: vpshufb indices turning 8 broadcast scale bytes into words [sc[2j] x16, sc[2j+1] x16];
// Q6_K: vpermw indices spreading 16 sign-extended scales to words [sc[4i+w/8]] of vector i.
// Built at compile time: a dynamic initializer in this file would run AVX-512 code when the
// library loads, killing the process with SIGILL on CPUs without AVX-512.
struct KScaleIdx {
    alignas(64) int8_t k4[4][64]{};
    alignas(64) uint16_t k6[4][32]{};
    constexpr KScaleIdx() {
        for (int j = 0; j < 4; j++)
            for (int i = 0; i < 64; i++) k4[j][i] = (int8_t)(i % 2 ? -128 : 2 * j + (i >= 32));
        for (int i = 0; i < 4; i++)
            for (int w = 0; w < 32; w++) k6[i][w] = (uint16_t)(4 * i + w / 8);
    }
};
constexpr KScaleIdx kKScaleIdx{};

template <bool FIVE, int NT>
void row_q45k_t(const uint8_t *w, const Act &a, int64_t t0, float *out) {
    constexpr int BB = FIVE ? 176 : 144;
    const __m512i m0f = _mm512_set1_epi8(0x0f), v16 = _mm512_set1_epi8(16);
    const __m512i sh = _mm512_inserti64x4(_mm512_setzero_si512(), _mm256_set1_epi16(4), 1);
    const __m128i dup = _mm_setr_epi8(0, 0, 1, 1, 2, 2, 3, 3, 4, 4, 5, 5, 6, 6, 7, 7);
    __m512 acc[NT];
    for (int k = 0; k < NT; k++) acc[k] = _mm512_setzero_ps();
    for (int64_t b = a.b0(); b < a.b1(); b++) {
        const uint8_t *p = w + b * BB;
        const float d = h2f(p), dmin = h2f(p + 2);
        // 6-bit scales/mins -> 8 bytes each (see unpack_k4_scales)
        const uint32_t u0 = rd32(p + 4), u1 = rd32(p + 8), u2 = rd32(p + 12);
        const uint32_t sc03 = u0 & 0x3f3f3f3f, mn03 = u1 & 0x3f3f3f3f;
        const uint32_t sc47 = (u2 & 0x0f0f0f0f) | (((u0 >> 6) & 0x03030303) << 4);
        const uint32_t mn47 = ((u2 >> 4) & 0x0f0f0f0f) | (((u1 >> 6) & 0x03030303) << 4);
        const __m512i scb = _mm512_set1_epi64((int64_t)((uint64_t)sc47 << 32 | sc03));
        const __m128i mnv = _mm_cvtsi64_si128((int64_t)((uint64_t)mn47 << 32 | mn03));
        const __m256i m16 = _mm256_cvtepu8_epi16(_mm_shuffle_epi8(mnv, dup));  // min per 16-sum
        const uint8_t *qs = p + (FIVE ? 48 : 16);
        __m512i c[4], s[4];
        __m512i qh;
        if (FIVE) qh = _mm512_broadcast_i64x4(_mm256_loadu_si256((const __m256i *)(p + 16)));
        for (int j = 0; j < 4; j++) {
            const __m512i q = _mm512_broadcast_i64x4(_mm256_loadu_si256((const __m256i *)(qs + 32 * j)));
            c[j] = _mm512_and_si512(_mm512_srlv_epi16(q, sh), m0f);
            if (FIVE) {
                const __m512i bits = _mm512_inserti64x4(_mm512_zextsi256_si512(_mm256_set1_epi8((char)(1 << (2 * j)))),
                                                        _mm256_set1_epi8((char)(1 << (2 * j + 1))), 1);
                c[j] = _mm512_mask_add_epi8(c[j], _mm512_test_epi8_mask(qh, bits), c[j], v16);
            }
            s[j] = _mm512_shuffle_epi8(scb, _mm512_load_si512(kKScaleIdx.k4[j]));
        }
        for (int k = 0; k < NT; k++) {
            const int8_t *xq = a.q(t0 + k) + b * 256;
            const float dx = a.d(t0 + k)[b];
            __m512i isum = _mm512_setzero_si512();
            for (int j = 0; j < 4; j++)
                isum = _mm512_dpwssd_epi32(isum, _mm512_maddubs_epi16(c[j], _mm512_loadu_si512(xq + 64 * j)), s[j]);
            const __m256i mins = _mm256_madd_epi16(m16, _mm256_loadu_si256((const __m256i *)(a.b16(t0 + k) + b * 16)));
            acc[k] = _mm512_fmadd_ps(_mm512_cvtepi32_ps(isum), _mm512_set1_ps(d * dx), acc[k]);
            acc[k] = _mm512_fmadd_ps(_mm512_zextps256_ps512(_mm256_cvtepi32_ps(mins)), _mm512_set1_ps(-(dmin * dx)), acc[k]);
        }
    }
    for (int k = 0; k < NT; k++) out[k] = _mm512_reduce_add_ps(acc[k]);
}

template <int NT>
void row_q6k_t(const uint8_t *w, const Act &a, int64_t t0, float *out) {
    const __m512i m0f = _mm512_set1_epi8(0x0f), m30 = _mm512_set1_epi8(0x30);
    const __m512i shl = _mm512_inserti64x4(_mm512_zextsi256_si512(_mm256_set1_epi16(4)), _mm256_set1_epi16(2), 1);
    const __m512i shr = _mm512_inserti64x4(_mm512_setzero_si512(), _mm256_set1_epi16(2), 1);
    __m512 acc[NT];
    for (int k = 0; k < NT; k++) acc[k] = _mm512_setzero_ps();
    for (int64_t b = a.b0(); b < a.b1(); b++) {
        const uint8_t *p = w + b * 210;
        const float d = h2f(p + 208);
        __m512i c[4], s[4];
        for (int n = 0; n < 2; n++) {
            const __m512i q = _mm512_loadu_si512(p + 64 * n);
            const __m512i h = _mm512_broadcast_i64x4(_mm256_loadu_si256((const __m256i *)(p + 128 + 32 * n)));
            c[2 * n] = _mm512_or_si512(_mm512_and_si512(q, m0f), _mm512_and_si512(_mm512_sllv_epi16(h, shl), m30));
            c[2 * n + 1] = _mm512_or_si512(_mm512_and_si512(_mm512_srli_epi16(q, 4), m0f),
                                           _mm512_and_si512(_mm512_srlv_epi16(h, shr), m30));
        }
        const __m128i sc = _mm_loadu_si128((const __m128i *)(p + 192));
        const __m256i sc16 = _mm256_cvtepi8_epi16(sc);
        for (int i = 0; i < 4; i++)
            s[i] = _mm512_permutexvar_epi16(_mm512_load_si512(kKScaleIdx.k6[i]), _mm512_zextsi256_si512(sc16));
        for (int k = 0; k < NT; k++) {
            const int8_t *xq = a.q(t0 + k) + b * 256;
            const float dx = a.d(t0 + k)[b];
            __m512i isum = _mm512_setzero_si512();
            for (int i = 0; i < 4; i++)
                isum = _mm512_dpwssd_epi32(isum, _mm512_maddubs_epi16(c[i], _mm512_loadu_si512(xq + 64 * i)), s[i]);
            // codes carry +32: subtract 32 * sum_g sc[g] * sum16[g]
            const __m256i off = _mm256_madd_epi16(sc16, _mm256_loadu_si256((const __m256i *)(a.b16(t0 + k) + b * 16)));
            isum = _mm512_sub_epi32(isum, _mm512_zextsi256_si512(_mm256_slli_epi32(off, 5)));
            acc[k] = _mm512_fmadd_ps(_mm512_cvtepi32_ps(isum), _mm512_set1_ps(d * dx), acc[k]);
        }
    }
    for (int k = 0; k < NT; k++) out[k] = _mm512_reduce_add_ps(acc[k]);
}

// Q2_K / Q3_K: 2-bit fields of qs[32n + l] at shift 2j are elements 128n + 32j + l; vector
// 2n+h holds j = 2h (first 32) and 2h+1 (last 32), i.e. elements 128n + 64h .. +63 in order.
// Q3_K adds hmask bit (4n+j) as bit 2 of the code (so codes are q+4; the 4 comes off via the
// sums per 16).
template <bool THREE, int NT>
void row_q23k_t(const uint8_t *w, const Act &a, int64_t t0, float *out) {
    constexpr int BB = THREE ? 110 : 84;
    const __m512i m3 = _mm512_set1_epi8(3), v4 = _mm512_set1_epi8(4);
    __m512i sh[2];
    for (int h = 0; h < 2; h++)
        sh[h] = _mm512_inserti64x4(_mm512_zextsi256_si512(_mm256_set1_epi16((short)(4 * h))), _mm256_set1_epi16((short)(4 * h + 2)), 1);
    __m512 acc[NT];
    for (int k = 0; k < NT; k++) acc[k] = _mm512_setzero_ps();
    for (int64_t b = a.b0(); b < a.b1(); b++) {
        const uint8_t *p = w + b * BB;
        const uint8_t *qs = p + (THREE ? 32 : 16);
        __m512i c[4], s[4];
        __m512i hm;
        if (THREE) hm = _mm512_broadcast_i64x4(_mm256_loadu_si256((const __m256i *)p));
        for (int n = 0; n < 2; n++) {
            const __m512i q = _mm512_broadcast_i64x4(_mm256_loadu_si256((const __m256i *)(qs + 32 * n)));
            for (int h = 0; h < 2; h++) {
                __m512i cv = _mm512_and_si512(_mm512_srlv_epi16(q, sh[h]), m3);
                if (THREE) {
                    const int bit = 4 * n + 2 * h;
                    const __m512i bits = _mm512_inserti64x4(_mm512_zextsi256_si512(_mm256_set1_epi8((char)(1 << bit))),
                                                            _mm256_set1_epi8((char)(1 << (bit + 1))), 1);
                    cv = _mm512_mask_add_epi8(cv, _mm512_test_epi8_mask(hm, bits), cv, v4);
                }
                c[2 * n + h] = cv;
            }
        }
        __m256i sc16, mn16;
        float d, dmin;
        q23k_scales<THREE>(p, sc16, mn16, d, dmin);
        for (int i = 0; i < 4; i++) s[i] = _mm512_permutexvar_epi16(_mm512_load_si512(kKScaleIdx.k6[i]), _mm512_zextsi256_si512(sc16));
        for (int k = 0; k < NT; k++) {
            const int8_t *xq = a.q(t0 + k) + b * 256;
            const __m256i b16 = _mm256_loadu_si256((const __m256i *)(a.b16(t0 + k) + b * 16));
            const float dx = a.d(t0 + k)[b];
            __m512i isum = _mm512_setzero_si512();
            for (int i = 0; i < 4; i++)
                isum = _mm512_dpwssd_epi32(isum, _mm512_maddubs_epi16(c[i], _mm512_loadu_si512(xq + 64 * i)), s[i]);
            if (THREE) {  // codes carry +4: subtract 4 * sum_g sc[g] * sum16[g]
                isum = _mm512_sub_epi32(isum, _mm512_zextsi256_si512(_mm256_slli_epi32(_mm256_madd_epi16(sc16, b16), 2)));
            } else {
                const __m256i mins = _mm256_madd_epi16(mn16, b16);
                acc[k] = _mm512_fmadd_ps(_mm512_zextps256_ps512(_mm256_cvtepi32_ps(mins)), _mm512_set1_ps(-(dmin * dx)), acc[k]);
            }
            acc[k] = _mm512_fmadd_ps(_mm512_cvtepi32_ps(isum), _mm512_set1_ps(d * dx), acc[k]);
        }
    }
    for (int k = 0; k < NT; k++) out[k] = _mm512_reduce_add_ps(acc[k]);
}

// ------------------------------------------------------------------ tile-size dispatch

LB_TILE_WRAPPERS
template <bool THREE>
void row_q23k(const uint8_t *w, const Act &a, int64_t t0, int nt, float *out) {
#define CALL(N) row_q23k_t<THREE, N>(w, a, t0, out)
    LB_TILE_SWITCH(CALL)
#undef CALL
}

}  // namespace

// same float operations as act_blocks_scalar (max |x|, one multiply, round to nearest even)
void act_blocks_avx512(const float *x, int64_t nb, int blk, int8_t *q, float *d, int32_t *s, int16_t *b16) {
    for (int64_t b = 0; b < nb; b++) {
        const float *xb = x + b * blk;
        __m512 m = _mm512_setzero_ps();
        for (int j = 0; j < blk; j += 16) m = _mm512_max_ps(m, _mm512_abs_ps(_mm512_loadu_ps(xb + j)));
        const float amax = _mm512_reduce_max_ps(m);
        const float id = amax > 0 ? 127.f / amax : 0.f;
        d[b] = act_scale(amax, blk);
        const __m512 vid = _mm512_set1_ps(id);
        __m512i sum = _mm512_setzero_si512();
        for (int j = 0; j < blk; j += 16) {
            const __m512i v = _mm512_cvtps_epi32(_mm512_mul_ps(_mm512_loadu_ps(xb + j), vid));
            sum = _mm512_add_epi32(sum, v);
            _mm_storeu_si128((__m128i *)(q + b * blk + j), _mm512_cvtsepi32_epi8(v));
            if (b16) b16[b * (blk / 16) + j / 16] = (int16_t)_mm512_reduce_add_epi32(v);
        }
        s[b] = _mm512_reduce_add_epi32(sum);
    }
}

// the AVX-512 level of the format table's ggml kernels: row kernels, and for the float and 32-block
// formats the multi-row tiles, the one-token kernels and their batch-invariant multi-token form
#define LB_AVX512_TILED(n, FMT, kind) \
    const GgmlKernels ggml_avx512_##n = {row_##kind<FMT>, rows_##kind<FMT>, rows1_##kind<FMT>, rows1_##kind##_tokens<FMT>};
LB_AVX512_TILED(f32, LB_F32, float)
LB_AVX512_TILED(f16, LB_F16, float)
LB_AVX512_TILED(bf16, LB_BF16, float)
LB_AVX512_TILED(q8_0, LB_Q8_0, b32)
LB_AVX512_TILED(q4_0, LB_Q4_0, b32)
LB_AVX512_TILED(q4_1, LB_Q4_1, b32)
LB_AVX512_TILED(q5_0, LB_Q5_0, b32)
LB_AVX512_TILED(q5_1, LB_Q5_1, b32)
#undef LB_AVX512_TILED
const GgmlKernels ggml_avx512_q4_k = {row_q45k<false>};
const GgmlKernels ggml_avx512_q5_k = {row_q45k<true>};
const GgmlKernels ggml_avx512_q6_k = {row_q6k};
const GgmlKernels ggml_avx512_q2_k = {row_q23k<false>};
const GgmlKernels ggml_avx512_q3_k = {row_q23k<true>};
// AVX512_BF16: BF16 with vdpbf16ps in a kernel of its own (ggml_bf16_avx512.cpp)
const GgmlKernels ggml_avx512bf16_bf16 = {row_float<LB_BF16>, rows_float<LB_BF16>, rows1_float<LB_BF16>,
                                          rows1_float_tokens<LB_BF16>, matmul_bf16_dot_avx512};

}  // namespace lbg
