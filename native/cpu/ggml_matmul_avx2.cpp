// AVX2 (+FMA, F16C) row kernels of matmul_ggml. Same integer block sums as the scalar
// reference (ggml_matmul.cpp), reordered fp32 accumulation.
//  * float formats: F16C / 16-bit shift conversion, FMA with fp32 activations.
//  * *_0/*_1: one 32-block per step, codes unpacked to 32 bytes in element order;
//    vpmaddubsw (unsigned code x signed q; pair sums stay below 2^15 for codes <= 31) then
//    vpmaddwd to int32. Q8_0 uses |w| x sign(q, w) instead (signed x signed).
//  * K-quants: per 32 elements vpmaddubsw then vpmaddwd by the sub-block scale.
#include <immintrin.h>
#include "lowbit/lowbit.h"
#include "ggml_common.h"
#include "ggml_x86.h"

namespace lbg {
namespace {


inline float hsum8(__m256 v) {
    __m128 s = _mm_add_ps(_mm256_castps256_ps128(v), _mm256_extractf128_ps(v, 1));
    s = _mm_add_ps(s, _mm_movehl_ps(s, s));
    s = _mm_add_ss(s, _mm_movehdup_ps(s));
    return _mm_cvtss_f32(s);
}

inline int32_t hsum8i(__m256i v) {
    __m128i h = _mm_add_epi32(_mm256_castsi256_si128(v), _mm256_extracti128_si256(v, 1));
    h = _mm_add_epi32(h, _mm_shuffle_epi32(h, 0x4e));
    return _mm_cvtsi128_si32(_mm_add_epi32(h, _mm_shuffle_epi32(h, 0xb1)));
}

template <int32_t FMT>
inline __m256 load_w8(const uint8_t *w, int64_t c) {
    if (FMT == LB_F32) return _mm256_loadu_ps((const float *)w + c);
    __m128i h = _mm_loadu_si128((const __m128i *)((const uint16_t *)w + c));
    if (FMT == LB_F16) {
        asm("" : "+x"(h));  // separate load, not vcvtph2ps's memory operand (see load_cvtph, ggml_matmul_avx512.cpp)
        return _mm256_cvtph_ps(h);
    }
    return _mm256_castsi256_ps(_mm256_slli_epi32(_mm256_cvtepu16_epi32(h), 16));
}

template <int32_t FMT, int NT>
void row_float_t(const uint8_t *w, const Act &a, int64_t t0, float *out) {
    constexpr int U = NT == 1 ? 4 : NT == 2 ? 2 : 1;
    __m256 acc[NT][U];
    for (int k = 0; k < NT; k++)
        for (int u = 0; u < U; u++) acc[k][u] = _mm256_setzero_ps();
    const int64_t n = a.c1;
    const float *x[NT];
    for (int k = 0; k < NT; k++) x[k] = a.x(t0 + k);
    int64_t c = a.c0;
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
    for (int64_t b = a.b0(); b < a.b1(); b++) {
        const uint8_t *p = w + b * bb;
        const __m256i c = codes<FMT>(p);
        const float dw = h2f(p);
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
            if (minterm) macc[k] += h2f(p + 2) * (dx * (float)a.s(t0 + k)[b]);
        }
    }
    for (int k = 0; k < NT; k++) out[k] = hsum8(acc[k]) + macc[k];
}

// ------------------------------------------- one-token kernels of Q4_0 / Q4_1 / Q5_0 / Q5_1
// The AVX-512 one-token kernel's 16-block step at 256 bits. A vector holds the codes of a pair of
// blocks in the activation copy qp's split order (lo: each block's first 16 codes, one 128-bit
// lane per block; hi: its last 16), so each takes one vpmaddubsw against qp. Half h of a 16-block
// step takes the pairs (4g + 2h, 4g + 2h + 1) of its G groups of 4; unpacks reduce their int32
// sums to one lane per block in the lane order of Act::dxp / op / dsp (lanes 8h..8h+7), so the 8
// weight scales of a half come in one gather and are applied by one FMA. (The row kernel
// converted, broadcast and applied every block's scale on its own: 2.2-2.4x the AVX-512 time.)
// Row1B32<FMT, T>: one row against T tokens, each summed exactly as for T = 1 (batch-invariant).
template <int32_t FMT, int T>
struct Row1B32 {
    static constexpr B32Layout L = layout32(FMT);
    static constexpr bool MIN = L.m >= 0;
    const int8_t *qp[T];
    const float *dxp[T], *dsp[T];
    const int32_t *op[T];
    int64_t nb;

