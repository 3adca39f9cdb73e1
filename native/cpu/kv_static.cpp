// Static per-channel K cache (KVQuant*): lb_rope_table, lb_kvs_store and lb_kvs_attention.
// K is stored before RoPE as b-bit codes with one scale/offset per (layer, kv channel), so the
// attention kernel dequantises each key (code * s + o, o folding the zero point and, for
// pre-bias storage, the K bias) and rotates it at the key's own position before the dot product.
// V stays in the per-token formats and is read with the lb_attention helpers (kv_internal.h).
// Scalar reference here; AVX-512, AVX2 and NEON variants in kv_static_{avx512,avx2,neon}.cpp.
#include "dispatch.h"
#include "kv_static_internal.h"
#include <cmath>
#include <vector>

extern "C" int32_t lb_rope_table(float theta_base, int32_t rot_dim, const float *freq_factors, int64_t n_pos,
                                 float *out) {
    if (!out || n_pos <= 0 || rot_dim <= 0 || rot_dim % 2 != 0 || !(theta_base > 0.f)) return LB_ERR_ARG;
    const int half = rot_dim / 2;
    std::vector<double> freq(half);
    for (int i = 0; i < half; i++) {  // same expression as lb_rope_ext
        freq[i] = std::pow((double)theta_base, -2.0 * i / rot_dim);
        if (freq_factors) {
            if (!(freq_factors[i] > 0.f)) return LB_ERR_ARG;
            freq[i] /= freq_factors[i];
        }
    }
#pragma omp parallel for num_threads(lb_threads_for(n_pos * half * 64)) schedule(static)
    for (int64_t p = 0; p < n_pos; p++)
        for (int i = 0; i < half; i++) {
            const double a = (double)p * freq[i];
            out[p * rot_dim + i] = (float)std::cos(a);
            out[p * rot_dim + half + i] = (float)std::sin(a);
        }
    return LB_OK;
}

namespace {
// layout of a KVS cache: the KvLayout addressing with a codes-only row
int32_t kvs_layout(KvLayout *l, int32_t kfmt, const int32_t *block_table, int32_t block_size, int32_t n_kv_head,
                   int32_t head_dim) {
    const int bits = kvs_bits(kfmt);
    if (!bits) return LB_ERR_FORMAT;
    if (!block_table || block_size <= 0 || n_kv_head <= 0 || head_dim <= 0 || head_dim % 8 != 0 || head_dim > 4096)
        return LB_ERR_ARG;
    *l = KvLayout{kfmt, 0, head_dim, n_kv_head, block_size, bits, lb_row_bytes(kfmt, 0, head_dim), block_table};
    return LB_OK;
}

// key j of kv head kvh, dequantised and rotated to its position, into k[hd]
void load_key(const KvsArgs &a, int64_t j, int kvh, float *k) {
    const int hd = a.k.head_dim, bits = a.k.bits;
    const uint8_t *row = a.kc + a.k.offset(j, kvh);
    const float *s = a.k_scale + (int64_t)kvh * hd, *o = a.k_offset + (int64_t)kvh * hd;
    for (int i = 0; i < hd; i++) k[i] = (float)kvs_get_code(row, bits, hd, i) * s[i] + o[i];
    const int half = a.rot_dim / 2;
    const float *cs = a.rope + j * a.rot_dim, *sn = cs + half;
    for (int i = 0; i < half; i++) {  // as lb_rope_ext
        const int i0 = a.neox ? i : 2 * i, i1 = a.neox ? i + half : 2 * i + 1;
        const float x = k[i0], y = k[i1];
        k[i0] = x * cs[i] - y * sn[i];
        k[i1] = x * sn[i] + y * cs[i];
    }
}

void item_scalar(const KvsArgs &a, const float *q, int64_t pos, int gh, float *out, int kvh) {
    const int hd = a.k.head_dim;
    const int64_t L = pos + 1;
    std::vector<float> row(hd), sc((size_t)(gh * L));
    for (int64_t j = 0; j < L; j++) {
        load_key(a, j, kvh, row.data());
        for (int g = 0; g < gh; g++) {
            float d = 0.f;
            for (int i = 0; i < hd; i++) d += q[g * hd + i] * row[i];
            sc[g * L + j] = d * a.scale;
        }
    }
    for (int g = 0; g < gh; g++) {
        float *s = sc.data() + g * L, mx = -INFINITY, sum = 0.f;
        for (int64_t j = 0; j < L; j++) mx = std::fmax(mx, s[j]);
        for (int64_t j = 0; j < L; j++) sum += (s[j] = std::exp(s[j] - mx));
        const float inv = 1.f / sum;
        for (int64_t j = 0; j < L; j++) s[j] *= inv;
        for (int i = 0; i < hd; i++) out[g * hd + i] = 0.f;
    }
    for (int64_t j = 0; j < L; j++) {
        kv_load_row(a.v, a.vc + a.v.offset(j, kvh), row.data());
        for (int g = 0; g < gh; g++) {
            const float p = sc[g * L + j];
            for (int i = 0; i < hd; i++) out[g * hd + i] += p * row[i];
        }
    }
}
}  // namespace

