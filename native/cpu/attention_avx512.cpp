// AVX-512 attention work item (reference: attention_item_scalar in attention.cpp).
// Each cached row is dequantised into NV = head_dim/16 registers (study_simd512.h; 4-bit rows come
// out in code order, so q is permuted to match and the output permuted back), then used by every
// query head of the group: pass 1 scores, vectorised softmax, pass 2 weighted sum of V rows.
// Cost (Qwen2.5-0.5B shape: 7 query heads per kv head, head_dim 64, 32K keys, 1 thread, Zen 4): ~1.55 ms
// per layer for F16 and KV4 alike, against ~1.0 ms of FP32 FMAs alone (14 heads x 64 x 2 x 32K MACs at
// 16 per cycle): the kernel is compute-bound, so KV4's 27 % of the bytes only shows once F16 becomes
// memory-bound (larger contexts, several threads). Tried without gain: two keys in registers x 8 heads
// per reduce (the padded 8th head and a reduce per key pair cost more than the saved stores), 6-row V tiles.
// GCC 12 flags _mm512_undefined_* inside its own intrinsics as uninitialised (false positive)
#pragma GCC diagnostic ignored "-Wuninitialized"
#pragma GCC diagnostic ignored "-Wmaybe-uninitialized"
#include "kv_internal.h"
#include "simd512_math.h"
#include "study_internal.h"
#include "study_simd512.h"
#include <cmath>
#include <cstring>

namespace {
// BITS: 32 = F32, 16 = F16, 8/4/3 = KV8/KV4/KV3 with group GS (compile-time so the row stays in registers)
template <int NV, int BITS, int GS>
inline void load_row(const uint8_t *row, __m512 iota, __m512 *v) {
    if (BITS == 32) {
        for (int i = 0; i < NV; i++) v[i] = _mm512_loadu_ps((const float *)row + 16 * i);
    } else if (BITS == 16) {
        for (int i = 0; i < NV; i++) v[i] = _mm512_cvtph_ps(_mm256_loadu_si256((const __m256i *)(row + 32 * i)));
    } else {
        constexpr int bb = 3 + GS * BITS / 8;
        for (int g = 0; g < NV * 16 / GS; g++) {
            const uint8_t *blk = row + g * bb;
            __m512 *dst = v + g * GS / 16;
            if (BITS == 8) {
                const __m512 z = _mm512_set1_ps((float)blk[2]), s = _mm512_set1_ps(lb512_scale(blk));
                for (int k = 0; k < GS / 16; k++) dst[k] = lb512_unpack16_u8(blk + 3 + 16 * k, z, s);
            } else {
                const __m512 lut = lb512_lut(iota, blk);
                for (int k = 0; k < GS / 32; k++) lb512_unpack32<BITS == 4 ? 4 : 3>(blk + 3 + k * 4 * BITS, lut, dst[2 * k], dst[2 * k + 1]);
            }
        }
    }
}

// accumulate n (<= KT) weighted V rows j0.. into acc[gh][hd]
template <int NV, int BITS, int GS, int KT>
inline void v_tile(const KvLayout &l, const uint8_t *vc, int kvh, __m512 iota, int64_t j0, int n, const float *sc,
                   int64_t Lp, int gh, float *acc) {
    __m512 v[KT][NV];
    for (int jj = 0; jj < n; jj++) load_row<NV, BITS, GS>(vc + l.offset(j0 + jj, kvh), iota, v[jj]);
    for (int g = 0; g < gh; g++) {
        __m512 p[KT];
        for (int jj = 0; jj < n; jj++) p[jj] = _mm512_set1_ps(sc[g * Lp + j0 + jj]);
        float *a = acc + g * NV * 16;
        for (int i = 0; i < NV; i++) {
            __m512 x = _mm512_loadu_ps(a + 16 * i);
            for (int jj = 0; jj < n; jj++) x = _mm512_fmadd_ps(p[jj], v[jj][i], x);
            _mm512_storeu_ps(a + 16 * i, x);
        }
    }
}

template <int NV, int BITS, int GS>
void item(const KvLayout &l, const uint8_t *kc, const uint8_t *vc, const float *q, int64_t pos, int gh, float scale,
          float *out, int64_t q_stride, int kvh) {
    constexpr int hd = NV * 16, KT = NV <= 4 ? 4 : NV <= 8 ? 2 : 1;
    const int64_t L = pos + 1, Lp = (L + 15) / 16 * 16;
    constexpr bool perm = BITS == 4;
    const __m512 iota = lb512_iota(BITS == 3 ? 3 : 4);
    // scratch: scores [gh][Lp], q in code order [gh][hd], accumulators [gh][hd], 16 key rows [16][hd]
    float *sc = study_scratch_f32((size_t)(gh * Lp + 2 * gh * hd + 16 * hd));
    float *qc = sc + gh * Lp, *acc = qc + gh * hd, *kt = acc + gh * hd;
    for (int g = 0; g < gh; g++)
        for (int i = 0; i < hd; i++)
            qc[g * hd + i] = q[g * q_stride + (perm ? i / 32 * 32 + lb512_code_order_elem(4, i % 32) : i)];
    const __m512 vscale = _mm512_set1_ps(scale);
    // pass 1: scores of 16 keys at a time, one reduce16 per (16 keys, head)
    for (int64_t j0 = 0; j0 < L; j0 += 16) {
        const int n = L - j0 < 16 ? (int)(L - j0) : 16;
        __m512 v[NV];
        for (int jj = 0; jj < 16; jj++) {
            if (jj < n) load_row<NV, BITS, GS>(kc + l.offset(j0 + jj, kvh), iota, v);
            else for (int i = 0; i < NV; i++) v[i] = _mm512_setzero_ps();
            for (int i = 0; i < NV; i++) _mm512_storeu_ps(kt + jj * hd + 16 * i, v[i]);
        }
        for (int g = 0; g < gh; g++) {
            __m512 qv[NV], a[16];
            for (int i = 0; i < NV; i++) qv[i] = _mm512_loadu_ps(qc + g * hd + 16 * i);
            for (int jj = 0; jj < 16; jj++) {
                a[jj] = _mm512_mul_ps(qv[0], _mm512_loadu_ps(kt + jj * hd));
                for (int i = 1; i < NV; i++) a[jj] = _mm512_fmadd_ps(qv[i], _mm512_loadu_ps(kt + jj * hd + 16 * i), a[jj]);
            }
            _mm512_storeu_ps(sc + g * Lp + j0, _mm512_mul_ps(lb512_reduce16(a), vscale));
        }
    }
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
        for (int i = 0; i < hd; i++) acc[g * hd + i] = 0.f;
    }
    // pass 2: KT value rows at a time, so each accumulator is loaded and stored once per KT rows
    int64_t j = 0;
    for (; j + KT <= L; j += KT) v_tile<NV, BITS, GS, KT>(l, vc, kvh, iota, j, KT, sc, Lp, gh, acc);
    for (; j < L; j++) v_tile<NV, BITS, GS, 1>(l, vc, kvh, iota, j, 1, sc, Lp, gh, acc);
    for (int g = 0; g < gh; g++)
        for (int i = 0; i < hd; i++)
            out[g * q_stride + (perm ? i / 32 * 32 + lb512_code_order_elem(4, i % 32) : i)] = acc[g * hd + i];
}
using ItemFn = void (*)(const KvLayout &, const uint8_t *, const uint8_t *, const float *, int64_t, int, float, float *,
                        int64_t, int);

