// AVX-512 matmuls of the study formats (scalar references in study_matmul.cpp).
// Weight-only W*G (CPUs without AVX512_BF16, or groups that 128 does not divide; the BF16 kernel is
// study_wg_bf16_avx512.cpp): weights unpacked in registers (study_simd512.h) through a table of
// bf16-rounded values, activations rounded to bf16 once per call, FP32 FMA (the products of two bf16
// values are exact, so this is the format's arithmetic); each unpacked block serves T<=4 tokens, each
// summed as a token alone would be (not so the many-token GEMM tiles of wg_run_multi, which
// batch-invariant calls never take). Rows are streamed one at a time, strictly sequentially: reading two
// rows interleaved measured 2.4x slower from DRAM (the prefetcher does not follow short streams).
// I8CH / I4CH / I8CHA / I4CHA: vpdpbusd (u8 x s8 -> s32). Weight codes are made unsigned by adding 128
// (int8) or 8 (int4) with one xor; the per-token correction 128*sum(xq) (or 8*sum(xq)) keeps the integer
// sums bit-identical to the scalar reference. The asymmetric ones take the u8/u4 activation codes as the
// unsigned side and the signed weights (I4CHA: nibbles + 8 - 8) as the other, minus z_x * sum(w).
// GCC 12 flags _mm512_undefined_* inside its own intrinsics as uninitialised (false positive)
#pragma GCC diagnostic ignored "-Wuninitialized"
#pragma GCC diagnostic ignored "-Wmaybe-uninitialized"
#include "lowbit/runtime.h"
#include "dispatch.h"
#include "study_internal.h"
#include "study_pack.h"
#include "study_simd512.h"
#include <cstring>
#include <omp.h>

