// lb_kron_transform: the learned per-site input transform of FlatQuant-calibrated models. Each row x
// of n = n1*n2 floats, seen row-major as X [n1][n2], becomes L^T X R (that is x (L kron R)), then is
// clamped to clip * [min, max] of the transformed row: the learned activation clipping, applied here
// so that the per-token quantizer of the matmul that follows sees exactly the clipped range.
// Scalar only: the work is n*(n1+n2) per token, two orders below the matmul it precedes.
#include "clip_row.h"
#include "dispatch.h"
#include "lowbit/lowbit.h"
#include <cmath>
#include <vector>

namespace {
void kron_row(float *x, int32_t n1, int32_t n2, const float *left, const float *right, float clip, float *tmp) {
    const int64_t n = (int64_t)n1 * n2;
    // tmp = L^T X: row i of tmp is sum_k L[k][i] X[k][:]
    for (int64_t i = 0; i < n; i++) tmp[i] = 0.f;
    for (int32_t k = 0; k < n1; k++) {
        const float *xk = x + (int64_t)k * n2;
        for (int32_t i = 0; i < n1; i++) {
            const float l = left[(int64_t)k * n1 + i];
            float *ti = tmp + (int64_t)i * n2;
            for (int32_t j = 0; j < n2; j++) ti[j] += l * xk[j];
        }
    }
    // x = tmp R (or tmp when R is the identity)
    if (right) {
        for (int32_t i = 0; i < n1; i++) {
            const float *ti = tmp + (int64_t)i * n2;
            float *xi = x + (int64_t)i * n2;
            for (int32_t j = 0; j < n2; j++) xi[j] = 0.f;
            for (int32_t k = 0; k < n2; k++) {
                const float t = ti[k];
                const float *rk = right + (int64_t)k * n2;
                for (int32_t j = 0; j < n2; j++) xi[j] += t * rk[j];
            }
        }
    } else {
        for (int64_t i = 0; i < n; i++) x[i] = tmp[i];
    }
    if (clip < 1.f) clip_row(x, n, clip);
}
}  // namespace

extern "C" int32_t lb_kron_transform(float *x, int64_t rows, int32_t n1, int32_t n2, const float *left, const float *right,
                                     float clip) {
    if (!x || !left || rows <= 0 || n1 <= 0 || n2 <= 0 || !(clip > 0.f && clip <= 1.f)) return LB_ERR_ARG;
    const int64_t n = (int64_t)n1 * n2;
#pragma omp parallel num_threads(lb_threads_for((long long)rows * n * (n1 + n2)))
    {
        std::vector<float> tmp((size_t)n);
#pragma omp for schedule(static)
        for (int64_t r = 0; r < rows; r++) kron_row(x + r * n, n1, n2, left, right, clip, tmp.data());
    }
    return LB_OK;
}
