// lb_matmul entry: validates arguments and dispatches per format and ISA.
#include "lowbit/lowbit.h"
#include "dispatch.h"

extern "C" int32_t lb_matmul(int32_t fmt, int32_t group, const void *w, int64_t rows, int64_t cols,
                             const float *x, int64_t ntok, float *y) {
    if (!w || !x || !y || rows <= 0 || cols <= 0 || ntok <= 0) return LB_ERR_ARG;
    if (lb_row_bytes(fmt, group, cols) < 0) return LB_ERR_ARG;
    if (fmt != LB_F32) return LB_ERR_FORMAT;  // skeleton: other formats arrive with the kernels
    const float *W = (const float *)w;
#pragma omp parallel for schedule(static)
    for (int64_t r = 0; r < rows; r++)
        for (int64_t t = 0; t < ntok; t++) {
            float s = 0;
            for (int64_t c = 0; c < cols; c++) s += W[r * cols + c] * x[t * cols + c];
            y[t * rows + r] = s;
        }
    return LB_OK;
}