namespace {
constexpr int kRowBlock = 16;  // rows per parallel work item; its weights stay in L1/L2 across token tiles
constexpr int kMaxT = 4;
// from this many tokens on, rows are unpacked once into a float buffer (wg_run_multi); 4-bit rows
// unpack cheaply enough that re-unpacking per 4-token tile wins up to 4 tokens (measured)
inline int multi_tok_from(int bits) { return bits == 4 ? 5 : 2; }
// rows are short (0.5-5 KB): prefetch the same bytes kPrefetchRows rows ahead (harmless past the end)
constexpr int kPrefetchRows = 4;

// ---------------- weight-only W*G ----------------
// one row x T tokens; even and odd 32-code chunks feed separate accumulators (4 FMA chains for T=1)
template <int BITS, int T>
void wg_row(const uint8_t *row, int64_t rb, int64_t nchunks, int group, const float *x, int64_t cols, float *y,
            int64_t rows) {
    const int cpg = group / 32;
    const __m512 iota = lb512_iota(BITS);
    __m512 acc[T][4];
    for (int t = 0; t < T; t++) acc[t][0] = acc[t][1] = acc[t][2] = acc[t][3] = _mm512_setzero_ps();
    // blocks are contiguous {header, codes}: src walks the codes, skipping the 3 header bytes at group starts
    const uint8_t *src = row + 3;
    int left = cpg;  // chunks left in the current group
    __m512 lut = lb512_bf16_round(lb512_lut(iota, row));
    auto step = [&](int64_t c, int p) {
        if (left == 0) {
            lut = lb512_bf16_round(lb512_lut(iota, src));
            src += 3;
            left = cpg;
        }
        _mm_prefetch((const char *)(src + kPrefetchRows * rb), _MM_HINT_T0);
        __m512 a, b;
        lb512_unpack32<BITS>(src, lut, a, b);
        for (int t = 0; t < T; t++) {
            acc[t][2 * p] = _mm512_fmadd_ps(a, _mm512_loadu_ps(x + t * cols + 32 * c), acc[t][2 * p]);
            acc[t][2 * p + 1] = _mm512_fmadd_ps(b, _mm512_loadu_ps(x + t * cols + 32 * c + 16), acc[t][2 * p + 1]);
        }
        src += 4 * BITS;
        left--;
    };
    int64_t c = 0;
    for (; c + 2 <= nchunks; c += 2) {
        step(c, 0);
        step(c + 1, 1);
    }
    if (c < nchunks) step(c, 0);
    for (int t = 0; t < T; t++)
        y[t * rows] = _mm512_reduce_add_ps(_mm512_add_ps(_mm512_add_ps(acc[t][0], acc[t][1]), _mm512_add_ps(acc[t][2], acc[t][3])));
}

template <int BITS>
void wg_row_t(int T, const uint8_t *row, int64_t rb, int64_t nchunks, int group, const float *x, int64_t cols, float *y,
              int64_t rows) {
    switch (T) {
        case 1: wg_row<BITS, 1>(row, rb, nchunks, group, x, cols, y, rows); break;
        case 2: wg_row<BITS, 2>(row, rb, nchunks, group, x, cols, y, rows); break;
        case 3: wg_row<BITS, 3>(row, rb, nchunks, group, x, cols, y, rows); break;
        default: wg_row<BITS, 4>(row, rb, nchunks, group, x, cols, y, rows); break;
    }
}

// ---- several tokens: dequantise kR rows once into an L1 buffer, then an FP32 GEMM micro-kernel ----
// Unpacking costs about as much as the FMAs of one token, so re-unpacking per token tile (wg_row with
// T tokens) left the multi-token path unpack-bound; here each row is unpacked once per call and every
// extra token costs only its FMAs (kR weight loads + T activation loads per kR*T FMAs). The buffered
// values are the same s*(q-z) products as the table lookup, so only the summation order changes.
// Rows are unpacked kRB at a time (rows past the end are zero) and the micro-kernel shape is picked by
// the tokens left: R rows x T tokens with R*T <= 24 accumulators, T activations and one weight vector in
// registers, i.e. R+T loads per R*T FMAs.
// At 16 tokens this runs at about one 16-wide FMA per cycle (Zen 4's AVX-512 FMA throughput): 4864x896
// costs ~87 us per extra token against 197 us for one token alone, so FP32 activations cap batch-16
// aggregate at ~2.3x of single-token GEMV here; more needs 16-bit activations (vdpbf16ps) or int8.
constexpr int kRB = 12;

template <int BITS>
void wg_dequant_row(const uint8_t *row, int64_t rb, int64_t cols, int group, __m512 iota, float *dst) {
    const int64_t bb = lb_group_block_bytes(BITS, group);
    for (int64_t g = 0; g < cols / group; g++) {
        const uint8_t *blk = row + g * bb;
        _mm_prefetch((const char *)(blk + kPrefetchRows * rb), _MM_HINT_T0);
        const __m512 lut = lb512_bf16_round(lb512_lut(iota, blk));
        for (int k = 0; k < group / 32; k++) {
            __m512 a, b;
            lb512_unpack32<BITS>(blk + 3 + k * 4 * BITS, lut, a, b);
            _mm512_storeu_ps(dst + g * group + 32 * k, a);
            _mm512_storeu_ps(dst + g * group + 32 * k + 16, b);
        }
    }
}

// y[t][r] (t < T, r < nr) = sum_c wd[r][c] x[t][c]; wd: R rows of `cols` floats, x: T rows of `cols`
template <int R, int T>
void wg_tile(const float *wd, const float *x, int64_t cols, float *y, int64_t rows, int nr) {
    constexpr int N = R * T, NP = (N + 15) / 16 * 16;
    __m512 acc[NP];
    for (int i = 0; i < NP; i++) acc[i] = _mm512_setzero_ps();
    for (int64_t c = 0; c < cols; c += 16) {
        __m512 xv[T];
        for (int t = 0; t < T; t++) xv[t] = _mm512_loadu_ps(x + t * cols + c);
        for (int r = 0; r < R; r++) {
            __m512 w = _mm512_loadu_ps(wd + r * cols + c);
            asm("" : "+v"(w));  // keep w in a register: GCC otherwise reloads it as a memory operand of each FMA
            for (int t = 0; t < T; t++) acc[r * T + t] = _mm512_fmadd_ps(w, xv[t], acc[r * T + t]);
        }
    }
    alignas(64) float s[NP];
    for (int i = 0; i < NP; i += 16) _mm512_store_ps(s + i, lb512_reduce16(acc + i));
    for (int r = 0; r < nr; r++)
        for (int t = 0; t < T; t++) y[t * rows + r] = s[r * T + t];
}

// all kRB buffered rows (nr of them real) x T tokens
template <int R, int T>
void wg_tiles(const float *wd, const float *x, int64_t cols, float *y, int64_t rows, int nr) {
    for (int r = 0; r < kRB && r < nr; r += R)
        wg_tile<R, T>(wd + r * cols, x, cols, y + r, rows, nr - r < R ? nr - r : R);
}

template <int BITS>
void wg_run_multi(int group, const uint8_t *w, int64_t rows, int64_t cols, const float *x, int64_t ntok, float *y) {
    const int64_t rb = cols / group * lb_group_block_bytes(BITS, group);
    const int64_t nblocks = (rows + kRB - 1) / kRB;
#pragma omp parallel num_threads(lb_threads_for((long long)rows * cols * ntok))
    {
        // 64-byte aligned: unaligned 64-byte stores and loads split cache lines (twice the cost)
        float *wd = (float *)study_scratch_rows(sizeof(float) * kRB * cols);
        const __m512 iota = lb512_iota(BITS);
#pragma omp for schedule(static)
        for (int64_t blk = 0; blk < nblocks; blk++) {
            const int64_t r0 = blk * kRB;
            const int nr = (int)(rows - r0 < kRB ? rows - r0 : kRB);
            for (int r = 0; r < nr; r++) wg_dequant_row<BITS>(w + (r0 + r) * rb, rb, cols, group, iota, wd + r * cols);
            if (nr < kRB) std::memset(wd + nr * cols, 0, sizeof(float) * (size_t)((kRB - nr) * cols));
            for (int64_t t0 = 0; t0 < ntok;) {
                const int64_t left = ntok - t0;
                const float *xt = x + t0 * cols;
                float *yt = y + t0 * rows + r0;
                int T;
                if (left >= 6) wg_tiles<4, 6>(wd, xt, cols, yt, rows, nr), T = 6;
                else if (left == 5) wg_tiles<4, 5>(wd, xt, cols, yt, rows, nr), T = 5;
                else if (left == 4) wg_tiles<6, 4>(wd, xt, cols, yt, rows, nr), T = 4;
                else if (left == 3) wg_tiles<6, 3>(wd, xt, cols, yt, rows, nr), T = 3;
                else if (left == 2) wg_tiles<12, 2>(wd, xt, cols, yt, rows, nr), T = 2;
                else wg_tiles<12, 1>(wd, xt, cols, yt, rows, nr), T = 1;
                t0 += T;
            }
        }
    }
}

template <int BITS>
void wg_run(int group, const uint8_t *w, int64_t rows, int64_t cols, const float *x, int64_t ntok, float *y) {
    const int64_t bb = lb_group_block_bytes(BITS, group), rb = cols / group * bb;
    const int64_t nblocks = (rows + kRowBlock - 1) / kRowBlock;
#pragma omp parallel for num_threads(lb_threads_for((long long)rows * cols * ntok)) schedule(static)
    for (int64_t blk = 0; blk < nblocks; blk++) {
        const int64_t r0 = blk * kRowBlock, r1 = r0 + kRowBlock < rows ? r0 + kRowBlock : rows;
        for (int64_t t0 = 0; t0 < ntok; t0 += kMaxT) {
            const int T = (int)(ntok - t0 < kMaxT ? ntok - t0 : kMaxT);
            for (int64_t r = r0; r < r1; r++)
                wg_row_t<BITS>(T, w + r * rb, rb, cols / 32, group, x + t0 * cols, cols, y + t0 * rows + r, rows);
        }
    }
}

// ---------------- W8A8 / W4A4 ----------------
constexpr int kSymTileFrom = 4;  // tokens from which the 4x4 register tiles (sym_tile) are used
enum IntMode { kI8 = 0, kI4 = 1, kI8A = 2, kI4A = 3 };  // LB_I8CH, LB_I4CH, LB_I8CHA, LB_I4CHA
constexpr bool int4_mode(int m) { return m == kI4 || m == kI4A; }
constexpr bool asym_mode(int m) { return m == kI8A || m == kI4A; }

// activations of one call: codes (kI4, kI4A: permuted per 128 columns to [even 64][odd 64]; kI8A, kI4A:
// u8 codes), zero padded to whole 64-byte vectors, plus per-token scale and code sum (asymmetric: zero point)
struct ActInt {
    const int8_t *q;
    int64_t stride;
    const float *scale;
    const int32_t *sum;
};

ActInt prepare_act(const float *x, int64_t ntok, int64_t cols, int mode) {
    const int64_t padded = (cols + 127) / 128 * 128;
    int8_t *all = study_scratch_i8((size_t)(ntok * padded + cols));
    int8_t *tmp = all + ntok * padded;
    float *fs = study_scratch_f32((size_t)(2 * ntok));
    int32_t *sums = (int32_t *)(fs + ntok);
    for (int64_t t = 0; t < ntok; t++) {
        int8_t *q = all + t * padded;
        if (mode == kI8A) {
            fs[t] = study_quant_act_asym(x + t * cols, cols, 255, (uint8_t *)q, &sums[t]);
            std::memset(q + cols, 0, (size_t)(padded - cols));
        } else if (int4_mode(mode)) {
            if (mode == kI4A) fs[t] = study_quant_act_asym(x + t * cols, cols, 15, (uint8_t *)tmp, &sums[t]);
            else fs[t] = study_quant_act(x + t * cols, cols, 7, tmp, &sums[t]);
            std::memset(q, 0, (size_t)padded);
            for (int64_t c = 0; c < cols; c++) {
                const int64_t base = c / 128 * 128, k = (c % 128) / 2;
                q[base + (c & 1) * 64 + k] = tmp[c];
            }
        } else {
            fs[t] = study_quant_act(x + t * cols, cols, 127, q, &sums[t]);
            std::memset(q + cols, 0, (size_t)(padded - cols));
        }
    }
    return {all, padded, fs, sums};
}

// y[t][r] for one row x T tokens; kI4: 64 weight bytes = 128 codes per step, else 64 codes per step;
// even and odd steps feed separate accumulators.
//  kI8: (w+128) u8 x q s8, minus 128*sum(q);  kI4: (w+8) u8 x q s8, minus 8*sum(q);
//  kI8A: q u8 x w s8 directly, minus z_x * sum(w) (sum(w) by a dot product with ones in the same pass);
//  kI4A: as kI8A with the nibbles sign-restored ((w+8) - 8; the padding's zero bytes give w = 0)
template <int MODE, int T>
void sym_row(const uint8_t *row, int64_t rb, int64_t cols, const ActInt &a, int64_t t0, float *y, int64_t rows) {
    const int64_t wbytes = int4_mode(MODE) ? cols / 2 : cols;  // code bytes per row
    __m512i acc[T][2], wsum[2] = {_mm512_setzero_si512(), _mm512_setzero_si512()};
    for (int t = 0; t < T; t++) acc[t][0] = acc[t][1] = _mm512_setzero_si512();
    const __m512i flip = _mm512_set1_epi8(int4_mode(MODE) ? (char)0x88 : (char)0x80), low = _mm512_set1_epi8(0x0f);
    const __m512i ones = _mm512_set1_epi8(1), eight = _mm512_set1_epi8(8);
    auto step = [&](int64_t c, int p) {
        const uint8_t *src = row + 4 + c;
        _mm_prefetch((const char *)(src + kPrefetchRows * rb), _MM_HINT_T0);
        // plain loads except for the tail (a masked load per step measured slower from DRAM)
        const __m512i raw = wbytes - c >= 64 ? _mm512_loadu_si512(src)
                                             : _mm512_maskz_loadu_epi8((((__mmask64)1 << (wbytes - c)) - 1), src);
        const int64_t xo = int4_mode(MODE) ? 2 * c : c;  // activation offset of this step
        if (MODE == kI4A) {
            const __m512i v = _mm512_xor_si512(raw, flip);
            const __m512i lo = _mm512_sub_epi8(_mm512_and_si512(v, low), eight);
            const __m512i hi = _mm512_sub_epi8(_mm512_and_si512(_mm512_srli_epi16(v, 4), low), eight);
            wsum[p] = _mm512_dpbusd_epi32(_mm512_dpbusd_epi32(wsum[p], ones, lo), ones, hi);
            for (int t = 0; t < T; t++) {
                const int8_t *q = a.q + (t0 + t) * a.stride + xo;
                acc[t][p] = _mm512_dpbusd_epi32(acc[t][p], _mm512_loadu_si512(q), lo);
                acc[t][p] = _mm512_dpbusd_epi32(acc[t][p], _mm512_loadu_si512(q + 64), hi);
            }
        } else if (MODE == kI4) {
            const __m512i v = _mm512_xor_si512(raw, flip);
            const __m512i lo = _mm512_and_si512(v, low), hi = _mm512_and_si512(_mm512_srli_epi16(v, 4), low);
            for (int t = 0; t < T; t++) {
                const int8_t *q = a.q + (t0 + t) * a.stride + xo;
                acc[t][p] = _mm512_dpbusd_epi32(acc[t][p], lo, _mm512_loadu_si512(q));
                acc[t][p] = _mm512_dpbusd_epi32(acc[t][p], hi, _mm512_loadu_si512(q + 64));
            }
        } else if (MODE == kI8A) {
            wsum[p] = _mm512_dpbusd_epi32(wsum[p], ones, raw);
            for (int t = 0; t < T; t++)
                acc[t][p] = _mm512_dpbusd_epi32(acc[t][p], _mm512_loadu_si512(a.q + (t0 + t) * a.stride + xo), raw);
        } else {
            const __m512i v = _mm512_xor_si512(raw, flip);
            for (int t = 0; t < T; t++)
                acc[t][p] = _mm512_dpbusd_epi32(acc[t][p], v, _mm512_loadu_si512(a.q + (t0 + t) * a.stride + xo));
        }
    };
    int64_t c = 0;
    for (; c + 128 <= wbytes; c += 128) {
        step(c, 0);
        step(c + 64, 1);
    }
    for (; c < wbytes; c += 64) step(c, 0);
    float sw;
    std::memcpy(&sw, row, 4);
    const int32_t ws = asym_mode(MODE) ? _mm512_reduce_add_epi32(_mm512_add_epi32(wsum[0], wsum[1])) : 0;
    for (int t = 0; t < T; t++) {
        const int32_t raw = _mm512_reduce_add_epi32(_mm512_add_epi32(acc[t][0], acc[t][1]));
        const int32_t dot = asym_mode(MODE) ? raw - a.sum[t0 + t] * ws : raw - (MODE == kI4 ? 8 : 128) * a.sum[t0 + t];
        y[t * rows] = (sw * a.scale[t0 + t]) * (float)dot;
    }
}

template <int MODE>
void sym_row_t(int T, const uint8_t *row, int64_t rb, int64_t cols, const ActInt &a, int64_t t0, float *y, int64_t rows) {
    switch (T) {
        case 1: sym_row<MODE, 1>(row, rb, cols, a, t0, y, rows); break;
        case 2: sym_row<MODE, 2>(row, rb, cols, a, t0, y, rows); break;
        case 3: sym_row<MODE, 3>(row, rb, cols, a, t0, y, rows); break;
        default: sym_row<MODE, 4>(row, rb, cols, a, t0, y, rows); break;
    }
}

// 16 int32 horizontal sums at once: lane i = sum of the lanes of a[i]
inline __m512i reduce16_epi32(const __m512i *a) {
    __m512i b[8], c[4], d[2];
    for (int k = 0; k < 8; k++)
        b[k] = _mm512_add_epi32(_mm512_unpacklo_epi32(a[2 * k], a[2 * k + 1]), _mm512_unpackhi_epi32(a[2 * k], a[2 * k + 1]));
    for (int k = 0; k < 4; k++)
        c[k] = _mm512_add_epi32(_mm512_unpacklo_epi64(b[2 * k], b[2 * k + 1]), _mm512_unpackhi_epi64(b[2 * k], b[2 * k + 1]));
    for (int k = 0; k < 2; k++)
        d[k] = _mm512_add_epi32(_mm512_shuffle_i32x4(c[2 * k], c[2 * k + 1], _MM_SHUFFLE(2, 0, 2, 0)),
                                _mm512_shuffle_i32x4(c[2 * k], c[2 * k + 1], _MM_SHUFFLE(3, 1, 3, 1)));
    return _mm512_add_epi32(_mm512_shuffle_i32x4(d[0], d[1], _MM_SHUFFLE(2, 0, 2, 0)),
                            _mm512_shuffle_i32x4(d[0], d[1], _MM_SHUFFLE(3, 1, 3, 1)));
}

// Several tokens: R rows x T tokens of accumulators in registers. Per 64 weight bytes the T activation
// vectors are loaded once and serve R rows, each weight vector is loaded once and serves T tokens
// (R + T loads per R*T vpdpbusd, against 1 + T per T for sym_row). Integer sums are the same as
// sym_row's, so the outputs are bit-identical.
template <int MODE, int R, int T>
void sym_tile(const uint8_t *rowp, int64_t rb, int64_t cols, const ActInt &a, int64_t t0, float *y, int64_t rows,
              const uint8_t *&pf, const uint8_t *pf_end) {
    static_assert(R * T == 16, "one 16-way reduction per tile");
    const int64_t wbytes = int4_mode(MODE) ? cols / 2 : cols;
    __m512i acc[R * T], wsum[R];
    #pragma GCC unroll 16
    for (int i = 0; i < R * T; i++) acc[i] = _mm512_setzero_si512();
    #pragma GCC unroll 16
    for (int r = 0; r < R; r++) wsum[r] = _mm512_setzero_si512();
    const __m512i flip = _mm512_set1_epi8(int4_mode(MODE) ? (char)0x88 : (char)0x80), low = _mm512_set1_epi8(0x0f);
    const __m512i ones = _mm512_set1_epi8(1), eight = _mm512_set1_epi8(8);
    const int8_t *xq = a.q + t0 * a.stride;
    for (int64_t c = 0; c < wbytes; c += 64) {
        const __mmask64 m = wbytes - c >= 64 ? ~(__mmask64)0 : (((__mmask64)1 << (wbytes - c)) - 1);
        const int64_t xo = int4_mode(MODE) ? 2 * c : c;
        if (pf < pf_end) {  // four lines of the next row block (16 rows) per step of 4 rows: all of it within
            _mm_prefetch((const char *)pf, _MM_HINT_T1);  // the first token tile
            _mm_prefetch((const char *)pf + 64, _MM_HINT_T1);
            _mm_prefetch((const char *)pf + 128, _MM_HINT_T1);
            _mm_prefetch((const char *)pf + 192, _MM_HINT_T1);
            pf += 256;
        }
        if (int4_mode(MODE)) {
            __m512i xl[T], xh[T];
            #pragma GCC unroll 16
            for (int t = 0; t < T; t++) {
                xl[t] = _mm512_loadu_si512(xq + t * a.stride + xo);
                xh[t] = _mm512_loadu_si512(xq + t * a.stride + xo + 64);
            }
            #pragma GCC unroll 16
            for (int r = 0; r < R; r++) {
                const __m512i v = _mm512_xor_si512(_mm512_maskz_loadu_epi8(m, rowp + r * rb + 4 + c), flip);
                const __m512i lo = _mm512_and_si512(v, low), hi = _mm512_and_si512(_mm512_srli_epi16(v, 4), low);
                if (MODE == kI4A) {
                    const __m512i ls = _mm512_sub_epi8(lo, eight), hs = _mm512_sub_epi8(hi, eight);
                    wsum[r] = _mm512_dpbusd_epi32(_mm512_dpbusd_epi32(wsum[r], ones, ls), ones, hs);
                    #pragma GCC unroll 16
                    for (int t = 0; t < T; t++) {
                        acc[r * T + t] = _mm512_dpbusd_epi32(acc[r * T + t], xl[t], ls);
                        acc[r * T + t] = _mm512_dpbusd_epi32(acc[r * T + t], xh[t], hs);
                    }
                    continue;
                }
                #pragma GCC unroll 16
                for (int t = 0; t < T; t++) {
                    acc[r * T + t] = _mm512_dpbusd_epi32(acc[r * T + t], lo, xl[t]);
                    acc[r * T + t] = _mm512_dpbusd_epi32(acc[r * T + t], hi, xh[t]);
                }
            }
        } else {
            __m512i xv[T];
            #pragma GCC unroll 16
            for (int t = 0; t < T; t++) xv[t] = _mm512_loadu_si512(xq + t * a.stride + xo);
            #pragma GCC unroll 16
            for (int r = 0; r < R; r++) {
                const __m512i raw = _mm512_maskz_loadu_epi8(m, rowp + r * rb + 4 + c);
                if (MODE == kI8A) {
                    wsum[r] = _mm512_dpbusd_epi32(wsum[r], ones, raw);
                    #pragma GCC unroll 16
                    for (int t = 0; t < T; t++) acc[r * T + t] = _mm512_dpbusd_epi32(acc[r * T + t], xv[t], raw);
                } else {
                    const __m512i v = _mm512_xor_si512(raw, flip);
                    #pragma GCC unroll 16
                    for (int t = 0; t < T; t++) acc[r * T + t] = _mm512_dpbusd_epi32(acc[r * T + t], v, xv[t]);
                }
            }
        }
    }
    // reduce a copy: taking acc's address would keep it in memory through the loop (GCC stores it every step)
    __m512i fin[16];
    #pragma GCC unroll 16
    for (int i = 0; i < 16; i++) fin[i] = acc[i];
    alignas(64) int32_t dot[16];
    _mm512_store_si512(dot, reduce16_epi32(fin));
    #pragma GCC unroll 16
    for (int r = 0; r < R; r++) {
        float sw;
        std::memcpy(&sw, rowp + r * rb, 4);
        const int32_t ws = asym_mode(MODE) ? _mm512_reduce_add_epi32(wsum[r]) : 0;
        #pragma GCC unroll 16
        for (int t = 0; t < T; t++) {
            const int32_t raw = dot[r * T + t];
            const int32_t d = asym_mode(MODE) ? raw - a.sum[t0 + t] * ws : raw - (MODE == kI4 ? 8 : 128) * a.sum[t0 + t];
            y[t * rows + r] = (sw * a.scale[t0 + t]) * (float)d;
        }
    }
}

template <int MODE>
void sym_run(const uint8_t *w, int64_t rows, int64_t cols, const float *x, int64_t ntok, float *y) {
    const ActInt a = prepare_act(x, ntok, cols, MODE);
    const int64_t rb = 4 + (int4_mode(MODE) ? cols / 2 : cols);
    const int64_t nblocks = (rows + kRowBlock - 1) / kRowBlock;
#pragma omp parallel num_threads(lb_threads_for((long long)rows * cols * ntok))
    {
        // static partition, written out: each thread knows its first block
        const int nth = omp_get_num_threads(), id = omp_get_thread_num();
        const int64_t first_blk = nblocks * id / nth, end_blk = nblocks * (id + 1) / nth;
        for (int64_t blk = first_blk; blk < end_blk; blk++) {
            const int64_t r0 = blk * kRowBlock, r1 = r0 + kRowBlock < rows ? r0 + kRowBlock : rows;
            int64_t t0 = 0;
            // whole 4-token tiles over 4-row groups; leftover rows and tokens one row at a time
            if (ntok >= kSymTileFrom) {
                // the tiles read 4 rows interleaved, which the hardware prefetcher follows badly from DRAM:
                // the tiles prefetch the next row block (contiguous) into L2 while this one is computed, and
                // the first block of each thread is read sequentially once before its tiles
                if (blk == first_blk) {
                    __m512i sink = _mm512_setzero_si512();
                    for (const uint8_t *p = w + r0 * rb; p + 64 <= w + r1 * rb; p += 64) sink = _mm512_or_si512(sink, _mm512_loadu_si512(p));
                    asm volatile("" : : "v"(sink));
                }
                const uint8_t *pf = w + r1 * rb, *pf_end = w + (r1 + kRowBlock < rows ? r1 + kRowBlock : rows) * rb;
                for (; t0 + 4 <= ntok; t0 += 4) {
                    int64_t r = r0;
                    for (; r + 4 <= r1; r += 4) sym_tile<MODE, 4, 4>(w + r * rb, rb, cols, a, t0, y + t0 * rows + r, rows, pf, pf_end);
                    for (; r < r1; r++) sym_row_t<MODE>(4, w + r * rb, rb, cols, a, t0, y + t0 * rows + r, rows);
                }
            }
            for (; t0 < ntok; t0 += kMaxT) {
                const int T = (int)(ntok - t0 < kMaxT ? ntok - t0 : kMaxT);
                for (int64_t r = r0; r < r1; r++) sym_row_t<MODE>(T, w + r * rb, rb, cols, a, t0, y + t0 * rows + r, rows);
            }
        }
    }
}
}  // namespace

