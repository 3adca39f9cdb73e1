// lb_attention: causal grouped-query attention of one sequence over its paged KV cache, read in
// the cache format (lb_attention_batch: of many sequences, each on its own block table, in one
// parallel region) (rows dequantised one at a time, never the whole cache). The arithmetic is the
// study's quantize-dequantize of K/V only, queries and softmax weights are never quantised:
//  - F32/F16 caches: scores = q . K, softmax in FP32, output = sum p * V, FP32 products.
//  - group formats (KV8/KV4/KV3) compute as the study's BF16 model does: the query is rounded to
//    bf16 (scores = bf16(q) . dequant(K), FP32 sums), softmax in FP32, and each softmax weight
//    enters the value sum in bf16 together with its group's scale: output = sum over keys and
//    groups of bf16(p * s) * (code - z) (lb_kv_value_weight, study_pack.h). This is what lets the
//    AVX512_BF16 kernel (attention_bf16_avx512.cpp) work on the codes with vdpbf16ps: scores as
//    s * (bf16(q) . codes - z * sum bf16(q)), values as sum bf16(p s) codes - sum bf16(p s) z.
//    (Static-K caches, kv_static.cpp, keep FP32 products.)
//
// Work items are (query token, kv head, span of key positions). An item serves the
// n_head/n_kv_head query heads that share the kv head, so every cached row is read (and
// dequantised) once for all of them, and runs an online softmax over tiles of ATTN_TILE keys:
// it returns per head the running max m, the sum l of exp(s - m) and the unnormalised output
// sum exp(s - m) v. A row of more than ATTN_SPAN keys is always computed in spans of ATTN_SPAN
// positions whose partials are merged in span order: M = max m_c, out = sum e^(m_c-M) o_c /
// sum e^(m_c-M) l_c. When there are few (token, kv head) pairs - decode - the spans are separate work
// items (flash-decoding) so one sequence's decode uses every thread; otherwise one item runs a row's
// spans one after another. Either way a row's arithmetic depends on its own position only, never on
// the thread count or on how many query rows share the call (prefill chunks of any length, other
// sequences of a batch): batch-invariant results.
// Scalar reference here; AVX-512 variant in attention_avx512.cpp, AVX512_BF16 (KV4) in
// attention_bf16_avx512.cpp, AVX2 (CPUs without AVX-512) in attention_avx2.cpp, NEON (AArch64) in
// attention_neon.cpp. K and V may be in
// different formats (lb_attention_kv: e.g. KV8 keys, KV4 values); each cache keeps its own arithmetic
// above (bf16 query when K is in a group format, bf16(p * s) value weights when V is). The AVX-512 and
// AVX2 kernels take the K and V layouts separately (any pair of F16/KV8/KV4/KV3; F32 only with F32); the
// AVX512_BF16 KV4 kernel reads one format, so a mixed pair at that level takes the AVX-512 kernel.
#include "dispatch.h"
#include "kv_internal.h"
#include <algorithm>
#include <cmath>
#include <vector>

