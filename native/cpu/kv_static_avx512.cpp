// AVX-512 lb_kvs_attention work item (reference: item_scalar in kv_static.cpp), for head_dim 64/128/256
// with RoPE over the whole head. Pass 1 dequantises 16 keys at a time into registers (codes -> float,
// one FMA with the channel's scale and offset), rotates them (NeoX: register r pairs with r + NV/2;
// normal: adjacent lanes, swapped within the register; see scores() for the block trick), stores
// them and reduces 16 scores per query head at once. Softmax as in attention_avx512.cpp. Pass 2 reads
// V with the study_simd512.h unpackers (4-bit rows come out in code order: accumulators are permuted
// back at the end).
// GCC 12 flags _mm512_undefined_* inside its own intrinsics as uninitialised (false positive)
#pragma GCC diagnostic ignored "-Wuninitialized"
#pragma GCC diagnostic ignored "-Wmaybe-uninitialized"
#include "kv_static_internal.h"
#include "simd512_math.h"
#include "study_internal.h"
#include "study_simd512.h"
#include "kv_simd512.h"
#include <cmath>
#include <cstring>

namespace {
// RoPE of NV vectors (one head, natural order) with cos row cs and sin row sn (rot_dim = head_dim)
template <int NV>
inline void rotate(__m512 *k, const float *cs, const float *sn, int neox) {
    if (neox) {
        for (int r = 0; r < NV / 2; r++) {
            const __m512 c = _mm512_loadu_ps(cs + 16 * r), sv = _mm512_loadu_ps(sn + 16 * r), x = k[r], y = k[r + NV / 2];
            k[r] = _mm512_fmsub_ps(x, c, _mm512_mul_ps(y, sv));
            k[r + NV / 2] = _mm512_fmadd_ps(x, sv, _mm512_mul_ps(y, c));
        }
    } else {
        const __m512i dup = _mm512_setr_epi32(0, 0, 1, 1, 2, 2, 3, 3, 4, 4, 5, 5, 6, 6, 7, 7);
        const __m512i neg_even = _mm512_setr_epi32((int)0x80000000, 0, (int)0x80000000, 0, (int)0x80000000, 0, (int)0x80000000, 0,
                                                   (int)0x80000000, 0, (int)0x80000000, 0, (int)0x80000000, 0, (int)0x80000000, 0);
        for (int r = 0; r < NV; r++) {
            const __m512 c = _mm512_permutexvar_ps(dup, _mm512_castps256_ps512(_mm256_loadu_ps(cs + 8 * r)));
            const __m512 sv = _mm512_permutexvar_ps(dup, _mm512_castps256_ps512(_mm256_loadu_ps(sn + 8 * r)));
            const __m512 ss = _mm512_castsi512_ps(_mm512_xor_si512(_mm512_castps_si512(sv), neg_even));  // (-s, +s) per pair
            k[r] = _mm512_fmadd_ps(k[r], c, _mm512_mul_ps(_mm512_permute_ps(k[r], 0xB1), ss));
        }
    }
}

// codes of one K row -> NV vectors of dequantised key rotated by table row cs (natural channel order)
template <int NV, int KB>
inline void load_key(const uint8_t *row, const float *s, const float *o, const float *cs, int neox, __m512 *k) {
    if (KB == 8) {
        for (int i = 0; i < NV; i++) k[i] = _mm512_cvtepi32_ps(_mm512_cvtepu8_epi32(_mm_loadu_si128((const __m128i *)(row + 16 * i))));
    } else if (KB == 4) {
        for (int c = 0; c < NV / 2; c++) {
            const __m512i b = _mm512_cvtepu8_epi32(_mm_loadu_si128((const __m128i *)(row + 16 * c)));
            k[2 * c] = _mm512_cvtepi32_ps(_mm512_and_si512(b, _mm512_set1_epi32(15)));
            k[2 * c + 1] = _mm512_cvtepi32_ps(_mm512_srli_epi32(b, 4));
        }
    } else {
        const __m512i sh = _mm512_setr_epi32(0, 2, 4, 6, 8, 10, 12, 14, 16, 18, 20, 22, 24, 26, 28, 30);
        for (int c = 0; c < NV / 2; c++) {
            const uint8_t *ch = row + 12 * c;
            for (int h = 0; h < 2; h++) {
                int32_t lo;
                uint16_t hi;
                memcpy(&lo, ch + 4 * h, 4);
                memcpy(&hi, ch + 8 + 2 * h, 2);
                __m512i q = _mm512_and_si512(_mm512_srlv_epi32(_mm512_set1_epi32(lo), sh), _mm512_set1_epi32(3));
                q = _mm512_mask_add_epi32(q, (__mmask16)hi, q, _mm512_set1_epi32(4));
                k[2 * c + h] = _mm512_cvtepi32_ps(q);
            }
        }
    }
    for (int i = 0; i < NV; i++) k[i] = _mm512_fmadd_ps(k[i], _mm512_loadu_ps(s + 16 * i), _mm512_loadu_ps(o + 16 * i));
    rotate<NV>(k, cs, cs + NV * 8, neox);
}

// pass 1: scaled scores of keys 0..L-1 for the gh heads, into sc[gh][Lp]; kt: scratch [16][hd], qr: [gh][hd].
// Key j0+jj's rotation is R(j0) R(jj) and q.R(j0)R(jj)k = (R(j0)^T q).(R(jj)k): per block of 16 keys each query
// head is rotated back by j0 once and each key by its offset jj < 16, so only table rows 0..15 (hot in L1) and
// one row per block are read, instead of a rope-table row per key.
template <int NV, int KB>
void scores(const KvsArgs &a, const float *q, int64_t L, int64_t Lp, int gh, int kvh, float *sc, float *kt, float *qr) {
    constexpr int hd = NV * 16, half = NV * 8;
    const float *s = a.k_scale + (int64_t)kvh * hd, *o = a.k_offset + (int64_t)kvh * hd;
    const __m512 vscale = _mm512_set1_ps(a.scale);
    alignas(64) float nsin[half];
    for (int64_t j0 = 0; j0 < L; j0 += 16) {
        const int n = L - j0 < 16 ? (int)(L - j0) : 16;
        const float *cs0 = a.rope + j0 * hd;
        for (int i = 0; i < half; i++) nsin[i] = -cs0[half + i];
        for (int g = 0; g < gh; g++) {
            __m512 qv[NV];
            for (int i = 0; i < NV; i++) qv[i] = _mm512_loadu_ps(q + g * hd + 16 * i);
            rotate<NV>(qv, cs0, nsin, a.neox);
            for (int i = 0; i < NV; i++) _mm512_storeu_ps(qr + g * hd + 16 * i, qv[i]);
        }
        __m512 v[NV];
        for (int jj = 0; jj < 16; jj++) {
            if (jj < n) load_key<NV, KB>(a.kc + a.k.offset(j0 + jj, kvh), s, o, a.rope + jj * hd, a.neox, v);
            else for (int i = 0; i < NV; i++) v[i] = _mm512_setzero_ps();
            for (int i = 0; i < NV; i++) _mm512_storeu_ps(kt + jj * hd + 16 * i, v[i]);
        }
        kvsimd::scores16<NV>(kt, qr, gh, sc, Lp, j0, vscale);
    }
}

// KT weighted V rows j0.. into acc[gh][hd] (each accumulator loaded and stored once per KT rows)
template <int NV, int VB, int GS, int KT>
inline void v_rows(const KvsArgs &a, int kvh, __m512 iota, int64_t j0, const float *sc, int64_t Lp, int gh, float *acc) {
    constexpr int hd = NV * 16;
    __m512 v[KT][NV];
    for (int jj = 0; jj < KT; jj++) kvsimd::load_row<NV, VB, GS>(a.vc + a.v.offset(j0 + jj, kvh), iota, v[jj]);
    for (int g = 0; g < gh; g++) {
        __m512 p[KT];
        for (int jj = 0; jj < KT; jj++) p[jj] = _mm512_set1_ps(sc[g * Lp + j0 + jj]);
        float *ag = acc + g * hd;
        for (int i = 0; i < NV; i++) {
            __m512 x = _mm512_loadu_ps(ag + 16 * i);
            for (int jj = 0; jj < KT; jj++) x = _mm512_fmadd_ps(p[jj], v[jj][i], x);
            _mm512_storeu_ps(ag + 16 * i, x);
        }
    }
}

// pass 2: out[g] = sum_j p[g][j] * V[j], written in natural order
template <int NV, int VB, int GS>
void values(const KvsArgs &a, int64_t L, int64_t Lp, int gh, int kvh, const float *sc, float *acc, float *out) {
    constexpr int hd = NV * 16, KT = NV <= 4 ? 4 : NV <= 8 ? 2 : 1;
    constexpr bool perm = VB == 4;
    const __m512 iota = lb512_iota(VB == 3 ? 3 : 4);
    for (int i = 0; i < gh * hd; i++) acc[i] = 0.f;
    int64_t j = 0;
    for (; j + KT <= L; j += KT) v_rows<NV, VB, GS, KT>(a, kvh, iota, j, sc, Lp, gh, acc);
    for (; j < L; j++) v_rows<NV, VB, GS, 1>(a, kvh, iota, j, sc, Lp, gh, acc);
    for (int g = 0; g < gh; g++)
        for (int i = 0; i < hd; i++) out[g * hd + (perm ? i / 32 * 32 + lb512_code_order_elem(4, i % 32) : i)] = acc[g * hd + i];
}

using ScoresFn = void (*)(const KvsArgs &, const float *, int64_t, int64_t, int, int, float *, float *, float *);
using ValuesFn = void (*)(const KvsArgs &, int64_t, int64_t, int, int, const float *, float *, float *);

template <int NV>
ScoresFn pick_scores(int bits) {
    return bits == 8 ? scores<NV, 8> : bits == 4 ? scores<NV, 4> : scores<NV, 3>;
}

template <int NV>
ValuesFn pick_values(const KvLayout &l) {
    LB_KV_PICK(values, NV, l);
}
}  // namespace

