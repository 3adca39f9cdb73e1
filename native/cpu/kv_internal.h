// Internal: paged KV-cache addressing shared by lb_kv_store, lb_attention and the SIMD attention.
// A cache block holds block_size token slots; a slot holds n_kv_head rows of kv_row_bytes bytes.
// Quantised formats use group min(group, head_dim) (one group per head when head_dim < group).
#pragma once
#include <math.h>
#include <stdint.h>
#include <string.h>
#include "lowbit/lowbit.h"
#include "study_pack.h"
#include "format_table.h"

struct KvLayout {
    int32_t fmt, group, head_dim, n_kv_head, block_size, bits;
    int64_t row_bytes;
    const int32_t *block_table;

    // byte offset of token pos, kv head h
    int64_t offset(int64_t pos, int h) const {
        const int64_t slot = (int64_t)block_table[pos / block_size] * block_size + pos % block_size;
        return (slot * n_kv_head + h) * row_bytes;
    }
};

// rows[i] = row of position j0+i, kv head h, for i < n: runs of consecutive slots per block (a block
// is only looked up when a position lies in it; the run loop vectorises)
static inline void kv_rows(const KvLayout &l, const uint8_t *base, int h, int64_t j0, int n, const uint8_t **rows) {
    int64_t b = j0 / l.block_size;
    int s = (int)(j0 % l.block_size);
    const int64_t stride = (int64_t)l.n_kv_head * l.row_bytes, head = (int64_t)h * l.row_bytes;
    for (int i = 0; i < n; b++, s = 0) {
        const uint8_t *p = base + ((int64_t)l.block_table[b] * l.block_size + s) * stride + head;
        const int run = n - i < l.block_size - s ? n - i : l.block_size - s;
        for (int k = 0; k < run; k++) rows[i + k] = p + k * stride;
        i += run;
    }
}

// fills l; returns LB_OK, LB_ERR_ARG or LB_ERR_FORMAT
static inline int32_t kv_layout(KvLayout *l, int32_t fmt, int32_t group, const int32_t *block_table,
                                int32_t block_size, int32_t n_kv_head, int32_t head_dim) {
    if (!block_table || block_size <= 0 || n_kv_head <= 0 || head_dim <= 0) return LB_ERR_ARG;
    const FormatRow *f = format_row(fmt);
    if (!f || !(f->info.uses & LB_USE_KV)) return LB_ERR_FORMAT;
    const int bits = format_grouped(*f) ? f->info.bits : 0;
    const int32_t g = bits ? (group < head_dim ? group : head_dim) : 0;
    const int64_t rb = format_row_bytes(*f, g, head_dim);
    if (rb < 0) return LB_ERR_ARG;
    *l = KvLayout{fmt, g, head_dim, n_kv_head, block_size, bits, rb, block_table};
    return LB_OK;
}

// store one token's row of one kv head (head_dim values) in the cache format. Group formats with
// clip < 1 (QuaRot's KV clipping): each group's values are clamped to clip * [min, max] of the group
// first, so the quantiser's range is the clipped one (groups of at most 4096 values). MXFP4 rows are
// blocks of 32 quantised as MXFP4 weights are (no clipping: the plan refuses a clip ratio with it).
static inline void kv_store_row(const KvLayout &l, float clip, const float *v, uint8_t *row) {
    if (l.fmt == LB_F32) {
        memcpy(row, v, 4 * (size_t)l.head_dim);
        return;
    }
    if (l.fmt == LB_MXFP4) {
        for (int b = 0; b < l.head_dim / LB_MX_BLOCK; b++) lb_mx_quant_block(v + b * LB_MX_BLOCK, row + b * LB_MX_BLOCK_BYTES);
        return;
    }
    if (l.fmt == LB_F16) {
        for (int d = 0; d < l.head_dim; d++) {
            const uint16_t hv = lb_f32_to_f16(v[d]);
            row[2 * d] = (uint8_t)(hv & 0xff);
            row[2 * d + 1] = (uint8_t)(hv >> 8);
        }
        return;
    }
    const int64_t bb = lb_group_block_bytes(l.bits, l.group);
    for (int g = 0; g < l.head_dim / l.group; g++) {
        const float *x = v + g * l.group;
        if (clip == 1.f) {
            lb_quant_group(x, l.group, l.bits, row + g * bb);
            continue;
        }
        float tmp[4096];
        float mn = x[0], mx = x[0];
        for (int j = 1; j < l.group; j++) mn = fminf(mn, x[j]), mx = fmaxf(mx, x[j]);
        const float lo = mn * clip, hi = mx * clip;
        for (int j = 0; j < l.group; j++) tmp[j] = x[j] < lo ? lo : x[j] > hi ? hi : x[j];
        lb_quant_group(tmp, l.group, l.bits, row + g * bb);
    }
}

