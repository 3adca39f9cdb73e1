// MXFP4 (LB_MXFP4) matmul internals shared by the scalar reference (mxfp4.cpp) and its SIMD
// variants (mxfp4_avx2.cpp, mxfp4_avx512.cpp; mxfp4_neon.cpp, mxfp4_dotprod.cpp on ARM64).
#pragma once
#include <stdint.h>

// activations of ntok tokens quantized to MXFP4 per 32 elements: q2 = twice the E2M1 value of each
// element (int8 in [-12, 12], in element order), e = the block's unbiased shared exponent
struct MxActs {
    const int8_t *q2;
    const int32_t *e;
};
// the same quantizer as the weights (lb_mx_quant_block), into thread-local scratch; every ISA level
// uses this one (cheap next to the matmul), so activation codes never differ between levels
MxActs mx_quant_acts(const float *x, int64_t ntok, int64_t cols);

#if defined(__x86_64__) || defined(_M_X64)
void matmul_mxfp4_avx2(const uint8_t *w, int64_t rows, int64_t cols, const MxActs &a, int64_t ntok, float *y);
void matmul_mxfp4_avx512(const uint8_t *w, int64_t rows, int64_t cols, const MxActs &a, int64_t ntok, float *y);
#endif
#if defined(__aarch64__)
void matmul_mxfp4_neon(const uint8_t *w, int64_t rows, int64_t cols, const MxActs &a, int64_t ntok, float *y);
void matmul_mxfp4_dotprod(const uint8_t *w, int64_t rows, int64_t cols, const MxActs &a, int64_t ntok, float *y);
#endif
