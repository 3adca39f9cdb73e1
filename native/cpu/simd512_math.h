// AVX-512 math helpers shared by the *_avx512.cpp kernels.
#pragma once
#include <immintrin.h>

// e^x: x = n ln2 + r, |r| <= ln2/2, degree-6 Taylor polynomial (rel. error ~1e-7), 2^n by vscalefps.
// x is clamped to [-104, 89] first (e^x is 0 / inf beyond), so +-inf never meets inf - inf;
// the operand order of max/min lets a NaN x through unchanged.
static inline __m512 lb512_exp(__m512 x) {
    x = _mm512_min_ps(_mm512_set1_ps(89.f), _mm512_max_ps(_mm512_set1_ps(-104.f), x));
    const __m512 n = _mm512_roundscale_ps(_mm512_mul_ps(x, _mm512_set1_ps(1.44269504088896341f)),
                                          _MM_FROUND_TO_NEAREST_INT | _MM_FROUND_NO_EXC);
    __m512 r = _mm512_fnmadd_ps(n, _mm512_set1_ps(0.693145751953125f), x);
    r = _mm512_fnmadd_ps(n, _mm512_set1_ps(1.428606765330187e-06f), r);
    __m512 p = _mm512_set1_ps(1.f / 720);
    p = _mm512_fmadd_ps(p, r, _mm512_set1_ps(1.f / 120));
    p = _mm512_fmadd_ps(p, r, _mm512_set1_ps(1.f / 24));
    p = _mm512_fmadd_ps(p, r, _mm512_set1_ps(1.f / 6));
    p = _mm512_fmadd_ps(p, r, _mm512_set1_ps(0.5f));
    p = _mm512_fmadd_ps(p, r, _mm512_set1_ps(1.f));
    p = _mm512_fmadd_ps(p, r, _mm512_set1_ps(1.f));
    return _mm512_scalef_ps(p, n);
}

// horizontal sums of 4 vectors -> [sum a0, sum a1, sum a2, sum a3]; each lane's additions
// depend only on its own vector (results do not depend on which rows share a call)
static inline __m128 lb512_hsum4(__m512 a0, __m512 a1, __m512 a2, __m512 a3) {
    auto half = [](__m512 v) { return _mm256_add_ps(_mm512_castps512_ps256(v), _mm512_extractf32x8_ps(v, 1)); };
    const __m256 t = _mm256_hadd_ps(_mm256_hadd_ps(half(a0), half(a1)), _mm256_hadd_ps(half(a2), half(a3)));
    return _mm_add_ps(_mm256_castps256_ps128(t), _mm256_extractf128_ps(t, 1));
}