namespace {
// kl, vl: the K and V pools' layouts (the same format, or a mixed pair such as KV8 keys with KV4 values)
void attention_span_scalar(const KvLayout &kl, const KvLayout &vl, const uint8_t *kc, const uint8_t *vc, const float *q,
                           int64_t q_stride, int gh, float scale, int kvh, int64_t j0, int64_t j1, float *m, float *lsum,
                           float *acc) {
    const int hd = kl.head_dim;
    // group formats: bf16 query for a group-format K, bf16 value weights for a group-format V (header comment)
    const bool qbf16 = kl.bits != 0, vbf16 = vl.bits != 0;
    std::vector<float> row(hd), sc((size_t)gh * ATTN_TILE), qr((size_t)gh * hd);
    for (int g = 0; g < gh; g++)
        for (int i = 0; i < hd; i++) qr[g * hd + i] = qbf16 ? lb_bf16_round(q[g * q_stride + i]) : q[g * q_stride + i];
    for (int g = 0; g < gh; g++) {
        m[g] = -INFINITY;
        lsum[g] = 0.f;
        for (int i = 0; i < hd; i++) acc[g * hd + i] = 0.f;
    }
    for (int64_t t0 = j0; t0 < j1; t0 += ATTN_TILE) {
        const int n = (int)(j1 - t0 < ATTN_TILE ? j1 - t0 : ATTN_TILE);
        for (int jj = 0; jj < n; jj++) {
            kv_load_row(kl, kc + kl.offset(t0 + jj, kvh), row.data());
            for (int g = 0; g < gh; g++) {
                float d = 0.f;
                for (int i = 0; i < hd; i++) d += qr[g * hd + i] * row[i];
                sc[g * ATTN_TILE + jj] = d * scale;
            }
        }
        for (int g = 0; g < gh; g++) {
            float *s = sc.data() + g * ATTN_TILE, mx = m[g];
            for (int jj = 0; jj < n; jj++) mx = std::fmax(mx, s[jj]);
            const float corr = std::exp(m[g] - mx);  // 0 on the first tile (m = -inf)
            m[g] = mx;
            float sum = 0.f;
            for (int jj = 0; jj < n; jj++) sum += (s[jj] = std::exp(s[jj] - mx));
            lsum[g] = lsum[g] * corr + sum;
            for (int i = 0; i < hd; i++) acc[g * hd + i] *= corr;
        }
        for (int jj = 0; jj < n; jj++) {
            const uint8_t *vr = vc + vl.offset(t0 + jj, kvh);
            if (!vbf16) {
                kv_load_row(vl, vr, row.data());
                for (int g = 0; g < gh; g++) {
                    const float p = sc[g * ATTN_TILE + jj];
                    for (int i = 0; i < hd; i++) acc[g * hd + i] += p * row[i];
                }
                continue;
            }
            const int64_t bb = lb_group_block_bytes(vl.bits, vl.group);
            for (int b = 0; b < hd / vl.group; b++) {
                const uint8_t *blk = vr + b * bb;
                const int z = lb_block_zero(blk);
                for (int g = 0; g < gh; g++) {
                    const float w = lb_kv_value_weight(sc[g * ATTN_TILE + jj], blk);
                    for (int i = 0; i < vl.group; i++) acc[g * hd + b * vl.group + i] += w * (float)(lb_get_code(blk + 3, vl.bits, i) - z);
                }
            }
        }
    }
}

// the spans of one (token, kv head) row, partials pstride floats apart (m[gh], l[gh], acc[gh][hd]),
// merged in span order into oi[gh][hd]
void merge_spans(const float *p0, int64_t nsp, int64_t pstride, int gh, int hd, float *oi) {
    for (int g = 0; g < gh; g++) {
        float M = -INFINITY, sum = 0.f;
        for (int64_t c = 0; c < nsp; c++) M = std::fmax(M, p0[c * pstride + g]);
        for (int d = 0; d < hd; d++) oi[g * hd + d] = 0.f;
        for (int64_t c = 0; c < nsp; c++) {
            const float *p = p0 + c * pstride;
            const float w = std::exp(p[g] - M);
            sum += w * p[gh + g];
            for (int d = 0; d < hd; d++) oi[g * hd + d] += w * p[2 * gh + g * hd + d];
        }
        const float inv = 1.f / sum;
        for (int d = 0; d < hd; d++) oi[g * hd + d] *= inv;
    }
}

struct Item {
    int64_t t, j0, j1;  // query row (over all sequences), key span
    int kvh, s;         // kv head, sequence
    int64_t part;       // index of the span's partial, -1 when the item covers the whole row
};

// Rows are cut into spans only when a sequence's (token, kv head) pairs alone cannot feed the
// threads. The test looks at the sequence only, never at the rest of a batch, so a sequence's
// results are the same in a batch as in a call for it alone.
inline bool split_rows(int64_t nq, int64_t pos0, int32_t n_kv_head) {
    return nq * n_kv_head < 16 && pos0 + nq > ATTN_SPAN;
}

// nseq sequences; sequence s: nq[s] query rows following those of sequence s-1, positions pos0[s]..,
// block table tables[s]; K in kfmt, V in vfmt (a mixed pair takes the AVX-512/AVX2 kernels, not the AVX512_BF16 one)
int32_t attend(int32_t kfmt, int32_t vfmt, int32_t group, const void *kcache, const void *vcache, const int32_t *const *tables,
               int32_t block_size, const float *q, const int64_t *nq, const int64_t *pos0, int32_t nseq, int32_t n_head,
               int32_t n_kv_head, int32_t head_dim, float scale, float *out) {
    if (!kcache || !vcache || !q || !out || !tables || !nq || !pos0 || nseq <= 0 || n_head <= 0 || n_kv_head <= 0 ||
        n_head % n_kv_head != 0 || n_head / n_kv_head > 64 || !std::isfinite(scale))
        return LB_ERR_ARG;
    std::vector<KvLayout> ls((size_t)nseq), vls((size_t)nseq);  // K and V layouts per sequence
    for (int s = 0; s < nseq; s++) {
        if (nq[s] <= 0 || pos0[s] < 0) return LB_ERR_ARG;
        int32_t st = kv_layout(&ls[s], kfmt, group, tables[s], block_size, n_kv_head, head_dim);
        if (st == LB_OK) st = kv_layout(&vls[s], vfmt, group, tables[s], block_size, n_kv_head, head_dim);
        if (st != LB_OK) return st;
        for (int64_t b = 0; b <= (pos0[s] + nq[s] - 1) / block_size; b++)
            if (tables[s][b] < 0) return LB_ERR_ARG;
    }
    const int gh = n_head / n_kv_head, hd = head_dim;
#if LB_X86
    // the AVX512_BF16 kernel reads both pools in one format; the AVX-512 and AVX2 ones take mixed pairs
    const bool same = kfmt == vfmt;
    const bool simd = lb_isa_current() >= LB_ISA_AVX512 && attention_supported_avx512(ls[0], vls[0]);
    const bool bf16 = same && lb_bf16_kernels() && attention_supported_bf16(ls[0]);
    // AVX2 only at that level: an AVX-512 CPU keeps the scalar path for shapes its kernels lack
    const bool avx2 = lb_isa_current() == LB_ISA_AVX2 && attention_supported_avx2(ls[0], vls[0]);
    constexpr bool neon = false;
#elif LB_ARM64
    constexpr bool simd = false, bf16 = false, avx2 = false;
    const bool neon = lb_isa_current() >= LB_ISA_NEON && attention_supported_neon(ls[0], vls[0]);
#else
    constexpr bool simd = false, bf16 = false, avx2 = false, neon = false;
#endif
    const uint8_t *kc = (const uint8_t *)kcache, *vc = (const uint8_t *)vcache;

    // split rows go span by span with their kv heads side by side (the heads' rows interleave in
    // the cache, so a span's lines are fetched together); partial index: per token, [head][span]
    std::vector<Item> items;
    std::vector<int64_t> row0((size_t)nseq);
    int64_t nparts = 0, rows = 0;
    long long work = 0;
    bool any_split = false;
    for (int s = 0; s < nseq; s++) {
        row0[s] = rows;
        const bool split = split_rows(nq[s], pos0[s], n_kv_head);
        any_split |= split;
        for (int64_t t = 0; t < nq[s]; t++) {
            const int64_t L = pos0[s] + t + 1;
            if (!split || L <= ATTN_SPAN) {
                for (int h = 0; h < n_kv_head; h++) items.push_back({rows + t, 0, L, h, s, -1});
                continue;
            }
            const int64_t nsp = (L + ATTN_SPAN - 1) / ATTN_SPAN;
            for (int64_t c = 0; c < nsp; c++)
                for (int h = 0; h < n_kv_head; h++)
                    items.push_back({rows + t, c * ATTN_SPAN, (c + 1) * ATTN_SPAN < L ? (c + 1) * ATTN_SPAN : L, h, s,
                                     nparts + h * nsp + c});
            nparts += n_kv_head * nsp;
        }
        work += (long long)nq[s] * n_head * (pos0[s] + nq[s]) * head_dim;
        rows += nq[s];
    }
    // partials: per span and head, m, l and the unnormalised output
    const int64_t pstride = (int64_t)gh * (hd + 2);
    std::vector<float> parts((size_t)(nparts * pstride));
    const int64_t nitems = (int64_t)items.size();
    auto span = [&](const KvLayout &l, const KvLayout &vl, const float *qi, int kvh, int64_t j0, int64_t j1, float *p) {
        float *pm = p, *pl = p + gh, *pacc = p + 2 * gh;
        if (bf16)
            attention_span_bf16(l, kc, vc, qi, hd, gh, scale, kvh, j0, j1, pm, pl, pacc);
        else if (simd)
            attention_span_avx512(l, vl, kc, vc, qi, hd, gh, scale, kvh, j0, j1, pm, pl, pacc);
        else if (avx2)
            attention_span_avx2(l, vl, kc, vc, qi, hd, gh, scale, kvh, j0, j1, pm, pl, pacc);
        else if (neon)
            attention_span_neon(l, vl, kc, vc, qi, hd, gh, scale, kvh, j0, j1, pm, pl, pacc);
        else
            attention_span_scalar(l, vl, kc, vc, qi, hd, gh, scale, kvh, j0, j1, pm, pl, pacc);
    };
    // split rows: a thread takes all kv heads of a span (one chunk), so the cache lines that hold the
    // heads' interleaved rows are fetched by one core, once, and re-read from its L2; two cores
    // reading the same lines concurrently cost ~20% (KV4 32K decode, 2 threads: 872 -> 695 us)
    const int chunk = any_split ? n_kv_head : 1;
#pragma omp parallel num_threads(lb_threads_for(work))
    {
        std::vector<float> tmp;  // a whole row's span partials (rows not split into items)
#pragma omp for schedule(dynamic, chunk)
        for (int64_t i = 0; i < nitems; i++) {
            const Item &it = items[i];
            const KvLayout &l = ls[it.s], &vl = vls[it.s];
            const float *qi = q + (it.t * n_head + (int64_t)it.kvh * gh) * hd;
            if (it.part >= 0) {
                span(l, vl, qi, it.kvh, it.j0, it.j1, parts.data() + it.part * pstride);
                continue;
            }
            float *oi = out + (it.t * n_head + (int64_t)it.kvh * gh) * hd;
            const int64_t nsp = (it.j1 - it.j0 + ATTN_SPAN - 1) / ATTN_SPAN;
            if (tmp.size() < (size_t)(nsp * pstride)) tmp.resize((size_t)(nsp * pstride));
            for (int64_t c = 0; c < nsp; c++)
                span(l, vl, qi, it.kvh, it.j0 + c * ATTN_SPAN, std::min(it.j1, it.j0 + (c + 1) * ATTN_SPAN), tmp.data() + c * pstride);
            if (nsp > 1) {
                merge_spans(tmp.data(), nsp, pstride, gh, hd, oi);
                continue;
            }
            const float *pl = tmp.data() + gh, *pacc = tmp.data() + 2 * gh;
            for (int g = 0; g < gh; g++) {
                const float inv = 1.f / pl[g];
                for (int d = 0; d < hd; d++) oi[g * hd + d] = pacc[g * hd + d] * inv;
            }
        }
    }
    // merge the spans of each split (token, kv head), in span order
    int64_t pbase = 0;
    for (int s = 0; s < nseq; s++) {
        if (!split_rows(nq[s], pos0[s], n_kv_head)) continue;
        for (int64_t t = 0; t < nq[s]; t++) {
            const int64_t L = pos0[s] + t + 1;
            if (L <= ATTN_SPAN) continue;
            const int64_t nsp = (L + ATTN_SPAN - 1) / ATTN_SPAN;
            for (int h = 0; h < n_kv_head; h++)
                merge_spans(parts.data() + (pbase + h * nsp) * pstride, nsp, pstride, gh, hd,
                            out + ((row0[s] + t) * n_head + (int64_t)h * gh) * hd);
            pbase += n_kv_head * nsp;
        }
    }
    return LB_OK;
}
}  // namespace