    Row1B32(const Act &a, int64_t t0) : nb(a.b1()) {
        for (int k = 0; k < T; k++) qp[k] = a.qp(t0 + k), dxp[k] = a.dxp(t0 + k), dsp[k] = a.dsp(t0 + k), op[k] = a.op(t0 + k);
    }

    // the pair of blocks at p, p + bb: lo / hi codes in split order (Q5: bit 4 from qh)
    static inline __attribute__((always_inline)) void pair(const uint8_t *p, __m256i &lo, __m256i &hi) {
        const __m256i m0f = _mm256_set1_epi8(0x0f);
        const __m256i q = _mm256_inserti128_si256(_mm256_castsi128_si256(_mm_loadu_si128((const __m128i *)(p + L.qs))),
                                                  _mm_loadu_si128((const __m128i *)(p + L.bb + L.qs)), 1);
        lo = _mm256_and_si256(q, m0f);
        hi = _mm256_and_si256(_mm256_srli_epi16(q, 4), m0f);
        if (L.qh >= 0) {  // bit e of a block's qh is bit 4 of its element e: 16 bits per 128-bit lane
            const uint32_t ha = rd32(p + L.qh), hb = rd32(p + L.bb + L.qh);
            const __m256i sel = _mm256_setr_epi8(0, 0, 0, 0, 0, 0, 0, 0, 1, 1, 1, 1, 1, 1, 1, 1,
                                                 2, 2, 2, 2, 2, 2, 2, 2, 3, 3, 3, 3, 3, 3, 3, 3);
            const __m256i bit = _mm256_set1_epi64x((long long)0x8040201008040201ull), v16 = _mm256_set1_epi8(16);
            const __m256i bl = _mm256_shuffle_epi8(_mm256_set1_epi32((int)((ha & 0xffff) | hb << 16)), sel);
            const __m256i bh = _mm256_shuffle_epi8(_mm256_set1_epi32((int)(ha >> 16 | (hb & 0xffff0000u))), sel);
            lo = _mm256_or_si256(lo, _mm256_and_si256(_mm256_cmpeq_epi8(_mm256_and_si256(bl, bit), bit), v16));
            hi = _mm256_or_si256(hi, _mm256_and_si256(_mm256_cmpeq_epi8(_mm256_and_si256(bh, bit), bit), v16));
        }
    }

