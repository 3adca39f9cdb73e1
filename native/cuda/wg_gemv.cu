// W4A16 / W3A16 / W2A16 GEMV on CUDA: one warp per (output row, token); lane i takes groups
// i, i+32, ...; each element is the CPU's defined arithmetic from study_pack.h: bf16(s * (q - z))
// times bf16(x), accumulated in FP32, then a warp shuffle reduction. Never run here: see lowbit_cuda.h.
#include <cuda_runtime.h>
#include "lowbit/lowbit.h"
#include "lowbit_cuda.h"
#include "../cpu/study_pack.h"

namespace {
__global__ void wg_gemv_kernel(int bits, int group, const uint8_t *w, int64_t rows, int64_t cols, const float *x,
                               int64_t ntok, float *y) {
    const int64_t warp = ((int64_t)blockIdx.x * blockDim.x + threadIdx.x) / 32;
    const int lane = threadIdx.x % 32;
    if (warp >= rows * ntok) return;
    const int64_t r = warp % rows, t = warp / rows;
    const int64_t ngroups = cols / group, bb = lb_group_block_bytes(bits, group);
    const uint8_t *row = w + r * ngroups * bb;
    const float *xt = x + t * cols;
    float acc = 0.f;
    for (int64_t g = lane; g < ngroups; g += 32) {
        const uint8_t *blk = row + g * bb;
        for (int j = 0; j < group; j++) acc += lb_bf16_round(lb_dequant_elem(blk, bits, j)) * lb_bf16_round(xt[g * group + j]);
    }
    for (int off = 16; off > 0; off /= 2) acc += __shfl_down_sync(0xffffffffu, acc, off);
    if (lane == 0) y[t * rows + r] = acc;
}
}  // namespace

extern "C" int32_t lbc_matmul_wg(int32_t fmt, int32_t group, const void *w, int64_t rows, int64_t cols,
                                 const float *x, int64_t ntok, float *y, void *stream) {
    if (!w || !x || !y || rows <= 0 || cols <= 0 || ntok <= 0) return LB_ERR_ARG;
    const int bits = lb_group_bits(fmt);
    if (fmt != LB_W4G && fmt != LB_W3G && fmt != LB_W2G) return LB_ERR_FORMAT;
    if (group <= 0 || group % 8 != 0 || cols % group != 0) return LB_ERR_ARG;
    const int threads = 256;
    const int64_t warps = rows * ntok, blocks = (warps * 32 + threads - 1) / threads;
    wg_gemv_kernel<<<(unsigned)blocks, threads, 0, (cudaStream_t)stream>>>(bits, group, (const uint8_t *)w, rows, cols, x,
                                                                          ntok, y);
    return cudaGetLastError() == cudaSuccess ? LB_OK : LB_ERR_CUDA;
}
