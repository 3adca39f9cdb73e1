// The format table (C side). Mirrors dev.lowbit.quant.Format one to one.
#include "lowbit/format.h"
#include <cstddef>

namespace {
const lb_format_info kFormats[] = {
    {LB_F32, "f32", 32, 1, 4},        {LB_F16, "f16", 16, 1, 2},
    {LB_BF16, "bf16", 16, 1, 2},      {LB_Q4_0, "q4_0", 4, 32, 18},
    {LB_Q4_1, "q4_1", 4, 32, 20},     {LB_Q5_0, "q5_0", 5, 32, 22},
    {LB_Q5_1, "q5_1", 5, 32, 24},     {LB_Q8_0, "q8_0", 8, 32, 34},
    {LB_Q2_K, "q2_k", 2, 256, 84},    {LB_Q3_K, "q3_k", 3, 256, 110},
    {LB_Q4_K, "q4_k", 4, 256, 144},   {LB_Q5_K, "q5_k", 5, 256, 176},
    {LB_Q6_K, "q6_k", 6, 256, 210},   {LB_W4G, "w4g", 4, 0, 0},
    {LB_W3G, "w3g", 3, 0, 0},         {LB_W2G, "w2g", 2, 0, 0},
    {LB_BF16X16, "bf16x16", 16, 0, 0},
    {LB_I8CH, "i8ch", 8, 0, 0},       {LB_I4CH, "i4ch", 4, 0, 0},
    {LB_I8CHA, "i8cha", 8, 0, 0},
    {LB_KV8, "kv8", 8, 0, 0},         {LB_KV4, "kv4", 4, 0, 0},
    {LB_KV3, "kv3", 3, 0, 0},
    {LB_KVS8, "kvs8", 8, 0, 0},       {LB_KVS4, "kvs4", 4, 0, 0},
    {LB_KVS3, "kvs3", 3, 0, 0},
};
}  // namespace

extern "C" const lb_format_info *lb_format_get(int32_t fmt) {
    for (const auto &f : kFormats)
        if (f.id == fmt) return &f;
    return nullptr;
}

extern "C" int64_t lb_row_bytes(int32_t fmt, int32_t group, int64_t cols) {
    const lb_format_info *f = lb_format_get(fmt);
    if (!f || cols <= 0) return -1;
    switch (fmt) {
        case LB_W4G: case LB_W3G: case LB_W2G:
        case LB_KV8: case LB_KV4: case LB_KV3:
            // group blocks {f16 scale, u8 zero, packed codes}; groups never straddle rows
            if (group <= 0 || group % 8 != 0 || cols % group != 0) return -1;
            return (cols / group) * (3 + (int64_t)group * f->bits / 8);
        case LB_I8CH: case LB_I8CHA:
            return 4 + cols;
        case LB_KVS8: case LB_KVS4: case LB_KVS3:
            // codes only (static per-channel scales live outside the row)
            if (cols % 8 != 0) return -1;
            return cols * f->bits / 8;
        case LB_BF16X16:  // per row of a 16-row block (column pairs)
            if (cols % 2 != 0) return -1;
            return 2 * cols;
        case LB_I4CH:
            if (cols % 2 != 0) return -1;
            return 4 + cols / 2;
        default:
            if (cols % f->block != 0) return -1;
            return cols / f->block * f->block_bytes;
    }
}