float study_quant_act_avx512(const float *x, int64_t cols, int qmax, int8_t *q, int32_t *qsum) {
    __m512 mx = _mm512_setzero_ps();
    const __m512 absmask = _mm512_castsi512_ps(_mm512_set1_epi32(0x7fffffff));
    for (int64_t c = 0; c < cols; c += 16) {
        const __mmask16 m = cols - c >= 16 ? (__mmask16)0xffff : (__mmask16)((1u << (cols - c)) - 1);
        mx = _mm512_max_ps(mx, _mm512_and_ps(_mm512_maskz_loadu_ps(m, x + c), absmask));
    }
    const float amax = _mm512_reduce_max_ps(mx);
    const float inv = amax > 0.f ? (float)qmax / amax : 0.f;
    const __m512 vinv = _mm512_set1_ps(inv);
    const __m512i lo = _mm512_set1_epi32(-qmax), hi = _mm512_set1_epi32(qmax);
    __m512i sum = _mm512_setzero_si512();
    for (int64_t c = 0; c < cols; c += 16) {
        const __mmask16 m = cols - c >= 16 ? (__mmask16)0xffff : (__mmask16)((1u << (cols - c)) - 1);
        __m512i v = _mm512_cvtps_epi32(_mm512_mul_ps(_mm512_maskz_loadu_ps(m, x + c), vinv));  // MXCSR: nearest even
        v = _mm512_min_epi32(_mm512_max_epi32(v, lo), hi);
        sum = _mm512_add_epi32(sum, v);
        _mm_mask_storeu_epi8(q + c, m, _mm512_cvtepi32_epi8(v));
    }
    if (qsum) *qsum = _mm512_reduce_add_epi32(sum);
    return lb_sym_scale(amax, qmax);
}