    // half h of the G-group step at block b; lanes of missing groups (g >= G) read as 0
    template <int G, int H>
    inline __attribute__((always_inline)) void half(const uint8_t *w, int64_t b, __m256 *acc, __m256 *macc) const {
        const __m256i ones = _mm256_set1_epi16(1), z = _mm256_setzero_si256();
        __m256i pr[T][4];
        for (int g = 0; g < 4; g++) {
            if (g >= G) {
                for (int k = 0; k < T; k++) pr[k][g] = z;
                continue;
            }
            __m256i lo, hi;
            pair(w + (b + 4 * g + 2 * H) * L.bb, lo, hi);
            for (int k = 0; k < T; k++) {
                const int8_t *x = qp[k] + (b + 4 * g) * 32 + 32 * H;
                const __m256i s = _mm256_add_epi16(_mm256_maddubs_epi16(lo, _mm256_load_si256((const __m256i *)x)),
                                                   _mm256_maddubs_epi16(hi, _mm256_load_si256((const __m256i *)(x + 64))));
                pr[k][g] = _mm256_madd_epi16(s, ones);
            }
        }
        // lane j: block 4 (j % 4) + 2H + j / 4; its f16 scale (and min) from the dword at the block
        constexpr int bo0 = 2 * H * L.bb, bb4 = 4 * L.bb;
        const __m256i idx = _mm256_setr_epi32(bo0, bo0 + bb4, bo0 + 2 * bb4, bo0 + 3 * bb4,
                                              bo0 + L.bb, bo0 + L.bb + bb4, bo0 + L.bb + 2 * bb4, bo0 + L.bb + 3 * bb4);
        const __m256i live = _mm256_setr_epi32(-1, G > 1 ? -1 : 0, G > 2 ? -1 : 0, G > 3 ? -1 : 0,
                                               -1, G > 1 ? -1 : 0, G > 2 ? -1 : 0, G > 3 ? -1 : 0);
        const uint8_t *p = w + b * L.bb;
        const __m256i dmw = G == 4 ? _mm256_i32gather_epi32((const int *)p, idx, 1)
                                   : _mm256_mask_i32gather_epi32(z, (const int *)p, idx, live, 1);
        // words [d0..3 m0..3 | d4..7 m4..7] -> [d0..7 | m0..7]
        const __m256i dm = _mm256_permute4x64_epi64(
            _mm256_shuffle_epi8(dmw, _mm256_setr_epi8(0, 1, 4, 5, 8, 9, 12, 13, 2, 3, 6, 7, 10, 11, 14, 15,
                                                      0, 1, 4, 5, 8, 9, 12, 13, 2, 3, 6, 7, 10, 11, 14, 15)), 0xd8);
        const __m256 dw = _mm256_cvtph_ps(_mm256_castsi256_si128(dm));
        __m256 mw;
        if (MIN) mw = _mm256_cvtph_ps(_mm256_extracti128_si256(dm, 1));
        for (int k = 0; k < T; k++) {
            const __m256i s01 = _mm256_add_epi32(_mm256_unpacklo_epi32(pr[k][0], pr[k][1]), _mm256_unpackhi_epi32(pr[k][0], pr[k][1]));
            const __m256i s23 = _mm256_add_epi32(_mm256_unpacklo_epi32(pr[k][2], pr[k][3]), _mm256_unpackhi_epi32(pr[k][2], pr[k][3]));
            __m256i is = _mm256_add_epi32(_mm256_unpacklo_epi64(s01, s23), _mm256_unpackhi_epi64(s01, s23));
            const int64_t l = b + 8 * H;
            if (!MIN) is = _mm256_add_epi32(is, _mm256_load_si256((const __m256i *)(op[k] + l)));
            const __m256 dx = G == 4 ? _mm256_load_ps(dxp[k] + l) : _mm256_maskload_ps(dxp[k] + l, live);
            acc[k] = _mm256_fmadd_ps(_mm256_cvtepi32_ps(is), _mm256_mul_ps(dw, dx), acc[k]);
            if (MIN) macc[k] = _mm256_fmadd_ps(mw, G == 4 ? _mm256_load_ps(dsp[k] + l) : _mm256_maskload_ps(dsp[k] + l, live), macc[k]);
        }
    }

    template <int G>
    inline __attribute__((always_inline)) void step(const uint8_t *w, int64_t b, __m256 *acc0, __m256 *acc1, __m256 *macc) const {
        half<G, 0>(w, b, acc0, macc);
        half<G, 1>(w, b, acc1, macc);
    }

