// Element-wise ops and normalisation: lb_rmsnorm, lb_rope_ext, lb_silu_mul, lb_add, lb_add_bias.
// Scalar references here; AVX-512 and NEON variants of the two that do arithmetic per element
// (rmsnorm, silu) in ops_avx512.cpp / ops_neon.cpp. The rest is memory bound and left to the compiler.
#include "dispatch.h"
#include "lowbit/lowbit.h"
#include "ops_internal.h"
#include <cmath>
#include <vector>

extern "C" int32_t lb_rmsnorm(const float *x, const float *weight, float *out, int64_t rows, int64_t n, float eps) {
    if (!x || !weight || !out || rows <= 0 || n <= 0 || !(eps >= 0.f)) return LB_ERR_ARG;
#if LB_X86
    if (lb_isa_current() >= LB_ISA_AVX512) {
        rmsnorm_avx512(x, weight, out, rows, n, eps);
        return LB_OK;
    }
#elif LB_ARM64
    if (lb_isa_current() >= LB_ISA_NEON) {
        rmsnorm_neon(x, weight, out, rows, n, eps);
        return LB_OK;
    }
#endif
    for (int64_t r = 0; r < rows; r++) {
        const float *xr = x + r * n;
        float *o = out + r * n;
        float ss = 0.f;
        for (int64_t i = 0; i < n; i++) ss += xr[i] * xr[i];
        const float inv = 1.f / std::sqrt(ss / (float)n + eps);
        for (int64_t i = 0; i < n; i++) o[i] = xr[i] * inv * weight[i];
    }
    return LB_OK;
}

// theta_i = pos * base^(-2i/rot_dim) / factor_i; angles in double so that positions up to 32K+ keep precision
extern "C" int32_t lb_rope_ext(float *x, int64_t ntok, int32_t nheads, int32_t head_dim, int32_t rot_dim,
                               const int32_t *pos, float theta_base, int32_t neox, const float *freq_factors) {
    if (!x || !pos || ntok <= 0 || nheads <= 0 || head_dim <= 0 || rot_dim <= 0 || rot_dim > head_dim ||
        rot_dim % 2 != 0 || !(theta_base > 0.f) || (neox != 0 && neox != 1))
        return LB_ERR_ARG;
    const int half = rot_dim / 2;
    std::vector<double> freq(half);
    for (int i = 0; i < half; i++) {
        freq[i] = std::pow((double)theta_base, -2.0 * i / rot_dim);
        if (freq_factors) {
            if (!(freq_factors[i] > 0.f)) return LB_ERR_ARG;
            freq[i] /= freq_factors[i];
        }
    }
    std::vector<float> cs(half), sn(half);
    for (int64_t t = 0; t < ntok; t++) {
        for (int i = 0; i < half; i++) {
            const double a = (double)pos[t] * freq[i];
            cs[i] = (float)std::cos(a);
            sn[i] = (float)std::sin(a);
        }
        for (int h = 0; h < nheads; h++) {
            float *v = x + (t * nheads + h) * head_dim;
            for (int i = 0; i < half; i++) {
                const int i0 = neox ? i : 2 * i, i1 = neox ? i + half : 2 * i + 1;
                const float a = v[i0], b = v[i1];
                v[i0] = a * cs[i] - b * sn[i];
                v[i1] = a * sn[i] + b * cs[i];
            }
        }
    }
    return LB_OK;
}

extern "C" int32_t lb_silu_mul(float *gate, const float *up, int64_t n) {
    if (!gate || !up || n <= 0) return LB_ERR_ARG;
    // element-wise, so chunks change nothing in the result; batched steps and prefill (16 x 4864
    // values and more) would otherwise leave the other threads waiting
    constexpr int64_t kChunk = 8192;
#if LB_X86
    const bool simd = lb_isa_current() >= LB_ISA_AVX512;
#elif LB_ARM64
    const bool simd = lb_isa_current() >= LB_ISA_NEON;
#else
    constexpr bool simd = false;
#endif
#pragma omp parallel for num_threads(lb_threads_get()) schedule(static) if (n >= 4 * kChunk)
    for (int64_t c0 = 0; c0 < n; c0 += kChunk) {
        const int64_t m = n - c0 < kChunk ? n - c0 : kChunk;
        if (simd) {
#if LB_X86
            silu_mul_avx512(gate + c0, up + c0, m);
#elif LB_ARM64
            silu_mul_neon(gate + c0, up + c0, m);
#endif
            continue;
        }
        for (int64_t i = c0; i < c0 + m; i++) gate[i] = gate[i] / (1.f + std::exp(-gate[i])) * up[i];
    }
    return LB_OK;
}

extern "C" int32_t lb_add(float *y, const float *x, int64_t n) {
    if (!y || !x || n <= 0) return LB_ERR_ARG;
    for (int64_t i = 0; i < n; i++) y[i] += x[i];
    return LB_OK;
}

extern "C" int32_t lb_add_bias(float *y, const float *b, int64_t rows, int64_t n) {
    if (!y || !b || rows <= 0 || n <= 0) return LB_ERR_ARG;
    for (int64_t r = 0; r < rows; r++)
        for (int64_t i = 0; i < n; i++) y[r * n + i] += b[i];
    return LB_OK;
}
