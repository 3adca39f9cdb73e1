// AVX-512 (F/BW/VL + VNNI) row kernels of matmul_ggml. Same integer block sums as the scalar
// reference in ggml_matmul.cpp; only the order of the fp32 accumulation differs.
//  * float formats: weights converted in registers (F16C / 16-bit shift), FMA with fp32 x.
//  * *_0/*_1: four 32-blocks per step: two 64-byte loads, vpermt2w gathers the packed codes
//    of blocks A,B (and C,D) into natural element order, and the f16 scales; vpdpbusd
//    (unsigned code x signed int8 activation) accumulates onto a per-token preloaded
//    "-offset * sum(q)" lane, so the signed weight offset costs nothing per row.
//  * K-quants: one super-block per step; sub-block dots by vpdpbusd, scaled by vpmulld with
//    the 6/8-bit sub-block scales, mins/offsets from the activation's sums per 16.
// Every kernel handles a tile of NT tokens (template) so unpacking is paid once per tile.
// GCC 12 flags the deliberate _mm*_undefined_* self-initialisation inside its own intrinsics
#pragma GCC diagnostic ignored "-Wuninitialized"
#pragma GCC diagnostic ignored "-Wmaybe-uninitialized"
#include <immintrin.h>
#include "lowbit/lowbit.h"
#include "ggml_common.h"