extern "C" int32_t lb_kvs_store(int32_t kfmt, void *cache, const int32_t *block_table, int32_t block_size,
                                int32_t n_kv_head, int32_t head_dim, const float *k_scale, const float *k_zero,
                                const float *src, int64_t pos0, int64_t ntok) {
    if (!cache || !src || !k_scale || !k_zero || pos0 < 0 || ntok <= 0) return LB_ERR_ARG;
    KvLayout l;
    const int32_t st = kvs_layout(&l, kfmt, block_table, block_size, n_kv_head, head_dim);
    if (st != LB_OK) return st;
    const int qmax = (1 << l.bits) - 1;
    for (int64_t c = 0; c < (int64_t)n_kv_head * head_dim; c++)
        if (!(k_scale[c] > 0.f) || !std::isfinite(k_scale[c]) || !(k_zero[c] >= 0.f && k_zero[c] <= (float)qmax))
            return LB_ERR_ARG;
    for (int64_t t = 0; t < ntok; t++)
        if (block_table[(pos0 + t) / block_size] < 0) return LB_ERR_ARG;
    uint8_t *base = (uint8_t *)cache;
#pragma omp parallel for num_threads(lb_threads_get()) schedule(static) if (ntok * n_kv_head >= 64)
    for (int64_t it = 0; it < ntok * n_kv_head; it++) {
        const int h = (int)(it % n_kv_head);
        const float *v = src + it * head_dim, *s = k_scale + (int64_t)h * head_dim, *z = k_zero + (int64_t)h * head_dim;
        int codes[4096];
        for (int i = 0; i < head_dim && i < 4096; i++) {
            const float qf = std::rint(v[i] / s[i]) + z[i];
            codes[i] = qf < 0.f ? 0 : qf > (float)qmax ? qmax : (int)qf;  // NaN -> qmax
        }
        kvs_pack_row(codes, l.bits, head_dim, base + l.offset(pos0 + it / n_kv_head, h));
    }
    return LB_OK;
}

extern "C" int32_t lb_kvs_attention(int32_t kfmt, const void *kcache, const float *k_scale, const float *k_offset,
                                    const float *rope_table, int64_t rope_npos, int32_t rot_dim, int32_t neox,
                                    int32_t vfmt, int32_t vgroup, const void *vcache, const int32_t *block_table,
                                    int32_t block_size, const float *q, int64_t nq, int64_t pos0, int32_t n_head,
                                    int32_t n_kv_head, int32_t head_dim, float scale, float *out) {
    if (!kcache || !vcache || !k_scale || !k_offset || !rope_table || !q || !out || nq <= 0 || pos0 < 0 ||
        n_head <= 0 || n_kv_head <= 0 || n_head % n_kv_head != 0 || !std::isfinite(scale) || rot_dim <= 0 ||
        rot_dim % 2 != 0 || rot_dim > head_dim || (neox != 0 && neox != 1) || rope_npos < pos0 + nq)
        return LB_ERR_ARG;
    KvsArgs a;
    int32_t st = kvs_layout(&a.k, kfmt, block_table, block_size, n_kv_head, head_dim);
    if (st != LB_OK) return st;
    st = kv_layout(&a.v, vfmt, vgroup, block_table, block_size, n_kv_head, head_dim);
    if (st != LB_OK) return st;
    for (int64_t b = 0; b <= (pos0 + nq - 1) / block_size; b++)
        if (block_table[b] < 0) return LB_ERR_ARG;
    a.kc = (const uint8_t *)kcache;
    a.vc = (const uint8_t *)vcache;
    a.k_scale = k_scale;
    a.k_offset = k_offset;
    a.rope = rope_table;
    a.rot_dim = rot_dim;
    a.neox = neox;
    a.scale = scale;
    const int gh = n_head / n_kv_head;
    // the work item of the highest level this ISA level and shape have
    using ItemFn = void (*)(const KvsArgs &, const float *, int64_t, int, float *, int);
    ItemFn item = item_scalar;
#if LB_X86
    if (lb_isa_current() >= LB_ISA_AVX512 && kvs_supported_avx512(a)) item = kvs_item_avx512;
    else if (lb_isa_current() >= LB_ISA_AVX2 && kvs_supported_avx2(a)) item = kvs_item_avx2;
#elif LB_ARM64
    if (lb_isa_current() >= LB_ISA_NEON && kvs_supported_neon(a)) item = kvs_item_neon;
#endif
    const int64_t items = nq * n_kv_head;
#pragma omp parallel for num_threads(lb_threads_for((long long)nq * n_head * (pos0 + nq) * head_dim)) schedule(dynamic, 1)
    for (int64_t it = 0; it < items; it++) {
        const int64_t t = it / n_kv_head;
        const int kvh = (int)(it % n_kv_head);
        const float *qi = q + (t * n_head + (int64_t)kvh * gh) * head_dim;
        float *oi = out + (t * n_head + (int64_t)kvh * gh) * head_dim;
        item(a, qi, pos0 + t, gh, oi, kvh);
    }
    return LB_OK;
}
