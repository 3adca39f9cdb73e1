// NEON math helpers shared by the *_neon.cpp kernels (the AArch64 counterpart of simd512_math.h).
#pragma once
#include <arm_neon.h>

// e^x as lb512_exp computes it: x = n ln2 + r, |r| <= ln2/2, degree-6 Taylor polynomial (rel. error
// ~1e-7), x clamped to [-104, 89] first (a NaN x stays NaN). 2^n is applied as two exponent-field
// factors 2^(n/2) * 2^(n - n/2): each is a normal float for every n in [-150, 129], and the result
// still underflows to a subnormal / 0 or overflows to inf where e^x does.
static inline float32x4_t lbn_exp(float32x4_t x) {
    x = vminq_f32(vdupq_n_f32(89.f), vmaxq_f32(vdupq_n_f32(-104.f), x));
    const float32x4_t n = vrndnq_f32(vmulq_f32(x, vdupq_n_f32(1.44269504088896341f)));
    float32x4_t r = vfmsq_f32(x, n, vdupq_n_f32(0.693145751953125f));
    r = vfmsq_f32(r, n, vdupq_n_f32(1.428606765330187e-06f));
    float32x4_t p = vdupq_n_f32(1.f / 720);
    p = vfmaq_f32(vdupq_n_f32(1.f / 120), p, r);
    p = vfmaq_f32(vdupq_n_f32(1.f / 24), p, r);
    p = vfmaq_f32(vdupq_n_f32(1.f / 6), p, r);
    p = vfmaq_f32(vdupq_n_f32(0.5f), p, r);
    p = vfmaq_f32(vdupq_n_f32(1.f), p, r);
    p = vfmaq_f32(vdupq_n_f32(1.f), p, r);
    const int32x4_t ni = vcvtq_s32_f32(n), n1 = vshrq_n_s32(ni, 1), n2 = vsubq_s32(ni, n1);
    const int32x4_t bias = vdupq_n_s32(127);
    const float32x4_t f1 = vreinterpretq_f32_s32(vshlq_n_s32(vaddq_s32(n1, bias), 23));
    const float32x4_t f2 = vreinterpretq_f32_s32(vshlq_n_s32(vaddq_s32(n2, bias), 23));
    return vmulq_f32(vmulq_f32(p, f1), f2);
}
