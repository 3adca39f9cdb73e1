// matmul_ggml: y[t][r] = sum_c W[r][c] * x[t][c] for the ggml-native weight formats.
// This file holds the driver (activation quantization, ISA choice, threading, token tiling)
// and the scalar reference row kernels, which *define* the arithmetic the SIMD variants
// (ggml_matmul_avx2.cpp, ggml_matmul_avx512.cpp) reproduce:
//  * F32/F16: fp32 products of the converted weight with the fp32 activation, fp32 sum.
//  * BF16: fp32 products of the weight with bf16(x), fp32 sum: x is rounded to bf16 once per call
//    (round to nearest even, below-normal to zero: lb_bf16_round), so every product of two bf16 is
//    exact and variants differ only in summation order. This is what a BF16 model computes (bf16
//    activations, FP32 accumulation; also llama.cpp's BF16 dot). AVX512_BF16 CPUs run it with
//    vdpbf16ps (ggml_bf16_avx512.cpp); the other variants are the FP32 row kernels fed the rounded x.
//  * *_0/*_1 formats: x quantized per 32 to int8 (d = amax/127, q = rint(x/d)); per block the
//    exact integer dot isum = sum (w_code - offset) * q, then acc += (dw*dx) * isum
//    (+ mw * (dx * sum q) for the *_1 formats).
//  * K-quants: x quantized per 256 the same way (plus sums of q per 16); per super-block exact
//    integer sums over the sub-block scales, then acc += (d*dx)*sumi - (dmin*dx)*summ.
// SIMD variants compute the same integer block sums and only reorder the fp32 accumulation.
// The order also changes with the number of tokens (one-token kernels, multi-token register tiles,
// column chunks of long rows): lb_matmul_invariant (`invariant`) sums every token as ntok = 1 does.
#include <math.h>
#include <omp.h>
#include <stdlib.h>
#include <vector>
#include "lowbit/lowbit.h"
#include "kernels.h"
#include "dispatch.h"
#include "ggml_common.h"