extern "C" int32_t lb_attention(int32_t kvfmt, int32_t group, const void *kcache, const void *vcache,
                                const int32_t *block_table, int32_t block_size, const float *q, int64_t nq,
                                int64_t pos0, int32_t n_head, int32_t n_kv_head, int32_t head_dim, float scale,
                                float *out) {
    return attend(kvfmt, kvfmt, group, kcache, vcache, &block_table, block_size, q, &nq, &pos0, 1, n_head, n_kv_head,
                  head_dim, scale, out);
}

extern "C" int32_t lb_attention_batch(int32_t kvfmt, int32_t group, const void *kcache, const void *vcache,
                                      const int32_t *const *block_tables, int32_t block_size, const float *q,
                                      const int64_t *nq, const int64_t *pos0, int32_t nseq, int32_t n_head,
                                      int32_t n_kv_head, int32_t head_dim, float scale, float *out) {
    return attend(kvfmt, kvfmt, group, kcache, vcache, block_tables, block_size, q, nq, pos0, nseq, n_head, n_kv_head,
                  head_dim, scale, out);
}

extern "C" int32_t lb_attention_kv(int32_t kfmt, int32_t vfmt, int32_t group, const void *kcache, const void *vcache,
                                   const int32_t *block_table, int32_t block_size, const float *q, int64_t nq,
                                   int64_t pos0, int32_t n_head, int32_t n_kv_head, int32_t head_dim, float scale,
                                   float *out) {
    return attend(kfmt, vfmt, group, kcache, vcache, &block_table, block_size, q, &nq, &pos0, 1, n_head, n_kv_head,
                  head_dim, scale, out);
}

extern "C" int32_t lb_attention_batch_kv(int32_t kfmt, int32_t vfmt, int32_t group, const void *kcache,
                                         const void *vcache, const int32_t *const *block_tables, int32_t block_size,
                                         const float *q, const int64_t *nq, const int64_t *pos0, int32_t nseq,
                                         int32_t n_head, int32_t n_kv_head, int32_t head_dim, float scale, float *out) {
    return attend(kfmt, vfmt, group, kcache, vcache, block_tables, block_size, q, nq, pos0, nseq, n_head, n_kv_head,
                  head_dim, scale, out);
}