namespace lbg {
namespace {

// ------------------------------------------------------------------ float formats
template <int32_t FMT>
inline __m512 load_w16(const uint8_t *w, int64_t c) {
    if (FMT == LB_F32) return _mm512_loadu_ps((const float *)w + c);
    const __m256i h = _mm256_loadu_si256((const __m256i *)((const uint16_t *)w + c));
    if (FMT == LB_F16) return _mm512_cvtph_ps(h);
    return _mm512_castsi512_ps(_mm512_slli_epi32(_mm512_cvtepu16_epi32(h), 16));
}

template <int32_t FMT>
inline __m512 load_w16_tail(const uint8_t *w, int64_t c, __mmask16 m) {
    if (FMT == LB_F32) return _mm512_maskz_loadu_ps(m, (const float *)w + c);
    const __m256i h = _mm256_maskz_loadu_epi16(m, (const uint16_t *)w + c);
    if (FMT == LB_F16) return _mm512_cvtph_ps(h);
    return _mm512_castsi512_ps(_mm512_slli_epi32(_mm512_cvtepu16_epi32(h), 16));
}

template <int32_t FMT, int NT>
void row_float_t(const uint8_t *w, const Act &a, int64_t t0, float *out) {
    constexpr int U = NT == 1 ? 4 : NT == 2 ? 2 : 1;  // independent FMA chains: NT*U >= 4
    __m512 acc[NT][U];
    for (int k = 0; k < NT; k++)
        for (int u = 0; u < U; u++) acc[k][u] = _mm512_setzero_ps();
    const int64_t n = a.cols;
    const float *x[NT];
    for (int k = 0; k < NT; k++) x[k] = a.x(t0 + k);
    int64_t c = 0;
    for (; c + 16 * U <= n; c += 16 * U) {
        __m512 wv[U];
        for (int u = 0; u < U; u++) wv[u] = load_w16<FMT>(w, c + 16 * u);
        for (int k = 0; k < NT; k++)
            for (int u = 0; u < U; u++) acc[k][u] = _mm512_fmadd_ps(wv[u], _mm512_loadu_ps(x[k] + c + 16 * u), acc[k][u]);
    }
    for (; c < n; c += 16) {
        const __mmask16 m = n - c >= 16 ? (__mmask16)0xffff : (__mmask16)((1u << (n - c)) - 1);
        const __m512 wv = load_w16_tail<FMT>(w, c, m);
        for (int k = 0; k < NT; k++) acc[k][0] = _mm512_fmadd_ps(wv, _mm512_maskz_loadu_ps(m, x[k] + c), acc[k][0]);
    }
    for (int k = 0; k < NT; k++) {
        for (int u = 1; u < U; u++) acc[k][0] = _mm512_add_ps(acc[k][0], acc[k][u]);
        out[k] = _mm512_reduce_add_ps(acc[k][0]);
    }
}

// ------------------------------------------------------------------ 32-block formats
struct B32Layout {
    int bb, qs, qh, m;        // block bytes, offsets of qs / qh (-1) / m (-1); d at 0
    bool nib;                 // codes are nibbles (else Q8_0 bytes)
};
constexpr B32Layout layout32(int32_t f) {
    return f == LB_Q8_0 ? B32Layout{34, 2, -1, -1, false}
         : f == LB_Q4_0 ? B32Layout{18, 2, -1, -1, true}
         : f == LB_Q4_1 ? B32Layout{20, 4, -1, 2, true}
         : f == LB_Q5_0 ? B32Layout{22, 6, 2, -1, true}
                        : B32Layout{24, 8, 4, 2, true};
}

// permutation indices for one format, built once
struct B32Idx {
    // vpermt2w indices (every field of every block starts at an even byte, so word
    // granularity suffices and no VBMI is needed)
    alignas(64) uint16_t ab[32], cd[32];  // codes of blocks A,B / C,D in element order
    alignas(64) uint16_t d[32], m[32];    // scale (min) of each lane's block
    alignas(64) uint16_t sh[32];          // per-word shift: 0 for low nibbles, 4 for high
    explicit B32Idx(B32Layout L) {
        for (int i = 0; i < 32; i++) {
            const int blk = i / 16;
            if (L.nib) {  // packed nibbles twice: [qs_A, qs_A, qs_B, qs_B], split by the shift below
                ab[i] = (uint16_t)((blk * L.bb + L.qs) / 2 + i % 8);
                cd[i] = (uint16_t)(((blk + 2) * L.bb + L.qs) / 2 + i % 8);
            } else {  // Q8_0: C,D come from (bytes 64..127, bytes 128..135)
                ab[i] = (uint16_t)((blk * L.bb + L.qs) / 2 + i % 16);
                cd[i] = (uint16_t)(((blk + 2) * L.bb + L.qs - 64) / 2 + i % 16);
            }
        }
        for (int j = 0; j < 32; j++) {
            const int blk = j / 8;
            d[j] = (uint16_t)(blk * L.bb / 2);
            m[j] = (uint16_t)((blk * L.bb + (L.m < 0 ? 0 : L.m)) / 2);
            sh[j] = (uint16_t)((2 * j) % 32 < 16 ? 0 : 4);
        }
    }
};

template <int32_t FMT>
const B32Idx &b32idx() {
    static const B32Idx idx(layout32(FMT));
    return idx;
}

template <int32_t FMT, int NT>
void row_b32_t(const uint8_t *w, const Act &a, int64_t t0, float *out) {
    constexpr B32Layout L = layout32(FMT);
    constexpr bool MIN = L.m >= 0;
    const B32Idx &I = b32idx<FMT>();
    const __m512i iab = _mm512_load_si512(I.ab), icd = _mm512_load_si512(I.cd);
    const __m512i id = _mm512_load_si512(I.d), im = _mm512_load_si512(I.m);
    const __m512i ish = _mm512_load_si512(I.sh), m0f = _mm512_set1_epi8(0x0f), v16 = _mm512_set1_epi8(16);
    const __m512i flip = _mm512_set1_epi8((char)0x80);
    __m512 acc[NT];
    for (int k = 0; k < NT; k++) acc[k] = _mm512_setzero_ps();
    const int64_t nb = a.nb;
    int64_t b = 0;
    for (; b + 4 <= nb; b += 4) {
        const uint8_t *p = w + b * L.bb;
        __m512i cab, ccd, dw;
        if (L.nib) {
            constexpr int rest = 4 * L.bb - 64;
            const __m512i l0 = _mm512_loadu_si512(p);
            const __m512i l1 = _mm512_maskz_loadu_epi8((__mmask64)((1ull << rest) - 1), p + 64);
            cab = _mm512_and_si512(_mm512_srlv_epi16(_mm512_permutex2var_epi16(l0, iab, l1), ish), m0f);
            ccd = _mm512_and_si512(_mm512_srlv_epi16(_mm512_permutex2var_epi16(l0, icd, l1), ish), m0f);
            dw = _mm512_permutex2var_epi16(l0, id, l1);
            if (L.qh >= 0) {
                const uint64_t hab = rd32(p + L.qh) | (uint64_t)rd32(p + L.bb + L.qh) << 32;
                const uint64_t hcd = rd32(p + 2 * L.bb + L.qh) | (uint64_t)rd32(p + 3 * L.bb + L.qh) << 32;
                cab = _mm512_mask_add_epi8(cab, _cvtu64_mask64(hab), cab, v16);
                ccd = _mm512_mask_add_epi8(ccd, _cvtu64_mask64(hcd), ccd, v16);
            }
            if (MIN) {
                const __m512i mw = _mm512_permutex2var_epi16(l0, im, l1);
                const __m512 mab = _mm512_cvtph_ps(_mm512_castsi512_si256(mw));
                const __m512 mcd = _mm512_cvtph_ps(_mm512_extracti64x4_epi64(mw, 1));
                for (int k = 0; k < NT; k++) {
                    const float *li = (const float *)a.li(t0 + k) + b * 8;
                    acc[k] = _mm512_fmadd_ps(mab, _mm512_load_ps(li), acc[k]);
                    acc[k] = _mm512_fmadd_ps(mcd, _mm512_load_ps(li + 16), acc[k]);
                }
            }
        } else {
            const __m512i l0 = _mm512_loadu_si512(p), l1 = _mm512_loadu_si512(p + 64);
            const __m512i l2 = _mm512_zextsi128_si512(_mm_loadl_epi64((const __m128i *)(p + 128)));
            cab = _mm512_xor_si512(_mm512_permutex2var_epi16(l0, iab, l1), flip);
            ccd = _mm512_xor_si512(_mm512_permutex2var_epi16(l1, icd, l2), flip);
            dw = _mm512_permutex2var_epi16(l0, id, l1);
        }
        const __m512 dab = _mm512_cvtph_ps(_mm512_castsi512_si256(dw));
        const __m512 dcd = _mm512_cvtph_ps(_mm512_extracti64x4_epi64(dw, 1));
        for (int k = 0; k < NT; k++) {
            const int8_t *xq = a.q(t0 + k) + b * 32;
            const float *ld = a.ld(t0 + k) + b * 8;
            __m512i i0, i1;
            if (MIN) {
                i0 = _mm512_dpbusd_epi32(_mm512_setzero_si512(), cab, _mm512_loadu_si512(xq));
                i1 = _mm512_dpbusd_epi32(_mm512_setzero_si512(), ccd, _mm512_loadu_si512(xq + 64));
            } else {
                const int32_t *li = a.li(t0 + k) + b * 8;
                i0 = _mm512_dpbusd_epi32(_mm512_load_si512(li), cab, _mm512_loadu_si512(xq));
                i1 = _mm512_dpbusd_epi32(_mm512_load_si512(li + 16), ccd, _mm512_loadu_si512(xq + 64));
            }
            acc[k] = _mm512_fmadd_ps(_mm512_cvtepi32_ps(i0), _mm512_mul_ps(dab, _mm512_load_ps(ld)), acc[k]);
            acc[k] = _mm512_fmadd_ps(_mm512_cvtepi32_ps(i1), _mm512_mul_ps(dcd, _mm512_load_ps(ld + 16)), acc[k]);
        }
    }
    for (int k = 0; k < NT; k++) {
        float tail = 0;
        for (int64_t bt = b; bt < nb; bt++)
            tail += dot_block32(FMT, w + bt * L.bb, a.q(t0 + k) + bt * 32, a.d(t0 + k)[bt], a.s(t0 + k)[bt]);
        out[k] = _mm512_reduce_add_ps(acc[k]) + tail;
    }
}

// ------------------------------------------------------------------ K-quants
// int32 lanes [v[i0] x8, v[i1] x8] from 8 bytes of unsigned scales
inline __m512i scale_lanes_u8(__m128i s, int i0, int i1) {
    const __m128i idx = _mm_setr_epi8(i0, i0, i0, i0, i0, i0, i0, i0, i1, i1, i1, i1, i1, i1, i1, i1);
    return _mm512_cvtepu8_epi32(_mm_shuffle_epi8(s, idx));
}

template <bool FIVE, int NT>
void row_q45k_t(const uint8_t *w, const Act &a, int64_t t0, float *out) {
    constexpr int BB = FIVE ? 176 : 144;
    const __m512i m0f = _mm512_set1_epi8(0x0f), v16 = _mm512_set1_epi8(16);
    const __m512i sh = _mm512_inserti64x4(_mm512_setzero_si512(), _mm256_set1_epi16(4), 1);
    const __m128i dup = _mm_setr_epi8(0, 0, 1, 1, 2, 2, 3, 3, 4, 4, 5, 5, 6, 6, 7, 7);
    __m512 acc[NT];
    for (int k = 0; k < NT; k++) acc[k] = _mm512_setzero_ps();
    for (int64_t b = 0; b < a.nb; b++) {
        const uint8_t *p = w + b * BB;
        const float d = rdh(p), dmin = rdh(p + 2);
        // 6-bit scales/mins -> 8 bytes each (see unpack_k4_scales)
        const uint32_t u0 = rd32(p + 4), u1 = rd32(p + 8), u2 = rd32(p + 12);
        const uint32_t sc03 = u0 & 0x3f3f3f3f, mn03 = u1 & 0x3f3f3f3f;
        const uint32_t sc47 = (u2 & 0x0f0f0f0f) | (((u0 >> 6) & 0x03030303) << 4);
        const uint32_t mn47 = ((u2 >> 4) & 0x0f0f0f0f) | (((u1 >> 6) & 0x03030303) << 4);
        const __m128i scv = _mm_cvtsi64_si128((int64_t)((uint64_t)sc47 << 32 | sc03));
        const __m128i mnv = _mm_cvtsi64_si128((int64_t)((uint64_t)mn47 << 32 | mn03));
        const __m256i m16 = _mm256_cvtepu8_epi16(_mm_shuffle_epi8(mnv, dup));  // min per 16-sum
        const uint8_t *qs = p + (FIVE ? 48 : 16);
        __m512i c[4], s[4];
        __m512i qh;
        if (FIVE) qh = _mm512_broadcast_i64x4(_mm256_loadu_si256((const __m256i *)(p + 16)));
        for (int j = 0; j < 4; j++) {
            const __m512i q = _mm512_broadcast_i64x4(_mm256_loadu_si256((const __m256i *)(qs + 32 * j)));
            c[j] = _mm512_and_si512(_mm512_srlv_epi16(q, sh), m0f);
            if (FIVE) {
                const __m512i bits = _mm512_inserti64x4(_mm512_zextsi256_si512(_mm256_set1_epi8((char)(1 << (2 * j)))),
                                                        _mm256_set1_epi8((char)(1 << (2 * j + 1))), 1);
                c[j] = _mm512_mask_add_epi8(c[j], _mm512_test_epi8_mask(qh, bits), c[j], v16);
            }
            s[j] = scale_lanes_u8(scv, 2 * j, 2 * j + 1);
        }
        for (int k = 0; k < NT; k++) {
            const int8_t *xq = a.q(t0 + k) + b * 256;
            const float dx = a.d(t0 + k)[b];
            __m512i isum = _mm512_mullo_epi32(_mm512_dpbusd_epi32(_mm512_setzero_si512(), c[0], _mm512_loadu_si512(xq)), s[0]);
            for (int j = 1; j < 4; j++)
                isum = _mm512_add_epi32(isum, _mm512_mullo_epi32(
                    _mm512_dpbusd_epi32(_mm512_setzero_si512(), c[j], _mm512_loadu_si512(xq + 64 * j)), s[j]));
            const __m256i mins = _mm256_madd_epi16(m16, _mm256_loadu_si256((const __m256i *)(a.b16(t0 + k) + b * 16)));
            acc[k] = _mm512_fmadd_ps(_mm512_cvtepi32_ps(isum), _mm512_set1_ps(d * dx), acc[k]);
            acc[k] = _mm512_fmadd_ps(_mm512_zextps256_ps512(_mm256_cvtepi32_ps(mins)), _mm512_set1_ps(-(dmin * dx)), acc[k]);
        }
    }
    for (int k = 0; k < NT; k++) out[k] = _mm512_reduce_add_ps(acc[k]);
}

template <int NT>
void row_q6k_t(const uint8_t *w, const Act &a, int64_t t0, float *out) {
    const __m512i m0f = _mm512_set1_epi8(0x0f), m30 = _mm512_set1_epi8(0x30);
    const __m512i shl = _mm512_inserti64x4(_mm512_zextsi256_si512(_mm256_set1_epi16(4)), _mm256_set1_epi16(2), 1);
    const __m512i shr = _mm512_inserti64x4(_mm512_setzero_si512(), _mm256_set1_epi16(2), 1);
    __m512 acc[NT];
    for (int k = 0; k < NT; k++) acc[k] = _mm512_setzero_ps();
    for (int64_t b = 0; b < a.nb; b++) {
        const uint8_t *p = w + b * 210;
        const float d = rdh(p + 208);
        __m512i c[4], s[4];
        for (int n = 0; n < 2; n++) {
            const __m512i q = _mm512_loadu_si512(p + 64 * n);
            const __m512i h = _mm512_broadcast_i64x4(_mm256_loadu_si256((const __m256i *)(p + 128 + 32 * n)));
            c[2 * n] = _mm512_or_si512(_mm512_and_si512(q, m0f), _mm512_and_si512(_mm512_sllv_epi16(h, shl), m30));
            c[2 * n + 1] = _mm512_or_si512(_mm512_and_si512(_mm512_srli_epi16(q, 4), m0f),
                                           _mm512_and_si512(_mm512_srlv_epi16(h, shr), m30));
        }
        const __m128i sc = _mm_loadu_si128((const __m128i *)(p + 192));
        for (int i = 0; i < 4; i++) {
            const char e = (char)(4 * i);
            const __m128i idx = _mm_setr_epi8(e, e, e, e, e + 1, e + 1, e + 1, e + 1, e + 2, e + 2, e + 2, e + 2, e + 3, e + 3, e + 3, e + 3);
            s[i] = _mm512_cvtepi8_epi32(_mm_shuffle_epi8(sc, idx));
        }
        const __m256i sc16 = _mm256_cvtepi8_epi16(sc);
        for (int k = 0; k < NT; k++) {
            const int8_t *xq = a.q(t0 + k) + b * 256;
            const float dx = a.d(t0 + k)[b];
            __m512i isum = _mm512_mullo_epi32(_mm512_dpbusd_epi32(_mm512_setzero_si512(), c[0], _mm512_loadu_si512(xq)), s[0]);
            for (int i = 1; i < 4; i++)
                isum = _mm512_add_epi32(isum, _mm512_mullo_epi32(
                    _mm512_dpbusd_epi32(_mm512_setzero_si512(), c[i], _mm512_loadu_si512(xq + 64 * i)), s[i]));
            // codes carry +32: subtract 32 * sum_g sc[g] * sum16[g]
            const __m256i off = _mm256_madd_epi16(sc16, _mm256_loadu_si256((const __m256i *)(a.b16(t0 + k) + b * 16)));
            isum = _mm512_sub_epi32(isum, _mm512_zextsi256_si512(_mm256_slli_epi32(off, 5)));
            acc[k] = _mm512_fmadd_ps(_mm512_cvtepi32_ps(isum), _mm512_set1_ps(d * dx), acc[k]);
        }
    }
    for (int k = 0; k < NT; k++) out[k] = _mm512_reduce_add_ps(acc[k]);
}

// ------------------------------------------------------------------ tile-size dispatch
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
template <bool FIVE>
void row_q45k(const uint8_t *w, const Act &a, int64_t t0, int nt, float *out) {
#define CALL(N) row_q45k_t<FIVE, N>(w, a, t0, out)
    LB_TILE_SWITCH(CALL)
#undef CALL
}
void row_q6k(const uint8_t *w, const Act &a, int64_t t0, int nt, float *out) {
#define CALL(N) row_q6k_t<N>(w, a, t0, out)
    LB_TILE_SWITCH(CALL)
#undef CALL
}

}  // namespace

RowFn row_fn_avx512(int32_t fmt) {
    switch (fmt) {
        case LB_F32: return row_float<LB_F32>;
        case LB_F16: return row_float<LB_F16>;
        case LB_BF16: return row_float<LB_BF16>;
        case LB_Q8_0: return row_b32<LB_Q8_0>;
        case LB_Q4_0: return row_b32<LB_Q4_0>;
        case LB_Q4_1: return row_b32<LB_Q4_1>;
        case LB_Q5_0: return row_b32<LB_Q5_0>;
        case LB_Q5_1: return row_b32<LB_Q5_1>;
        case LB_Q4_K: return row_q45k<false>;
        case LB_Q5_K: return row_q45k<true>;
        case LB_Q6_K: return row_q6k;
        default: return nullptr;  // Q2_K, Q3_K: scalar reference
    }
}

}  // namespace lbg
