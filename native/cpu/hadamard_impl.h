// The Hadamard transform's row kernel, written once and compiled twice (hadamard.cpp without
// and hadamard_avx512.cpp with AVX-512 code generation; the compiler vectorises the loops).
// For n = 2^k * m the transform is (H_{2^k} (x) H_m) / sqrt(n) with element index i = a*m + b:
// first H_m on each contiguous block of m, then the butterflies of H_{2^k} across blocks.
// hm_t holds H_m (symmetric, entries +-1) in row-major order; m == 1 means a pure power of two.
#pragma once
#include "lowbit/runtime.h"
#include <cmath>
#include <stdint.h>
#include <vector>

static inline void hadamard_rows_impl(float *x, int64_t rows, int64_t n, int m, const float *hm) {
    const int64_t nb = n / m;  // 2^k blocks of m
    const float norm = 1.f / std::sqrt((float)n);
#pragma omp parallel num_threads(lb_threads_get()) if (rows > 1)
    {
        std::vector<float> tmp(m > 1 ? m : 1);
#pragma omp for schedule(static)
        for (int64_t r = 0; r < rows; r++) {
            float *v = x + r * n;
            if (m > 1) {
                for (int64_t b = 0; b < nb; b++) {
                    float *blk = v + b * m;
                    for (int i = 0; i < m; i++) tmp[i] = 0.f;
                    for (int j = 0; j < m; j++) {  // tmp += column j of H_m * blk[j] (H_m symmetric)
                        const float xj = blk[j];
                        const float *col = hm + (int64_t)j * m;
                        for (int i = 0; i < m; i++) tmp[i] += col[i] * xj;
                    }
                    for (int i = 0; i < m; i++) blk[i] = tmp[i];
                }
            }
            for (int64_t len = m; len < n; len *= 2) {
                for (int64_t i = 0; i < n; i += 2 * len) {
                    float *a = v + i, *b = v + i + len;
                    for (int64_t j = 0; j < len; j++) {
                        const float s = a[j] + b[j], d = a[j] - b[j];
                        a[j] = s;
                        b[j] = d;
                    }
                }
            }
            for (int64_t i = 0; i < n; i++) v[i] *= norm;
        }
    }
}