    // the whole row into out[k] (whole groups of 4 blocks vectorised, the < 4 left by dot_block32)
    inline __attribute__((always_inline)) void row(const uint8_t *w, const Act &a, int64_t t0, float *out) const {
        __m256 acc0[T], acc1[T], macc[T];
        for (int k = 0; k < T; k++) acc0[k] = acc1[k] = macc[k] = _mm256_setzero_ps();
        int64_t b = a.b0();
        for (; b + 16 <= nb; b += 16) step<4>(w, b, acc0, acc1, macc);
        switch ((nb - b) / 4) {
            case 3: step<3>(w, b, acc0, acc1, macc), b += 12; break;
            case 2: step<2>(w, b, acc0, acc1, macc), b += 8; break;
            case 1: step<1>(w, b, acc0, acc1, macc), b += 4; break;
            default: break;
        }
        for (int k = 0; k < T; k++) {
            __m256 s = _mm256_add_ps(acc0[k], acc1[k]);
            if (MIN) s = _mm256_add_ps(s, macc[k]);
            float tl = 0;
            for (int64_t bt = b; bt < nb; bt++) tl += dot_block32(FMT, w + bt * L.bb, a.q(t0 + k) + bt * 32, a.d(t0 + k)[bt], a.s(t0 + k)[bt]);
            out[k] = hsum8(s) + tl;
        }
    }
};

// one token, nr rows one after another (Rows1Fn); the one-token kernels start at block 0, where
// the 16-block lane order of Act::dxp starts
template <int32_t FMT>
void rows1_b32(const uint8_t *w, int64_t rb, int nr, const Act &a, int64_t t, float *out) {
    const Row1B32<FMT, 1> k(a, t);
    for (int r = 0; r < nr; r++) k.row(w + r * rb, a, t, out + r);
}

// nr rows x nt (<= kInvTile) tokens, every output as rows1_b32 computes it: y[(t0 + k) * ldy + r]
template <int32_t FMT, int T>
void rows1_b32_tokens_t(const uint8_t *w, int64_t rb, int nr, const Act &a, int64_t t0, float *y, int64_t ldy) {
    const Row1B32<FMT, T> k(a, t0);
    for (int r = 0; r < nr; r++) {
        float o[T];
        k.row(w + r * rb, a, t0, o);
        for (int j = 0; j < T; j++) y[(t0 + j) * ldy + r] = o[j];
    }
}

template <int32_t FMT>
void rows1_b32_tokens(const uint8_t *w, int64_t rb, int nr, const Act &a, int64_t t0, int nt, float *y, int64_t ldy) {
    lb_inv_tile_width(nt, [&](auto n) { rows1_b32_tokens_t<FMT, n>(w, rb, nr, a, t0, y, ldy); });
}

// ---------------------------------------------------------------- K-quants
// vpmaddubsw (code x q) then vpmaddwd with the sub-block scale as the 16-bit multiplier: the
// scaled integer sums come out directly. Mins / the Q6_K offset from the sums per 16 (scalar).
template <bool FIVE, int NT>
void row_q45k_t(const uint8_t *w, const Act &a, int64_t t0, float *out) {
    constexpr int BB = FIVE ? 176 : 144;
    const __m256i m0f = _mm256_set1_epi8(0x0f), v16 = _mm256_set1_epi8(16);
    __m256 acc[NT];
    float macc[NT];
    for (int k = 0; k < NT; k++) acc[k] = _mm256_setzero_ps(), macc[k] = 0;
    for (int64_t b = a.b0(); b < a.b1(); b++) {
        const uint8_t *p = w + b * BB;
        const float d = h2f(p), dmin = h2f(p + 2);
        uint8_t sc[8], mn[8];
        unpack_k4_scales(p + 4, sc, mn);
        const uint8_t *qs = p + (FIVE ? 48 : 16);
        __m256i c[8], s16[8];
        __m256i qh;
        if (FIVE) qh = _mm256_loadu_si256((const __m256i *)(p + 16));
        for (int j = 0; j < 4; j++) {
            const __m256i q = _mm256_loadu_si256((const __m256i *)(qs + 32 * j));
            c[2 * j] = _mm256_and_si256(q, m0f);
            c[2 * j + 1] = _mm256_and_si256(_mm256_srli_epi16(q, 4), m0f);
            if (FIVE)
                for (int h = 0; h < 2; h++) {
                    const __m256i bit = _mm256_set1_epi8((char)(1 << (2 * j + h)));
                    const __m256i set = _mm256_cmpeq_epi8(_mm256_and_si256(qh, bit), bit);
                    c[2 * j + h] = _mm256_or_si256(c[2 * j + h], _mm256_and_si256(set, v16));
                }
        }
        for (int sb = 0; sb < 8; sb++) s16[sb] = _mm256_set1_epi16(sc[sb]);
        for (int k = 0; k < NT; k++) {
            const int8_t *xq = a.q(t0 + k) + b * 256;
            const int16_t *b16 = a.b16(t0 + k) + b * 16;
            __m256i isum = _mm256_setzero_si256();
            for (int sb = 0; sb < 8; sb++) {
                const __m256i pr = _mm256_maddubs_epi16(c[sb], _mm256_loadu_si256((const __m256i *)(xq + 32 * sb)));
                isum = _mm256_add_epi32(isum, _mm256_madd_epi16(pr, s16[sb]));
            }
            int32_t summ = 0;
            for (int sb = 0; sb < 8; sb++) summ += mn[sb] * (b16[2 * sb] + b16[2 * sb + 1]);
            const float dx = a.d(t0 + k)[b];
            acc[k] = _mm256_fmadd_ps(_mm256_cvtepi32_ps(isum), _mm256_set1_ps(d * dx), acc[k]);
            macc[k] += (dmin * dx) * (float)summ;
        }
    }
    for (int k = 0; k < NT; k++) out[k] = hsum8(acc[k]) - macc[k];
}

template <int NT>
void row_q6k_t(const uint8_t *w, const Act &a, int64_t t0, float *out) {
    const __m256i m0f = _mm256_set1_epi8(0x0f), m3 = _mm256_set1_epi8(3);
    __m256 acc[NT];
    for (int k = 0; k < NT; k++) acc[k] = _mm256_setzero_ps();
    for (int64_t b = a.b0(); b < a.b1(); b++) {
        const uint8_t *p = w + b * 210;
        const int8_t *sc = (const int8_t *)(p + 192);
        const float d = h2f(p + 208);
        __m256i c[8], s16[8];
        for (int n = 0; n < 2; n++) {
            const __m256i l0 = _mm256_loadu_si256((const __m256i *)(p + 64 * n));
            const __m256i l1 = _mm256_loadu_si256((const __m256i *)(p + 64 * n + 32));
            const __m256i h = _mm256_loadu_si256((const __m256i *)(p + 128 + 32 * n));
            const __m256i hb[4] = {_mm256_and_si256(h, m3), _mm256_and_si256(_mm256_srli_epi16(h, 2), m3),
                                   _mm256_and_si256(_mm256_srli_epi16(h, 4), m3), _mm256_and_si256(_mm256_srli_epi16(h, 6), m3)};
            const __m256i lb[4] = {_mm256_and_si256(l0, m0f), _mm256_and_si256(l1, m0f),
                                   _mm256_and_si256(_mm256_srli_epi16(l0, 4), m0f), _mm256_and_si256(_mm256_srli_epi16(l1, 4), m0f)};
            for (int k = 0; k < 4; k++) c[4 * n + k] = _mm256_or_si256(lb[k], _mm256_slli_epi16(hb[k], 4));
        }
        for (int i = 0; i < 8; i++) s16[i] = _mm256_set_m128i(_mm_set1_epi16(sc[2 * i + 1]), _mm_set1_epi16(sc[2 * i]));
        for (int k = 0; k < NT; k++) {
            const int8_t *xq = a.q(t0 + k) + b * 256;
            const int16_t *b16 = a.b16(t0 + k) + b * 16;
            __m256i isum = _mm256_setzero_si256();
            for (int i = 0; i < 8; i++) {
                const __m256i pr = _mm256_maddubs_epi16(c[i], _mm256_loadu_si256((const __m256i *)(xq + 32 * i)));
                isum = _mm256_add_epi32(isum, _mm256_madd_epi16(pr, s16[i]));
            }
            int32_t off = 0;  // codes carry +32
            for (int g = 0; g < 16; g++) off += sc[g] * b16[g];
            isum = _mm256_sub_epi32(isum, _mm256_castsi128_si256(_mm_cvtsi32_si128(32 * off)));
            acc[k] = _mm256_fmadd_ps(_mm256_cvtepi32_ps(isum), _mm256_set1_ps(d * a.d(t0 + k)[b]), acc[k]);
        }
    }
    for (int k = 0; k < NT; k++) out[k] = hsum8(acc[k]);
}

// Q2_K / Q3_K: 2-bit codes (Q3_K: plus the high bit from hmask, as code + 4 in 0..7) per 32 elements,
// vpmaddubsw then vpmaddwd by the two 16-element scales (16-bit, one vpshufb from the 16 scales per
// 32 elements); the mins (Q2_K) and Q3_K's -4 by one vpmaddwd of the scales with the sums per 16.
template <bool THREE, int NT>
void row_q23k_t(const uint8_t *w, const Act &a, int64_t t0, float *out) {
    constexpr int BB = THREE ? 110 : 84;
    const __m256i m3 = _mm256_set1_epi8(3), v4 = _mm256_set1_epi8(4);
    // word 2i of the 16 scales to the low 128-bit lane, word 2i + 1 to the high one (i = 0..3)
    __m256i pick[4];
    for (int i = 0; i < 4; i++)
        pick[i] = _mm256_setr_epi8(4 * i, 4 * i + 1, 4 * i, 4 * i + 1, 4 * i, 4 * i + 1, 4 * i, 4 * i + 1,
                                   4 * i, 4 * i + 1, 4 * i, 4 * i + 1, 4 * i, 4 * i + 1, 4 * i, 4 * i + 1,
                                   4 * i + 2, 4 * i + 3, 4 * i + 2, 4 * i + 3, 4 * i + 2, 4 * i + 3, 4 * i + 2, 4 * i + 3,
                                   4 * i + 2, 4 * i + 3, 4 * i + 2, 4 * i + 3, 4 * i + 2, 4 * i + 3, 4 * i + 2, 4 * i + 3);
    __m256 acc[NT];
    for (int k = 0; k < NT; k++) acc[k] = _mm256_setzero_ps();
    for (int64_t b = a.b0(); b < a.b1(); b++) {
        const uint8_t *p = w + b * BB;
        const uint8_t *qs = p + (THREE ? 32 : 16);
        __m256i sc16, mn16;
        float d, dmin;
        q23k_scales<THREE>(p, sc16, mn16, d, dmin);
        const __m256i sl = _mm256_permute2x128_si256(sc16, sc16, 0x00), sh = _mm256_permute2x128_si256(sc16, sc16, 0x11);
        __m256i c[8], s16[8];
        __m256i hm;
        if (THREE) hm = _mm256_loadu_si256((const __m256i *)p);
        for (int n = 0; n < 2; n++) {
            const __m256i q = _mm256_loadu_si256((const __m256i *)(qs + 32 * n));
            for (int j = 0; j < 4; j++) {
                const int i = 4 * n + j;
                c[i] = _mm256_and_si256(j ? _mm256_srli_epi16(q, 2 * j) : q, m3);
                if (THREE) {  // bit i of hmask to bit 2 (the byte's other bits, and the word's, masked off)
                    const __m256i hb = i < 2 ? _mm256_slli_epi16(hm, 2 - i) : i > 2 ? _mm256_srli_epi16(hm, i - 2) : hm;
                    c[i] = _mm256_or_si256(c[i], _mm256_and_si256(hb, v4));
                }
            }
        }
        for (int i = 0; i < 8; i++) s16[i] = _mm256_shuffle_epi8(i < 4 ? sl : sh, pick[i % 4]);
        for (int k = 0; k < NT; k++) {
            const int8_t *xq = a.q(t0 + k) + b * 256;
            const __m256i b16 = _mm256_loadu_si256((const __m256i *)(a.b16(t0 + k) + b * 16));
            __m256i isum = _mm256_setzero_si256();
            for (int i = 0; i < 8; i++) {
                const __m256i pr = _mm256_maddubs_epi16(c[i], _mm256_loadu_si256((const __m256i *)(xq + 32 * i)));
                isum = _mm256_add_epi32(isum, _mm256_madd_epi16(pr, s16[i]));
            }
            const float dx = a.d(t0 + k)[b];
            if (THREE) {  // codes carry +4: subtract 4 * sum_g sc[g] * sum16[g]
                isum = _mm256_sub_epi32(isum, _mm256_slli_epi32(_mm256_madd_epi16(sc16, b16), 2));
            } else {
                const __m256i mins = _mm256_madd_epi16(mn16, b16);
                acc[k] = _mm256_fmadd_ps(_mm256_cvtepi32_ps(mins), _mm256_set1_ps(-(dmin * dx)), acc[k]);
            }
            acc[k] = _mm256_fmadd_ps(_mm256_cvtepi32_ps(isum), _mm256_set1_ps(d * dx), acc[k]);
        }
    }
    for (int k = 0; k < NT; k++) out[k] = hsum8(acc[k]);
}

template <bool THREE>
void row_q23k(const uint8_t *w, const Act &a, int64_t t0, int nt, float *out) {
#define LB_TILE_CALL_Q23K(N) row_q23k_t<THREE, N>(w, a, t0, out)
    LB_TILE_SWITCH(LB_TILE_CALL_Q23K)
#undef LB_TILE_CALL_Q23K
}


LB_TILE_WRAPPERS

}  // namespace