// dequantise one cached row into out[head_dim] (scalar reference)
static inline void kv_load_row(const KvLayout &l, const uint8_t *row, float *out) {
    if (l.fmt == LB_F32) {
        for (int i = 0; i < l.head_dim; i++) memcpy(&out[i], row + 4 * i, 4);
    } else if (l.fmt == LB_F16) {
        for (int i = 0; i < l.head_dim; i++) out[i] = lb_f16_to_f32((uint16_t)(row[2 * i] | (row[2 * i + 1] << 8)));
    } else if (l.fmt == LB_MXFP4) {
        for (int b = 0; b < l.head_dim / LB_MX_BLOCK; b++) lb_mx_dequant_block(row + b * LB_MX_BLOCK_BYTES, out + b * LB_MX_BLOCK);
    } else {
        const int64_t bb = lb_group_block_bytes(l.bits, l.group);
        for (int g = 0; g < l.head_dim / l.group; g++) lb_dequant_group(row + g * bb, l.bits, l.group, out + g * l.group);
    }
}

// ---- attention work split (attention.cpp) ----
// keys per online-softmax tile: K and V are read in runs of this many rows (shorter runs alternating
// between the K and V pools cost ~30% on an F16 cache read from DRAM); scores of a tile stay in L2
constexpr int ATTN_TILE = 1024;
// keys per span when a row of keys is split across threads (decode); a multiple of ATTN_TILE
constexpr int64_t ATTN_SPAN = 1024;

// SIMD attention over keys [j0, j1) for the gh query heads of kv head kvh (q: gh rows of
// q_stride floats), K rows in layout kl and V rows in vl (one format, or a mixed pair such as KV8
// keys with KV4 values); returns per head the running max m, the exp sum lsum and the unnormalised
// output acc[gh][head_dim], as attention_span_scalar does. attention_supported_avx512 says
// whether the pair has a SIMD path (otherwise the caller uses the scalar reference).
bool attention_supported_avx512(const KvLayout &kl, const KvLayout &vl);
void attention_span_avx512(const KvLayout &kl, const KvLayout &vl, const uint8_t *kc, const uint8_t *vc, const float *q,
                           int64_t q_stride, int gh, float scale, int kvh, int64_t j0, int64_t j1, float *m, float *lsum,
                           float *acc);
// AVX2 variant (attention_avx2.cpp), for CPUs without AVX-512: the same shapes and pairs
bool attention_supported_avx2(const KvLayout &kl, const KvLayout &vl);
void attention_span_avx2(const KvLayout &kl, const KvLayout &vl, const uint8_t *kc, const uint8_t *vc, const float *q,
                         int64_t q_stride, int gh, float scale, int kvh, int64_t j0, int64_t j1, float *m, float *lsum,
                         float *acc);
// NEON variant (attention_neon.cpp), AArch64: the AVX2 kernel's shapes and pairs
bool attention_supported_neon(const KvLayout &kl, const KvLayout &vl);
void attention_span_neon(const KvLayout &kl, const KvLayout &vl, const uint8_t *kc, const uint8_t *vc, const float *q,
                         int64_t q_stride, int gh, float scale, int kvh, int64_t j0, int64_t j1, float *m, float *lsum,
                         float *acc);

// ---- the tiled span kernels' shapes and instantiations (AVX2, NEON; internal linkage: each ISA's
// file instantiates them with its own flags) ----
using KvSpanFn = void (*)(const KvLayout &, const KvLayout &, const uint8_t *, const uint8_t *, const float *, int64_t, int,
                          float, int, int64_t, int64_t, float *, float *, float *);

