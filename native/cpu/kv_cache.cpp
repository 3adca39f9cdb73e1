// lb_kv_store: write ntok tokens' K or V rows into the paged cache in the cache format
// (F32, F16, or the asymmetric group formats KV8/KV4/KV3 quantised like the W*G weights);
// lb_kv_store_clip: the same with a clip ratio (QuaRot clips KV ranges to 0.95: each group is
// clamped to clip * [min, max] of itself before quantisation, kv_store_row; F32/F16 and clip 1
// store exactly as lb_kv_store); lb_kv_store_batch: either for the tokens of many sequences in
// one parallel region.
#include "kv_internal.h"
#include <algorithm>
#include <vector>

namespace {
// checks shared by the store calls: a layout for the table and every position's block present
int32_t store_layout(KvLayout *l, int32_t kvfmt, int32_t group, const int32_t *block_table, int32_t block_size,
                     int32_t n_kv_head, int32_t head_dim, int64_t pos0, int64_t ntok) {
    if (pos0 < 0 || ntok <= 0) return LB_ERR_ARG;
    const int32_t st = kv_layout(l, kvfmt, group, block_table, block_size, n_kv_head, head_dim);
    if (st != LB_OK) return st;
    if (l->bits && l->group > 4096) return LB_ERR_ARG;  // kv_store_row's clip buffer
    for (int64_t t = 0; t < ntok; t++)
        if (block_table[(pos0 + t) / block_size] < 0) return LB_ERR_ARG;
    return LB_OK;
}
}  // namespace

extern "C" int32_t lb_kv_store(int32_t kvfmt, int32_t group, void *cache, const int32_t *block_table,
                               int32_t block_size, int32_t n_kv_head, int32_t head_dim, const float *src,
                               int64_t pos0, int64_t ntok) {
    return lb_kv_store_batch(kvfmt, group, 1.f, cache, &block_table, block_size, n_kv_head, head_dim, src, &ntok, &pos0, 1);
}

extern "C" int32_t lb_kv_store_clip(int32_t kvfmt, int32_t group, float clip, void *cache, const int32_t *block_table,
                                    int32_t block_size, int32_t n_kv_head, int32_t head_dim, const float *src, int64_t pos0,
                                    int64_t ntok) {
    return lb_kv_store_batch(kvfmt, group, clip, cache, &block_table, block_size, n_kv_head, head_dim, src, &ntok, &pos0, 1);
}

extern "C" int32_t lb_kv_store_batch(int32_t kvfmt, int32_t group, float clip, void *cache,
                                     const int32_t *const *block_tables, int32_t block_size, int32_t n_kv_head,
                                     int32_t head_dim, const float *src, const int64_t *ntok, const int64_t *pos0,
                                     int32_t nseq) {
    if (!cache || !src || !block_tables || !ntok || !pos0 || nseq <= 0 || !(clip > 0.f && clip <= 1.f)) return LB_ERR_ARG;
    std::vector<KvLayout> ls((size_t)nseq);
    // rows of all sequences in order: (sequence, token, head) of row i from the sequence's first row
    std::vector<int64_t> first((size_t)nseq + 1, 0);
    for (int s = 0; s < nseq; s++) {
        const int32_t st = store_layout(&ls[s], kvfmt, group, block_tables[s], block_size, n_kv_head, head_dim, pos0[s], ntok[s]);
        if (st != LB_OK) return st;
        first[s + 1] = first[s] + ntok[s] * n_kv_head;
    }
    uint8_t *base = (uint8_t *)cache;
#pragma omp parallel for num_threads(lb_threads_get()) schedule(static) if (first[nseq] >= 64)
    for (int64_t i = 0; i < first[nseq]; i++) {
        const int s = (int)(std::upper_bound(first.begin(), first.end(), i) - first.begin()) - 1;
        const int64_t r = i - first[s];
        kv_store_row(ls[s], clip, src + i * head_dim, base + ls[s].offset(pos0[s] + r / n_kv_head, (int)(r % n_kv_head)));
    }
    return LB_OK;
}