float study_quant_act_asym_avx512(const float *x, int64_t cols, int qmax, uint8_t *q, int32_t *zero) {
    __m512 mn = _mm512_setzero_ps(), mx = _mm512_setzero_ps();
    for (int64_t c = 0; c < cols; c += 16) {
        const __mmask16 m = cols - c >= 16 ? (__mmask16)0xffff : (__mmask16)((1u << (cols - c)) - 1);
        const __m512 v = _mm512_maskz_loadu_ps(m, x + c);  // masked lanes read 0, inside the widened range
        mn = _mm512_min_ps(mn, v);
        mx = _mm512_max_ps(mx, v);
    }
    int z;
    const float s = lb_asym_act_params(_mm512_reduce_min_ps(mn), _mm512_reduce_max_ps(mx), &z, qmax);
    const __m512 vinv = _mm512_set1_ps(1.f / s);
    const __m512i vz = _mm512_set1_epi32(z), lo = _mm512_setzero_si512(), hi = _mm512_set1_epi32(qmax);
    for (int64_t c = 0; c < cols; c += 16) {
        const __mmask16 m = cols - c >= 16 ? (__mmask16)0xffff : (__mmask16)((1u << (cols - c)) - 1);
        __m512i v = _mm512_add_epi32(_mm512_cvtps_epi32(_mm512_mul_ps(_mm512_maskz_loadu_ps(m, x + c), vinv)), vz);
        v = _mm512_min_epi32(_mm512_max_epi32(v, lo), hi);
        _mm_mask_storeu_epi8(q + c, m, _mm512_cvtepi32_epi8(v));
    }
    *zero = z;
    return s;
}

