// The format table, in the manner of ggml's type_traits / type_traits_cpu: one row per format with
// everything the library knows about it (layout, uses, quantizer, dequantizer, matmul entry and
// the ggml formats' row kernels per ISA level). Every dispatch over formats reads a row
// (format_row: one indexed load); no other file keys anything on a format id. The public part of
// a row is lb_format_info (lowbit/format.h, read by Java through lb_format_get).
// Adding a format: its id in lowbit/format.h, one row here, its kernels (docs/ENGINE.md).
#pragma once
#include <stdint.h>
#include "lowbit/format.h"
#include "kernels.h"
#include "dispatch.h"

namespace lbg {
// a ggml format's kernels at one ISA level (ggml_common.h); defined in that level's file
struct GgmlKernels;
#if LB_ARM64
#define LB_DECLARE_GGML_KERNELS(n) extern const GgmlKernels ggml_scalar_##n, ggml_neon_##n, ggml_dotprod_##n, ggml_i8mm_##n;
#else
#define LB_DECLARE_GGML_KERNELS(n) \
    extern const GgmlKernels ggml_scalar_##n, ggml_avx2_##n, ggml_avx512_##n, ggml_avx512bf16_##n;
#endif
LB_DECLARE_GGML_KERNELS(f32) LB_DECLARE_GGML_KERNELS(f16) LB_DECLARE_GGML_KERNELS(bf16)
LB_DECLARE_GGML_KERNELS(q8_0) LB_DECLARE_GGML_KERNELS(q4_0) LB_DECLARE_GGML_KERNELS(q4_1)
LB_DECLARE_GGML_KERNELS(q5_0) LB_DECLARE_GGML_KERNELS(q5_1) LB_DECLARE_GGML_KERNELS(q2_k)
LB_DECLARE_GGML_KERNELS(q3_k) LB_DECLARE_GGML_KERNELS(q4_k) LB_DECLARE_GGML_KERNELS(q5_k)
LB_DECLARE_GGML_KERNELS(q6_k)
#undef LB_DECLARE_GGML_KERNELS
}  // namespace lbg

// matrix entries (kernels.h); arguments validated by the lb_* entry points
typedef int32_t (*QuantizeFn)(const FormatRow &f, int32_t group, const float *src, void *dst, int64_t rows, int64_t cols);
typedef int32_t (*DequantizeFn)(const FormatRow &f, int32_t group, const void *src, float *dst, int64_t rows, int64_t cols);
typedef int32_t (*MatmulFn)(const FormatRow &f, int32_t group, const void *w, int64_t rows, int64_t cols, const float *x,
                            int64_t ntok, float *y, bool invariant);

// how matmul_ggml hands a format's row kernels the activations: fp32 as given, rounded to bf16, or
// quantized to int8 in blocks of 32 (the *_0/*_1 formats) or 256 (the K-quants)
enum class GgmlAct : int8_t { none, f32, bf16, q8_32, q8_256 };

struct FormatRow {
    lb_format_info info;
    QuantizeFn quantize;      // nullptr: lb_quantize / lb_dequantize reject the format
    DequantizeFn dequantize;
    MatmulFn matmul;          // nullptr: not a weight format (LB_USE_WEIGHT unset)
    // one block of a fixed-block ggml format (quantize_blocks / dequantize_blocks)
    void (*quantize_block)(const float *x, uint8_t *b);
    void (*dequantize_block)(const uint8_t *b, float *y);
    // matmul_ggml: the activations, the offset subtracted from the unsigned codes fed to vpdpbusd
    // (Q8_0's int8 codes are fed as code ^ 0x80 = code + 128), and the kernels per ISA level
    // (slot ggml_kernel_slot(level); nullptr or a GgmlKernels without row / matmul: the level below runs)
    GgmlAct act;
    int32_t code_offset;
    const lbg::GgmlKernels *kernels[4];
};

#define LB_GGML_ENTRIES quantize_blocks, dequantize_blocks, matmul_ggml
#define LB_GGML_CODEC(n) quantize_##n, dequantize_##n
#if LB_ARM64
// slots scalar, NEON, NEON dotprod, NEON i8mm; ggml_matmul_neon.cpp / _dotprod.cpp / _i8mm.cpp say which
// formats have kernels at each (the others' entries there are empty: the slot below runs)
#define LB_GGML_KERNELS(n, bf16) {&lbg::ggml_scalar_##n, &lbg::ggml_neon_##n, &lbg::ggml_dotprod_##n, &lbg::ggml_i8mm_##n}
#else
#define LB_GGML_KERNELS(n, bf16) {&lbg::ggml_scalar_##n, &lbg::ggml_avx2_##n, &lbg::ggml_avx512_##n, bf16}
#endif
#define LB_NO_GGML nullptr, nullptr, GgmlAct::none, 0, {}
// the kernels[] slot of an ISA level: x86 levels are their own slot, ARM's count from LB_ISA_NEON = 1
constexpr int ggml_kernel_slot(int level) { return level >= LB_ISA_NEON ? level - LB_ISA_NEON + 1 : level; }
constexpr int32_t kW = LB_USE_WEIGHT, kKV = LB_USE_KV, kKS = LB_USE_K_STATIC;