// same float operations as act_blocks_scalar (max |x|, one multiply, round to nearest even)
void act_blocks_avx2(const float *x, int64_t nb, int blk, int8_t *q, float *d, int32_t *s, int16_t *b16) {
    const __m256 absmask = _mm256_castsi256_ps(_mm256_set1_epi32(0x7fffffff));
    for (int64_t b = 0; b < nb; b++) {
        const float *xb = x + b * blk;
        __m256 m = _mm256_setzero_ps();
        for (int j = 0; j < blk; j += 8) m = _mm256_max_ps(_mm256_and_ps(_mm256_loadu_ps(xb + j), absmask), m);  // a NaN lane keeps m, as fmaxf
        __m128 m4 = _mm_max_ps(_mm256_castps256_ps128(m), _mm256_extractf128_ps(m, 1));
        m4 = _mm_max_ps(m4, _mm_movehl_ps(m4, m4));
        const float amax = _mm_cvtss_f32(_mm_max_ss(m4, _mm_movehdup_ps(m4)));
        const float id = amax > 0 ? 127.f / amax : 0.f;
        d[b] = act_scale(amax, blk);
        const __m256 vid = _mm256_set1_ps(id);
        __m256i sum = _mm256_setzero_si256();
        for (int j = 0; j < blk; j += 16) {
            const __m256i v0 = _mm256_cvtps_epi32(_mm256_mul_ps(_mm256_loadu_ps(xb + j), vid));
            const __m256i v1 = _mm256_cvtps_epi32(_mm256_mul_ps(_mm256_loadu_ps(xb + j + 8), vid));
            const __m256i v = _mm256_add_epi32(v0, v1);
            sum = _mm256_add_epi32(sum, v);
            // |v| <= 127: the saturating packs are exact; packs work per 128-bit lane, so restore the order
            const __m128i w = _mm_packs_epi32(_mm256_castsi256_si128(v0), _mm256_extracti128_si256(v0, 1));
            const __m128i w1 = _mm_packs_epi32(_mm256_castsi256_si128(v1), _mm256_extracti128_si256(v1, 1));
            _mm_storeu_si128((__m128i *)(q + b * blk + j), _mm_packs_epi16(w, w1));
            if (b16) b16[b * (blk / 16) + j / 16] = (int16_t)hsum8i(v);
        }
        s[b] = hsum8i(sum);
    }
}

