// Internal: SIMD variants of the element-wise ops and the Hadamard transform (ops.cpp and
// hadamard.cpp hold the scalar references and the lb_* entries).
#pragma once
#include <stdint.h>

void rmsnorm_avx512(const float *x, const float *weight, float *out, int64_t rows, int64_t n, float eps);
void silu_mul_avx512(float *gate, const float *up, int64_t n);
#if defined(__aarch64__)
void rmsnorm_neon(const float *x, const float *weight, float *out, int64_t rows, int64_t n, float eps);
void silu_mul_neon(float *gate, const float *up, int64_t n);
#endif
// apply a prepared transform (see hadamard_impl.h) compiled for AVX-512
void hadamard_rows_avx512(float *x, int64_t rows, int64_t n, int m, const float *hm_t);
