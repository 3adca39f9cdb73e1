// AVX2 lb_kvs_attention work item (reference: item_scalar in kv_static.cpp) for CPUs without AVX-512:
// the AVX-512 item's two passes (kv_static_avx512.cpp) with 8-float vectors, head_dim 64/128/256 with
// RoPE over the whole head, V in F32/F16/KV8/KV4/KV3.
//  - pass 1, 16 keys per block: each key's codes -> float, one FMA with the channel's scale and
//    offset, rotated by R(jj) for its offset jj < 16 in the block; each query head rotated back by
//    R(j0) once per block (q.R(j0)R(jj)k = (R(j0)^T q).(R(jj)k), so only rope rows 0..15 and one
//    row per block are read); 8 scores per query head at a time, one horizontal sum per 8 keys.
//  - softmax over the whole row of scores (lb256_exp), then pass 2: V rows dequantised as
//    kv_load_row does and accumulated into out with FP32 weights p, 4 rows per load/store of
//    the accumulators.
#include "kv_static_internal.h"
#include "simd256_math.h"
#include "kv_simd256.h"
#include "study_internal.h"
#include <cmath>
#include <cstring>

namespace {
// RoPE of NV vectors (one head, natural order) with cos row cs and sin row sn (rot_dim = head_dim)
template <int NV>
inline void rotate(__m256 *k, const float *cs, const float *sn, int neox) {
    if (neox) {
        for (int r = 0; r < NV / 2; r++) {
            const __m256 c = _mm256_loadu_ps(cs + 8 * r), sv = _mm256_loadu_ps(sn + 8 * r), x = k[r], y = k[r + NV / 2];
            k[r] = _mm256_fmsub_ps(x, c, _mm256_mul_ps(y, sv));
            k[r + NV / 2] = _mm256_fmadd_ps(x, sv, _mm256_mul_ps(y, c));
        }
    } else {  // pairs of adjacent lanes: pair i of register r takes table entry 4r + i
        const __m256i dup = _mm256_setr_epi32(0, 0, 1, 1, 2, 2, 3, 3);
        const __m256 neg_even = _mm256_castsi256_ps(_mm256_setr_epi32((int)0x80000000, 0, (int)0x80000000, 0,
                                                                      (int)0x80000000, 0, (int)0x80000000, 0));
        for (int r = 0; r < NV; r++) {
            const __m256 c = _mm256_permutevar8x32_ps(_mm256_castps128_ps256(_mm_loadu_ps(cs + 4 * r)), dup);
            const __m256 sv = _mm256_permutevar8x32_ps(_mm256_castps128_ps256(_mm_loadu_ps(sn + 4 * r)), dup);
            const __m256 ss = _mm256_xor_ps(sv, neg_even);  // (-s, +s) per pair
            k[r] = _mm256_fmadd_ps(k[r], c, _mm256_mul_ps(_mm256_permute_ps(k[r], 0xB1), ss));
        }
    }
}

// codes of one K row (chunks of 32 channels, kv_static_internal.h) -> NV vectors of the key, dequantised
// and rotated by table row cs (natural channel order)
template <int NV, int KB>
inline void load_key(const uint8_t *row, const float *s, const float *o, const float *cs, int neox, __m256 *k) {
    for (int i = 0; i < NV; i++) {
        const int c = i / 4, sub = i % 4;  // chunk, 8 channels within it
        __m256i q;
        if (KB == 8) {
            q = _mm256_cvtepu8_epi32(_mm_loadl_epi64((const __m128i *)(row + 8 * i)));
        } else if (KB == 4) {  // channels 0..15 of a chunk in the low nibbles of its 16 bytes, 16..31 in the high
            q = _mm256_cvtepu8_epi32(_mm_loadl_epi64((const __m128i *)(row + 16 * c + 8 * (sub % 2))));
            q = sub < 2 ? _mm256_and_si256(q, _mm256_set1_epi32(15)) : _mm256_srli_epi32(q, 4);
        } else {  // 2 low bits per channel in the chunk's first 8 bytes, the high bits in its last 4
            const uint8_t *ch = row + 12 * c;
            uint16_t lo;
            std::memcpy(&lo, ch + 2 * sub, 2);
            const __m256i lo2 = _mm256_and_si256(_mm256_srlv_epi32(_mm256_set1_epi32(lo), _mm256_setr_epi32(0, 2, 4, 6, 8, 10, 12, 14)),
                                                 _mm256_set1_epi32(3));
            const __m256i hi1 = _mm256_and_si256(_mm256_srlv_epi32(_mm256_set1_epi32(ch[8 + sub]), _mm256_setr_epi32(0, 1, 2, 3, 4, 5, 6, 7)),
                                                 _mm256_set1_epi32(1));
            q = _mm256_or_si256(lo2, _mm256_slli_epi32(hi1, 2));
        }
        k[i] = _mm256_fmadd_ps(_mm256_cvtepi32_ps(q), _mm256_loadu_ps(s + 8 * i), _mm256_loadu_ps(o + 8 * i));
    }
    rotate<NV>(k, cs, cs + NV * 4, neox);
}

// pass 1: scaled scores of keys 0..L-1 for the gh heads, into sc[gh][Lp]; kt: scratch [16][hd], qr: [gh][hd]
template <int NV, int KB>
void scores(const KvsArgs &a, const float *q, int64_t L, int64_t Lp, int gh, int kvh, float *sc, float *kt, float *qr) {
    constexpr int hd = NV * 8, half = NV * 4;
    const float *s = a.k_scale + (int64_t)kvh * hd, *o = a.k_offset + (int64_t)kvh * hd;
    const __m256 vscale = _mm256_set1_ps(a.scale);
    alignas(32) float nsin[half];
    for (int64_t j0 = 0; j0 < L; j0 += 16) {
        const int n = L - j0 < 16 ? (int)(L - j0) : 16;
        const float *cs0 = a.rope + j0 * hd;
        for (int i = 0; i < half; i++) nsin[i] = -cs0[half + i];
        for (int g = 0; g < gh; g++) {
            __m256 qv[NV];
            for (int i = 0; i < NV; i++) qv[i] = _mm256_loadu_ps(q + g * hd + 8 * i);
            rotate<NV>(qv, cs0, nsin, a.neox);
            for (int i = 0; i < NV; i++) _mm256_storeu_ps(qr + g * hd + 8 * i, qv[i]);
        }
        __m256 v[NV];
        for (int jj = 0; jj < 16; jj++) {
            if (jj < n) load_key<NV, KB>(a.kc + a.k.offset(j0 + jj, kvh), s, o, a.rope + jj * hd, a.neox, v);
            else for (int i = 0; i < NV; i++) v[i] = _mm256_setzero_ps();
            for (int i = 0; i < NV; i++) _mm256_storeu_ps(kt + jj * hd + 8 * i, v[i]);
        }
        for (int g = 0; g < gh; g++)
            for (int h = 0; h < 2; h++) {
                __m256 acc[8];
                for (int jj = 0; jj < 8; jj++) acc[jj] = _mm256_setzero_ps();
                for (int i = 0; i < NV; i++) {
                    const __m256 qv = _mm256_loadu_ps(qr + g * hd + 8 * i);
                    for (int jj = 0; jj < 8; jj++) acc[jj] = _mm256_fmadd_ps(qv, _mm256_loadu_ps(kt + (8 * h + jj) * hd + 8 * i), acc[jj]);
                }
                _mm256_storeu_ps(sc + g * Lp + j0 + 8 * h, _mm256_mul_ps(lb256_hsum8(acc), vscale));
            }
    }
}

// pass 2: out[g] = sum_j p[g][j] * V[j], KT dequantised rows per load/store of each head's accumulators
template <int NV, int VB, int GS>
void values(const KvsArgs &a, int64_t L, int64_t Lp, int gh, int kvh, const float *sc, float *vt, float *out) {
    constexpr int hd = NV * 8, KT = 4;
    for (int i = 0; i < gh * hd; i++) out[i] = 0.f;
    for (int64_t j = 0; j < L; j += KT) {
        const int n = L - j < KT ? (int)(L - j) : KT;
        for (int jj = 0; jj < n; jj++) kv256::load_row<hd, VB, GS, true>(a.vc + a.v.offset(j + jj, kvh), vt + jj * hd);
        for (int g = 0; g < gh; g++) {
            __m256 p[KT];
            for (int jj = 0; jj < n; jj++) p[jj] = _mm256_broadcast_ss(sc + g * Lp + j + jj);
            float *ag = out + g * hd;
            for (int i = 0; i < hd; i += 8) {
                __m256 x = _mm256_loadu_ps(ag + i);
                for (int jj = 0; jj < n; jj++) x = _mm256_fmadd_ps(p[jj], _mm256_loadu_ps(vt + jj * hd + i), x);
                _mm256_storeu_ps(ag + i, x);
            }
        }
    }
}

using ScoresFn = void (*)(const KvsArgs &, const float *, int64_t, int64_t, int, int, float *, float *, float *);
template <int NV>
ScoresFn pick_scores(int bits) {
    return bits == 8 ? scores<NV, 8> : bits == 4 ? scores<NV, 4> : scores<NV, 3>;
}

template <int HD, int VB, int GS>
struct Values {  // for kvs_values_pick (kv_static_internal.h)
    static constexpr KvsValuesFn run = values<HD / 8, VB, GS>;
};
}  // namespace

