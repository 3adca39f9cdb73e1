// lb_quantize / lb_dequantize entries: validate, then the format's entries (format_table.h).
#include "lowbit/lowbit.h"
#include "format_table.h"

// the row of fmt when the call is valid for it, else nullptr with *status set
static const FormatRow *checked(int32_t fmt, int32_t group, const void *src, const void *dst, int64_t rows, int64_t cols,
                                int32_t *status) {
    const FormatRow *f = nullptr;
    if (!src || !dst || rows <= 0 || cols <= 0) *status = LB_ERR_ARG;
    else if (!(f = format_row(fmt))) *status = LB_ERR_FORMAT;
    else if (format_row_bytes(*f, group, cols) < 0) *status = LB_ERR_ARG, f = nullptr;
    else if (!f->quantize) *status = LB_ERR_FORMAT, f = nullptr;
    return f;
}

extern "C" int32_t lb_quantize(int32_t fmt, int32_t group, const float *src, void *dst, int64_t rows, int64_t cols) {
    int32_t status;
    const FormatRow *f = checked(fmt, group, src, dst, rows, cols, &status);
    return f ? f->quantize(*f, group, src, dst, rows, cols) : status;
}

extern "C" int32_t lb_dequantize(int32_t fmt, int32_t group, const void *src, float *dst, int64_t rows, int64_t cols) {
    int32_t status;
    const FormatRow *f = checked(fmt, group, src, dst, rows, cols, &status);
    return f ? f->dequantize(*f, group, src, dst, rows, cols) : status;
}
