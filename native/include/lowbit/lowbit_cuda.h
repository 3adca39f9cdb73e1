/* lowbit CUDA kernels (liblowbit-cuda from native/cuda, built with cmake -DLOWBIT_CUDA=ON). Same
 * arithmetic and layouts as the CPU ABI in ops.h (the per-element packing math is shared via
 * native/cpu/study_pack.h, which the CPU ctests cover; formats are read from the format table,
 * lb_format_get). All pointers are device pointers; the calls are asynchronous on `stream` (a
 * cudaStream_t, NULL = default stream). Status codes as in runtime.h; LB_ERR_CUDA when a launch or
 * allocation fails. No Java binding calls these yet; on a GPU host native/tests/cuda/device_check.sh
 * runs test_cuda (the kernels against the CPU calls) and bench_cuda. */
#ifndef LOWBIT_CUDA_H
#define LOWBIT_CUDA_H
#include <stdint.h>
#ifdef __cplusplus
extern "C" {
#endif

#define LB_ERR_CUDA (-3)

/* y[t][r] = sum_c W[r][c] x[t][c] for the weight-only group formats LB_W4G/W3G/W2G (W4A16 GEMV;
 * x and y FP32). */
int32_t lbc_matmul_wg(int32_t fmt, int32_t group, const void *w, int64_t rows, int64_t cols,
                      const float *x, int64_t ntok, float *y, void *stream);

/* y[t][r] = sum_c W[r][c] bf16(x[t][c]) for BF16 weights (LB_BF16, e.g. the weight-only plans' output
 * head): x rounded to bf16 (nearest even), FP32 accumulation, as every CPU variant of lb_matmul */
int32_t lbc_matmul_bf16(const void *w, int64_t rows, int64_t cols, const float *x, int64_t ntok, float *y,
                        void *stream);

/* causal GQA attention over the paged cache, as lb_attention; kvfmt LB_F16, LB_KV8, LB_KV4, LB_KV3.
 * Split-K (flash-decoding) kernels; group formats weight values by bf16(p s) with p relative to the
 * row's global max (kv_attention.cu). The workspace comes stream-ordered from a memory pool private
 * to the library (one per device, keeps up to 256 MB mapped between calls). */
int32_t lbc_attention(int32_t kvfmt, int32_t group, const void *kcache, const void *vcache,
                      const int32_t *block_table, int32_t block_size, const float *q, int64_t nq,
                      int64_t pos0, int32_t n_head, int32_t n_kv_head, int32_t head_dim, float scale,
                      float *out, void *stream);

#ifdef __cplusplus
}
#endif
#endif