//  id, name, bits, block, block bytes, row header, row block, uses     entries
inline constexpr FormatRow kFormatRows[] = {
    {{LB_F32, "f32", 32, 1, 4, 0, 1, kW | kKV}, quantize_f32, dequantize_f32, matmul_ggml, nullptr, nullptr,
     GgmlAct::f32, 0, LB_GGML_KERNELS(f32, nullptr)},
    {{LB_F16, "f16", 16, 1, 2, 0, 1, kW | kKV}, quantize_f16, dequantize_f16, matmul_ggml, nullptr, nullptr,
     GgmlAct::f32, 0, LB_GGML_KERNELS(f16, nullptr)},
    {{LB_BF16, "bf16", 16, 1, 2, 0, 1, kW}, quantize_bf16, dequantize_bf16, matmul_ggml, nullptr, nullptr,
     GgmlAct::bf16, 0, LB_GGML_KERNELS(bf16, &lbg::ggml_avx512bf16_bf16)},
    {{LB_Q4_0, "q4_0", 4, 32, 18, 0, 1, kW}, LB_GGML_ENTRIES, LB_GGML_CODEC(q4_0), GgmlAct::q8_32, 8, LB_GGML_KERNELS(q4_0, nullptr)},
    {{LB_Q4_1, "q4_1", 4, 32, 20, 0, 1, kW}, LB_GGML_ENTRIES, LB_GGML_CODEC(q4_1), GgmlAct::q8_32, 0, LB_GGML_KERNELS(q4_1, nullptr)},
    {{LB_Q5_0, "q5_0", 5, 32, 22, 0, 1, kW}, LB_GGML_ENTRIES, LB_GGML_CODEC(q5_0), GgmlAct::q8_32, 16, LB_GGML_KERNELS(q5_0, nullptr)},
    {{LB_Q5_1, "q5_1", 5, 32, 24, 0, 1, kW}, LB_GGML_ENTRIES, LB_GGML_CODEC(q5_1), GgmlAct::q8_32, 0, LB_GGML_KERNELS(q5_1, nullptr)},
    {{LB_Q8_0, "q8_0", 8, 32, 34, 0, 1, kW}, LB_GGML_ENTRIES, LB_GGML_CODEC(q8_0), GgmlAct::q8_32, 128, LB_GGML_KERNELS(q8_0, nullptr)},
    {{LB_Q2_K, "q2_k", 2, 256, 84, 0, 1, kW}, LB_GGML_ENTRIES, LB_GGML_CODEC(q2_k), GgmlAct::q8_256, 0, LB_GGML_KERNELS(q2_k, nullptr)},
    {{LB_Q3_K, "q3_k", 3, 256, 110, 0, 1, kW}, LB_GGML_ENTRIES, LB_GGML_CODEC(q3_k), GgmlAct::q8_256, 0, LB_GGML_KERNELS(q3_k, nullptr)},
    {{LB_Q4_K, "q4_k", 4, 256, 144, 0, 1, kW}, LB_GGML_ENTRIES, LB_GGML_CODEC(q4_k), GgmlAct::q8_256, 0, LB_GGML_KERNELS(q4_k, nullptr)},
    {{LB_Q5_K, "q5_k", 5, 256, 176, 0, 1, kW}, LB_GGML_ENTRIES, LB_GGML_CODEC(q5_k), GgmlAct::q8_256, 0, LB_GGML_KERNELS(q5_k, nullptr)},
    {{LB_Q6_K, "q6_k", 6, 256, 210, 0, 1, kW}, LB_GGML_ENTRIES, LB_GGML_CODEC(q6_k), GgmlAct::q8_256, 0, LB_GGML_KERNELS(q6_k, nullptr)},
    // weight-only asymmetric, group g (the group parameter)
    {{LB_W4G, "w4g", 4, 0, 0, 0, 1, kW}, quantize_groups, dequantize_groups, matmul_groups, LB_NO_GGML},
    {{LB_W3G, "w3g", 3, 0, 0, 0, 1, kW}, quantize_groups, dequantize_groups, matmul_groups, LB_NO_GGML},
    {{LB_W2G, "w2g", 2, 0, 0, 0, 1, kW}, quantize_groups, dequantize_groups, matmul_groups, LB_NO_GGML},
    // BF16 in 16-row blocks of column pairs
    {{LB_BF16X16, "bf16x16", 16, 2, 4, 0, 16, kW}, quantize_bf16x16, dequantize_bf16x16, matmul_bf16x16, LB_NO_GGML},
    // per output channel: {f32 scale; codes}
    {{LB_I8CH, "i8ch", 8, 1, 1, 4, 1, kW}, quantize_channels, dequantize_channels, matmul_i8ch, LB_NO_GGML},
    {{LB_I4CH, "i4ch", 4, 2, 1, 4, 1, kW}, quantize_channels, dequantize_channels, matmul_i4ch, LB_NO_GGML},
    {{LB_I8CHA, "i8cha", 8, 1, 1, 4, 1, kW}, quantize_channels, dequantize_channels, matmul_i8cha, LB_NO_GGML},
    {{LB_I4CHA, "i4cha", 4, 2, 1, 4, 1, kW}, quantize_channels, dequantize_channels, matmul_i4cha, LB_NO_GGML},
    // MXFP4: blocks of 32 E2M1 codes with an E8M0 exponent (16 bytes of nibbles after the exponent byte); also a KV
    // cache format (the study's MXFP4 W4A4KV4: each head's row in blocks of 32, head_dim a multiple of 32)
    {{LB_MXFP4, "mxfp4", 4, 32, 17, 0, 1, kW | kKV}, quantize_mxfp4, dequantize_mxfp4, matmul_mxfp4, LB_NO_GGML},
    // KV cache rows: group blocks per (token, head)
    {{LB_KV8, "kv8", 8, 0, 0, 0, 1, kKV}, quantize_groups, dequantize_groups, nullptr, LB_NO_GGML},
    {{LB_KV4, "kv4", 4, 0, 0, 0, 1, kKV}, quantize_groups, dequantize_groups, nullptr, LB_NO_GGML},
    {{LB_KV3, "kv3", 3, 0, 0, 0, 1, kKV}, quantize_groups, dequantize_groups, nullptr, LB_NO_GGML},
    // static-scale K rows: codes only, in chunks of 32 channels (kv_static_internal.h)
    {{LB_KVS8, "kvs8", 8, 8, 8, 0, 1, kKS}, nullptr, nullptr, nullptr, LB_NO_GGML},
    {{LB_KVS4, "kvs4", 4, 8, 4, 0, 1, kKS}, nullptr, nullptr, nullptr, LB_NO_GGML},
    {{LB_KVS3, "kvs3", 3, 8, 3, 0, 1, kKS}, nullptr, nullptr, nullptr, LB_NO_GGML},
};
#undef LB_GGML_ENTRIES
#undef LB_GGML_CODEC
#undef LB_GGML_KERNELS
#undef LB_NO_GGML

