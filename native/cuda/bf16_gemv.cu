// BF16-weight GEMV on CUDA (the 16-bit output head of the weight-only plans): y = sum W * bf16(x),
// FP32 accumulation, the arithmetic of every CPU variant (native/cpu/ggml_matmul.cpp): x rounded to
// bf16 as lb_bf16_round (study_pack.h), products exact in FP32. One warp per (output row, token);
// lane i takes columns i, i+32, ... then a warp shuffle reduction. Never run here: see lowbit_cuda.h.
#include <cuda_runtime.h>
#include "lowbit/lowbit.h"
#include "lowbit_cuda.h"
#include "../cpu/study_pack.h"

namespace {
__device__ __forceinline__ float bf16_to_f32(uint16_t b) { return __uint_as_float((uint32_t)b << 16); }

__global__ void bf16_gemv_kernel(const uint16_t *w, int64_t rows, int64_t cols, const float *x, int64_t ntok, float *y) {
    const int64_t warp = ((int64_t)blockIdx.x * blockDim.x + threadIdx.x) / 32;
    const int lane = threadIdx.x % 32;
    if (warp >= rows * ntok) return;
    const int64_t r = warp % rows, t = warp / rows;
    const uint16_t *row = w + r * cols;
    const float *xt = x + t * cols;
    float acc = 0.f;
    for (int64_t c = lane; c < cols; c += 32) acc += bf16_to_f32(row[c]) * lb_bf16_round(xt[c]);
    for (int off = 16; off > 0; off /= 2) acc += __shfl_down_sync(0xffffffffu, acc, off);
    if (lane == 0) y[t * rows + r] = acc;
}
}  // namespace

extern "C" int32_t lbc_matmul_bf16(const void *w, int64_t rows, int64_t cols, const float *x, int64_t ntok, float *y,
                                   void *stream) {
    if (!w || !x || !y || rows <= 0 || cols <= 0 || ntok <= 0) return LB_ERR_ARG;
    const int threads = 256;
    const int64_t warps = rows * ntok, blocks = (warps * 32 + threads - 1) / threads;
    bf16_gemv_kernel<<<(unsigned)blocks, threads, 0, (cudaStream_t)stream>>>((const uint16_t *)w, rows, cols, x, ntok, y);
    return cudaGetLastError() == cudaSuccess ? LB_OK : LB_ERR_CUDA;
}
