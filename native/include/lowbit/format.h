/* lowbit formats: every weight and KV-cache format is one id and one row of the format table
 * (native/cpu/format_table.h), which says everything else about it: bits, block and row layout,
 * what it may be used for, its quantizer and its kernels. GGUF-native types keep their ggml type
 * ids so a GGUF tensor type maps 1:1; the study's own formats start at 100. The Java enum
 * dev.lowbit.quant.Format names the same ids and reads the rest through lb_format_get. */
#ifndef LOWBIT_FORMAT_H
#define LOWBIT_FORMAT_H
#include <stdint.h>
#ifdef __cplusplus
extern "C" {
#endif

typedef enum lb_format {
    LB_F32  = 0,
    LB_F16  = 1,
    LB_Q4_0 = 2,
    LB_Q4_1 = 3,
    LB_Q5_0 = 6,
    LB_Q5_1 = 7,
    LB_Q8_0 = 8,
    LB_Q2_K = 10,
    LB_Q3_K = 11,
    LB_Q4_K = 12,
    LB_Q5_K = 13,
    LB_Q6_K = 14,
    LB_BF16 = 30,
    /* study formats. Weight-only asymmetric, group g along the input dimension:
     * each group is a self-contained block {f16 scale; u8 zero; g*b/8 bytes of densely
     * packed b-bit codes (LSB first)}; w = scale * (q - zero). g must be a multiple of 8. */
    LB_W4G  = 100,
    LB_W3G  = 101,
    LB_W2G  = 102,
    /* BF16 weights repacked for broadcast vdpbf16ps (the 16-bit output head of the weight-quantizing
     * plans on AVX512_BF16 CPUs): same values and arithmetic as LB_BF16, laid out in blocks of 16 rows
     * (cols even). Block b is cols/2 vectors of 64 bytes; lane i of vector p holds row 16b+i's columns
     * 2p (low word) and 2p+1 (high word). Rows are not contiguous, and a matrix of R rows takes
     * ceil(R/16) whole blocks (R rounded up to 16 times lb_row_bytes; the padding rows are zero). */
    LB_BF16X16 = 103,
    /* W8A8: int8 per output channel, symmetric: row = {f32 scale; int8[cols]}.
     * Activations are quantized per token at run time inside the matmul. */
    LB_I8CH = 110,
    /* W4A4: int4 per output channel, symmetric: row = {f32 scale; packed int4[cols] (LSB first, two's complement)}.
     * Activations quantized per token to int4 at run time (rotate them first with lb_hadamard). */
    LB_I4CH = 111,
    /* W8A8 with asymmetric activations: weights exactly as LB_I8CH; each token quantised at run time to
     * u8 with a zero point (x = s_x * (q - z_x), range widened to contain 0), for skewed inputs
     * such as the post-SiLU down-projection input. */
    LB_I8CHA = 112,
    /* MXFP4 (OCP Microscaling), W4A4: blocks of 32 contiguous elements of a row, 17 bytes each:
     * {u8 E8M0 shared exponent e (scale 2^(e-127)); 16 bytes: byte j holds element j in its low
     * nibble and element j+16 in its high nibble}. An element code is E2M1 FP4: bit 3 the sign,
     * bits 0-2 index {0, 0.5, 1, 1.5, 2, 3, 4, 6}. Activations are quantized to MXFP4 per 32
     * elements of each token at run time inside the matmul. */
    LB_MXFP4 = 113,
    /* W4A4 with asymmetric activations: weights exactly as LB_I4CH; each token quantised at run time to
     * u4 (0..15) with a zero point (x = s_x * (q - z_x), range widened to contain 0): the study's
     * W4A4 with --a_asym (QuaRot, FlatQuant). */
    LB_I4CHA = 114,
    /* KV-cache formats: asymmetric, group g per (token, head): blocks like LB_WxG. */
    LB_KV8  = 120,
    LB_KV4  = 121,
    LB_KV3  = 122,
    /* K cache with static per-channel scales (KVQuant-style, stored before RoPE): a row holds only
     * head_dim b-bit codes, no header; scale and offset per (layer, kv channel) live outside the
     * cache. Codes in chunks of 32 channels (the last chunk may be shorter, a multiple of 8):
     * 8-bit: one byte per channel; 4-bit: byte b of a chunk of n holds channel b (low nibble) and
     * b + n/2 (high nibble); 3-bit: n/4 bytes of low 2-bit fields (channel i at bits 2*(i%4) of
     * byte i/4), then n/8 bytes of high bits (channel i at bit i%8 of byte n/4 + i/8). */
    LB_KVS8 = 123,
    LB_KVS4 = 124,
    LB_KVS3 = 125,
} lb_format;

/* what a format may be used for (lb_format_info.uses) */
enum {
    LB_USE_WEIGHT = 1,   /* lb_matmul weights */
    LB_USE_KV = 2,       /* rows of a K or V cache pool (lb_kv_store, lb_attention) */
    LB_USE_K_STATIC = 4, /* rows of a static per-channel K pool (lb_kvs_*) */
};

/* static description of a format (the public part of its table row). A row of `cols` elements is
 * row_header bytes, then cols/block blocks of block_bytes; grouped formats (block == 0) take the
 * block from the group parameter (a positive multiple of 8): {f16 scale; u8 zero; group*bits/8
 * bytes of codes}. */
typedef struct lb_format_info {
    int32_t id;
    const char *name;
    int32_t bits;          /* nominal bits per weight code */
    int32_t block;         /* elements per block, 0 if set by the group parameter */
    int32_t block_bytes;   /* bytes per block, 0 for grouped formats (see above) */
    int32_t row_header;    /* bytes before a row's blocks (the per-channel scale), 0 if none */
    int32_t row_block;     /* rows a matrix interleaves (it takes whole blocks of them); 1 if rows are contiguous */
    int32_t uses;          /* LB_USE_* bits */
} lb_format_info;

/* NULL if the id is unknown */
const lb_format_info *lb_format_get(int32_t fmt);
/* the i-th row of the table (0, 1, ...), NULL past the last: to walk every format */
const lb_format_info *lb_format_at(int32_t i);
/* bytes one row of `cols` elements takes; -1 if cols/group are invalid for the format */
int64_t lb_row_bytes(int32_t fmt, int32_t group, int64_t cols);

#ifdef __cplusplus
}
#endif
#endif
