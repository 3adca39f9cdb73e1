// AVX2 attention over a span of keys, for CPUs without AVX-512 (reference: attention_span_scalar in
// attention.cpp; the same tiles as attention_avx512.cpp with 8-float vectors). Online softmax over
// tiles of ATTN_TILE keys; per tile:
//  - scores, 8 keys at a time: the key rows dequantised ((code - z) * s as the scalar reference, F16
//    converted) once into an L1 tile rt[8][hd], then dotted with every query head of the GQA group
//    (8 accumulators, one horizontal sum per 8 keys and head). Group formats: bf16 query.
//  - softmax update: new running max, exp (lb256_exp), rescale of the sum and the output accumulators.
//  - values, 8 rows at a time into rt: F32/F16 rows weighted by the softmax weight p; group formats as
//    (code - z) weighted by bf16(p * group scale) (lb_kv_value_weight), so the roundings are the scalar
//    reference's and only the summation order and exp differ. Each head's accumulators are loaded and
//    stored once per 8 rows.
// K and V may be in different formats (a mixed pair, kv-k8v4): keys decode in K's, values in V's.
// The rows (up to 1 KB each, head_dim 256 in F32) are decoded into memory rather than kept in the 16
// ymm registers: 8 accumulators + the broadcast weights already fill them.
#include "kv_internal.h"
#include "simd256_math.h"
#include "kv_simd256.h"
#include "study_internal.h"
#include <immintrin.h>
#include <cmath>
#include <cstring>

