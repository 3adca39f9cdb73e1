// Internal kernel entry points (not part of the C ABI). lb_* entries in quantize.cpp and
// matmul.cpp validate arguments and route here: ggml-native formats (< 100) to *_ggml,
// the study's formats (>= 100) to *_study. Each family has a scalar reference and SIMD variants.
// invariant (lb_matmul_invariant): each token's outputs exactly as an ntok = 1 call computes them.
#pragma once
#include <stdint.h>

int32_t quantize_ggml(int32_t fmt, const float *src, void *dst, int64_t rows, int64_t cols);
int32_t dequantize_ggml(int32_t fmt, const void *src, float *dst, int64_t rows, int64_t cols);
int32_t matmul_ggml(int32_t fmt, const void *w, int64_t rows, int64_t cols, const float *x, int64_t ntok, float *y,
                    bool invariant);

int32_t quantize_study(int32_t fmt, int32_t group, const float *src, void *dst, int64_t rows, int64_t cols);
int32_t dequantize_study(int32_t fmt, int32_t group, const void *src, float *dst, int64_t rows, int64_t cols);
int32_t matmul_study(int32_t fmt, int32_t group, const void *w, int64_t rows, int64_t cols, const float *x, int64_t ntok, float *y,
                     bool invariant);

// LB_BF16X16 (bf16x16.cpp): BF16 repacked in 16-row blocks; the AVX512_BF16 kernel in bf16x16_avx512.cpp
int32_t quantize_bf16x16(const float *src, void *dst, int64_t rows, int64_t cols);
int32_t dequantize_bf16x16(const void *src, float *dst, int64_t rows, int64_t cols);
int32_t matmul_bf16x16(const void *w, int64_t rows, int64_t cols, const float *x, int64_t ntok, float *y, bool invariant);
void matmul_bf16x16_avx512(const uint16_t *w, int64_t rows, int64_t cols, const float *x, int64_t ntok, float *y, bool invariant);
