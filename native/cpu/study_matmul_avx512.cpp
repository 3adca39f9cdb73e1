// AVX-512 matmuls of the study formats (scalar references in study_matmul.cpp).
// Weight-only W*G: weights unpacked in registers (study_simd512.h), FP32 FMA; a tile of R=2 rows x
// T<=4 tokens shares every unpacked block and every activation load.
// I8CH / I4CH: vpdpbusd (u8 x s8 -> s32). Weight codes are made unsigned by adding 128 (int8) or 8
// (int4) with one xor; the per-token correction 128*sum(xq) (or 8*sum(xq)) keeps the integer sums
// bit-identical to the scalar reference.
// GCC 12 flags _mm512_undefined_* inside its own intrinsics as uninitialised (false positive)
#pragma GCC diagnostic ignored "-Wuninitialized"
#pragma GCC diagnostic ignored "-Wmaybe-uninitialized"
#include "study_internal.h"
#include "study_pack.h"
#include "study_simd512.h"
#include <cstring>

namespace {
constexpr int kRowBlock = 16;  // rows per parallel work item; its weights stay in L1/L2 across token tiles
constexpr int kMaxT = 4;

// ---------------- weight-only W*G ----------------
template <int BITS, int R, int T>
void wg_tile(const uint8_t *w0row, int64_t rb, int64_t ngroups, int group, const float *x, int64_t cols,
             float *y, int64_t rows) {
    const int64_t bb = lb_group_block_bytes(BITS, group);
    const __m512 iota = lb512_iota(BITS);
    __m512 acc[R][T][2];
    for (int r = 0; r < R; r++)
        for (int t = 0; t < T; t++) acc[r][t][0] = acc[r][t][1] = _mm512_setzero_ps();
    for (int64_t g = 0; g < ngroups; g++) {
        __m512 lut[R];
        for (int r = 0; r < R; r++) lut[r] = lb512_lut(iota, w0row + r * rb + g * bb);
        for (int k = 0; k < group / 32; k++) {
            const int64_t off = g * group + k * 32;
            for (int r = 0; r < R; r++) {
                __m512 a, b;
                lb512_unpack32<BITS>(w0row + r * rb + g * bb + 3 + k * 32 * BITS / 8, lut[r], a, b);
                for (int t = 0; t < T; t++) {
                    acc[r][t][0] = _mm512_fmadd_ps(a, _mm512_loadu_ps(x + t * cols + off), acc[r][t][0]);
                    acc[r][t][1] = _mm512_fmadd_ps(b, _mm512_loadu_ps(x + t * cols + off + 16), acc[r][t][1]);
                }
            }
        }
    }
    for (int r = 0; r < R; r++)
        for (int t = 0; t < T; t++) y[t * rows + r] = _mm512_reduce_add_ps(_mm512_add_ps(acc[r][t][0], acc[r][t][1]));
}

template <int BITS, int R>
void wg_tile_t(int T, const uint8_t *w0row, int64_t rb, int64_t ngroups, int group, const float *x, int64_t cols,
               float *y, int64_t rows) {
    switch (T) {
        case 1: wg_tile<BITS, R, 1>(w0row, rb, ngroups, group, x, cols, y, rows); break;
        case 2: wg_tile<BITS, R, 2>(w0row, rb, ngroups, group, x, cols, y, rows); break;
        case 3: wg_tile<BITS, R, 3>(w0row, rb, ngroups, group, x, cols, y, rows); break;
        default: wg_tile<BITS, R, 4>(w0row, rb, ngroups, group, x, cols, y, rows); break;
    }
}

template <int BITS>
void wg_run(int group, const uint8_t *w, int64_t rows, int64_t cols, const float *x, int64_t ntok, float *y) {
    const int64_t bb = lb_group_block_bytes(BITS, group), ngroups = cols / group, rb = ngroups * bb;
    const int64_t nblocks = (rows + kRowBlock - 1) / kRowBlock;
#pragma omp parallel for schedule(static)
    for (int64_t blk = 0; blk < nblocks; blk++) {
        const int64_t r0 = blk * kRowBlock, r1 = r0 + kRowBlock < rows ? r0 + kRowBlock : rows;
        for (int64_t t0 = 0; t0 < ntok; t0 += kMaxT) {
            const int T = (int)(ntok - t0 < kMaxT ? ntok - t0 : kMaxT);
            for (int64_t r = r0; r < r1; r += 2) {
                if (r + 1 < r1)
                    wg_tile_t<BITS, 2>(T, w + r * rb, rb, ngroups, group, x + t0 * cols, cols, y + t0 * rows + r, rows);
                else
                    wg_tile_t<BITS, 1>(T, w + r * rb, rb, ngroups, group, x + t0 * cols, cols, y + t0 * rows + r, rows);
            }
        }
    }
}

// ---------------- W8A8 / W4A4 ----------------
// activations of one call: int8 codes (int4 formats: permuted per 128 columns to [even 64][odd 64]),
// zero padded to whole 64-byte vectors, plus per-token scale and code sum
struct ActInt {
    const int8_t *q;
    int64_t stride;
    const float *scale;
    const int32_t *sum;
};

ActInt prepare_act(const float *x, int64_t ntok, int64_t cols, bool int4) {
    const int64_t padded = (cols + 127) / 128 * 128;
    int8_t *all = study_scratch_i8((size_t)(ntok * padded + cols));
    int8_t *tmp = all + ntok * padded;
    float *fs = study_scratch_f32((size_t)(2 * ntok));
    int32_t *sums = (int32_t *)(fs + ntok);
    for (int64_t t = 0; t < ntok; t++) {
        int8_t *q = all + t * padded;
        fs[t] = study_quant_act(x + t * cols, cols, int4 ? 7 : 127, int4 ? tmp : q, &sums[t]);
        if (int4) {
            std::memset(q, 0, (size_t)padded);
            for (int64_t c = 0; c < cols; c++) {
                const int64_t base = c / 128 * 128, k = (c % 128) / 2;
                q[base + (c & 1) * 64 + k] = tmp[c];
            }
        } else {
            std::memset(q + cols, 0, (size_t)(padded - cols));
        }
    }
    return {all, padded, fs, sums};
}

// y[t][r] for R rows x T tokens; INT4: 64 weight bytes = 128 codes per step, else 64 codes per step
template <bool INT4, int R, int T>
void sym_tile(const uint8_t *w0row, int64_t rb, int64_t cols, const ActInt &a, int64_t t0, float *y, int64_t rows) {
    const int64_t wbytes = INT4 ? cols / 2 : cols;  // code bytes per row
    __m512i acc[R][T];
    for (int r = 0; r < R; r++)
        for (int t = 0; t < T; t++) acc[r][t] = _mm512_setzero_si512();
    const __m512i flip = _mm512_set1_epi8(INT4 ? (char)0x88 : (char)0x80), low = _mm512_set1_epi8(0x0f);
    for (int64_t c = 0; c < wbytes; c += 64) {
        const __mmask64 m = wbytes - c >= 64 ? ~(__mmask64)0 : (((__mmask64)1 << (wbytes - c)) - 1);
        const int64_t xo = INT4 ? 2 * c : c;  // activation offset of this step
        for (int r = 0; r < R; r++) {
            const __m512i v = _mm512_xor_si512(_mm512_maskz_loadu_epi8(m, w0row + r * rb + 4 + c), flip);
            if (INT4) {
                const __m512i lo = _mm512_and_si512(v, low), hi = _mm512_and_si512(_mm512_srli_epi16(v, 4), low);
                for (int t = 0; t < T; t++) {
                    const int8_t *q = a.q + (t0 + t) * a.stride + xo;
                    acc[r][t] = _mm512_dpbusd_epi32(acc[r][t], lo, _mm512_loadu_si512(q));
                    acc[r][t] = _mm512_dpbusd_epi32(acc[r][t], hi, _mm512_loadu_si512(q + 64));
                }
            } else {
                for (int t = 0; t < T; t++)
                    acc[r][t] = _mm512_dpbusd_epi32(acc[r][t], v, _mm512_loadu_si512(a.q + (t0 + t) * a.stride + xo));
            }
        }
    }
    for (int r = 0; r < R; r++) {
        float sw;
        std::memcpy(&sw, w0row + r * rb, 4);
        for (int t = 0; t < T; t++) {
            const int32_t dot = _mm512_reduce_add_epi32(acc[r][t]) - (INT4 ? 8 : 128) * a.sum[t0 + t];
            y[t * rows + r] = (sw * a.scale[t0 + t]) * (float)dot;
        }
    }
}

template <bool INT4, int R>
void sym_tile_t(int T, const uint8_t *w0row, int64_t rb, int64_t cols, const ActInt &a, int64_t t0, float *y,
                int64_t rows) {
    switch (T) {
        case 1: sym_tile<INT4, R, 1>(w0row, rb, cols, a, t0, y, rows); break;
        case 2: sym_tile<INT4, R, 2>(w0row, rb, cols, a, t0, y, rows); break;
        case 3: sym_tile<INT4, R, 3>(w0row, rb, cols, a, t0, y, rows); break;
        default: sym_tile<INT4, R, 4>(w0row, rb, cols, a, t0, y, rows); break;
    }
}

template <bool INT4>
void sym_run(const uint8_t *w, int64_t rows, int64_t cols, const float *x, int64_t ntok, float *y) {
    const ActInt a = prepare_act(x, ntok, cols, INT4);
    const int64_t rb = 4 + (INT4 ? cols / 2 : cols);
    const int64_t nblocks = (rows + kRowBlock - 1) / kRowBlock;
#pragma omp parallel for schedule(static)
    for (int64_t blk = 0; blk < nblocks; blk++) {
        const int64_t r0 = blk * kRowBlock, r1 = r0 + kRowBlock < rows ? r0 + kRowBlock : rows;
        for (int64_t t0 = 0; t0 < ntok; t0 += kMaxT) {
            const int T = (int)(ntok - t0 < kMaxT ? ntok - t0 : kMaxT);
            for (int64_t r = r0; r < r1; r += 2) {
                if (r + 1 < r1)
                    sym_tile_t<INT4, 2>(T, w + r * rb, rb, cols, a, t0, y + t0 * rows + r, rows);
                else
                    sym_tile_t<INT4, 1>(T, w + r * rb, rb, cols, a, t0, y + t0 * rows + r, rows);
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

void matmul_wg_avx512(int bits, int group, const uint8_t *w, int64_t rows, int64_t cols, const float *x,
                      int64_t ntok, float *y) {
    // 4-bit codes come out in code order (see study_simd512.h): permute each 32-column chunk of x to match
    const float *xs = x;
    if (bits == 4) {
        float *p = study_scratch_f32((size_t)(ntok * cols));
        for (int64_t t = 0; t < ntok; t++)
            for (int64_t c = 0; c < cols; c += 32)
                for (int k = 0; k < 32; k++)
                    p[t * cols + c + k] = x[t * cols + c + lb512_code_order_elem(4, k)];
        xs = p;
    }
    switch (bits) {
        case 4: wg_run<4>(group, w, rows, cols, xs, ntok, y); break;
        case 3: wg_run<3>(group, w, rows, cols, xs, ntok, y); break;
        default: wg_run<2>(group, w, rows, cols, xs, ntok, y); break;
    }
}

void matmul_i8ch_avx512(const uint8_t *w, int64_t rows, int64_t cols, const float *x, int64_t ntok, float *y) {
    sym_run<false>(w, rows, cols, x, ntok, y);
}

void matmul_i4ch_avx512(const uint8_t *w, int64_t rows, int64_t cols, const float *x, int64_t ntok, float *y) {
    sym_run<true>(w, rows, cols, x, ntok, y);
}
