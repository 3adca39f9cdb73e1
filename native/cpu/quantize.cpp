// lb_quantize / lb_dequantize entries: validate, then route by format family (kernels.h).
#include "lowbit/lowbit.h"
#include "kernels.h"

extern "C" int32_t lb_quantize(int32_t fmt, int32_t group, const float *src, void *dst, int64_t rows, int64_t cols) {
    if (!src || !dst || rows <= 0 || cols <= 0) return LB_ERR_ARG;
    if (!lb_format_get(fmt)) return LB_ERR_FORMAT;
    if (lb_row_bytes(fmt, group, cols) < 0) return LB_ERR_ARG;
    return fmt >= 100 ? quantize_study(fmt, group, src, dst, rows, cols) : quantize_ggml(fmt, src, dst, rows, cols);
}

extern "C" int32_t lb_dequantize(int32_t fmt, int32_t group, const void *src, float *dst, int64_t rows, int64_t cols) {
    if (!src || !dst || rows <= 0 || cols <= 0) return LB_ERR_ARG;
    if (!lb_format_get(fmt)) return LB_ERR_FORMAT;
    if (lb_row_bytes(fmt, group, cols) < 0) return LB_ERR_ARG;
    return fmt >= 100 ? dequantize_study(fmt, group, src, dst, rows, cols) : dequantize_ggml(fmt, src, dst, rows, cols);
}