namespace lbg {

static_assert(vnni_offset(LB_Q8_0) == 128 && vnni_offset(LB_Q4_0) == 8 && vnni_offset(LB_Q5_0) == 16 &&
              vnni_offset(LB_Q4_1) == 0, "format ids");

// ---------------------------------------------------------------- scalar block dots
// integer dot of a 32-block's codes (minus offset) with int8 activations
static inline int32_t idot32(const uint8_t *codes, int off, const int8_t *xq) {
    int32_t s = 0;
    for (int j = 0; j < 32; j++) s += ((int32_t)codes[j] - off) * xq[j];
    return s;
}

// decode a 32-block's unsigned codes (before offset) into c[32]
static inline void codes32(int32_t fmt, const uint8_t *b, uint8_t *c) {
    switch (fmt) {
        case LB_Q8_0:
            for (int j = 0; j < 32; j++) c[j] = (uint8_t)(b[2 + j] ^ 0x80);
            break;
        case LB_Q4_0: case LB_Q4_1: {
            const uint8_t *qs = b + (fmt == LB_Q4_0 ? 2 : 4);
            for (int j = 0; j < 16; j++) { c[j] = qs[j] & 15; c[j + 16] = qs[j] >> 4; }
            break;
        }
        default: {  // Q5_0 / Q5_1
            const uint32_t qh = rd32(b + (fmt == LB_Q5_0 ? 2 : 4));
            const uint8_t *qs = b + (fmt == LB_Q5_0 ? 6 : 8);
            for (int j = 0; j < 16; j++) {
                c[j] = (uint8_t)((qs[j] & 15) | (((qh >> j) & 1) << 4));
                c[j + 16] = (uint8_t)((qs[j] >> 4) | (((qh >> (j + 16)) & 1) << 4));
            }
        }
    }
}

float dot_block32(int32_t fmt, const uint8_t *b, const int8_t *xq, float dx, int32_t xs) {
    uint8_t c[32];
    codes32(fmt, b, c);
    const int32_t isum = idot32(c, vnni_offset(fmt), xq);
    float r = (rdh(b) * dx) * (float)isum;
    if (fmt == LB_Q4_1 || fmt == LB_Q5_1) r += rdh(b + 2) * (dx * (float)xs);
    return r;
}

template <int32_t FMT>
static void row_b32_scalar(const uint8_t *w, const Act &a, int64_t t0, int nt, float *out) {
    constexpr int bb = format_row(FMT)->info.block_bytes;
    for (int k = 0; k < nt; k++) {
        const int8_t *q = a.q(t0 + k);
        const float *d = a.d(t0 + k);
        const int32_t *s = a.s(t0 + k);
        float acc = 0;
        for (int64_t b = a.b0(); b < a.b1(); b++) acc += dot_block32(FMT, w + b * bb, q + b * 32, d[b], s[b]);
        out[k] = acc;
    }
}

// one K-quant super-block against Q8_K-like activations -> fp32 contribution
static float dot_q2_k(const uint8_t *b, const int8_t *q, const int16_t *b16, float dx) {
    const uint8_t *sc = b, *qs = b + 16;
    int32_t sumi = 0, summ = 0;
    for (int g = 0; g < 16; g++) {
        const int n = g / 8, j = (g % 8) / 2, l0 = 16 * (g & 1);
        int32_t s = 0;
        for (int l = l0; l < l0 + 16; l++) s += ((qs[32 * n + l] >> (2 * j)) & 3) * q[16 * g + l - l0];
        sumi += (sc[g] & 15) * s;
        summ += (sc[g] >> 4) * b16[g];
    }
    return (rdh(b + 80) * dx) * (float)sumi - (rdh(b + 82) * dx) * (float)summ;
}

static float dot_q3_k(const uint8_t *b, const int8_t *q, const int16_t *, float dx) {
    const uint8_t *hm = b, *qs = b + 32;
    int8_t sc[16];
    unpack_q3k_scales(b + 96, sc);
    int32_t sumi = 0;
    for (int g = 0; g < 16; g++) {
        const int n = g / 8, j = (g % 8) / 2, l0 = 16 * (g & 1);
        int32_t s = 0;
        for (int l = l0; l < l0 + 16; l++) {
            const int c = ((qs[32 * n + l] >> (2 * j)) & 3) - (((hm[l] >> (4 * n + j)) & 1) ? 0 : 4);
            s += c * q[16 * g + l - l0];
        }
        sumi += sc[g] * s;
    }
    return (rdh(b + 108) * dx) * (float)sumi;
}

template <bool FIVE>
static float dot_q45_k(const uint8_t *b, const int8_t *q, const int16_t *b16, float dx) {
    uint8_t sc[8], mn[8];
    unpack_k4_scales(b + 4, sc, mn);
    const uint8_t *qh = b + 16, *qs = b + (FIVE ? 48 : 16);
    int32_t sumi = 0, summ = 0;
    for (int sb = 0; sb < 8; sb++) {
        int32_t s = 0;
        for (int l = 0; l < 32; l++) {
            int c = (qs[32 * (sb / 2) + l] >> (4 * (sb & 1))) & 15;
            if (FIVE) c |= ((qh[l] >> sb) & 1) << 4;
            s += c * q[32 * sb + l];
        }
        sumi += sc[sb] * s;
        summ += mn[sb] * (b16[2 * sb] + b16[2 * sb + 1]);
    }
    return (rdh(b) * dx) * (float)sumi - (rdh(b + 2) * dx) * (float)summ;
}

static float dot_q6_k(const uint8_t *b, const int8_t *q, const int16_t *, float dx) {
    const uint8_t *ql = b, *qh = b + 128;
    const int8_t *sc = (const int8_t *)(b + 192);
    int32_t sumi = 0;
    for (int g = 0; g < 16; g++) {
        const int n = g / 8, k = (g % 8) / 2, l0 = 16 * (g & 1);
        int32_t s = 0;
        for (int l = l0; l < l0 + 16; l++) {
            const int lo = (ql[64 * n + 32 * (k & 1) + l] >> (4 * (k >> 1))) & 15;
            const int hi = (qh[32 * n + l] >> (2 * k)) & 3;
            s += ((lo | (hi << 4)) - 32) * q[16 * g + l - l0];
        }
        sumi += sc[g] * s;
    }
    return (rdh(b + 208) * dx) * (float)sumi;
}

template <int32_t FMT>
static void row_k_scalar(const uint8_t *w, const Act &a, int64_t t0, int nt, float *out) {
    constexpr int bb = format_row(FMT)->info.block_bytes;
    float (*dot)(const uint8_t *, const int8_t *, const int16_t *, float) =
        FMT == LB_Q2_K ? dot_q2_k : FMT == LB_Q3_K ? dot_q3_k : FMT == LB_Q4_K ? dot_q45_k<false>
        : FMT == LB_Q5_K ? dot_q45_k<true> : dot_q6_k;
    for (int k = 0; k < nt; k++) {
        const int8_t *q = a.q(t0 + k);
        const float *d = a.d(t0 + k);
        const int16_t *b16 = a.b16(t0 + k);
        float acc = 0;
        for (int64_t b = a.b0(); b < a.b1(); b++) acc += dot(w + b * bb, q + b * 256, b16 + b * 16, d[b]);
        out[k] = acc;
    }
}

template <int32_t FMT>
static void row_float_scalar(const uint8_t *w, const Act &a, int64_t t0, int nt, float *out) {
    for (int k = 0; k < nt; k++) {
        const float *x = a.x(t0 + k);
        float acc = 0;
        for (int64_t c = a.c0; c < a.c1; c++) {
            const float wv = FMT == LB_F32 ? ((const float *)w)[c]
                           : FMT == LB_F16 ? f16_to_f32(((const uint16_t *)w)[c])
                                           : bf16_to_f32(((const uint16_t *)w)[c]);
            acc += wv * x[c];
        }
        out[k] = acc;
    }
}

// the scalar level of the format table's ggml kernels: the row kernels only
const GgmlKernels ggml_scalar_f32 = {row_float_scalar<LB_F32>};
const GgmlKernels ggml_scalar_f16 = {row_float_scalar<LB_F16>};
const GgmlKernels ggml_scalar_bf16 = {row_float_scalar<LB_BF16>};
const GgmlKernels ggml_scalar_q8_0 = {row_b32_scalar<LB_Q8_0>};
const GgmlKernels ggml_scalar_q4_0 = {row_b32_scalar<LB_Q4_0>};
const GgmlKernels ggml_scalar_q4_1 = {row_b32_scalar<LB_Q4_1>};
const GgmlKernels ggml_scalar_q5_0 = {row_b32_scalar<LB_Q5_0>};
const GgmlKernels ggml_scalar_q5_1 = {row_b32_scalar<LB_Q5_1>};
const GgmlKernels ggml_scalar_q2_k = {row_k_scalar<LB_Q2_K>};
const GgmlKernels ggml_scalar_q3_k = {row_k_scalar<LB_Q3_K>};
const GgmlKernels ggml_scalar_q4_k = {row_k_scalar<LB_Q4_K>};
const GgmlKernels ggml_scalar_q5_k = {row_k_scalar<LB_Q5_K>};
const GgmlKernels ggml_scalar_q6_k = {row_k_scalar<LB_Q6_K>};

// ---------------------------------------------------------------- activation quantization
void act_blocks_scalar(const float *x, int64_t nb, int blk, int8_t *q, float *d, int32_t *s, int16_t *b16) {
    for (int64_t b = 0; b < nb; b++) {
        const float *xb = x + b * blk;
        float amax = 0;
        for (int j = 0; j < blk; j++) amax = fmaxf(amax, fabsf(xb[j]));
        const float id = amax > 0 ? 127.f / amax : 0.f;
        d[b] = act_scale(amax, blk);
        int32_t sum = 0;
        for (int j = 0; j < blk; j++) {
            const int v = (int)lrintf(xb[j] * id);
            q[b * blk + j] = (int8_t)v;
            sum += v;
        }
        s[b] = sum;
        if (b16)
            for (int g = 0; g < blk / 16; g++) {
                int v = 0;
                for (int j = 0; j < 16; j++) v += q[b * blk + 16 * g + j];
                b16[b * (blk / 16) + g] = (int16_t)v;
            }
    }
}

// one token's row: blocks of blk elements -> q, d, s (+ b16 for K; qp, li, ds for 32-blocks)
static void quantize_act_row(const float *x, const Act &a, int64_t t, int off, int isa) {
    int8_t *q = (int8_t *)a.q(t);
    float *d = (float *)a.d(t);
    int32_t *s = (int32_t *)a.s(t);
    int16_t *b16 = a.blk == 256 ? (int16_t *)a.b16(t) : nullptr;
#if LB_X86
    (isa >= LB_ISA_AVX512 ? act_blocks_avx512 : isa >= LB_ISA_AVX2 ? act_blocks_avx2 : act_blocks_scalar)(x, a.nb, a.blk, q, d, s, b16);
#elif LB_ARM64
    (isa >= LB_ISA_NEON ? act_blocks_neon : act_blocks_scalar)(x, a.nb, a.blk, q, d, s, b16);
#else
    act_blocks_scalar(x, a.nb, a.blk, q, d, s, b16);
#endif
    if (a.blk == 32) {
        int8_t *qp = (int8_t *)a.qp(t);
        for (int64_t g = 0; g + 4 <= a.nb; g += 4)
            for (int blk = 0; blk < 4; blk++) {
                memcpy(qp + g * 32 + blk * 16, q + (g + blk) * 32, 16);
                memcpy(qp + g * 32 + 64 + blk * 16, q + (g + blk) * 32 + 16, 16);
            }
        int32_t *li = (int32_t *)a.li(t);
        float *ds = (float *)a.ds(t);
        float *dxp = (float *)a.dxp(t);
        int32_t *op = (int32_t *)a.op(t);
        float *dsp = (float *)a.dsp(t);
        const int64_t nb16 = (a.nb + 15) / 16 * 16;
        for (int64_t b = a.nb; b < nb16; b++) {
            const int64_t l = b - b % 16 + step16_lane((int)(b % 16));
            dxp[l] = 0, op[l] = 0, dsp[l] = 0;
        }
        for (int64_t b = 0; b < a.nb; b++) {
            li[4 * b] = -off * s[b];
            li[4 * b + 1] = li[4 * b + 2] = li[4 * b + 3] = 0;
            ds[b] = d[b] * (float)s[b];
            const int64_t l = b - b % 16 + step16_lane((int)(b % 16));
            dxp[l] = d[b];
            op[l] = -off * s[b];
            dsp[l] = ds[b];
        }
    }
}

static size_t up64(size_t n) { return (n + 63) & ~(size_t)63; }

// a grow-only 64-byte aligned scratch buffer per calling thread
static uint8_t *scratch(size_t bytes) {
    thread_local std::vector<uint8_t> buf;
    if (buf.size() < bytes + 64) buf.resize(bytes + 64);
    return (uint8_t *)(((uintptr_t)buf.data() + 63) & ~(uintptr_t)63);
}

}  // namespace lbg