bool kvs_supported_avx2(const KvsArgs &a) {
    return kvs_simd_shape(a);
}

void kvs_item_avx2(const KvsArgs &a, const float *q, int64_t pos, int gh, float *out, int kvh) {
    const int hd = a.k.head_dim;
    const int64_t L = pos + 1, Lp = (L + 15) / 16 * 16;
    // scratch: scores [gh][Lp], 16 key rows [16][hd] (then 4 value rows), rotated queries [gh][hd]
    float *sc = study_scratch_f32((size_t)(gh * Lp + 16 * hd + gh * hd));
    float *kt = sc + gh * Lp, *qr = kt + 16 * hd;
    const ScoresFn sf = hd == 64 ? pick_scores<8>(a.k.bits) : hd == 128 ? pick_scores<16>(a.k.bits) : pick_scores<32>(a.k.bits);
    sf(a, q, L, Lp, gh, kvh, sc, kt, qr);
    for (int g = 0; g < gh; g++) {
        float *s = sc + g * Lp;
        for (int64_t j = L; j < Lp; j++) s[j] = -INFINITY;
        __m256 mx = _mm256_set1_ps(-INFINITY);
        for (int64_t j = 0; j < Lp; j += 8) mx = _mm256_max_ps(mx, _mm256_loadu_ps(s + j));
        alignas(32) float lanes[8];
        _mm256_store_ps(lanes, mx);
        float m = lanes[0];
        for (int i = 1; i < 8; i++) m = std::fmax(m, lanes[i]);
        const __m256 mv = _mm256_set1_ps(m);
        __m256 sum = _mm256_setzero_ps();
        for (int64_t j = 0; j < Lp; j += 8) {
            const __m256 e = lb256_exp(_mm256_sub_ps(_mm256_loadu_ps(s + j), mv));
            _mm256_storeu_ps(s + j, e);
            sum = _mm256_add_ps(sum, e);
        }
        _mm256_store_ps(lanes, sum);
        float tsum = 0.f;
        for (int i = 0; i < 8; i++) tsum += lanes[i];
        const __m256 inv = _mm256_set1_ps(1.f / tsum);
        for (int64_t j = 0; j < Lp; j += 8) _mm256_storeu_ps(s + j, _mm256_mul_ps(_mm256_loadu_ps(s + j), inv));
    }
    kvs_values_pick<Values>(a.v)(a, L, Lp, gh, kvh, sc, kt, out);
}
