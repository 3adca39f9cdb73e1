// Internal: paged KV-cache addressing shared by lb_kv_store, lb_attention and the SIMD attention.
// A cache block holds block_size token slots; a slot holds n_kv_head rows of kv_row_bytes bytes.
// Quantised formats use group min(group, head_dim) (one group per head when head_dim < group).
#pragma once
#include <stdint.h>
#include "lowbit/lowbit.h"
#include "study_pack.h"

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

// rows[i] = row of position j0+i, kv head h, for i < n (one division, then steps through the blocks)
static inline void kv_rows(const KvLayout &l, const uint8_t *base, int h, int64_t j0, int n, const uint8_t **rows) {
    int64_t b = j0 / l.block_size;
    int s = (int)(j0 % l.block_size);
    const int64_t stride = (int64_t)l.n_kv_head * l.row_bytes, head = (int64_t)h * l.row_bytes;
    const uint8_t *p = base + ((int64_t)l.block_table[b] * l.block_size + s) * stride + head;
    for (int i = 0; i < n; i++) {
        rows[i] = p;
        if (++s < l.block_size) {
            p += stride;
        } else if (i + 1 < n) {  // next block (only read when a position lies in it)
            s = 0;
            p = base + (int64_t)l.block_table[++b] * l.block_size * stride + head;
        }
    }
}

// fills l; returns LB_OK, LB_ERR_ARG or LB_ERR_FORMAT
static inline int32_t kv_layout(KvLayout *l, int32_t fmt, int32_t group, const int32_t *block_table,
                                int32_t block_size, int32_t n_kv_head, int32_t head_dim) {
    if (!block_table || block_size <= 0 || n_kv_head <= 0 || head_dim <= 0) return LB_ERR_ARG;
    const int bits = lb_group_bits(fmt);
    if (fmt != LB_F32 && fmt != LB_F16 && fmt != LB_KV8 && fmt != LB_KV4 && fmt != LB_KV3) return LB_ERR_FORMAT;
    const int32_t g = bits ? (group < head_dim ? group : head_dim) : 0;
    const int64_t rb = fmt == LB_F32 ? 4 * (int64_t)head_dim
                     : fmt == LB_F16 ? 2 * (int64_t)head_dim
                                     : lb_row_bytes(fmt, g, head_dim);
    if (rb < 0) return LB_ERR_ARG;
    *l = KvLayout{fmt, g, head_dim, n_kv_head, block_size, bits, rb, block_table};
    return LB_OK;
}

// dequantise one cached row into out[head_dim] (scalar reference)
static inline void kv_load_row(const KvLayout &l, const uint8_t *row, float *out) {
    if (l.fmt == LB_F32) {
        for (int i = 0; i < l.head_dim; i++) memcpy(&out[i], row + 4 * i, 4);
    } else if (l.fmt == LB_F16) {
        for (int i = 0; i < l.head_dim; i++) out[i] = lb_f16_to_f32((uint16_t)(row[2 * i] | (row[2 * i + 1] << 8)));
    } else {
        const int64_t bb = lb_group_block_bytes(l.bits, l.group);
        for (int g = 0; g < l.head_dim / l.group; g++) lb_dequant_group(row + g * bb, l.bits, l.group, out + g * l.group);
    }
}

// ---- attention work split (attention.cpp) ----
// keys per online-softmax tile (scores of a tile for every head of a group stay in L1)
constexpr int ATTN_TILE = 256;
// keys per span when a row of keys is split across threads (decode); a multiple of ATTN_TILE
constexpr int64_t ATTN_SPAN = 1024;

