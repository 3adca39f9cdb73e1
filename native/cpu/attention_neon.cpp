// NEON attention over a span of keys (AArch64; reference: attention_span_scalar in attention.cpp):
// attention_avx2.cpp's tiles with 4-float vectors. Online softmax over tiles of ATTN_TILE keys; per tile
//  - scores, 8 keys at a time: the key rows dequantised ((code - z) * s as the scalar reference, F16
//    converted) once into an L1 tile rt[8][hd], then dotted with every query head of the GQA group
//    (8 accumulators, pairwise adds to 8 scores). Group formats: bf16 query.
//  - softmax update: new running max, exp (lbn_exp), rescale of the sum and the output accumulators.
//  - values, 8 rows at a time into rt: F32/F16 rows weighted by the softmax weight p; group formats as
//    (code - z) weighted by bf16(p * group scale) (lb_kv_value_weight), the scalar reference's roundings.
// K and V may be in different formats (a mixed pair); F32 pairs only with F32. Shapes: head_dim
// 64/128/256, F32/F16/KV8/KV4/KV3 with groups of 32..256 (the AVX2 kernel's).
#include "kv_internal.h"
#include "neon_math.h"
#include "kv_neon.h"
#include "study_internal.h"
#include <cmath>
#include <cstring>

namespace {
alignas(64) const uint8_t kZeroRow[1024] = {};  // rows past the end of a tile (scale 0, zero 0, codes 0)

// K rows in KB bits (32 F32, 16 F16, 8/4/3 group formats), V rows in VB bits; GS: the group of whichever
// pool is grouped (a grouped pair shares it)
template <int HD, int KB, int VB, int GS>
void span(const KvLayout &kl, const KvLayout &vl, const uint8_t *kc, const uint8_t *vc, const float *q, int64_t q_stride,
          int gh, float scale, int kvh, int64_t j0, int64_t j1, float *m, float *lsum, float *acc) {
    constexpr int T = ATTN_TILE;
    constexpr int KGS = KB <= 8 ? GS : 0, VGS = VB <= 8 ? GS : 0;
    constexpr bool kgrouped = KB <= 8, grouped = VB <= 8;
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
    for (int64_t t0 = j0; t0 < j1; t0 += T) {
        const int n = (int)(j1 - t0 < T ? j1 - t0 : T), np = (n + 7) / 8 * 8;
        const uint8_t *kr[T], *vr[T];
        kv_rows(kl, kc, kvh, t0, n, kr);
        kv_rows(vl, vc, kvh, t0, n, vr);
        for (int j = n; j < np; j++) kr[j] = vr[j] = kZeroRow;
        for (int jb = 0; jb < n; jb += 8) {
            for (int jj = 0; jj < 8; jj++) kvn::load_row<HD, KB, KGS, true>(kr[jb + jj], rt + jj * HD);
            for (int g = 0; g < gh; g++) {
                const float *qg = qf + g * HD;
                float32x4_t a[8];
                for (int jj = 0; jj < 8; jj++) a[jj] = vdupq_n_f32(0.f);
                for (int i = 0; i < HD; i += 4) {
                    const float32x4_t qv = vld1q_f32(qg + i);
                    for (int jj = 0; jj < 8; jj++) a[jj] = vfmaq_f32(a[jj], qv, vld1q_f32(rt + jj * HD + i));
                }
                const float32x4_t s0 = vpaddq_f32(vpaddq_f32(a[0], a[1]), vpaddq_f32(a[2], a[3]));
                const float32x4_t s1 = vpaddq_f32(vpaddq_f32(a[4], a[5]), vpaddq_f32(a[6], a[7]));
                vst1q_f32(sc + g * T + jb, vmulq_n_f32(s0, scale));
                vst1q_f32(sc + g * T + jb + 4, vmulq_n_f32(s1, scale));
            }
        }
        // online softmax update; the keys from n to np get weight 0
        for (int g = 0; g < gh; g++) {
            float *s = sc + g * T;
            float32x4_t mx = vdupq_n_f32(m[g]);
            int j = 0;
            for (; j + 4 <= n; j += 4) mx = vmaxq_f32(mx, vld1q_f32(s + j));
            float mnew = vmaxvq_f32(mx);
            for (; j < n; j++) mnew = std::fmax(mnew, s[j]);
            const float corr = std::exp(m[g] - mnew);  // 0 on the first tile (m = -inf)
            m[g] = mnew;
            const float32x4_t mv = vdupq_n_f32(mnew);
            float32x4_t sum = vdupq_n_f32(0.f);
            for (j = 0; j < np; j += 4) {
                float32x4_t e = lbn_exp(vsubq_f32(vld1q_f32(s + j), mv));
                if (j + 4 > n) {
                    const float32x4_t idx = {(float)j, (float)(j + 1), (float)(j + 2), (float)(j + 3)};
                    e = vreinterpretq_f32_u32(vandq_u32(vreinterpretq_u32_f32(e), vcltq_f32(idx, vdupq_n_f32((float)n))));
                }
                vst1q_f32(s + j, e);
                sum = vaddq_f32(sum, e);
            }
            lsum[g] = lsum[g] * corr + vaddvq_f32(sum);
            if (corr != 1.f)
                for (int i = 0; i < HD; i += 4) vst1q_f32(acc + g * HD + i, vmulq_n_f32(vld1q_f32(acc + g * HD + i), corr));
        }
        // group formats: wv[g][b][j] = bf16(p[g][j] * scale of group b of V row j), as lb_kv_value_weight
        const float *w = sc;
        if constexpr (grouped) {
            constexpr int bb = 3 + VGS * VB / 8;
            for (int g = 0; g < gh; g++)
                for (int b = 0; b < NG; b++)
                    for (int j = 0; j < np; j++) wv[(g * NG + b) * T + j] = lb_kv_value_weight(sc[g * T + j], vr[j] + b * bb);
            w = wv;
        }
        // values, 8 rows at a time (the padded rows decode to 0 with weight 0)
        for (int jb = 0; jb < n; jb += 8) {
            for (int jj = 0; jj < 8; jj++) kvn::load_row<HD, VB, VGS, !grouped>(vr[jb + jj], rt + jj * HD);
            for (int g = 0; g < gh; g++)
                for (int b = 0; b < NG; b++) {
                    const float *wb = w + (g * NG + b) * T + jb;
                    float *a = acc + g * HD + b * GW;
                    for (int i = 0; i < GW; i += 4) {
                        float32x4_t x = vld1q_f32(a + i);
                        for (int jj = 0; jj < 8; jj++) x = vfmaq_n_f32(x, vld1q_f32(rt + jj * HD + b * GW + i), wb[jj]);
                        vst1q_f32(a + i, x);
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

void attention_span_neon(const KvLayout &kl, const KvLayout &vl, const uint8_t *kc, const uint8_t *vc, const float *q,
                         int64_t q_stride, int gh, float scale, int kvh, int64_t j0, int64_t j1, float *m, float *lsum,
                         float *acc) {
    kv_span_pick<Span>(kl, vl)(kl, vl, kc, vc, q, q_stride, gh, scale, kvh, j0, j1, m, lsum, acc);
}

bool attention_supported_neon(const KvLayout &kl, const KvLayout &vl) {
    return kv_span_pair(kl, vl);
}