constexpr int kFormatRowCount = (int)(sizeof(kFormatRows) / sizeof(kFormatRows[0]));
constexpr int kFormatIdLimit = 128;  // ids are below this (index array size)

struct FormatIndex {
    int8_t row[kFormatIdLimit];
};
constexpr FormatIndex make_format_index() {
    FormatIndex ix{};
    for (int i = 0; i < kFormatIdLimit; i++) ix.row[i] = -1;
    for (int r = 0; r < kFormatRowCount; r++) ix.row[kFormatRows[r].info.id] = (int8_t)r;
    return ix;
}
inline constexpr FormatIndex kFormatIndex = make_format_index();

// the row of format id fmt, nullptr if unknown
constexpr const FormatRow *format_row(int32_t fmt) {
    return fmt >= 0 && fmt < kFormatIdLimit && kFormatIndex.row[fmt] >= 0 ? &kFormatRows[kFormatIndex.row[fmt]] : nullptr;
}

constexpr bool format_grouped(const FormatRow &f) { return f.info.block == 0; }

// bits of a grouped format's codes (W*G, KV*), 0 for any other id
constexpr int format_group_bits(int32_t fmt) {
    const FormatRow *f = format_row(fmt);
    return f && format_grouped(*f) ? f->info.bits : 0;
}

// bytes of a row of cols elements (lb_row_bytes), -1 if cols / group do not fit the format
constexpr int64_t format_row_bytes(const FormatRow &f, int32_t group, int64_t cols) {
    if (cols <= 0) return -1;
    int64_t block = f.info.block, block_bytes = f.info.block_bytes;
    if (format_grouped(f)) {  // {f16 scale, u8 zero, packed codes}; groups never straddle rows
        if (group <= 0 || group % 8 != 0) return -1;
        block = group;
        block_bytes = 3 + (int64_t)group * f.info.bits / 8;
    }
    if (cols % block != 0) return -1;
    return f.info.row_header + cols / block * block_bytes;
}

constexpr bool format_table_consistent() {
    for (int r = 0; r < kFormatRowCount; r++) {
        const FormatRow &f = kFormatRows[r];
        if (f.info.id < 0 || f.info.id >= kFormatIdLimit || format_row(f.info.id) != &f) return false;  // ids unique
        if (((f.info.uses & LB_USE_WEIGHT) != 0) != (f.matmul != nullptr)) return false;
        if (!f.quantize != !f.dequantize || f.info.row_block < 1) return false;
        if ((f.quantize == quantize_blocks) != (f.quantize_block != nullptr)) return false;
        if ((f.matmul == matmul_ggml) != (f.act != GgmlAct::none && f.kernels[0] != nullptr)) return false;
    }
    return true;
}
static_assert(format_table_consistent(), "format table: duplicate id, or a row's entries disagree with its uses");