namespace {
// stands in for the rows past the end of a tile (scale 0, zero 0, codes 0); larger than any row
alignas(64) const uint8_t kZeroRow[1024] = {};

// K rows in KB bits (32 F32, 16 F16, 8/4/3 group formats), V rows in VB bits; GS: the group of whichever
// pool is grouped (a grouped pair shares it). K's format decides the score path (bf16 query for a group
// format), V's the value path (bf16(p * s) weights), as attention_span_scalar; KB == VB: one format
template <int HD, int KB, int VB, int GS>
void span(const KvLayout &kl, const KvLayout &vl, const uint8_t *kc, const uint8_t *vc, const float *q, int64_t q_stride,
          int gh, float scale, int kvh, int64_t j0, int64_t j1, float *m, float *lsum, float *acc) {
    constexpr int T = ATTN_TILE;
    constexpr int KGS = KB <= 8 ? GS : 0, VGS = VB <= 8 ? GS : 0;
    constexpr bool kgrouped = KB <= 8, grouped = VB <= 8;  // grouped: V's value path
    constexpr int GW = grouped ? GS : HD, NG = HD / GW;  // value weights per row: one per group (F32/F16: one)
    // scratch: scores [gh][T], 8 decoded rows [8][HD], query [gh][HD], group formats' value weights [gh][NG][T]
    float *sc = study_scratch_f32((size_t)gh * T + 8 * HD + (size_t)gh * HD + (grouped ? (size_t)gh * NG * T : 0));
    float *rt = sc + (size_t)gh * T, *qf = rt + 8 * HD, *wv = qf + (size_t)gh * HD;
    for (int g = 0; g < gh; g++)
        for (int i = 0; i < HD; i++) qf[g * HD + i] = kgrouped ? lb_bf16_round(q[g * q_stride + i]) : q[g * q_stride + i];
    for (int g = 0; g < gh; g++) {
        m[g] = -INFINITY;
        lsum[g] = 0.f;
        for (int i = 0; i < HD; i++) acc[g * HD + i] = 0.f;
    }
    const __m256 vscale = _mm256_set1_ps(scale), iota = _mm256_setr_ps(0, 1, 2, 3, 4, 5, 6, 7);
    for (int64_t t0 = j0; t0 < j1; t0 += T) {
        const int n = (int)(j1 - t0 < T ? j1 - t0 : T), np = (n + 7) / 8 * 8;
        const uint8_t *kr[T], *vr[T];  // the tile's rows, addressed once
        kv_rows(kl, kc, kvh, t0, n, kr);
        kv_rows(vl, vc, kvh, t0, n, vr);
        for (int j = n; j < np; j++) kr[j] = vr[j] = kZeroRow;
        // scores of 8 keys at a time into sc[g][jb..]
        for (int jb = 0; jb < n; jb += 8) {
            for (int jj = jb + 8; jj < jb + 16 && jj < n; jj++) {
                _mm_prefetch((const char *)kr[jj], _MM_HINT_T0);
                _mm_prefetch((const char *)kr[jj] + kl.row_bytes - 1, _MM_HINT_T0);
            }
            for (int jj = 0; jj < 8; jj++) kv256::load_row<HD, KB, KGS, true>(kr[jb + jj], rt + jj * HD);
            for (int g = 0; g < gh; g++) {
                const float *qg = qf + g * HD;
                __m256 a[8];
                for (int jj = 0; jj < 8; jj++) a[jj] = _mm256_setzero_ps();
                for (int i = 0; i < HD; i += 8) {
                    const __m256 qv = _mm256_loadu_ps(qg + i);
                    for (int jj = 0; jj < 8; jj++) a[jj] = _mm256_fmadd_ps(qv, _mm256_loadu_ps(rt + jj * HD + i), a[jj]);
                }
                _mm256_storeu_ps(sc + g * T + jb, _mm256_mul_ps(lb256_hsum8(a), vscale));
            }
        }
        // online softmax update; the keys from n to np get weight 0
        for (int g = 0; g < gh; g++) {
            float *s = sc + g * T;
            for (int j = n; j < np; j++) s[j] = -INFINITY;
            __m256 mx = _mm256_set1_ps(m[g]);
            for (int j = 0; j < np; j += 8) mx = _mm256_max_ps(mx, _mm256_loadu_ps(s + j));
            alignas(32) float lanes[8];
            _mm256_store_ps(lanes, mx);
            float mnew = lanes[0];
            for (int i = 1; i < 8; i++) mnew = std::fmax(mnew, lanes[i]);
            const float corr = std::exp(m[g] - mnew);  // 0 on the first tile (m = -inf)
            m[g] = mnew;
            const __m256 mv = _mm256_set1_ps(mnew);
            __m256 sum = _mm256_setzero_ps();
            for (int j = 0; j < np; j += 8) {
                __m256 e = lb256_exp(_mm256_sub_ps(_mm256_loadu_ps(s + j), mv));
                if (j + 8 > n) e = _mm256_and_ps(e, _mm256_cmp_ps(_mm256_add_ps(iota, _mm256_set1_ps((float)j)), _mm256_set1_ps((float)n), _CMP_LT_OQ));
                _mm256_storeu_ps(s + j, e);
                sum = _mm256_add_ps(sum, e);
            }
            _mm256_store_ps(lanes, sum);
            float tsum = 0.f;
            for (int i = 0; i < 8; i++) tsum += lanes[i];
            lsum[g] = lsum[g] * corr + tsum;
            if (corr != 1.f) {
                const __m256 cv = _mm256_set1_ps(corr);
                for (int i = 0; i < HD; i += 8) _mm256_storeu_ps(acc + g * HD + i, _mm256_mul_ps(_mm256_loadu_ps(acc + g * HD + i), cv));
            }
        }
        // group formats: wv[g][b][j] = bf16(p[g][j] * scale of group b of V row j), as lb_kv_value_weight
        const float *w = sc;
        if constexpr (grouped) {
            constexpr int bb = 3 + VGS * VB / 8;
            for (int b = 0; b < NG; b++)
                for (int j = 0; j < np; j += 8) {
                    alignas(16) uint16_t h[8];
                    for (int jj = 0; jj < 8; jj++) std::memcpy(&h[jj], vr[j + jj] + b * bb, 2);
                    const __m256 vs = _mm256_cvtph_ps(_mm_load_si128((const __m128i *)h));
                    for (int g = 0; g < gh; g++)
                        _mm256_storeu_ps(wv + (g * NG + b) * T + j, lb256_bf16_round(_mm256_mul_ps(_mm256_loadu_ps(sc + g * T + j), vs)));
                }
            w = wv;
        }
        // values, 8 rows at a time (the padded rows decode to 0 with weight 0)
        for (int jb = 0; jb < n; jb += 8) {
            for (int jj = 0; jj < 8; jj++) kv256::load_row<HD, VB, VGS, !grouped>(vr[jb + jj], rt + jj * HD);
            for (int g = 0; g < gh; g++)
                for (int b = 0; b < NG; b++) {
                    __m256 wb[8];
                    for (int jj = 0; jj < 8; jj++) wb[jj] = _mm256_broadcast_ss(w + (g * NG + b) * T + jb + jj);
                    float *a = acc + g * HD + b * GW;
                    for (int i = 0; i < GW; i += 8) {
                        __m256 x = _mm256_loadu_ps(a + i);
                        for (int jj = 0; jj < 8; jj++) x = _mm256_fmadd_ps(wb[jj], _mm256_loadu_ps(rt + jj * HD + b * GW + i), x);
                        _mm256_storeu_ps(a + i, x);
                    }
                }
        }
    }
}

template <int HD, int KB, int VB, int GS>
struct Span {  // for kv_span_pick (kv_internal.h)
    static constexpr KvSpanFn run = span<HD, KB, VB, GS>;
};
}  // namespace

void attention_span_avx2(const KvLayout &kl, const KvLayout &vl, const uint8_t *kc, const uint8_t *vc, const float *q,
                         int64_t q_stride, int gh, float scale, int kvh, int64_t j0, int64_t j1, float *m, float *lsum,
                         float *acc) {
    kv_span_pick<Span>(kl, vl)(kl, vl, kc, vc, q, q_stride, gh, scale, kvh, j0, j1, m, lsum, acc);
}

bool attention_supported_avx2(const KvLayout &kl, const KvLayout &vl) {
    return kv_span_pair(kl, vl);
}