template <int NV>
ItemFn pick_group(const KvLayout &l) {
    const int bits = l.fmt == LB_F32 ? 32 : l.fmt == LB_F16 ? 16 : l.bits;
#define LB_ITEM_BITS(B)                                                   \
    if (bits == B) switch (l.group) {                                     \
            case 32: return item<NV, B, 32>;                              \
            case 64: return item<NV, B, (NV * 16 >= 64 ? 64 : 32)>;      \
            case 128: return item<NV, B, (NV * 16 >= 128 ? 128 : 32)>;   \
            default: return item<NV, B, (NV * 16 >= 256 ? 256 : 32)>;    \
        }
    LB_ITEM_BITS(8)
    LB_ITEM_BITS(4)
    LB_ITEM_BITS(3)
#undef LB_ITEM_BITS
    return bits == 32 ? item<NV, 32, 0> : item<NV, 16, 0>;
}
}  // namespace

void attention_item_avx512(const KvLayout &l, const uint8_t *kc, const uint8_t *vc, const float *q, int64_t pos,
                           int gh, float scale, float *out, int64_t q_stride, int kvh) {
    const ItemFn f = l.head_dim == 64 ? pick_group<4>(l) : l.head_dim == 128 ? pick_group<8>(l) : pick_group<16>(l);
    f(l, kc, vc, q, pos, gh, scale, out, q_stride, kvh);
}

bool attention_supported_avx512(const KvLayout &l) {
    if (l.head_dim != 64 && l.head_dim != 128 && l.head_dim != 256) return false;
    return l.bits == 0 || l.group % 32 == 0;
}