bool kvs_supported_avx512(const KvsArgs &a) {
    const int hd = a.k.head_dim;
    if (hd != 64 && hd != 128 && hd != 256) return false;
    if (a.rot_dim != hd) return false;
    return a.v.bits == 0 ? a.v.fmt == LB_F32 || a.v.fmt == LB_F16 : a.v.group % 32 == 0;
}

void kvs_item_avx512(const KvsArgs &a, const float *q, int64_t pos, int gh, float *out, int kvh) {
    const int hd = a.k.head_dim;
    const int64_t L = pos + 1, Lp = (L + 15) / 16 * 16;
    // scratch: scores [gh][Lp], 16 key rows [16][hd], accumulators [gh][hd], rotated queries [gh][hd]
    float *sc = study_scratch_f32((size_t)(gh * Lp + 16 * hd + 2 * gh * hd));
    float *kt = sc + gh * Lp, *acc = kt + 16 * hd, *qr = acc + gh * hd;
    const ScoresFn sf = hd == 64 ? pick_scores<4>(a.k.bits) : hd == 128 ? pick_scores<8>(a.k.bits) : pick_scores<16>(a.k.bits);
    sf(a, q, L, Lp, gh, kvh, sc, kt, qr);
    for (int g = 0; g < gh; g++) {
        float *s = sc + g * Lp;
        for (int64_t j = L; j < Lp; j++) s[j] = -INFINITY;
        __m512 mx = _mm512_set1_ps(-INFINITY);
        for (int64_t j = 0; j < Lp; j += 16) mx = _mm512_max_ps(mx, _mm512_loadu_ps(s + j));
        const __m512 m = _mm512_set1_ps(_mm512_reduce_max_ps(mx));
        __m512 sum = _mm512_setzero_ps();
        for (int64_t j = 0; j < Lp; j += 16) {
            const __m512 e = lb512_exp(_mm512_sub_ps(_mm512_loadu_ps(s + j), m));
            _mm512_storeu_ps(s + j, e);
            sum = _mm512_add_ps(sum, e);
        }
        const __m512 inv = _mm512_set1_ps(1.f / _mm512_reduce_add_ps(sum));
        for (int64_t j = 0; j < Lp; j += 16) _mm512_storeu_ps(s + j, _mm512_mul_ps(_mm512_loadu_ps(s + j), inv));
    }
    const ValuesFn vf = hd == 64 ? pick_values<4>(a.v) : hd == 128 ? pick_values<8>(a.v) : pick_values<16>(a.v);
    vf(a, L, Lp, gh, kvh, sc, acc, out);
}
