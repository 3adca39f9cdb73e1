// BF16-weight GEMV on CUDA (the 16-bit output head of the weight-only plans): y = sum W * bf16(x),
// FP32 accumulation, the arithmetic of every CPU variant (native/cpu/ggml_matmul.cpp): x rounded to
// bf16 as lb_bf16_round (study_pack.h), products exact in FP32; only the order of the sums differs.
// Fast path (rows 16-byte aligned: cols % 8 == 0 and w aligned): a warp owns kRows consecutive rows
// and all tokens of a tile (up to 16, accumulators in registers), so the weights are streamed once
// per call for ntok <= 16, as one 16-byte load per lane per row per 8 columns. The block's 8 warps
// walk the columns in chunks; each chunk of x, rounded to bf16 once, sits in shared memory and
// serves the block's 32 rows. Other shapes: one warp per row, all tokens of the tile per weight.
#include <cuda_runtime.h>
#include "lowbit/lowbit.h"
#include "lowbit/lowbit_cuda.h"
#include "gemv_tile.cuh"
#include "../cpu/study_pack.h"

namespace {
using namespace gemv;  // the warp tile's shapes (gemv_tile.cuh)
__device__ __forceinline__ float bf16_to_f32(uint16_t b) { return __uint_as_float((uint32_t)b << 16); }

template <int NT>
__global__ void __launch_bounds__(kThreads, NT == 1 ? 4 : 1) bf16_gemv_kernel(const uint16_t *w, int64_t rows, int cols, const float *x,
                                                             int nt, float *y) {
    extern __shared__ float4 xs4[];  // [nt][kXPitch] this chunk of x, bf16-rounded
    float *xs = (float *)xs4;
    const int warp = threadIdx.x / 32, lane = threadIdx.x % 32;
    const int64_t r0 = ((int64_t)blockIdx.x * kWarps + warp) * kRows;
    float acc[kRows][NT];
#pragma unroll
    for (int r = 0; r < kRows; r++)
#pragma unroll
        for (int t = 0; t < NT; t++) acc[r][t] = 0.f;

    for (int c0 = 0; c0 < cols; c0 += kChunk) {
        uint4 raw[kUnits][kRows];  // loads in flight together with x's
#pragma unroll
        for (int k = 0; k < kUnits; k++) {
            const int col = c0 + 8 * (lane + 32 * k);
#pragma unroll
            for (int r = 0; r < kRows; r++) {
                raw[k][r] = make_uint4(0, 0, 0, 0);
                if (col < cols && r0 + r < rows) raw[k][r] = *(const uint4 *)(w + (r0 + r) * cols + col);
            }
        }
        float xr[kStage<NT>];  // this thread's share of x, loaded with the weights
        load_x<NT>(x, cols, c0, nt, xr);
        stage_x<NT>(xr, nt, xs);
#pragma unroll
        for (int k = 0; k < kUnits; k++) {
            const int c = 8 * (lane + 32 * k);
            if (c0 + c >= cols) break;
            float wv[kRows][8];
#pragma unroll
            for (int r = 0; r < kRows; r++) {
                const uint32_t u[4] = {raw[k][r].x, raw[k][r].y, raw[k][r].z, raw[k][r].w};
#pragma unroll
                for (int e = 0; e < 4; e++) {  // little endian: element 2e in the low half
                    wv[r][2 * e] = __uint_as_float(u[e] << 16);
                    wv[r][2 * e + 1] = __uint_as_float(u[e] & 0xffff0000u);
                }
            }
            gemv::fma8<NT>(wv, xs, c, nt, acc);
        }
    }
    gemv::store_rows<NT>(acc, lane, nt, r0, rows, y);
}

// any alignment and width: one warp per row, lane i takes columns i, i+32, ..., every token per weight
__global__ void bf16_gemv_generic(const uint16_t *w, int64_t rows, int64_t cols, const float *x, int nt, float *y) {
    const int64_t r = ((int64_t)blockIdx.x * blockDim.x + threadIdx.x) / 32;
    const int lane = threadIdx.x % 32;
    if (r >= rows) return;  // whole warps
    float acc[kTok];
#pragma unroll
    for (int t = 0; t < kTok; t++) acc[t] = 0.f;
    for (int64_t c = lane; c < cols; c += 32) {
        const float wv = bf16_to_f32(w[r * cols + c]);
#pragma unroll
        for (int t = 0; t < kTok; t++)
            if (t < nt) acc[t] = __fmaf_rn(wv, lb_bf16_round(x[t * cols + c]), acc[t]);
    }
#pragma unroll
    for (int t = 0; t < kTok; t++) {
        float v = acc[t];
        for (int off = 16; off > 0; off /= 2) v += __shfl_xor_sync(0xffffffffu, v, off);
        if (lane == 0 && t < nt) y[t * rows + r] = v;
    }
}
}  // namespace

extern "C" int32_t lbc_matmul_bf16(const void *w, int64_t rows, int64_t cols, const float *x, int64_t ntok, float *y,
                                   void *stream) {
    if (!w || !x || !y || rows <= 0 || cols <= 0 || ntok <= 0) return LB_ERR_ARG;
    cudaStream_t st = (cudaStream_t)stream;
    const uint16_t *wb = (const uint16_t *)w;
    const bool fast = cols % 8 == 0 && ((uintptr_t)w & 15) == 0 && cols <= (1 << 30);
    // token tiles of kTok: the weights are read once per tile
    for (int64_t t0 = 0; t0 < ntok; t0 += kTok) {
        const int nt = (int)(ntok - t0 < kTok ? ntok - t0 : kTok);
        const float *xt = x + t0 * cols;
        float *yt = y + t0 * rows;
        if (fast) {
            const unsigned blocks = (unsigned)((rows + kWarps * kRows - 1) / (kWarps * kRows));
            const size_t smem = sizeof(float) * nt * kXPitch;
            if (nt == 1) bf16_gemv_kernel<1><<<blocks, kThreads, smem, st>>>(wb, rows, (int)cols, xt, nt, yt);
            else if (nt <= 4) bf16_gemv_kernel<4><<<blocks, kThreads, smem, st>>>(wb, rows, (int)cols, xt, nt, yt);
            else bf16_gemv_kernel<kTok><<<blocks, kThreads, smem, st>>>(wb, rows, (int)cols, xt, nt, yt);
        } else {
            const unsigned blocks = (unsigned)((rows * 32 + kThreads - 1) / kThreads);
            bf16_gemv_generic<<<blocks, kThreads, 0, st>>>(wb, rows, cols, xt, nt, yt);
        }
        if (cudaGetLastError() != cudaSuccess) return LB_ERR_CUDA;
    }
    return LB_OK;
}
