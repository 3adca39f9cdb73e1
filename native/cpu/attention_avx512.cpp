// AVX-512 attention over a span of keys (reference: attention_span_scalar in attention.cpp).
// Online softmax over tiles of ATTN_TILE keys; per tile:
//  - scores, 16 keys at a time: each key row dequantised once ((code - z) * s through a per-group
//    table, study_simd512.h; F16 converted) into NV = head_dim/16 registers and stored to a small
//    L1 tile, then dotted with every query head of the group (GQA: the row is decoded once for
//    n_head/n_kv_head heads), one reduce16 per (16 keys, head). 4-bit rows come out in code order,
//    so the query is permuted to match once per span and the output permuted back at the end.
//  - softmax update: new running max, rescale of the sum and the output accumulators.
//  - values: KT rows dequantised into registers and accumulated into every head's output with FMAs.
// Rows are addressed once per tile (kv_rows) and prefetched a block ahead. K and V may be in different
// formats (a mixed pair, kv-k8v4): the key rows decode in K's format, the value rows in V's.
// Cost: bound by the FP32 FMAs (2 x n_head x head_dim per key). Qwen2.5-0.5B shape, one Zen 4
// core, cache in DRAM (build/bench_attention 1, shared machine at load ~5): 32K keys per layer
// F16 ~2.3-2.5 ms (memory), KV4 ~1.7-1.8 ms (compute), so KV4's 27 % of the bytes buys only ~1.35x.
// Tried: integer scores (int8 query x codes, vpdpbusd) and values (u8 softmax weights x codes):
// KV4 ~1.16 ms (2.1x F16) but that quantises the query and the weights, which the study does not
// (removed). Also tried without gain: transposed 4-bit scores (a vector per dimension over 16 keys,
// no reduce16), 256-key tiles (K/V runs too short for DRAM streaming: F16 -30 %).
// GCC 12 flags _mm512_undefined_* inside its own intrinsics as uninitialised (false positive)
#pragma GCC diagnostic ignored "-Wuninitialized"
#pragma GCC diagnostic ignored "-Wmaybe-uninitialized"
#include "kv_internal.h"
#include "simd512_math.h"
#include "study_internal.h"
#include "study_simd512.h"
#include "kv_simd512.h"
#include <cmath>
#include <cstring>

