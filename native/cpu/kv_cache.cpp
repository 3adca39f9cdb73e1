// lb_kv_store: write ntok tokens' K or V rows into the paged cache in the cache format
// (F32, F16, or the asymmetric group formats KV8/KV4/KV3 quantised like the W*G weights).
#include "kv_internal.h"
#include <cstring>

extern "C" int32_t lb_kv_store(int32_t kvfmt, int32_t group, void *cache, const int32_t *block_table,
                               int32_t block_size, int32_t n_kv_head, int32_t head_dim, const float *src,
                               int64_t pos0, int64_t ntok) {
    if (!cache || !src || pos0 < 0 || ntok <= 0) return LB_ERR_ARG;
    KvLayout l;
    const int32_t st = kv_layout(&l, kvfmt, group, block_table, block_size, n_kv_head, head_dim);
    if (st != LB_OK) return st;
    for (int64_t t = 0; t < ntok; t++)
        if (block_table[(pos0 + t) / block_size] < 0) return LB_ERR_ARG;
    uint8_t *base = (uint8_t *)cache;
#pragma omp parallel for num_threads(lb_threads_get()) schedule(static) if (ntok * n_kv_head >= 64)
    for (int64_t i = 0; i < ntok * n_kv_head; i++) {
        const int64_t t = i / n_kv_head;
        const int h = (int)(i % n_kv_head);
        const float *v = src + i * head_dim;
        uint8_t *row = base + l.offset(pos0 + t, h);
        if (kvfmt == LB_F32) {
            std::memcpy(row, v, 4 * (size_t)head_dim);
        } else if (kvfmt == LB_F16) {
            for (int d = 0; d < head_dim; d++) {
                const uint16_t hv = lb_f32_to_f16(v[d]);
                row[2 * d] = (uint8_t)(hv & 0xff);
                row[2 * d + 1] = (uint8_t)(hv >> 8);
            }
        } else {
            const int64_t bb = lb_group_block_bytes(l.bits, l.group);
            for (int g = 0; g < head_dim / l.group; g++) lb_quant_group(v + g * l.group, l.group, l.bits, row + g * bb);
        }
    }
    return LB_OK;
}