// ---- integer arithmetic over 4- and 3-bit caches ----
// For KV4/KV3 both products of attention run on the codes, in integers:
//  - scores: the query is quantised symmetrically to int8 once per head (scale amax/127,
//    lb_sym_quant) and q.k = qscale * sum_g s_g * (sum_{i in g} q8_i c_i - z_g sum_{i in g} q8_i),
//    inner sums exact (as llama.cpp does for quantised K caches);
//  - values: per tile of keys, head and value group, the softmax weights times the rows' scales,
//    w_j = p_j s_j, are quantised to u8 against their maximum (w ~ wq * wmax/255) and
//    out += wmax/255 * sum_j wq_j (c_j - z_j), the sum exact.
// Each rounding (query <= qscale/2 per element, weight <= wmax/510 per key) is an order of
// magnitude below the cache's own (s/2 with s = range/15 or range/7), and integer dot products
// (vpdpbusd: 64 multiply-adds per instruction) are what lets a 4-bit cache be read faster than an
// F16 one. F32/F16/KV8 caches use FP32 throughout (KV8's own rounding is as small as an int8
// query's). The scalar reference and the SIMD kernel compute the same integers; softmax weights
// come from kv_exp (the scalar twin of lb512_exp), so both quantise identical weights.
static inline bool kv_int_math(const KvLayout &l) { return l.bits == 4 || l.bits == 3; }

// q8[hd] = int8 codes of q; returns their scale
static inline float kv_quant_query(const float *q, int hd, int8_t *q8) {
    float amax = 0.f;
    for (int i = 0; i < hd; i++) amax = fabsf(q[i]) > amax ? fabsf(q[i]) : amax;
    const float s = lb_sym_scale(amax, 127), inv = 1.f / s;
    for (int i = 0; i < hd; i++) q8[i] = (int8_t)lb_sym_quant(q[i], inv, 127);
    return s;
}

// sum_g s_g * (q8 . c_g - z_g * sum q8_g) over the groups of one cached row (without qscale);
// groups accumulated in order with fmaf (as the SIMD kernel's FMAs), each group's integer part
// converted to float exactly (|.| < 2^24)
static inline float kv_int_score(const KvLayout &l, const uint8_t *row, const int8_t *q8) {
    const int64_t bb = lb_group_block_bytes(l.bits, l.group);
    float d = 0.f;
    for (int g = 0; g < l.head_dim / l.group; g++) {
        const uint8_t *blk = row + g * bb;
        int32_t dot = 0, qs = 0;
        for (int i = 0; i < l.group; i++) {
            const int8_t x = q8[g * l.group + i];
            dot += x * lb_get_code(blk + 3, l.bits, i);
            qs += x;
        }
        const float t = (float)(dot - lb_block_zero(blk) * qs);
        d = g == 0 ? lb_block_scale(blk) * t : fmaf(lb_block_scale(blk), t, d);
    }
    return d;
}

// e^x exactly as lb512_exp computes it (same clamp, reduction, polynomial and FMAs)
static inline float kv_exp(float x) {
    x = fminf(89.f, fmaxf(-104.f, x));
    const float n = rintf(x * 1.44269504088896341f);
    float r = fmaf(-n, 0.693145751953125f, x);
    r = fmaf(-n, 1.428606765330187e-06f, r);
    float p = 1.f / 720;
    p = fmaf(p, r, 1.f / 120);
    p = fmaf(p, r, 1.f / 24);
    p = fmaf(p, r, 1.f / 6);
    p = fmaf(p, r, 0.5f);
    p = fmaf(p, r, 1.f);
    p = fmaf(p, r, 1.f);
    return ldexpf(p, (int)n);
}

// u8 code of a softmax weight w given 255/wmax (round to nearest even, as cvtps2dq)
static inline int kv_weight_code(float w, float inv) {
    const int q = (int)rintf(w * inv);
    return q > 255 ? 255 : q;
}

// SIMD attention over keys [j0, j1) for the gh query heads of kv head kvh (q: gh rows of
// q_stride floats); returns per head the running max m, the exp sum lsum and the unnormalised
// output acc[gh][head_dim], as attention_span_scalar does. attention_supported_avx512 says
// whether the shape has a SIMD path (otherwise the caller uses the scalar reference).
bool attention_supported_avx512(const KvLayout &l);
void attention_span_avx512(const KvLayout &l, const uint8_t *kc, const uint8_t *vc, const float *q, int64_t q_stride,
                           int gh, float scale, int kvh, int64_t j0, int64_t j1, float *m, float *lsum, float *acc);