namespace {
// accumulate n (<= KT) weighted V rows j0.. into acc[gh][hd]: weights w[(g * NG + b) * ATTN_TILE + jj]
// for head g and group b of the row (NG = 1 for F32/F16, where w is the softmax weight p; group
// formats: bf16(p * group scale), multiplying (code - z), as attention_span_scalar)
template <int NV, int BITS, int GS, int KT>
inline void v_tile(const uint8_t *const *rows, __m512 iota, int n, const float *w, int gh, float *acc) {
    constexpr bool grouped = BITS <= 8;
    constexpr int NG = grouped ? NV * 16 / GS : 1, VPG = NV / NG;  // groups per row, vectors per group
    __m512 v[KT][NV];
    for (int jj = 0; jj < n; jj++) kvsimd::load_row<NV, BITS, GS, !grouped>(rows[jj], iota, v[jj]);
    for (int g = 0; g < gh; g++) {
        __m512 wv[KT][NG];
        for (int jj = 0; jj < n; jj++)
            for (int b = 0; b < NG; b++) wv[jj][b] = _mm512_set1_ps(w[(g * NG + b) * ATTN_TILE + jj]);
        float *a = acc + g * NV * 16;
        for (int i = 0; i < NV; i++) {
            __m512 x = _mm512_loadu_ps(a + 16 * i);
            for (int jj = 0; jj < n; jj++) x = _mm512_fmadd_ps(wv[jj][i / VPG], v[jj][i], x);
            _mm512_storeu_ps(a + 16 * i, x);
        }
    }
}

// group formats: w[(g * NG + b) * ATTN_TILE + j] = bf16(p[g][j] * scale of group b of V row j), j < np
template <int NV, int BITS, int GS>
inline void value_weights(const uint8_t *const *vr, int np, const float *p, int gh, float *vs, float *w) {
    constexpr int NG = NV * 16 / GS, bb = 3 + GS * BITS / 8;
    for (int b = 0; b < NG; b++)
        for (int j = 0; j < np; j += 16) {
            alignas(32) uint16_t h[16];
            for (int jj = 0; jj < 16; jj++) std::memcpy(&h[jj], vr[j + jj] + b * bb, 2);
            _mm512_storeu_ps(vs + b * ATTN_TILE + j, _mm512_cvtph_ps(_mm256_load_si256((const __m256i *)h)));
        }
    for (int g = 0; g < gh; g++)
        for (int b = 0; b < NG; b++)
            for (int j = 0; j < np; j += 16)
                _mm512_storeu_ps(w + (g * NG + b) * ATTN_TILE + j,
                                 lb512_bf16_round(_mm512_mul_ps(_mm512_loadu_ps(p + g * ATTN_TILE + j),
                                                                _mm512_loadu_ps(vs + b * ATTN_TILE + j))));
}

// stands in for the rows past the end of a tile (scale 0, zero 0, codes 0); larger than any row
alignas(64) const uint8_t kZeroRow[1024] = {};

// K rows in KB bits (32 F32, 16 F16, 8/4/3 group formats), V rows in VB bits; GS: the group of whichever
// pool is grouped (both are capped at head_dim alike, so a grouped pair shares it). K's format decides
// the score path (bf16 query for a group format), V's the value path (bf16(p * s) weights), as
// attention_span_scalar; an equal pair (KB == VB) is the single-format kernel
template <int NV, int KB, int VB, int GS>
void span(const KvLayout &kl, const KvLayout &vl, const uint8_t *kc, const uint8_t *vc, const float *q, int64_t q_stride,
          int gh, float scale, int kvh, int64_t j0, int64_t j1, float *m, float *lsum, float *acc_out) {
    constexpr int hd = NV * 16, T = ATTN_TILE, KT = NV <= 4 ? 4 : NV <= 8 ? 2 : 1;
    constexpr int KGS = KB <= 8 ? GS : 0, VGS = VB <= 8 ? GS : 0;
    // 4-bit rows dequantise in code order (study_simd512.h): the query follows K's order, the
    // accumulators V's
    constexpr bool qperm = KB == 4, vperm = VB == 4;
    const __m512 kiota = lb512_iota(KB == 3 ? 3 : 4), viota = lb512_iota(VB == 3 ? 3 : 4), vscale = _mm512_set1_ps(scale);
    constexpr int NG = VB <= 8 ? hd / GS : 0;  // value groups per row (group-format V)
    // scratch: scores [gh][T], accumulators [gh][hd] (code order for 4-bit V), key tile [16][hd], query
    // [gh][hd] (code order for 4-bit K), group-format V's value scales [NG][T] and weights [gh][NG][T]
    float *sc = study_scratch_f32((size_t)(gh * T + 2 * gh * hd + 16 * hd + NG * T * (1 + gh)));
    float *acc = sc + gh * T, *kt = acc + gh * hd, *qf = kt + 16 * hd, *vs = qf + gh * hd, *wv = vs + NG * T;
    for (int g = 0; g < gh; g++)
        for (int i = 0; i < hd; i++) {
            const float x = q[g * q_stride + (qperm ? i / 32 * 32 + lb512_code_order_elem(4, i % 32) : i)];
            qf[g * hd + i] = KB <= 8 ? lb_bf16_round(x) : x;  // group-format K: bf16 query (attention.cpp)
        }
    for (int g = 0; g < gh; g++) {
        m[g] = -INFINITY;
        lsum[g] = 0.f;
        for (int i = 0; i < hd; i++) acc[g * hd + i] = 0.f;
    }
    for (int64_t t0 = j0; t0 < j1; t0 += T) {
        const int n = (int)(j1 - t0 < T ? j1 - t0 : T);
        const uint8_t *kr[T], *vr[T];  // the tile's rows, addressed once
        kv_rows(kl, kc, kvh, t0, n, kr);
        kv_rows(vl, vc, kvh, t0, n, vr);
        for (int j = n; j < (n + 15) / 16 * 16; j++) kr[j] = vr[j] = kZeroRow;
        // scores of 16 keys at a time into sc[g][jb..]: rows dequantised once into kt, then every head
        for (int jb = 0; jb < n; jb += 16) {
            // KV8 values: prefetched into L2 too (kvsimd::prefetch_keys_values); not for K8V4's KV4 values
            // (bench_attention 32K: -1..-4% at head_dim 128, +6-8% at 64)
            if constexpr (VB == 8)
                kvsimd::prefetch_keys_values(kr, vr, jb, n, kl.row_bytes, vl.row_bytes);
            else
                kvsimd::prefetch_keys<false>(kr, jb, n, kl.row_bytes);
            __m512 v[NV];
            for (int jj = 0; jj < 16; jj++) {
                kvsimd::load_row<NV, KB, KGS>(kr[jb + jj], kiota, v);
                for (int i = 0; i < NV; i++) _mm512_storeu_ps(kt + jj * hd + 16 * i, v[i]);
            }
            kvsimd::scores16<NV>(kt, qf, gh, sc, T, jb, vscale);
        }
        // online softmax update (keys past n masked out), then the output accumulators rescaled
        for (int g = 0; g < gh; g++) {
            const float corr = kvsimd::softmax_tile(sc + g * T, n, m[g], lsum[g]);
            if (corr != 1.f) {
                const __m512 cv = _mm512_set1_ps(corr);
                for (int i = 0; i < hd; i += 16) _mm512_storeu_ps(acc + g * hd + i, _mm512_mul_ps(_mm512_loadu_ps(acc + g * hd + i), cv));
            }
        }
        // values: KT rows at a time, so each accumulator is loaded and stored once per KT rows
        int j = 0;
        const float *w = sc;
        if constexpr (VB <= 8) {
            value_weights<NV, VB, VGS>(vr, (n + 15) / 16 * 16, sc, gh, vs, wv);
            w = wv;
        }
        for (; j + KT <= n; j += KT) v_tile<NV, VB, VGS, KT>(vr + j, viota, KT, w + j, gh, acc);
        for (; j < n; j++) v_tile<NV, VB, VGS, 1>(vr + j, viota, 1, w + j, gh, acc);
    }
    for (int g = 0; g < gh; g++)
        for (int i = 0; i < hd; i++) acc_out[g * hd + (vperm ? i / 32 * 32 + lb512_code_order_elem(4, i % 32) : i)] = acc[g * hd + i];
}

using SpanFn = void (*)(const KvLayout &, const KvLayout &, const uint8_t *, const uint8_t *, const float *, int64_t, int,
                        float, int, int64_t, int64_t, float *, float *, float *);

// bits of a layout as the kernels' template argument: 32 F32, 16 F16, else the group format's bits
inline int kv_bits(const KvLayout &l) { return l.fmt == LB_F32 ? 32 : l.fmt == LB_F16 ? 16 : l.bits; }

// the kernel of one (K, V) pair with the group as a compile-time constant capped at the head dimension
// (a group larger than the row is the whole row); F32 only pairs with itself (mixed pairs: F16/KV8/KV4/KV3)
template <int NV, int KB, int VB>
SpanFn pick_group(int group) {
    if constexpr ((KB == 32) != (VB == 32)) {
        return nullptr;
    } else if constexpr (KB > 8 && VB > 8) {
        return span<NV, KB, VB, 0>;
    } else {
        switch (group) {
            case 32: return span<NV, KB, VB, 32>;
            case 64: return span<NV, KB, VB, (NV * 16 >= 64 ? 64 : 32)>;
            case 128: return span<NV, KB, VB, (NV * 16 >= 128 ? 128 : 32)>;
            default: return span<NV, KB, VB, (NV * 16 >= 256 ? 256 : 32)>;
        }
    }
}

template <int NV, int KB>
SpanFn pick_v(int vb, int group) {
    switch (vb) {
        case 32: return pick_group<NV, KB, 32>(group);
        case 16: return pick_group<NV, KB, 16>(group);
        case 8: return pick_group<NV, KB, 8>(group);
        case 4: return pick_group<NV, KB, 4>(group);
        default: return pick_group<NV, KB, 3>(group);
    }
}

template <int NV>
SpanFn pick(const KvLayout &kl, const KvLayout &vl) {
    const int vb = kv_bits(vl), group = kl.bits ? kl.group : vl.group;
    switch (kv_bits(kl)) {
        case 32: return pick_v<NV, 32>(vb, group);
        case 16: return pick_v<NV, 16>(vb, group);
        case 8: return pick_v<NV, 8>(vb, group);
        case 4: return pick_v<NV, 4>(vb, group);
        default: return pick_v<NV, 3>(vb, group);
    }
}

bool shape_supported(const KvLayout &l) {
    if (l.head_dim != 64 && l.head_dim != 128 && l.head_dim != 256) return false;
    return l.bits == 0 ? l.fmt == LB_F32 || l.fmt == LB_F16 : l.group % 32 == 0;
}
}  // namespace

void attention_span_avx512(const KvLayout &kl, const KvLayout &vl, const uint8_t *kc, const uint8_t *vc, const float *q,
                           int64_t q_stride, int gh, float scale, int kvh, int64_t j0, int64_t j1, float *m, float *lsum,
                           float *acc) {
    const SpanFn f = kl.head_dim == 64 ? pick<4>(kl, vl) : kl.head_dim == 128 ? pick<8>(kl, vl) : pick<16>(kl, vl);
    f(kl, vl, kc, vc, q, q_stride, gh, scale, kvh, j0, j1, m, lsum, acc);
}

bool attention_supported_avx512(const KvLayout &kl, const KvLayout &vl) {
    // F32 pairs only with F32 (no mixed kernel instantiated for it)
    return shape_supported(kl) && shape_supported(vl) && ((kl.fmt == LB_F32) == (vl.fmt == LB_F32));
}