// a pool they read: head_dim 64/128/256, F32/F16 or KV8/KV4/KV3 with groups of 32..256
static inline bool kv_span_shape(const KvLayout &l) {
    if (l.head_dim != 64 && l.head_dim != 128 && l.head_dim != 256) return false;
    if (l.bits == 0) return l.fmt == LB_F32 || l.fmt == LB_F16;
    return (l.bits == 8 || l.bits == 4 || l.bits == 3) &&
           (l.group == 32 || l.group == 64 || l.group == 128 || l.group == 256);
}

// a pair they read: both pools' shapes, F32 only with F32 (no mixed kernel is instantiated for it)
static inline bool kv_span_pair(const KvLayout &kl, const KvLayout &vl) {
    return kv_span_shape(kl) && kv_span_shape(vl) && ((kl.fmt == LB_F32) == (vl.fmt == LB_F32));
}

// bits of a layout as the kernels' template argument: 32 F32, 16 F16, else the group format's bits
static inline int kv_span_bits(const KvLayout &l) { return l.fmt == LB_F32 ? 32 : l.fmt == LB_F16 ? 16 : l.bits; }

// S<HD, KB, VB, GS>::run for a pair of kv_span_pair: K in KB bits, V in VB, GS the group of whichever
// pool is grouped (a grouped pair shares it; a compile-time constant, capped at the head dimension)
template <template <int, int, int, int> class S, int HD, int KB, int VB>
static KvSpanFn kv_span_group(int group) {
    if constexpr ((KB == 32) != (VB == 32)) {
        return nullptr;
    } else if constexpr (KB > 8 && VB > 8) {
        return S<HD, KB, VB, 0>::run;
    } else {
        switch (group) {
            case 32: return S<HD, KB, VB, 32>::run;
            case 64: return S<HD, KB, VB, (HD >= 64 ? 64 : 32)>::run;
            case 128: return S<HD, KB, VB, (HD >= 128 ? 128 : 32)>::run;
            default: return S<HD, KB, VB, (HD >= 256 ? 256 : 32)>::run;
        }
    }
}

template <template <int, int, int, int> class S, int HD, int KB>
static KvSpanFn kv_span_v(int vb, int group) {
    switch (vb) {
        case 32: return kv_span_group<S, HD, KB, 32>(group);
        case 16: return kv_span_group<S, HD, KB, 16>(group);
        case 8: return kv_span_group<S, HD, KB, 8>(group);
        case 4: return kv_span_group<S, HD, KB, 4>(group);
        default: return kv_span_group<S, HD, KB, 3>(group);
    }
}

template <template <int, int, int, int> class S, int HD>
static KvSpanFn kv_span_k(const KvLayout &kl, const KvLayout &vl) {
    const int vb = kv_span_bits(vl), group = kl.bits ? kl.group : vl.group;
    switch (kv_span_bits(kl)) {
        case 32: return kv_span_v<S, HD, 32>(vb, group);
        case 16: return kv_span_v<S, HD, 16>(vb, group);
        case 8: return kv_span_v<S, HD, 8>(vb, group);
        case 4: return kv_span_v<S, HD, 4>(vb, group);
        default: return kv_span_v<S, HD, 3>(vb, group);
    }
}

template <template <int, int, int, int> class S>
static KvSpanFn kv_span_pick(const KvLayout &kl, const KvLayout &vl) {
    return kl.head_dim == 64 ? kv_span_k<S, 64>(kl, vl) : kl.head_dim == 128 ? kv_span_k<S, 128>(kl, vl) : kv_span_k<S, 256>(kl, vl);
}

// AVX512_BF16 variant (attention_bf16_avx512.cpp): KV4 with one group per row, head_dim 64 or 128
bool attention_supported_bf16(const KvLayout &l);
void attention_span_bf16(const KvLayout &l, const uint8_t *kc, const uint8_t *vc, const float *q, int64_t q_stride, int gh,
                         float scale, int kvh, int64_t j0, int64_t j1, float *m, float *lsum, float *acc);
