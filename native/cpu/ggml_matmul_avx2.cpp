// AVX2 (+FMA, F16C) row kernels of matmul_ggml. Same integer block sums as the scalar
// reference (ggml_matmul.cpp), reordered fp32 accumulation.
//  * float formats: F16C / 16-bit shift conversion, FMA with fp32 activations.
//  * *_0/*_1: one 32-block per step, codes unpacked to 32 bytes in element order;
//    vpmaddubsw (unsigned code x signed q; pair sums stay below 2^15 for codes <= 31) then
//    vpmaddwd to int32. Q8_0 uses |w| x sign(q, w) instead (signed x signed).
//  * K-quants: not vectorised for AVX2 yet; the driver falls back to the scalar reference.
#include <immintrin.h>
#include "lowbit/lowbit.h"
#include "ggml_common.h"

namespace lbg {
namespace {

inline float hsum8(__m256 v) {
    __m128 s = _mm_add_ps(_mm256_castps256_ps128(v), _mm256_extractf128_ps(v, 1));
    s = _mm_add_ps(s, _mm_movehl_ps(s, s));
    s = _mm_add_ss(s, _mm_movehdup_ps(s));
    return _mm_cvtss_f32(s);
}

template <int32_t FMT>
inline __m256 load_w8(const uint8_t *w, int64_t c) {
    if (FMT == LB_F32) return _mm256_loadu_ps((const float *)w + c);
    const __m128i h = _mm_loadu_si128((const __m128i *)((const uint16_t *)w + c));
    if (FMT == LB_F16) return _mm256_cvtph_ps(h);
    return _mm256_castsi256_ps(_mm256_slli_epi32(_mm256_cvtepu16_epi32(h), 16));
}

template <int32_t FMT>
inline float w_at(const uint8_t *w, int64_t c) {
    if (FMT == LB_F32) return ((const float *)w)[c];
    if (FMT == LB_F16) return f16_to_f32(((const uint16_t *)w)[c]);
    return bf16_to_f32(((const uint16_t *)w)[c]);
}

template <int32_t FMT, int NT>
void row_float_t(const uint8_t *w, const Act &a, int64_t t0, float *out) {
    constexpr int U = NT == 1 ? 4 : NT == 2 ? 2 : 1;
    __m256 acc[NT][U];
    for (int k = 0; k < NT; k++)
        for (int u = 0; u < U; u++) acc[k][u] = _mm256_setzero_ps();
    const int64_t n = a.cols;
    const float *x[NT];
    for (int k = 0; k < NT; k++) x[k] = a.x(t0 + k);
    int64_t c = 0;
    for (; c + 8 * U <= n; c += 8 * U) {
        __m256 wv[U];
        for (int u = 0; u < U; u++) wv[u] = load_w8<FMT>(w, c + 8 * u);
        for (int k = 0; k < NT; k++)
            for (int u = 0; u < U; u++) acc[k][u] = _mm256_fmadd_ps(wv[u], _mm256_loadu_ps(x[k] + c + 8 * u), acc[k][u]);
    }
    for (; c + 8 <= n; c += 8) {
        const __m256 wv = load_w8<FMT>(w, c);
        for (int k = 0; k < NT; k++) acc[k][0] = _mm256_fmadd_ps(wv, _mm256_loadu_ps(x[k] + c), acc[k][0]);
    }
    for (int k = 0; k < NT; k++) {
        for (int u = 1; u < U; u++) acc[k][0] = _mm256_add_ps(acc[k][0], acc[k][u]);
        float s = hsum8(acc[k][0]);
        for (int64_t cc = c; cc < n; cc++) s += w_at<FMT>(w, cc) * x[k][cc];
        out[k] = s;
    }
}

// 32 unsigned codes of one block in element order (Q8_0: the signed bytes)
template <int32_t FMT>
inline __m256i codes(const uint8_t *b) {
    if (FMT == LB_Q8_0) return _mm256_loadu_si256((const __m256i *)(b + 2));
    const int qo = FMT == LB_Q4_0 ? 2 : FMT == LB_Q4_1 ? 4 : FMT == LB_Q5_0 ? 6 : 8;
    const __m128i qs = _mm_loadu_si128((const __m128i *)(b + qo));
    const __m128i m = _mm_set1_epi8(0x0f);
    __m256i c = _mm256_set_m128i(_mm_and_si128(_mm_srli_epi16(qs, 4), m), _mm_and_si128(qs, m));
    if (FMT == LB_Q5_0 || FMT == LB_Q5_1) {
        // bit e of qh -> 0x10 in byte e: byte e takes qh byte e/8, tests bit e%8
        const uint32_t qh = rd32(b + (FMT == LB_Q5_0 ? 2 : 4));
        const __m256i sel = _mm256_setr_epi8(0, 0, 0, 0, 0, 0, 0, 0, 1, 1, 1, 1, 1, 1, 1, 1,
                                             2, 2, 2, 2, 2, 2, 2, 2, 3, 3, 3, 3, 3, 3, 3, 3);
        const __m256i bit = _mm256_set1_epi64x((long long)0x8040201008040201ull);
        __m256i h = _mm256_shuffle_epi8(_mm256_set1_epi32((int)qh), sel);
        h = _mm256_cmpeq_epi8(_mm256_and_si256(h, bit), bit);
        c = _mm256_or_si256(c, _mm256_and_si256(h, _mm256_set1_epi8(16)));
    }
    return c;
}

template <int32_t FMT, int NT>
void row_b32_t(const uint8_t *w, const Act &a, int64_t t0, float *out) {
    const int bb = FMT == LB_Q8_0 ? 34 : FMT == LB_Q4_0 ? 18 : FMT == LB_Q4_1 ? 20 : FMT == LB_Q5_0 ? 22 : 24;
    const bool minterm = FMT == LB_Q4_1 || FMT == LB_Q5_1;
    const int off = vnni_offset(FMT);
    const __m256i ones = _mm256_set1_epi16(1);
    __m256 acc[NT];
    float macc[NT];
    for (int k = 0; k < NT; k++) { acc[k] = _mm256_setzero_ps(); macc[k] = 0; }
    for (int64_t b = 0; b < a.nb; b++) {
        const uint8_t *p = w + b * bb;
        const __m256i c = codes<FMT>(p);
        const float dw = rdh(p);
        __m256i cabs;
        if (FMT == LB_Q8_0) cabs = _mm256_abs_epi8(c);
        for (int k = 0; k < NT; k++) {
            const __m256i xq = _mm256_loadu_si256((const __m256i *)(a.q(t0 + k) + b * 32));
            __m256i dot;
            if (FMT == LB_Q8_0) {
                dot = _mm256_madd_epi16(_mm256_maddubs_epi16(cabs, _mm256_sign_epi8(xq, c)), ones);
            } else {
                dot = _mm256_madd_epi16(_mm256_maddubs_epi16(c, xq), ones);
                if (off) dot = _mm256_add_epi32(dot, _mm256_castsi128_si256(_mm_cvtsi32_si128(-off * a.s(t0 + k)[b])));
            }
            const float dx = a.d(t0 + k)[b];
            acc[k] = _mm256_fmadd_ps(_mm256_cvtepi32_ps(dot), _mm256_set1_ps(dw * dx), acc[k]);
            if (minterm) macc[k] += rdh(p + 2) * (dx * (float)a.s(t0 + k)[b]);
        }
    }
    for (int k = 0; k < NT; k++) out[k] = hsum8(acc[k]) + macc[k];
}

#define LB_TILE_SWITCH(CALL)                                  \
    switch (nt) {                                             \
        case 1: CALL(1); break; case 2: CALL(2); break;       \
        case 3: CALL(3); break; case 4: CALL(4); break;       \
        case 5: CALL(5); break; case 6: CALL(6); break;       \
        case 7: CALL(7); break; default: CALL(8); break;      \
    }

template <int32_t FMT>
void row_float(const uint8_t *w, const Act &a, int64_t t0, int nt, float *out) {
#define CALL(N) row_float_t<FMT, N>(w, a, t0, out)
    LB_TILE_SWITCH(CALL)
#undef CALL
}
template <int32_t FMT>
void row_b32(const uint8_t *w, const Act &a, int64_t t0, int nt, float *out) {
#define CALL(N) row_b32_t<FMT, N>(w, a, t0, out)
    LB_TILE_SWITCH(CALL)
#undef CALL
}

}  // namespace

RowFn row_fn_avx2(int32_t fmt) {
    switch (fmt) {
        case LB_F32: return row_float<LB_F32>;
        case LB_F16: return row_float<LB_F16>;
        case LB_BF16: return row_float<LB_BF16>;
        case LB_Q8_0: return row_b32<LB_Q8_0>;
        case LB_Q4_0: return row_b32<LB_Q4_0>;
        case LB_Q4_1: return row_b32<LB_Q4_1>;
        case LB_Q5_0: return row_b32<LB_Q5_0>;
        case LB_Q5_1: return row_b32<LB_Q5_1>;
        default: return nullptr;  // K-quants: scalar reference
    }
}

}  // namespace lbg
