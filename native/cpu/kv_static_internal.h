// Internal: the LB_KVS8/4/3 K-row packing (codes only, chunks of 32 channels; see format.h) and the
// work-item signature shared by the scalar, AVX2, AVX-512 and NEON lb_kvs_attention.
#pragma once
#include <stdint.h>
#include "kv_internal.h"

// bits of a static-K format's codes, 0 for any other id
static inline int kvs_bits(int32_t fmt) {
    const FormatRow *f = format_row(fmt);
    return f && (f->info.uses & LB_USE_K_STATIC) ? f->info.bits : 0;
}

// code of channel i in a row of hd codes
static inline int kvs_get_code(const uint8_t *row, int bits, int hd, int i) {
    if (bits == 8) return row[i];
    const int c0 = i / 32 * 32, n = hd - c0 < 32 ? hd - c0 : 32, k = i - c0;
    const uint8_t *ch = row + (int64_t)c0 * bits / 8;
    if (bits == 4) return k < n / 2 ? ch[k] & 15 : ch[k - n / 2] >> 4;
    return ((ch[k / 4] >> (2 * (k % 4))) & 3) | (((ch[n / 4 + k / 8] >> (k % 8)) & 1) << 2);
}

// pack hd codes (each < 2^bits) into row (hd*bits/8 bytes)
static inline void kvs_pack_row(const int *codes, int bits, int hd, uint8_t *row) {
    const int nbytes = hd * bits / 8;
    for (int b = 0; b < nbytes; b++) row[b] = 0;
    for (int i = 0; i < hd; i++) {
        const int q = codes[i];
        if (bits == 8) {
            row[i] = (uint8_t)q;
            continue;
        }
        const int c0 = i / 32 * 32, n = hd - c0 < 32 ? hd - c0 : 32, k = i - c0;
        uint8_t *ch = row + (int64_t)c0 * bits / 8;
        if (bits == 4) {
            if (k < n / 2) ch[k] |= (uint8_t)q;
            else ch[k - n / 2] |= (uint8_t)(q << 4);
        } else {
            ch[k / 4] |= (uint8_t)((q & 3) << (2 * (k % 4)));
            ch[n / 4 + k / 8] |= (uint8_t)(((q >> 2) & 1) << (k % 8));
        }
    }
}

// everything a (query token, kv head) work item needs
struct KvsArgs {
    KvLayout k, v;               // k: row_bytes/offset of the KVS cache (fmt LB_KVS*, bits set); v: the V cache
    const uint8_t *kc, *vc;
    const float *k_scale, *k_offset;  // [n_kv_head*head_dim]
    const float *rope;           // [npos][rot_dim]
    int rot_dim, neox;
    float scale;
};

bool kvs_supported_avx512(const KvsArgs &a);
void kvs_item_avx512(const KvsArgs &a, const float *q, int64_t pos, int gh, float *out, int kvh);
bool kvs_supported_avx2(const KvsArgs &a);
void kvs_item_avx2(const KvsArgs &a, const float *q, int64_t pos, int gh, float *out, int kvh);
bool kvs_supported_neon(const KvsArgs &a);
void kvs_item_neon(const KvsArgs &a, const float *q, int64_t pos, int gh, float *out, int kvh);

// the shapes the AVX2 and NEON items take: head_dim 64/128/256 rotated whole, V a pool kv_span_shape reads
static inline bool kvs_simd_shape(const KvsArgs &a) {
    const int hd = a.k.head_dim;
    return (hd == 64 || hd == 128 || hd == 256) && a.rot_dim == hd && kv_span_shape(a.v);
}

// the value pass of a static-K item (AVX2, NEON) for V's layout: V<HD, VB, GS>::run with VB = 32 (F32),
// 16 (F16) or the group bits, GS the group (a compile-time constant, capped at the head dimension)
using KvsValuesFn = void (*)(const KvsArgs &, int64_t, int64_t, int, int, const float *, float *, float *);

template <template <int, int, int> class V, int HD, int VB>
static KvsValuesFn kvs_values_group(int group) {
    if constexpr (VB > 8) {
        return V<HD, VB, 0>::run;
    } else {
        switch (group) {
            case 32: return V<HD, VB, 32>::run;
            case 64: return V<HD, VB, (HD >= 64 ? 64 : 32)>::run;
            case 128: return V<HD, VB, (HD >= 128 ? 128 : 32)>::run;
            default: return V<HD, VB, (HD >= 256 ? 256 : 32)>::run;
        }
    }
}

template <template <int, int, int> class V, int HD>
static KvsValuesFn kvs_values_bits(const KvLayout &l) {
    switch (kv_span_bits(l)) {
        case 32: return kvs_values_group<V, HD, 32>(l.group);
        case 16: return kvs_values_group<V, HD, 16>(l.group);
        case 8: return kvs_values_group<V, HD, 8>(l.group);
        case 4: return kvs_values_group<V, HD, 4>(l.group);
        default: return kvs_values_group<V, HD, 3>(l.group);
    }
}

// head_dim 64, 128 or 256
template <template <int, int, int> class V>
static KvsValuesFn kvs_values_pick(const KvLayout &l) {
    return l.head_dim == 64 ? kvs_values_bits<V, 64>(l) : l.head_dim == 128 ? kvs_values_bits<V, 128>(l) : kvs_values_bits<V, 256>(l);
}
