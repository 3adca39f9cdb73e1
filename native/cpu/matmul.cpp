// lb_matmul entry: validate, then the format's matmul entry (format_table.h).
#include "lowbit/lowbit.h"
#include "format_table.h"

static int32_t matmul(int32_t fmt, int32_t group, const void *w, int64_t rows, int64_t cols, const float *x, int64_t ntok,
                      float *y, bool invariant) {
    if (!w || !x || !y || rows <= 0 || cols <= 0 || ntok <= 0) return LB_ERR_ARG;
    const FormatRow *f = format_row(fmt);
    if (!f) return LB_ERR_FORMAT;
    if (format_row_bytes(*f, group, cols) < 0) return LB_ERR_ARG;
    if (!f->matmul) return LB_ERR_FORMAT;  // KV formats are cache formats, not weight formats
    return f->matmul(*f, group, w, rows, cols, x, ntok, y, invariant);
}

extern "C" int32_t lb_matmul(int32_t fmt, int32_t group, const void *w, int64_t rows, int64_t cols,
                             const float *x, int64_t ntok, float *y) {
    return matmul(fmt, group, w, rows, cols, x, ntok, y, false);
}

extern "C" int32_t lb_matmul_invariant(int32_t fmt, int32_t group, const void *w, int64_t rows, int64_t cols,
                                       const float *x, int64_t ntok, float *y) {
    return matmul(fmt, group, w, rows, cols, x, ntok, y, true);
}
