// The public view of the format table (format_table.h): lb_format_get / lb_format_at / lb_row_bytes.
#include "format_table.h"

extern "C" const lb_format_info *lb_format_get(int32_t fmt) {
    const FormatRow *f = format_row(fmt);
    return f ? &f->info : nullptr;
}

extern "C" const lb_format_info *lb_format_at(int32_t i) {
    return i >= 0 && i < kFormatRowCount ? &kFormatRows[i].info : nullptr;
}

extern "C" int64_t lb_row_bytes(int32_t fmt, int32_t group, int64_t cols) {
    const FormatRow *f = format_row(fmt);
    return f ? format_row_bytes(*f, group, cols) : -1;
}
