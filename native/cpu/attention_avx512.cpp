// AVX-512 attention work item (reference: attention_item_scalar in attention.cpp).
// Each cached row is dequantised into NV = head_dim/16 registers (study_simd512.h; 4-bit rows come
// out in code order, so q is permuted to match and the output permuted back), then used by every
// query head of the group: pass 1 scores, vectorised softmax, pass 2 weighted sum of V rows.
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
template <int NV>
inline void load_row(const KvLayout &l, const uint8_t *row, __m512 iota, __m512 *v) {
    if (l.fmt == LB_F32) {
        for (int i = 0; i < NV; i++) v[i] = _mm512_loadu_ps((const float *)row + 16 * i);
    } else if (l.fmt == LB_F16) {
        for (int i = 0; i < NV; i++) v[i] = _mm512_cvtph_ps(_mm256_loadu_si256((const __m256i *)(row + 32 * i)));
    } else {
        const int gs = l.group, bb = 3 + gs * l.bits / 8;
        for (int g = 0; g < NV * 16 / gs; g++) {
            const uint8_t *blk = row + g * bb;
            __m512 *dst = v + g * gs / 16;
            if (l.bits == 8) {
                const __m512 z = _mm512_set1_ps((float)blk[2]), s = _mm512_set1_ps(lb512_scale(blk));
                for (int k = 0; k < gs / 16; k++) dst[k] = lb512_unpack16_u8(blk + 3 + 16 * k, z, s);
            } else {
                const __m512 lut = lb512_lut(iota, blk);
                for (int k = 0; k < gs / 32; k++) {
                    if (l.bits == 4) lb512_unpack32<4>(blk + 3 + 16 * k, lut, dst[2 * k], dst[2 * k + 1]);
                    else lb512_unpack32<3>(blk + 3 + 12 * k, lut, dst[2 * k], dst[2 * k + 1]);
                }
            }
        }
    }
}

template <int NV>
void item(const KvLayout &l, const uint8_t *kc, const uint8_t *vc, const float *q, int64_t pos, int gh, float scale,
          float *out, int64_t q_stride, int kvh) {
    const int hd = NV * 16;
    const int64_t L = pos + 1, Lp = (L + 15) / 16 * 16;
    const bool perm = l.bits == 4;
    const __m512 iota = lb512_iota(l.bits == 8 ? 4 : l.bits);
    // scratch: scores [gh][Lp], q in code order [gh][hd], accumulators [gh][hd]
    float *sc = study_scratch_f32((size_t)(gh * Lp + 2 * gh * hd));
    float *qc = sc + gh * Lp, *acc = qc + gh * hd;
    for (int g = 0; g < gh; g++)
        for (int i = 0; i < hd; i++)
            qc[g * hd + i] = q[g * q_stride + (perm ? i / 32 * 32 + lb512_code_order_elem(4, i % 32) : i)];
    __m512 v[NV];
    for (int64_t j = 0; j < L; j++) {
        load_row<NV>(l, kc + l.offset(j, kvh), iota, v);
        for (int g = 0; g < gh; g++) {
            __m512 a = _mm512_mul_ps(v[0], _mm512_loadu_ps(qc + g * hd));
            for (int i = 1; i < NV; i++) a = _mm512_fmadd_ps(v[i], _mm512_loadu_ps(qc + g * hd + 16 * i), a);
            sc[g * Lp + j] = _mm512_reduce_add_ps(a) * scale;
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
    for (int64_t j = 0; j < L; j++) {
        load_row<NV>(l, vc + l.offset(j, kvh), iota, v);
        for (int g = 0; g < gh; g++) {
            const __m512 p = _mm512_set1_ps(sc[g * Lp + j]);
            float *a = acc + g * hd;
            for (int i = 0; i < NV; i++) _mm512_storeu_ps(a + 16 * i, _mm512_fmadd_ps(p, v[i], _mm512_loadu_ps(a + 16 * i)));
        }
    }
    for (int g = 0; g < gh; g++)
        for (int i = 0; i < hd; i++)
            out[g * q_stride + (perm ? i / 32 * 32 + lb512_code_order_elem(4, i % 32) : i)] = acc[g * hd + i];
}
}  // namespace

bool attention_supported_avx512(const KvLayout &l) {
    if (l.head_dim != 64 && l.head_dim != 128 && l.head_dim != 256) return false;
    return l.bits == 0 || l.group % 32 == 0;
}

void attention_item_avx512(const KvLayout &l, const uint8_t *kc, const uint8_t *vc, const float *q, int64_t pos,
                           int gh, float scale, float *out, int64_t q_stride, int kvh) {
    switch (l.head_dim) {
        case 64: item<4>(l, kc, vc, q, pos, gh, scale, out, q_stride, kvh); break;
        case 128: item<8>(l, kc, vc, q, pos, gh, scale, out, q_stride, kvh); break;
        default: item<16>(l, kc, vc, q, pos, gh, scale, out, q_stride, kvh); break;
    }
}