// the AVX2 level of the format table's ggml kernels: row kernels, and one-token kernels of the nibble formats
const GgmlKernels ggml_avx2_f32 = {row_float<LB_F32>};
const GgmlKernels ggml_avx2_f16 = {row_float<LB_F16>};
const GgmlKernels ggml_avx2_bf16 = {row_float<LB_BF16>};
const GgmlKernels ggml_avx2_q8_0 = {row_b32<LB_Q8_0>};
const GgmlKernels ggml_avx2_q4_0 = {row_b32<LB_Q4_0>, nullptr, rows1_b32<LB_Q4_0>, rows1_b32_tokens<LB_Q4_0>};
const GgmlKernels ggml_avx2_q4_1 = {row_b32<LB_Q4_1>, nullptr, rows1_b32<LB_Q4_1>, rows1_b32_tokens<LB_Q4_1>};
const GgmlKernels ggml_avx2_q5_0 = {row_b32<LB_Q5_0>, nullptr, rows1_b32<LB_Q5_0>, rows1_b32_tokens<LB_Q5_0>};
const GgmlKernels ggml_avx2_q5_1 = {row_b32<LB_Q5_1>, nullptr, rows1_b32<LB_Q5_1>, rows1_b32_tokens<LB_Q5_1>};
const GgmlKernels ggml_avx2_q2_k = {row_q23k<false>};
const GgmlKernels ggml_avx2_q3_k = {row_q23k<true>};
const GgmlKernels ggml_avx2_q4_k = {row_q45k<false>};
const GgmlKernels ggml_avx2_q5_k = {row_q45k<true>};
const GgmlKernels ggml_avx2_q6_k = {row_q6k};

}  // namespace lbg
