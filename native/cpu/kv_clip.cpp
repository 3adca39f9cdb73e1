// lb_kv_store_clip: lb_kv_store for the per-token group formats with a clip ratio (QuaRot clips KV
// ranges to 0.95): each group's values are first clamped to clip * [min, max] of the group, then
// quantised by the ordinary group quantiser, whose range is therefore the clipped one. F32/F16 and
// clip = 1 store exactly as lb_kv_store.
#include "kv_internal.h"
#include <cmath>

extern "C" int32_t lb_kv_store_clip(int32_t kvfmt, int32_t group, float clip, void *cache, const int32_t *block_table,
                                    int32_t block_size, int32_t n_kv_head, int32_t head_dim, const float *src, int64_t pos0,
                                    int64_t ntok) {
    if (!(clip > 0.f && clip <= 1.f)) return LB_ERR_ARG;
    if (clip == 1.f || kvfmt == LB_F32 || kvfmt == LB_F16)
        return lb_kv_store(kvfmt, group, cache, block_table, block_size, n_kv_head, head_dim, src, pos0, ntok);
    if (!cache || !src || pos0 < 0 || ntok <= 0) return LB_ERR_ARG;
    KvLayout l;
    const int32_t st = kv_layout(&l, kvfmt, group, block_table, block_size, n_kv_head, head_dim);
    if (st != LB_OK) return st;
    if (head_dim > 4096) return LB_ERR_ARG;
    for (int64_t t = 0; t < ntok; t++)
        if (block_table[(pos0 + t) / block_size] < 0) return LB_ERR_ARG;
    uint8_t *base = (uint8_t *)cache;
    const int64_t bb = lb_group_block_bytes(l.bits, l.group);
#pragma omp parallel for num_threads(lb_threads_get()) schedule(static) if (ntok * n_kv_head >= 64)
    for (int64_t i = 0; i < ntok * n_kv_head; i++) {
        const float *v = src + i * head_dim;
        uint8_t *row = base + l.offset(pos0 + i / n_kv_head, (int)(i % n_kv_head));
        float tmp[4096];
        for (int g = 0; g < head_dim / l.group; g++) {
            const float *x = v + g * l.group;
            float mn = x[0], mx = x[0];
            for (int j = 1; j < l.group; j++) mn = std::fmin(mn, x[j]), mx = std::fmax(mx, x[j]);
            const float lo = mn * clip, hi = mx * clip;
            for (int j = 0; j < l.group; j++) tmp[j] = x[j] < lo ? lo : x[j] > hi ? hi : x[j];
            lb_quant_group(tmp, l.group, l.bits, row + g * bb);
        }
    }
    return LB_OK;
}