void matmul_wg_avx512(int bits, int group, const uint8_t *w, int64_t rows, int64_t cols, const float *x,
                      int64_t ntok, float *y, bool invariant) {
    // 4-bit codes come out in code order (see study_simd512.h): permute each 32-column chunk of x to match
    // (and every path rounds x to bf16 once here, into aligned rows)
    float *xs = study_scratch_f32((size_t)(ntok * cols));
    for (int64_t t = 0; t < ntok; t++)
        for (int64_t c = 0; c < cols; c += 32) {
            float *p = xs + t * cols + c;
            const float *src = x + t * cols + c;
            if (bits == 4)
                for (int k = 0; k < 32; k++) p[k] = src[lb512_code_order_elem(bits, k)];
            else
                std::memcpy(p, src, 32 * sizeof(float));
            _mm512_storeu_ps(p, lb512_bf16_round(_mm512_loadu_ps(p)));
            _mm512_storeu_ps(p + 16, lb512_bf16_round(_mm512_loadu_ps(p + 16)));
        }
    // wg_row sums each token's row the same way whatever the tile's token count; the unpacked path's
    // GEMM tiles (one chain per output) do not: not for batch-invariant calls
    if (!invariant && ntok >= multi_tok_from(bits)) {
        switch (bits) {
            case 4: wg_run_multi<4>(group, w, rows, cols, xs, ntok, y); break;
            case 3: wg_run_multi<3>(group, w, rows, cols, xs, ntok, y); break;
            default: wg_run_multi<2>(group, w, rows, cols, xs, ntok, y); break;
        }
        return;
    }
    switch (bits) {
        case 4: wg_run<4>(group, w, rows, cols, xs, ntok, y); break;
        case 3: wg_run<3>(group, w, rows, cols, xs, ntok, y); break;
        default: wg_run<2>(group, w, rows, cols, xs, ntok, y); break;
    }
}

void matmul_i8ch_avx512(const uint8_t *w, int64_t rows, int64_t cols, const float *x, int64_t ntok, float *y) {
    sym_run<kI8>(w, rows, cols, x, ntok, y);
}

void matmul_i8cha_avx512(const uint8_t *w, int64_t rows, int64_t cols, const float *x, int64_t ntok, float *y) {
    sym_run<kI8A>(w, rows, cols, x, ntok, y);
}

void matmul_i4ch_avx512(const uint8_t *w, int64_t rows, int64_t cols, const float *x, int64_t ntok, float *y) {
    sym_run<kI4>(w, rows, cols, x, ntok, y);
}

void matmul_i4cha_avx512(const uint8_t *w, int64_t rows, int64_t cols, const float *x, int64_t ntok, float *y) {
    sym_run<kI4A>(w, rows, cols, x, ntok, y);
}
