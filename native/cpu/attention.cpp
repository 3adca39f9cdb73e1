// lb_attention: causal grouped-query attention of one sequence over its paged KV cache, read in
// the cache format (rows dequantised one at a time, never the whole cache). Softmax in FP32 with
// max subtraction. Parallel over (query token, kv head) work items; a work item serves the
// n_head/n_kv_head query heads that share the kv head, so every cached row is read once for them.
// Scalar reference here; AVX-512 variant in attention_avx512.cpp.
#include "dispatch.h"
#include "kv_internal.h"
#include <cmath>
#include <vector>

namespace {
void attention_item_scalar(const KvLayout &l, const uint8_t *kc, const uint8_t *vc, const float *q, int64_t pos,
                           int gh, float scale, float *out, int64_t q_stride, int kvh) {
    const int hd = l.head_dim;
    const int64_t L = pos + 1;
    std::vector<float> row(hd), sc((size_t)(gh * L));
    for (int64_t j = 0; j < L; j++) {
        kv_load_row(l, kc + l.offset(j, kvh), row.data());
        for (int g = 0; g < gh; g++) {
            float d = 0.f;
            for (int i = 0; i < hd; i++) d += q[g * q_stride + i] * row[i];
            sc[g * L + j] = d * scale;
        }
    }
    for (int g = 0; g < gh; g++) {
        float *s = sc.data() + g * L, mx = -INFINITY, sum = 0.f;
        for (int64_t j = 0; j < L; j++) mx = std::fmax(mx, s[j]);
        for (int64_t j = 0; j < L; j++) sum += (s[j] = std::exp(s[j] - mx));
        const float inv = 1.f / sum;
        for (int64_t j = 0; j < L; j++) s[j] *= inv;
        for (int i = 0; i < hd; i++) out[g * q_stride + i] = 0.f;
    }
    for (int64_t j = 0; j < L; j++) {
        kv_load_row(l, vc + l.offset(j, kvh), row.data());
        for (int g = 0; g < gh; g++) {
            const float p = sc[g * L + j];
            for (int i = 0; i < hd; i++) out[g * q_stride + i] += p * row[i];
        }
    }
}
}  // namespace

extern "C" int32_t lb_attention(int32_t kvfmt, int32_t group, const void *kcache, const void *vcache,
                                const int32_t *block_table, int32_t block_size, const float *q, int64_t nq,
                                int64_t pos0, int32_t n_head, int32_t n_kv_head, int32_t head_dim, float scale,
                                float *out) {
    if (!kcache || !vcache || !q || !out || nq <= 0 || pos0 < 0 || n_head <= 0 || n_kv_head <= 0 ||
        n_head % n_kv_head != 0 || !std::isfinite(scale))
        return LB_ERR_ARG;
    KvLayout l;
    const int32_t st = kv_layout(&l, kvfmt, group, block_table, block_size, n_kv_head, head_dim);
    if (st != LB_OK) return st;
    for (int64_t b = 0; b <= (pos0 + nq - 1) / block_size; b++)
        if (block_table[b] < 0) return LB_ERR_ARG;
    const int gh = n_head / n_kv_head;
    const bool simd = lb_isa_current() >= LB_ISA_AVX512 && attention_supported_avx512(l);
    const uint8_t *kc = (const uint8_t *)kcache, *vc = (const uint8_t *)vcache;
    const int64_t items = nq * n_kv_head, q_stride = head_dim;
#pragma omp parallel for num_threads(lb_threads_for((long long)nq * n_head * (pos0 + nq) * head_dim)) schedule(dynamic, 1)
    for (int64_t it = 0; it < items; it++) {
        const int64_t t = it / n_kv_head;
        const int kvh = (int)(it % n_kv_head);
        const float *qi = q + (t * n_head + (int64_t)kvh * gh) * head_dim;
        float *oi = out + (t * n_head + (int64_t)kvh * gh) * head_dim;
        if (simd)
            attention_item_avx512(l, kc, vc, qi, pos0 + t, gh, scale, oi, q_stride, kvh);
        else
            attention_item_scalar(l, kc, vc, qi, pos0 + t, gh, scale, oi, q_stride, kvh);
    }
    return LB_OK;
}
