// NEON lb_kvs_attention work item (AArch64; reference: item_scalar in kv_static.cpp): kv_static_avx2.cpp's
// two passes with 4-float vectors, head_dim 64/128/256 with RoPE over the whole head, V in
// F32/F16/KV8/KV4/KV3 (kv_neon.h's row reader, as kv_load_row dequantises).
//  - pass 1, 16 keys per block: each key's codes -> float, one FMA with the channel's scale and
//    offset, rotated by R(jj) for its offset jj < 16; each query head rotated back by R(j0) once per
//    block (q.R(j0)R(jj)k = (R(j0)^T q).(R(jj)k)); 8 scores per query head at a time.
//  - softmax over the whole row of scores (lbn_exp), then pass 2: out += p * V row, 4 rows per
//    load/store of the accumulators.
#include "kv_static_internal.h"
#include "neon_math.h"
#include "kv_neon.h"
#include "study_internal.h"
#include <cmath>
#include <cstring>

namespace {
// RoPE of NV vectors (one head, natural order) with cos row cs and sin row sn (rot_dim = head_dim)
template <int NV>
inline void rotate(float32x4_t *k, const float *cs, const float *sn, int neox) {
    if (neox) {
        for (int r = 0; r < NV / 2; r++) {
            const float32x4_t c = vld1q_f32(cs + 4 * r), sv = vld1q_f32(sn + 4 * r), x = k[r], y = k[r + NV / 2];
            k[r] = vfmsq_f32(vmulq_f32(x, c), y, sv);
            k[r + NV / 2] = vfmaq_f32(vmulq_f32(y, c), x, sv);
        }
    } else {  // pairs of adjacent lanes: pair i of register r takes table entry 2r + i
        const float32x4_t sign = {-1.f, 1.f, -1.f, 1.f};
        for (int r = 0; r < NV; r++) {
            const float32x2_t c2 = vld1_f32(cs + 2 * r), s2 = vld1_f32(sn + 2 * r);
            const float32x4_t c = vcombine_f32(vdup_lane_f32(c2, 0), vdup_lane_f32(c2, 1));
            const float32x4_t ss = vmulq_f32(vcombine_f32(vdup_lane_f32(s2, 0), vdup_lane_f32(s2, 1)), sign);  // (-s, +s)
            k[r] = vfmaq_f32(vmulq_f32(k[r], c), vrev64q_f32(k[r]), ss);
        }
    }
}

// codes of one K row (chunks of 32 channels, kv_static_internal.h) -> NV vectors of the key, dequantised
// and rotated by table row cs (natural channel order)
template <int NV, int KB>
inline void load_key(const uint8_t *row, const float *s, const float *o, const float *cs, int neox, float32x4_t *k) {
    for (int c = 0; c < NV / 8; c++) {  // chunk c: channels 32c.., vectors 8c..8c+7
        uint8x16_t lo16, hi16;          // codes of channels 0..15 / 16..31 of the chunk
        if (KB == 8) {
            lo16 = vld1q_u8(row + 32 * c), hi16 = vld1q_u8(row + 32 * c + 16);
        } else if (KB == 4) {  // low nibbles: channels 0..15, high: 16..31
            const uint8x16_t v = vld1q_u8(row + 16 * c);
            lo16 = vandq_u8(v, vdupq_n_u8(15)), hi16 = vshrq_n_u8(v, 4);
        } else {  // 2 low bits per channel in the chunk's first 8 bytes (4 per byte), the high bits in its last 4
            const uint8_t *ch = row + 12 * c;
            alignas(16) uint8_t q[32];
            for (int i = 0; i < 32; i++) q[i] = (uint8_t)(((ch[i / 4] >> (2 * (i % 4))) & 3) | (((ch[8 + i / 8] >> (i % 8)) & 1) << 2));
            lo16 = vld1q_u8(q), hi16 = vld1q_u8(q + 16);
        }
        const uint8x16_t h[2] = {lo16, hi16};
        for (int half = 0; half < 2; half++) {
            const uint16x8_t w0 = vmovl_u8(vget_low_u8(h[half])), w1 = vmovl_high_u8(h[half]);
            const uint32x4_t u[4] = {vmovl_u16(vget_low_u16(w0)), vmovl_high_u16(w0), vmovl_u16(vget_low_u16(w1)), vmovl_high_u16(w1)};
            for (int i = 0; i < 4; i++) {
                const int v = 8 * c + 4 * half + i;
                k[v] = vfmaq_f32(vld1q_f32(o + 4 * v), vcvtq_f32_u32(u[i]), vld1q_f32(s + 4 * v));
            }
        }
    }
    rotate<NV>(k, cs, cs + NV * 2, neox);
}

// pass 1: scaled scores of keys 0..L-1 for the gh heads, into sc[gh][Lp]; kt: scratch [16][hd], qr: [gh][hd]
template <int NV, int KB>
void scores(const KvsArgs &a, const float *q, int64_t L, int64_t Lp, int gh, int kvh, float *sc, float *kt, float *qr) {
    constexpr int hd = NV * 4, half = NV * 2;
    const float *s = a.k_scale + (int64_t)kvh * hd, *o = a.k_offset + (int64_t)kvh * hd;
    alignas(16) float nsin[half];
    for (int64_t j0 = 0; j0 < L; j0 += 16) {
        const int n = L - j0 < 16 ? (int)(L - j0) : 16;
        const float *cs0 = a.rope + j0 * hd;
        for (int i = 0; i < half; i++) nsin[i] = -cs0[half + i];
        for (int g = 0; g < gh; g++) {
            float32x4_t qv[NV];
            for (int i = 0; i < NV; i++) qv[i] = vld1q_f32(q + g * hd + 4 * i);
            rotate<NV>(qv, cs0, nsin, a.neox);
            for (int i = 0; i < NV; i++) vst1q_f32(qr + g * hd + 4 * i, qv[i]);
        }
        float32x4_t v[NV];
        for (int jj = 0; jj < 16; jj++) {
            if (jj < n) load_key<NV, KB>(a.kc + a.k.offset(j0 + jj, kvh), s, o, a.rope + jj * hd, a.neox, v);
            else for (int i = 0; i < NV; i++) v[i] = vdupq_n_f32(0.f);
            for (int i = 0; i < NV; i++) vst1q_f32(kt + jj * hd + 4 * i, v[i]);
        }
        for (int g = 0; g < gh; g++)
            for (int h = 0; h < 2; h++) {
                float32x4_t acc[8];
                for (int jj = 0; jj < 8; jj++) acc[jj] = vdupq_n_f32(0.f);
                for (int i = 0; i < NV; i++) {
                    const float32x4_t qv = vld1q_f32(qr + g * hd + 4 * i);
                    for (int jj = 0; jj < 8; jj++) acc[jj] = vfmaq_f32(acc[jj], qv, vld1q_f32(kt + (8 * h + jj) * hd + 4 * i));
                }
                const float32x4_t s0 = vpaddq_f32(vpaddq_f32(acc[0], acc[1]), vpaddq_f32(acc[2], acc[3]));
                const float32x4_t s1 = vpaddq_f32(vpaddq_f32(acc[4], acc[5]), vpaddq_f32(acc[6], acc[7]));
                vst1q_f32(sc + g * Lp + j0 + 8 * h, vmulq_n_f32(s0, a.scale));
                vst1q_f32(sc + g * Lp + j0 + 8 * h + 4, vmulq_n_f32(s1, a.scale));
            }
    }
}

// pass 2: out[g] = sum_j p[g][j] * V[j], 4 dequantised rows per load/store of each head's accumulators
template <int NV, int VB, int GS>
void values(const KvsArgs &a, int64_t L, int64_t Lp, int gh, int kvh, const float *sc, float *vt, float *out) {
    constexpr int hd = NV * 4, KT = 4;
    for (int i = 0; i < gh * hd; i++) out[i] = 0.f;
    for (int64_t j = 0; j < L; j += KT) {
        const int n = L - j < KT ? (int)(L - j) : KT;
        for (int jj = 0; jj < n; jj++) kvn::load_row<hd, VB, GS, true>(a.vc + a.v.offset(j + jj, kvh), vt + jj * hd);
        for (int g = 0; g < gh; g++) {
            const float *p = sc + g * Lp + j;
            float *ag = out + g * hd;
            for (int i = 0; i < hd; i += 4) {
                float32x4_t x = vld1q_f32(ag + i);
                for (int jj = 0; jj < n; jj++) x = vfmaq_n_f32(x, vld1q_f32(vt + jj * hd + i), p[jj]);
                vst1q_f32(ag + i, x);
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
    static constexpr KvsValuesFn run = values<HD / 4, VB, GS>;
};
}  // namespace

bool kvs_supported_neon(const KvsArgs &a) {
    return kvs_simd_shape(a);
}

void kvs_item_neon(const KvsArgs &a, const float *q, int64_t pos, int gh, float *out, int kvh) {
    const int hd = a.k.head_dim;
    const int64_t L = pos + 1, Lp = (L + 15) / 16 * 16;
    // scratch: scores [gh][Lp], 16 key rows [16][hd] (then 4 value rows), rotated queries [gh][hd]
    float *sc = study_scratch_f32((size_t)(gh * Lp + 16 * hd + gh * hd));
    float *kt = sc + gh * Lp, *qr = kt + 16 * hd;
    const ScoresFn sf = hd == 64 ? pick_scores<16>(a.k.bits) : hd == 128 ? pick_scores<32>(a.k.bits) : pick_scores<64>(a.k.bits);
    sf(a, q, L, Lp, gh, kvh, sc, kt, qr);
    for (int g = 0; g < gh; g++) {
        float *s = sc + g * Lp;
        float m = -INFINITY;
        for (int64_t j = 0; j < L; j++) m = std::fmax(m, s[j]);
        float32x4_t sum = vdupq_n_f32(0.f);
        int64_t j = 0;
        for (; j + 4 <= L; j += 4) {
            const float32x4_t e = lbn_exp(vsubq_f32(vld1q_f32(s + j), vdupq_n_f32(m)));
            vst1q_f32(s + j, e);
            sum = vaddq_f32(sum, e);
        }
        float tsum = vaddvq_f32(sum);
        for (; j < L; j++) tsum += (s[j] = std::exp(s[j] - m));
        const float inv = 1.f / tsum;
        for (j = 0; j < L; j++) s[j] *= inv;
    }
    kvs_values_pick<Values>(a.v)(a, L, Lp, gh, kvh, sc, kt, out);
}
