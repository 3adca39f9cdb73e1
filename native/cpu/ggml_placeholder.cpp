// PLACEHOLDER until the ggml-format kernels land (delete this file then): F32 only.
#include "lowbit/lowbit.h"
#include "kernels.h"
int32_t quantize_ggml(int32_t, const float *, void *, int64_t, int64_t) { return LB_ERR_FORMAT; }
int32_t dequantize_ggml(int32_t, const void *, float *, int64_t, int64_t) { return LB_ERR_FORMAT; }
int32_t matmul_ggml(int32_t fmt, const void *w, int64_t rows, int64_t cols, const float *x, int64_t ntok, float *y) {
    if (fmt != LB_F32) return LB_ERR_FORMAT;
    const float *W = (const float *)w;
    for (int64_t r = 0; r < rows; r++)
        for (int64_t t = 0; t < ntok; t++) {
            float s = 0;
            for (int64_t c = 0; c < cols; c++) s += W[r * cols + c] * x[t * cols + c];
            y[t * rows + r] = s;
        }
    return LB_OK;
}