using namespace lbg;

int32_t matmul_ggml(const FormatRow &f, int32_t, const void *w, int64_t rows, int64_t cols, const float *x, int64_t ntok,
                    float *y, bool invariant) {
    const int64_t rb = format_row_bytes(f, 0, cols);
    // the kernels of the highest level the row has at or below the current ISA level
    const int isa = lb_isa_current();
    const GgmlKernels *k = nullptr;
    for (int slot = ggml_kernel_slot(isa); !k && slot >= 0; slot--)
        if (f.kernels[slot] && (f.kernels[slot]->row || f.kernels[slot]->matmul)) k = f.kernels[slot];
    if (k->matmul) {
        k->matmul((const uint8_t *)w, rows, cols, x, ntok, y, invariant);
        return LB_OK;
    }
    const RowFn fn = k->row;
    const RowsFn fnr = k->rows;
    const Rows1Fn fn1 = k->rows1;
    const RowsFn fn1t = invariant ? k->rows1_tokens : nullptr;

    Act a;
    a.cols = cols;
    a.c0 = 0;
    a.c1 = cols;
    const int nthreads = lb_threads_for((long long)rows * cols * ntok);
    if (f.act == GgmlAct::bf16) {
        float *xr = (float *)scratch((size_t)(ntok * cols) * sizeof(float));
        for (int64_t i = 0; i < ntok * cols; i++) xr[i] = lb_bf16_round(x[i]);
        a.xf = xr;
    } else if (f.act == GgmlAct::f32) {
        a.xf = x;
    } else {
        a.blk = f.act == GgmlAct::q8_32 ? QK : QKK;
        a.nb = cols / a.blk;
        a.off_d = up64((size_t)cols);
        a.off_s = a.off_d + up64((size_t)a.nb * 4);
        size_t end = a.off_s + up64((size_t)a.nb * 4);
        if (a.blk == QKK) {
            a.off_b16 = end;
            end += up64((size_t)cols / 16 * 2);
        } else {
            a.off_qp = end;
            a.off_li = a.off_qp + up64((size_t)cols);
            a.off_ds = a.off_li + up64((size_t)a.nb * 16);
            const size_t nb16 = (size_t)(a.nb + 15) / 16 * 16;
            a.off_dxp = a.off_ds + up64((size_t)a.nb * 4);
            a.off_op = a.off_dxp + up64(nb16 * 4);
            a.off_dsp = a.off_op + up64(nb16 * 4);
            end = a.off_dsp + up64(nb16 * 4);
        }
        a.stride = end;
        a.base = scratch(a.stride * (size_t)ntok);
        #pragma omp parallel for schedule(static) num_threads(nthreads) if (ntok >= 4)
        for (int64_t t = 0; t < ntok; t++) quantize_act_row(x + t * cols, a, t, f.code_offset, isa);
    }

    // Rows in blocks of kRowBlock; within a block, tokens in tiles of kMaxTile, so a tile of
    // activations stays in cache across the block's rows and each weight row is streamed from
    // memory once per block (then re-read from L1/L2 for the next tiles). Several tokens: blocks
    // are handed out dynamically in chunks of lb_chunk_items (dispatch.h); one token: see below.
    // Multi-token blocks of 32 rows: a block's outputs for one token are two whole cache lines, so
    // two threads never write the same line (15-row blocks shared lines: the 896-row Q4_0
    // projections at 128 tokens did not scale from 1 to 2 threads, 1406 -> 1341 us; with 32-row
    // blocks 2 threads run them at 220-266 GFLOP/s instead of 153).
    const int64_t kRowBlock = fnr && ntok > 1 ? 32 : 16;
    // columns per chunk for multi-token tiles: a multiple of 4 blocks of 32 and of 256
    const int64_t chunk = a.blk ? 2048 : 1024;
    const int64_t nrb = (rows + kRowBlock - 1) / kRowBlock;
    const bool x_fits_l2 = ntok * cols * (int64_t)sizeof(float) <= (512 << 10);
    const uint8_t *wb = (const uint8_t *)w;
    // One token: guided row blocks. A thread's first run is half the matrix, then the runs
    // shrink towards one block, so each thread streams long contiguous runs and the two still
    // finish together. bench_matmul token (one token's 97 matmuls back to back, 2 threads), against
    // dynamic chunks of >= 256 KB: AVX-512 in the fast memory state F16 45.6 -> 48.1-49.6, Q8_0
    // 75.7-77.6 -> 89.0-89.9, Q4_0 120-122 -> 131-138 tok/s, slow state +1-4%; AVX2 (slow state)
    // +2-7%. Smaller first runs (a quarter, an eighth of a thread's share) were worse. Rows are
    // read whole, front to back, one after another (the token's activations fit L1: 4864 fp32
    // columns are 19 KB), so a row block is one sequential stream. From DRAM on Zen 4 that measured
    // 17-20 GB/s for the 896x4864 down projection in F16/Q8_0/Q4_0 against 10-12 GB/s with
    // 1024-column chunks (F16) or 4 rows per pass (Q8_0/Q4_0); 4 rows per pass also halved the rate
    // of the 896-column shapes, software prefetch or not.
    if (ntok == 1) {
        #pragma omp parallel for schedule(guided) num_threads(nthreads)
        for (int64_t blk = 0; blk < nrb; blk++) {
            const int64_t r0 = blk * kRowBlock, r1 = r0 + kRowBlock < rows ? r0 + kRowBlock : rows;
            if (fn1) {
                fn1(wb + r0 * rb, rb, (int)(r1 - r0), a, 0, y + r0);
            } else {
                for (int64_t r = r0; r < r1; r++) {
                    float out[kMaxTile];
                    fn(wb + r * rb, a, 0, 1, out);
                    y[r] = out[0];
                }
            }
        }
        return LB_OK;
    }
    const int64_t per_chunk = lb_chunk_items(nrb, kRowBlock * rb, nthreads, false);
    const int64_t nchunks = (nrb + per_chunk - 1) / per_chunk;
    if (invariant) {
        // Every token summed as a one-token call sums it, all tokens of a row block in turn while
        // the block's rows are in L1/L2 (read from DRAM once per call, as by the tiles): where the
        // ISA has one-token kernels, their multi-token form (kInvTile tokens sharing the unpacked
        // weights); otherwise the row kernel over whole rows (no column chunks) as for one token, in
        // tiles of kMaxTile tokens for the quantized formats, whose row kernels keep one chain per
        // token whatever the tile width, one token at a time for the float formats, whose kernels
        // change their chains with the width.
        const int tile = fn1t ? kInvTile : a.blk ? kMaxTile : 1;
        #pragma omp parallel for schedule(dynamic, 1) num_threads(nthreads)
        for (int64_t ch = 0; ch < nchunks; ch++) {
            const int64_t b1 = (ch + 1) * per_chunk < nrb ? (ch + 1) * per_chunk : nrb;
            for (int64_t blk = ch * per_chunk; blk < b1; blk++) {
                const int64_t r0 = blk * kRowBlock, r1 = r0 + kRowBlock < rows ? r0 + kRowBlock : rows;
                for (int64_t t0 = 0; t0 < ntok; t0 += tile) {
                    const int nt = (int)(ntok - t0 < tile ? ntok - t0 : tile);
                    if (fn1t) {
                        fn1t(wb + r0 * rb, rb, (int)(r1 - r0), a, t0, nt, y + r0, rows);
                        continue;
                    }
                    for (int64_t r = r0; r < r1; r++) {
                        float out[kMaxTile];
                        fn(wb + r * rb, a, t0, nt, out);
                        for (int k = 0; k < nt; k++) y[(t0 + k) * rows + r] = out[k];
                    }
                }
            }
        }
        return LB_OK;
    }
    #pragma omp parallel for schedule(dynamic, 1) num_threads(nthreads)
    for (int64_t ch = 0; ch < nchunks; ch++) {
        const int64_t b1 = (ch + 1) * per_chunk < nrb ? (ch + 1) * per_chunk : nrb;
        for (int64_t blk = ch * per_chunk; blk < b1; blk++) {
            const int64_t r0 = blk * kRowBlock, r1 = r0 + kRowBlock < rows ? r0 + kRowBlock : rows;
            if (fnr && ntok > 1) {
                // rows x tokens register tiles. When all tokens' activations fit in L2 (batched
                // decode), all token tiles of a few rows in turn: those rows come from DRAM once
                // and stay in L1 for the other tiles. Otherwise (prefill) token tiles outside:
                // a tile's activations are read from L2 for the whole row block, whose rows stay
                // in L2 for the next tile.
                if (x_fits_l2) {
                    for (int64_t r = r0; r < r1; r += kMaxRows) {
                        const int nr = (int)(r1 - r < kMaxRows ? r1 - r : kMaxRows);
                        for (int64_t t0 = 0; t0 < ntok; t0 += kMaxTile)
                            fnr(wb + r * rb, rb, nr, a, t0, (int)(ntok - t0 < kMaxTile ? ntok - t0 : kMaxTile), y + r, rows);
                    }
                } else {
                    for (int64_t t0 = 0; t0 < ntok; t0 += kMaxTile)
                        for (int64_t r = r0; r < r1; r += kMaxRows) {
                            const int nr = (int)(r1 - r < kMaxRows ? r1 - r : kMaxRows);
                            fnr(wb + r * rb, rb, nr, a, t0, (int)(ntok - t0 < kMaxTile ? ntok - t0 : kMaxTile), y + r, rows);
                        }
                }
                continue;
            }
            for (int64_t t0 = 0; t0 < ntok; t0 += kMaxTile) {
                const int nt = (int)(ntok - t0 < kMaxTile ? ntok - t0 : kMaxTile);
                // short rows, or a tile of one token (the last one when ntok % kMaxTile == 1): whole
                // rows, as the one-token path reads them
                if (cols <= chunk || nt == 1) {
                    for (int64_t r = r0; r < r1; r++) {
                        float out[kMaxTile];
                        fn(wb + r * rb, a, t0, nt, out);
                        for (int k = 0; k < nt; k++) y[(t0 + k) * rows + r] = out[k];
                    }
                    continue;
                }
                // long rows: column chunks, so the tile's activations for a chunk stay in L1
                float sum[kRowBlock][kMaxTile] = {};
                Act ac = a;
                for (int64_t c0 = 0; c0 < cols; c0 += chunk) {
                    ac.c0 = c0;
                    ac.c1 = c0 + chunk < cols ? c0 + chunk : cols;
                    for (int64_t r = r0; r < r1; r++) {
                        float out[kMaxTile];
                        fn(wb + r * rb, ac, t0, nt, out);
                        for (int k = 0; k < nt; k++) sum[r - r0][k] += out[k];
                    }
                }
                for (int64_t r = r0; r < r1; r++)
                    for (int k = 0; k < nt; k++) y[(t0 + k) * rows + r] = sum[r - r0][k];
            }
        }
    }
    return LB_OK;
}
