// lb_matmul entry: validate, then route by format family (kernels.h).
#include "lowbit/lowbit.h"
#include "kernels.h"

static int32_t matmul(int32_t fmt, int32_t group, const void *w, int64_t rows, int64_t cols, const float *x, int64_t ntok,
                      float *y, bool invariant) {
    if (!w || !x || !y || rows <= 0 || cols <= 0 || ntok <= 0) return LB_ERR_ARG;
    if (!lb_format_get(fmt)) return LB_ERR_FORMAT;
    if (lb_row_bytes(fmt, group, cols) < 0) return LB_ERR_ARG;
    return fmt >= 100 ? matmul_study(fmt, group, w, rows, cols, x, ntok, y, invariant)
                      : matmul_ggml(fmt, w, rows, cols, x, ntok, y, invariant);
}

extern "C" int32_t lb_matmul(int32_t fmt, int32_t group, const void *w, int64_t rows, int64_t cols,
                             const float *x, int64_t ntok, float *y) {
    return matmul(fmt, group, w, rows, cols, x, ntok, y, false);
}

extern "C" int32_t lb_matmul_invariant(int32_t fmt, int32_t group, const void *w, int64_t rows, int64_t cols,
                                       const float *x, int64_t ntok, float *y) {
    return matmul(fmt, group, w, rows, cols, x, ntok, y, true);
}
