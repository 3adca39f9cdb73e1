// The warp tile shared by the weight GEMVs (bf16_gemv.cu, wg_gemv.cu): a warp owns kRows consecutive
// rows and up to kTok tokens (accumulators in registers); the block's warps walk the columns in
// chunks of kChunk, each chunk of x rounded to bf16 once and staged in shared memory, padded so that
// the lanes' float4 reads fall in distinct banks.
#pragma once
#include <cuda_runtime.h>
#include <stdint.h>
#include "../cpu/study_pack.h"

namespace gemv {
constexpr int kThreads = 256, kWarps = kThreads / 32, kRows = 4, kTok = 16;
constexpr int kChunk = 512, kUnits = kChunk / 256;  // columns per step: 2 units of 8 per lane
constexpr int kXPitch = kChunk + kChunk / 8;        // x row in shared memory, 4 floats of padding per 32

// padded position of column c in a shared x row: a lane's two float4 reads (8 columns, 32 apart
// between lanes) then fall in distinct banks
__device__ __forceinline__ int xpos(int c) { return c + ((c >> 5) << 2); }

// x elements one thread stages per chunk of NT token rows
template <int NT>
constexpr int kStage = NT * kChunk / kThreads;

// this thread's share of the chunk of x at column c0: element threadIdx.x + j * kThreads of the
// chunk's nt rows (token j * kThreads / kChunk), zero past the last column or live token. Issued
// beside the weight loads so that both are in flight together.
template <int NT>
__device__ __forceinline__ void load_x(const float *x, int cols, int c0, int nt, float (&xr)[kStage<NT>]) {
#pragma unroll
    for (int j = 0; j < kStage<NT>; j++) {
        const int t = j * kThreads / kChunk, c = (threadIdx.x + j * kThreads) % kChunk;
        xr[j] = t < nt && c0 + c < cols ? x[(int64_t)t * cols + c0 + c] : 0.f;
    }
}

// the block's chunk of x, rounded to bf16 once, into shared memory (after every warp is done with
// the previous chunk; returns when all of it is written)
template <int NT>
__device__ __forceinline__ void stage_x(const float (&xr)[kStage<NT>], int nt, float *xs) {
    __syncthreads();
#pragma unroll
    for (int j = 0; j < kStage<NT>; j++) {
        const int t = j * kThreads / kChunk, c = (threadIdx.x + j * kThreads) % kChunk;
        if (t < nt) xs[t * kXPitch + xpos(c)] = lb_bf16_round(xr[j]);
    }
    __syncthreads();
}

// acc[r][t] += wv[r][e] * x_t[c + e] for the 8 columns at c (FP32 fused multiply-adds in e order),
// for the nt <= NT live tokens of the staged chunk xs
template <int NT>
__device__ __forceinline__ void fma8(const float (&wv)[kRows][8], const float *xs, int c, int nt, float (&acc)[kRows][NT]) {
#pragma unroll
    for (int t = 0; t < NT; t++) {
        if (t >= nt) break;
        const float4 xa = *(const float4 *)&xs[t * kXPitch + xpos(c)], xb = *(const float4 *)&xs[t * kXPitch + xpos(c + 4)];
        const float xv[8] = {xa.x, xa.y, xa.z, xa.w, xb.x, xb.y, xb.z, xb.w};
#pragma unroll
        for (int r = 0; r < kRows; r++)
#pragma unroll
            for (int e = 0; e < 8; e++) acc[r][t] = __fmaf_rn(wv[r][e], xv[e], acc[r][t]);
    }
}

// the warp's sums (butterfly over the lanes), written by lane 0 for the rows below `rows` and the
// nt live tokens: y[t * rows + r0 + r]
template <int NT>
__device__ __forceinline__ void store_rows(const float (&acc)[kRows][NT], int lane, int nt, int64_t r0, int64_t rows, float *y) {
#pragma unroll
    for (int r = 0; r < kRows; r++)
#pragma unroll
        for (int t = 0; t < NT; t++) {
            float v = acc[r][t];
            for (int off = 16; off > 0; off /= 2) v += __shfl_xor_sync(0xffffffffu, v, off);
            if (lane == 0 && t < nt && r0 + r < rows) y[(int64_t)t * rows + r0 + r] = v;
        }
}
}  // namespace gemv
