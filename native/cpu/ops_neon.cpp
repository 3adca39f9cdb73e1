// NEON variants of lb_rmsnorm and lb_silu_mul (references in ops.cpp; the AArch64 counterparts of
// ops_avx512.cpp). rmsnorm: the sum of squares in 4 x 4 FMA lanes (only its order differs from the
// scalar's), then each element as the reference scales it, x * inv * w. silu: lbn_exp (neon_math.h).
// Tails of fewer than 4 elements take the reference's own expressions.
#include "ops_internal.h"
#include "neon_math.h"
#include <cmath>

void rmsnorm_neon(const float *x, const float *weight, float *out, int64_t rows, int64_t n, float eps) {
    for (int64_t r = 0; r < rows; r++) {
        const float *xr = x + r * n;
        float *o = out + r * n;
        float32x4_t acc[4] = {vdupq_n_f32(0.f), vdupq_n_f32(0.f), vdupq_n_f32(0.f), vdupq_n_f32(0.f)};
        int64_t i = 0;
        for (; i + 16 <= n; i += 16)
            for (int u = 0; u < 4; u++) {
                const float32x4_t v = vld1q_f32(xr + i + 4 * u);
                acc[u] = vfmaq_f32(acc[u], v, v);
            }
        for (; i + 4 <= n; i += 4) {
            const float32x4_t v = vld1q_f32(xr + i);
            acc[0] = vfmaq_f32(acc[0], v, v);
        }
        float ss = vaddvq_f32(vaddq_f32(vaddq_f32(acc[0], acc[1]), vaddq_f32(acc[2], acc[3])));
        for (; i < n; i++) ss += xr[i] * xr[i];
        const float inv = 1.f / std::sqrt(ss / (float)n + eps);
        const float32x4_t vi = vdupq_n_f32(inv);
        for (i = 0; i + 4 <= n; i += 4)
            vst1q_f32(o + i, vmulq_f32(vmulq_f32(vld1q_f32(xr + i), vi), vld1q_f32(weight + i)));
        for (; i < n; i++) o[i] = xr[i] * inv * weight[i];
    }
}

void silu_mul_neon(float *gate, const float *up, int64_t n) {
    const float32x4_t one = vdupq_n_f32(1.f);
    int64_t i = 0;
    for (; i + 4 <= n; i += 4) {
        const float32x4_t g = vld1q_f32(gate + i);
        const float32x4_t s = vdivq_f32(g, vaddq_f32(one, lbn_exp(vnegq_f32(g))));
        vst1q_f32(gate + i, vmulq_f32(s, vld1q_f32(up + i)));
    }
    for (; i < n; i++) gate[i] = gate[i] / (1.f + std::exp(-gate[i])) * up[i];
}
