// Internal: the entries a format's table row (format_table.h) points to. lb_quantize,
// lb_dequantize and lb_matmul validate their arguments, look the row up and call these; each
// family has a scalar reference and SIMD variants chosen inside by ISA level.
// invariant (lb_matmul_invariant): each token's outputs exactly as an ntok = 1 call computes them.
#pragma once
#include <stdint.h>

struct FormatRow;

// F32 / F16 / BF16 element by element; the fixed-block ggml formats block by block through the
// row's quantize_block / dequantize_block (ggml_quantize.cpp, ggml_dequant.cpp)
int32_t quantize_f32(const FormatRow &f, int32_t group, const float *src, void *dst, int64_t rows, int64_t cols);
int32_t quantize_f16(const FormatRow &f, int32_t group, const float *src, void *dst, int64_t rows, int64_t cols);
int32_t quantize_bf16(const FormatRow &f, int32_t group, const float *src, void *dst, int64_t rows, int64_t cols);
int32_t quantize_blocks(const FormatRow &f, int32_t group, const float *src, void *dst, int64_t rows, int64_t cols);
int32_t dequantize_f32(const FormatRow &f, int32_t group, const void *src, float *dst, int64_t rows, int64_t cols);
int32_t dequantize_f16(const FormatRow &f, int32_t group, const void *src, float *dst, int64_t rows, int64_t cols);
int32_t dequantize_bf16(const FormatRow &f, int32_t group, const void *src, float *dst, int64_t rows, int64_t cols);
int32_t dequantize_blocks(const FormatRow &f, int32_t group, const void *src, float *dst, int64_t rows, int64_t cols);
// one block of a ggml block format (ggml_common.h layouts)
void quantize_q8_0(const float *x, uint8_t *b);
void quantize_q4_0(const float *x, uint8_t *b);
void quantize_q4_1(const float *x, uint8_t *b);
void quantize_q5_0(const float *x, uint8_t *b);
void quantize_q5_1(const float *x, uint8_t *b);
void quantize_q2_k(const float *x, uint8_t *b);
void quantize_q3_k(const float *x, uint8_t *b);
void quantize_q4_k(const float *x, uint8_t *b);
void quantize_q5_k(const float *x, uint8_t *b);
void quantize_q6_k(const float *x, uint8_t *b);
void dequantize_q8_0(const uint8_t *b, float *y);
void dequantize_q4_0(const uint8_t *b, float *y);
void dequantize_q4_1(const uint8_t *b, float *y);
void dequantize_q5_0(const uint8_t *b, float *y);
void dequantize_q5_1(const uint8_t *b, float *y);
void dequantize_q2_k(const uint8_t *b, float *y);
void dequantize_q3_k(const uint8_t *b, float *y);
void dequantize_q4_k(const uint8_t *b, float *y);
void dequantize_q5_k(const uint8_t *b, float *y);
void dequantize_q6_k(const uint8_t *b, float *y);
// the ggml formats' matmul driver: activations and row kernels per ISA level from the row (ggml_matmul.cpp)
int32_t matmul_ggml(const FormatRow &f, int32_t group, const void *w, int64_t rows, int64_t cols, const float *x,
                    int64_t ntok, float *y, bool invariant);

// grouped formats (W*G, KV*): group blocks of study_pack.h; per-channel formats (I8CH, I8CHA, I4CH, I4CHA)
// (study_quant.cpp, study_matmul.cpp)
int32_t quantize_groups(const FormatRow &f, int32_t group, const float *src, void *dst, int64_t rows, int64_t cols);
int32_t dequantize_groups(const FormatRow &f, int32_t group, const void *src, float *dst, int64_t rows, int64_t cols);
int32_t quantize_channels(const FormatRow &f, int32_t group, const float *src, void *dst, int64_t rows, int64_t cols);
int32_t dequantize_channels(const FormatRow &f, int32_t group, const void *src, float *dst, int64_t rows, int64_t cols);
int32_t matmul_groups(const FormatRow &f, int32_t group, const void *w, int64_t rows, int64_t cols, const float *x,
                      int64_t ntok, float *y, bool invariant);
int32_t matmul_i8ch(const FormatRow &f, int32_t group, const void *w, int64_t rows, int64_t cols, const float *x,
                    int64_t ntok, float *y, bool invariant);
int32_t matmul_i8cha(const FormatRow &f, int32_t group, const void *w, int64_t rows, int64_t cols, const float *x,
                     int64_t ntok, float *y, bool invariant);
int32_t matmul_i4ch(const FormatRow &f, int32_t group, const void *w, int64_t rows, int64_t cols, const float *x,
                    int64_t ntok, float *y, bool invariant);
int32_t matmul_i4cha(const FormatRow &f, int32_t group, const void *w, int64_t rows, int64_t cols, const float *x,
                    int64_t ntok, float *y, bool invariant);

// LB_MXFP4 (mxfp4.cpp): 17-byte blocks of 32 E2M1 codes and an E8M0 exponent; activations quantized per 32
int32_t quantize_mxfp4(const FormatRow &f, int32_t group, const float *src, void *dst, int64_t rows, int64_t cols);
int32_t dequantize_mxfp4(const FormatRow &f, int32_t group, const void *src, float *dst, int64_t rows, int64_t cols);
int32_t matmul_mxfp4(const FormatRow &f, int32_t group, const void *w, int64_t rows, int64_t cols, const float *x,
                     int64_t ntok, float *y, bool invariant);

// LB_BF16X16 (bf16x16.cpp): BF16 repacked in 16-row blocks; the AVX512_BF16 kernel in bf16x16_avx512.cpp
int32_t quantize_bf16x16(const FormatRow &f, int32_t group, const float *src, void *dst, int64_t rows, int64_t cols);
int32_t dequantize_bf16x16(const FormatRow &f, int32_t group, const void *src, float *dst, int64_t rows, int64_t cols);
int32_t matmul_bf16x16(const FormatRow &f, int32_t group, const void *w, int64_t rows, int64_t cols, const float *x,
                       int64_t ntok, float *y, bool invariant);
void matmul_bf16x16_avx512(const uint16_t *w, int64_t rows, int64_t cols, const float *x, int64_t ntok, float *y, bool invariant);
// FP32-FMA variant for AVX2 and AVX-512 without AVX512_BF16 (bf16x16_avx2.cpp); batch invariant
void matmul_bf16x16_avx2(const uint16_t *w, int64_t rows, int64_t cols, const float *x, int64_t ntok, float *y);
