// lb_kv_store_clip: lb_kv_store with a clip ratio (QuaRot clips KV ranges to 0.95): each group's
// values are first clamped to clip * [min, max] of the group, then quantised by the ordinary group
// quantiser, whose range is therefore the clipped one (kv_store_row). F32/F16 and clip = 1 store
// exactly as lb_kv_store.
#include "kv_internal.h"

extern "C" int32_t lb_kv_store_clip(int32_t kvfmt, int32_t group, float clip, void *cache, const int32_t *block_table,
                                    int32_t block_size, int32_t n_kv_head, int32_t head_dim, const float *src, int64_t pos0,
                                    int64_t ntok) {
    if (!cache || !src || !(clip > 0.f && clip <= 1.f)) return LB_ERR_ARG;
    return lb_kv_store_batch(kvfmt, group, clip, cache, &block_table, block_size, n_kv_head, head_dim, src, &ntok, &pos0, 1);
}
