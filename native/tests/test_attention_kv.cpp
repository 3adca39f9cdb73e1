// lb_kv_store + lb_attention over a paged cache (shuffled block table) for F32, F16, KV8, KV4, KV3, and
// lb_attention_kv / lb_attention_batch_kv for mixed K/V pairs (KV8 keys with KV4 values, ...):
//  - a stored quantised row equals lb_quantize of the same vector (group = min(group, head_dim));
//  - attention at every ISA level (and the AVX512_BF16 kernel) equals a naive double-precision causal
//    GQA softmax attention over the dequantised cache (group formats: bf16 query, and a bound for
//    the engine's bf16 value weights, see attention.cpp), for decode (nq = 1) and prefill (nq > 1), ragged lengths (not multiples
//    of the tile, span or block size), contexts long enough to be split across threads, GQA
//    ratios 1, 6, 7, head_dim 64 and 128;
//  - the SIMD paths equal the scalar reference within 1e-5 relative (to the output's magnitude),
//    plus, for group formats, one bf16 ulp of the largest weight (a weight may round the other way);
//  - the AVX2 and NEON levels (attention_avx2.cpp, attention_neon.cpp) run their own kernel for every format (and every mixed pair of
//    F16/KV8/KV4/KV3) at head_dim 64 and 128 over more than 1,024 keys: its output is not the scalar
//    path's bit for bit;
//  - lb_kv_store_batch / lb_attention_batch over several sequences (short, split, prefill rows) write
//    the same cache bytes and return the same outputs, bit for bit, as one call per sequence;
//  - a mixed pair follows the reference with each cache's own arithmetic (bf16 query for a group-format K,
//    bf16 value weights for a group-format V) and its SIMD paths (AVX-512, AVX2) equal the scalar
//    reference within the equal-format tolerance above;
//  - bad arguments are rejected.
#include "test_util.h"
#include "test_attention_ref.h"
#include "../cpu/study_pack.h"
#include <algorithm>
#include <cstring>

struct Cache {
    int fmt, group, eff_group, nkv, hd, bs;
    int64_t rb;
    std::vector<int32_t> table;
    std::vector<uint8_t> k, v;
};

static int64_t kv_row_bytes(int fmt, int group, int hd) {
    if (fmt == LB_F32) return 4 * hd;
    if (fmt == LB_F16) return 2 * hd;
    return lb_row_bytes(fmt, std::min(group, hd), hd);
}

static void deq_row(const Cache &c, const uint8_t *row, float *out) {
    if (c.fmt == LB_F32) std::memcpy(out, row, 4 * c.hd);
    else if (c.fmt == LB_F16)
        for (int i = 0; i < c.hd; i++) out[i] = lb_f16_to_f32((uint16_t)(row[2 * i] | row[2 * i + 1] << 8));
    else if (c.fmt == LB_MXFP4)
        for (int b = 0; b < c.hd / LB_MX_BLOCK; b++) lb_mx_dequant_block(row + b * LB_MX_BLOCK_BYTES, out + b * LB_MX_BLOCK);
    else  // per-group decode from the shared packing header (lb_dequantize per row would fork threads each time)
        for (int g = 0; g < c.hd / c.eff_group; g++)
            lb_dequant_group(row + g * (3 + c.eff_group * group_bits(c.fmt) / 8), group_bits(c.fmt), c.eff_group,
                             out + g * c.eff_group);
}

static const uint8_t *row_at(const Cache &c, const std::vector<uint8_t> &buf, int64_t pos, int h) {
    const int64_t slot = (int64_t)c.table[pos / c.bs] * c.bs + pos % c.bs;
    return buf.data() + (slot * c.nkv + h) * c.rb;
}

// K in fmt, V in vfmt (-1: fmt too). A mixed pair goes through lb_attention_kv and is held to the equal
// formats' tolerances; an equal pair through lb_attention_kv is lb_attention.
static void test_case(int fmt, int group, int nh, int nkv, int hd, int bs, int64_t ctx, int64_t nq, unsigned seed,
                      int vfmt = -1) {
    if (vfmt < 0) vfmt = fmt;
    const bool mixed = vfmt != fmt;
    Cache c{fmt, group, std::min(group, hd), nkv, hd, bs, kv_row_bytes(fmt, group, hd), {}, {}, {}};
    const int64_t total = ctx + nq, nblocks = (total + bs - 1) / bs + 1;
    std::mt19937 rng(seed);
    c.table = shuffled_blocks(nblocks, rng);
    c.k.assign(nblocks * bs * nkv * c.rb, 0);
    // the V pool's layout (the same table; its own format and row size)
    Cache cv{vfmt, group, std::min(group, hd), nkv, hd, bs, kv_row_bytes(vfmt, group, hd), c.table, {}, {}};
    c.v.assign(nblocks * bs * nkv * cv.rb, 0);
    auto ks = random_floats(total * nkv * hd, seed + 1, -2.f, 2.f), vs = random_floats(total * nkv * hd, seed + 2);
    // store in uneven chunks, as prefill then decode would
    for (int64_t p = 0; p < total;) {
        const int64_t n = std::min<int64_t>(total - p, 1 + (p % 7) * 5);
        CHECK(lb_kv_store(fmt, group, c.k.data(), c.table.data(), bs, nkv, hd, ks.data() + p * nkv * hd, p, n) == LB_OK, "store k");
        CHECK(lb_kv_store(vfmt, group, c.v.data(), c.table.data(), bs, nkv, hd, vs.data() + p * nkv * hd, p, n) == LB_OK, "store v");
        p += n;
    }
    if (fmt >= 100) {  // a stored row is exactly lb_quantize's row
        std::vector<uint8_t> q(c.rb);
        lb_quantize(fmt, c.eff_group, ks.data() + (total - 1) * nkv * hd + hd * (nkv - 1), q.data(), 1, hd);
        CHECK(std::memcmp(q.data(), row_at(c, c.k, total - 1, nkv - 1), c.rb) == 0, "stored row differs from lb_quantize");
    }
    const int64_t pos0 = ctx;
    auto q = random_floats(nq * nh * hd, seed + 3, -1.5f, 1.5f);
    const float scale = 1.f / std::sqrt((float)hd);
    // reference in double over the dequantised cache. Group formats: the query is bf16 as in the
    // engine; the engine's value weights are bf16(p * s) (a relative error up to 2^-9 each, taken
    // relative to a running maximum that the reference cannot reproduce), so the reference keeps
    // exact weights and bounds the difference per element: 2^-8 * sum_j w_j |v_jd|.
    // bf16 query for a group-format K, bf16 weights for V (MXFP4 rows are blocks, not groups: FP32 products)
    const bool grouped = group_bits(fmt) != 0, vgrouped = group_bits(vfmt) != 0;
    // dequantised cache, read back through the block table
    std::vector<float> kd(total * nkv * hd), vd(total * nkv * hd);
    for (int64_t j = 0; j < total; j++)
        for (int h = 0; h < nkv; h++) {
            deq_row(c, row_at(c, c.k, j, h), &kd[(j * nkv + h) * hd]);
            deq_row(cv, row_at(cv, c.v, j, h), &vd[(j * nkv + h) * hd]);
        }
    double vmax = 0;
    for (float x : vd) vmax = std::max(vmax, (double)std::fabs(x));
    std::vector<double> ref, wbound, flip;
    ref_attention(q.data(), kd.data(), vd.data(), nq, pos0, nh, nkv, hd, scale,
                  [&](float x) { return grouped ? lb_bf16_round(x) : x; }, ref, &wbound, &flip);
    for (double &f : flip) f = vgrouped ? std::ldexp(f * vmax, -8) : 0.0;  // one weight rounded the other way
    std::vector<float> scalar;
    for (int isa = 0; isa <= lb_isa_supported(); isa = isa_next(isa)) {  // LB_ISA_AVX512_BF16: the vdpbf16ps KV4 kernel
        lb_isa_set(isa);
        const char *name = isa_name(isa);
        std::vector<float> out(nq * nh * hd, -7.f);
        if (mixed)
            CHECK(lb_attention_kv(fmt, vfmt, group, c.k.data(), c.v.data(), c.table.data(), bs, q.data(), nq, pos0, nh, nkv, hd,
                                  scale, out.data()) == LB_OK, "attention kv");
        else
            CHECK(lb_attention(fmt, group, c.k.data(), c.v.data(), c.table.data(), bs, q.data(), nq, pos0, nh, nkv, hd, scale,
                               out.data()) == LB_OK, "attention");
        if (!mixed && nq * nh * hd <= 4096) {  // equal formats through the two-format entry point: the same floats
            std::vector<float> o2(out.size(), -9.f);
            CHECK(lb_attention_kv(fmt, fmt, group, c.k.data(), c.v.data(), c.table.data(), bs, q.data(), nq, pos0, nh, nkv, hd,
                                  scale, o2.data()) == LB_OK, "attention kv (equal)");
            CHECK(std::memcmp(out.data(), o2.data(), out.size() * sizeof(float)) == 0, "%s fmt %d: lb_attention_kv(f, f) != lb_attention",
                  name, fmt);
        }
        double worst = 0, mag = 0;
        for (size_t i = 0; i < out.size(); i++) {
            const double tol = 2e-5 + (vgrouped ? std::ldexp(wbound[i], -8) : 0.0);
            worst = std::max(worst, std::fabs(out[i] - ref[i]) / tol);
            mag = std::max(mag, std::fabs(ref[i]));
        }
        CHECK(worst <= 1.0, "%s fmt %d/%d g %d nh %d nkv %d hd %d ctx %lld nq %lld: error %.3g x tolerance", name, fmt, vfmt, group,
              nh, nkv, hd, (long long)ctx, (long long)nq, worst);
        if (isa == 0) {
            scalar = out;
        } else {
            // the AVX2 and NEON kernels sum in another order and use their own exp: bit-identical outputs over
            // this many keys would mean the level fell back to the scalar path (mixed pairs: F32 has
            // no mixed kernel, MXFP4 none at all)
            const bool simd_pair = fmt != LB_MXFP4 && vfmt != LB_MXFP4 && (!mixed || (fmt != LB_F32 && vfmt != LB_F32));
            if ((isa == LB_ISA_AVX2 || isa >= LB_ISA_NEON) && simd_pair && (hd == 64 || hd == 128) && group % 32 == 0 &&
                pos0 + nq > 1024)
                CHECK(std::memcmp(out.data(), scalar.data(), out.size() * sizeof(float)) != 0,
                      "%s fmt %d/%d hd %d ctx %lld: output is the scalar path's (no SIMD kernel ran)", name, fmt, vfmt, hd,
                      (long long)ctx);
            // SIMD against the scalar reference, relative to the output's magnitude
            double d = 0;
            for (size_t i = 0; i < out.size(); i++)
                d = std::max(d, std::fabs(out[i] - scalar[i]) / (1e-5 * mag + flip[i / hd]));
            CHECK(d <= 1.0, "%s vs scalar fmt %d/%d g %d nh %d nkv %d hd %d ctx %lld nq %lld: diff %.3g x tolerance (|out| %g)",
                  name, fmt, vfmt, group, nh, nkv, hd, (long long)ctx, (long long)nq, d, mag);
        }
    }
}

// several sequences with their own block tables into one block pool: batched store and attention
// equal the per-sequence calls exactly (same bytes, same floats), at every ISA level
// vfmt: the V pool's format (-1: fmt); a mixed pair goes through lb_attention_kv / lb_attention_batch_kv
static void test_batch(int fmt, float clip, unsigned seed, int vfmt = -1) {
    if (vfmt < 0) vfmt = fmt;
    const int nh = 14, nkv = 2, hd = 64, group = 64, bs = 16;
    const int64_t rb = kv_row_bytes(fmt, group, hd), vrb = kv_row_bytes(vfmt, group, hd);
    // single-sequence and batched attention, K in fmt and V in vfmt
    auto attn1 = [&](const uint8_t *k, const uint8_t *v, const int32_t *t, const float *q, int64_t nq, int64_t p0, float *o) {
        return fmt == vfmt ? lb_attention(fmt, group, k, v, t, bs, q, nq, p0, nh, nkv, hd, 0.125f, o)
                           : lb_attention_kv(fmt, vfmt, group, k, v, t, bs, q, nq, p0, nh, nkv, hd, 0.125f, o);
    };
    auto attnb = [&](const uint8_t *k, const uint8_t *v, const int32_t *const *t, const float *q, const int64_t *nq,
                     const int64_t *p0, int n, float *o) {
        return fmt == vfmt ? lb_attention_batch(fmt, group, k, v, t, bs, q, nq, p0, n, nh, nkv, hd, 0.125f, o)
                           : lb_attention_batch_kv(fmt, vfmt, group, k, v, t, bs, q, nq, p0, n, nh, nkv, hd, 0.125f, o);
    };
    const std::vector<int64_t> ctx = {0, 1500, 40, 2100}, nq = {1, 1, 5, 1};  // 1500/2100: split rows
    const int nseq = (int)ctx.size();
    int64_t nblocks = 0;
    for (int s = 0; s < nseq; s++) nblocks += (ctx[s] + nq[s] + bs - 1) / bs;
    std::mt19937 rng(seed);
    const std::vector<int32_t> pool = shuffled_blocks(nblocks, rng);
    std::vector<std::vector<int32_t>> tables(nseq);
    for (int s = 0, next = 0; s < nseq; s++)
        for (int64_t b = 0; b < (ctx[s] + nq[s] + bs - 1) / bs; b++) tables[s].push_back(pool[next++]);
    std::vector<const int32_t *> tp;
    for (auto &t : tables) tp.push_back(t.data());
    std::vector<uint8_t> k1((size_t)(nblocks * bs * nkv * rb), 0), v1((size_t)(nblocks * bs * nkv * vrb), 0);
    int64_t rows = 0;
    for (int s = 0; s < nseq; s++) {  // the contexts, per sequence
        const auto ks = random_floats(std::max<int64_t>(1, ctx[s]) * nkv * hd, seed + 10 + s, -2.f, 2.f);
        const auto vs = random_floats(std::max<int64_t>(1, ctx[s]) * nkv * hd, seed + 20 + s);
        if (ctx[s] == 0) continue;
        CHECK(lb_kv_store(fmt, group, k1.data(), tp[s], bs, nkv, hd, ks.data(), 0, ctx[s]) == LB_OK, "store k");
        CHECK(lb_kv_store(vfmt, group, v1.data(), tp[s], bs, nkv, hd, vs.data(), 0, ctx[s]) == LB_OK, "store v");
    }
    for (int s = 0; s < nseq; s++) rows += nq[s];
    std::vector<uint8_t> k2 = k1, v2 = v1;
    const auto kn = random_floats(rows * nkv * hd, seed + 1, -2.f, 2.f), vn = random_floats(rows * nkv * hd, seed + 2);
    const auto q = random_floats(rows * nh * hd, seed + 3);
    const float scale = 0.125f;
    for (int isa = 0; isa <= lb_isa_supported(); isa = isa_next(isa)) {
        lb_isa_set(isa);
        std::vector<uint8_t> ka = k1, va = v1, kb = k2, vb = v2;
        std::vector<float> oa(rows * nh * hd, -1.f), ob(rows * nh * hd, -2.f);
        for (int64_t s = 0, r = 0; s < nseq; r += nq[s], s++) {
            CHECK(lb_kv_store_clip(fmt, group, clip, ka.data(), tp[s], bs, nkv, hd, kn.data() + r * nkv * hd, ctx[s], nq[s]) == LB_OK, "k");
            CHECK(lb_kv_store_clip(vfmt, group, clip, va.data(), tp[s], bs, nkv, hd, vn.data() + r * nkv * hd, ctx[s], nq[s]) == LB_OK, "v");
            CHECK(attn1(ka.data(), va.data(), tp[s], q.data() + r * nh * hd, nq[s], ctx[s], oa.data() + r * nh * hd) == LB_OK,
                  "attention");
        }
        CHECK(lb_kv_store_batch(fmt, group, clip, kb.data(), tp.data(), bs, nkv, hd, kn.data(), nq.data(), ctx.data(), nseq) == LB_OK, "k batch");
        CHECK(lb_kv_store_batch(vfmt, group, clip, vb.data(), tp.data(), bs, nkv, hd, vn.data(), nq.data(), ctx.data(), nseq) == LB_OK, "v batch");
        CHECK(ka == kb && va == vb, "fmt %d clip %g %s: batched store wrote other bytes", fmt, clip, isa_name(isa));
        CHECK(attnb(kb.data(), vb.data(), tp.data(), q.data(), nq.data(), ctx.data(), nseq, ob.data()) == LB_OK, "attention batch");
        CHECK(std::memcmp(oa.data(), ob.data(), oa.size() * sizeof(float)) == 0, "fmt %d/%d %s: batched attention differs", fmt, vfmt,
              isa_name(isa));
        // a sequence whose block is missing fails the whole call before anything is written
        std::vector<int32_t> broken = tables[3];
        broken.back() = -1;
        std::vector<const int32_t *> tpb = tp;
        tpb[3] = broken.data();
        CHECK(attnb(kb.data(), vb.data(), tpb.data(), q.data(), nq.data(), ctx.data(), nseq, ob.data()) == LB_ERR_ARG,
              "unmapped block in a batch");
        const std::vector<uint8_t> before = kb;
        CHECK(lb_kv_store_batch(fmt, group, clip, kb.data(), tpb.data(), bs, nkv, hd, kn.data(), nq.data(), ctx.data(), nseq) ==
                  LB_ERR_ARG && kb == before, "unmapped block in a batched store");
    }
    lb_isa_set(lb_isa_supported());
    const std::vector<int64_t> bad = {1, 0, 1, 1};
    CHECK(attnb(k1.data(), v1.data(), tp.data(), q.data(), bad.data(), ctx.data(), nseq, std::vector<float>(rows * nh * hd).data()) ==
              LB_ERR_ARG, "a sequence without tokens");
    CHECK(attnb(k1.data(), v1.data(), tp.data(), q.data(), nq.data(), ctx.data(), 0, std::vector<float>(rows * nh * hd).data()) ==
              LB_ERR_ARG, "no sequences");
}

static void test_bad_args() {
    std::vector<uint8_t> cache(1 << 16);
    std::vector<float> x(1024), out(1024);
    const int32_t table[4] = {0, 1, 2, -1};
    CHECK(lb_kv_store(LB_KV4, 12, cache.data(), table, 16, 2, 64, x.data(), 0, 1) == LB_ERR_ARG, "group 12");
    CHECK(lb_kv_store(LB_W4G, 32, cache.data(), table, 16, 2, 64, x.data(), 0, 1) == LB_ERR_FORMAT, "weight format");
    CHECK(lb_kv_store(LB_MXFP4, 0, cache.data(), table, 16, 2, 48, x.data(), 0, 1) == LB_ERR_ARG, "MXFP4 rows of 48 (not whole blocks)");
    CHECK(lb_kv_store(LB_F16, 0, cache.data(), table, 0, 2, 64, x.data(), 0, 1) == LB_ERR_ARG, "block size 0");
    CHECK(lb_kv_store(LB_F16, 0, cache.data(), table, 16, 2, 64, x.data(), 40, 10) == LB_ERR_ARG, "unmapped block");
    CHECK(lb_kv_store(LB_F16, 0, cache.data(), nullptr, 16, 2, 64, x.data(), 0, 1) == LB_ERR_ARG, "null table");
    CHECK(lb_attention(LB_KV8, 32, cache.data(), cache.data(), table, 16, x.data(), 1, 0, 3, 2, 64, 0.1f, out.data()) ==
              LB_ERR_ARG, "n_head not a multiple of n_kv_head");
    CHECK(lb_attention(LB_KV8, 32, cache.data(), cache.data(), table, 16, x.data(), 1, 60, 4, 2, 64, 0.1f, out.data()) ==
              LB_ERR_ARG, "context reaches an unmapped block");
    CHECK(lb_attention(LB_KV8, 32, cache.data(), cache.data(), table, 16, x.data(), 0, 0, 4, 2, 64, 0.1f, out.data()) ==
              LB_ERR_ARG, "nq 0");
    CHECK(lb_attention(LB_Q4_0, 32, cache.data(), cache.data(), table, 16, x.data(), 1, 0, 4, 2, 64, 0.1f, out.data()) ==
              LB_ERR_FORMAT, "ggml format");
    CHECK(lb_attention_kv(LB_KV8, LB_Q4_0, 32, cache.data(), cache.data(), table, 16, x.data(), 1, 0, 4, 2, 64, 0.1f, out.data()) ==
              LB_ERR_FORMAT, "ggml V format");
    CHECK(lb_attention_kv(LB_W4G, LB_KV4, 32, cache.data(), cache.data(), table, 16, x.data(), 1, 0, 4, 2, 64, 0.1f, out.data()) ==
              LB_ERR_FORMAT, "weight K format");
}

int main() {
    unsigned seed = 1;
    for (int fmt : {LB_F32, LB_F16, LB_KV8, LB_KV4, LB_KV3}) {
        test_case(fmt, 32, 4, 2, 64, 16, 0, 1, seed++);      // first token
        test_case(fmt, 64, 14, 2, 64, 16, 300, 1, seed++);   // qwen2.5-0.5b heads, decode
        test_case(fmt, 128, 8, 8, 128, 32, 1000, 1, seed++); // MHA, long-ish context
        test_case(fmt, 128, 4, 1, 64, 16, 20, 5, seed++);    // group > head_dim, prefill continuing a sequence
        test_case(fmt, 32, 6, 2, 128, 8, 0, 9, seed++);      // prefill from empty
        test_case(fmt, 16, 2, 1, 48, 5, 33, 3, seed++);      // scalar-only shape (head_dim 48, group 16)
        // long decode rows, split into spans across threads: ragged lengths, GQA 7, 6, 1
        test_case(fmt, 64, 14, 2, 64, 256, 2500, 1, seed++);    // qwen2.5-0.5b
        test_case(fmt, 128, 12, 2, 128, 256, 3333, 1, seed++);  // r1-distill-qwen-1.5b
        test_case(fmt, 32, 2, 2, 128, 256, 1030, 1, seed++);    // MHA, head_dim 128, group 32
        test_case(fmt, 128, 7, 1, 64, 256, 2049, 2, seed++);    // nq 2: still split, rows of different length
        test_case(fmt, 64, 14, 2, 64, 256, 700, 37, seed++);    // causal prefill, ragged chunk
        test_case(fmt, 128, 4, 1, 256, 16, 1100, 2, seed++);    // head_dim 256, two groups per row
        test_case(fmt, 64, 14, 2, 64, 256, 2100, 8, seed++);    // prefill rows not split: several online-softmax tiles
        test_case(fmt, 128, 20, 2, 128, 64, 1500, 1, seed++);   // 10 query heads per kv head (more than one pass of 8)
        // head_dim 128 prefill rows not split (nq * n_kv_head = 16): several online-softmax tiles per row
        test_case(fmt, 64, 8, 2, 128, 64, 2200, 8, seed++);
        test_case(fmt, 32, 14, 2, 64, 128, 4100, 1, seed++);   // group 32, 4K decode (5 spans)
        test_case(fmt, 128, 12, 2, 128, 16, 1025, 1, seed++);  // one key past a span, block size 16
    }
    // mixed K/V pairs (kv-k8v4 ...): decode, prefill, split rows, two groups per row, scalar-only shape
    const int pairs[][2] = {{LB_KV8, LB_KV4}, {LB_KV4, LB_KV8}, {LB_F16, LB_KV4}, {LB_KV4, LB_F16}, {LB_KV8, LB_KV3},
                            {LB_KV3, LB_F16}, {LB_F32, LB_KV8}};
    for (const auto &p : pairs) {
        test_case(p[0], 32, 4, 2, 64, 16, 0, 1, seed++, p[1]);
        test_case(p[0], 64, 14, 2, 64, 16, 300, 1, seed++, p[1]);
        test_case(p[0], 128, 12, 2, 128, 256, 3333, 1, seed++, p[1]);  // split into spans
        test_case(p[0], 64, 14, 2, 64, 256, 700, 37, seed++, p[1]);    // causal prefill
        test_case(p[0], 128, 4, 1, 256, 16, 1100, 2, seed++, p[1]);    // two groups per row
        test_case(p[0], 16, 2, 1, 48, 5, 33, 3, seed++, p[1]);         // head_dim 48, group 16
        test_batch(p[0], p[0] == LB_KV8 ? 0.95f : 1.f, seed++, p[1]);
    }
    // every mixed pair of F16/KV8/KV4/KV3 (the AVX-512/AVX2 kernels' pairs): long decode split into
    // spans, head_dim 64 (group 32, two groups per row) and 128, where the AVX2 level must not be the scalar path
    unsigned pseed = 9000;  // own seeds: the cases after this keep theirs
    for (int kf : {LB_F16, LB_KV8, LB_KV4, LB_KV3})
        for (int vf : {LB_F16, LB_KV8, LB_KV4, LB_KV3}) {
            if (kf == vf) continue;
            test_case(kf, 32, 14, 2, 64, 64, 2500, 1, pseed++, vf);
            test_case(kf, 128, 8, 2, 128, 32, 1100, 3, pseed++, vf);  // nq 3: prefill rows, not split
        }
    // the MXFP4 cache (the study's MXFP4 W4A4KV4): head_dim a multiple of 32, scalar reference at every level
    for (int hd : {64, 128, 256}) {
        test_case(LB_MXFP4, 0, 4, 2, hd, 16, 0, 1, seed++);
        test_case(LB_MXFP4, 0, 14, 2, hd, 16, 300, 1, seed++);
        test_case(LB_MXFP4, 0, 12, 2, hd, 256, 2100, 1, seed++);  // split into spans
        test_case(LB_MXFP4, 0, 8, 2, hd, 64, 700, 9, seed++);     // causal prefill
    }
    test_case(LB_MXFP4, 64, 14, 2, 64, 16, 300, 1, seed++, LB_KV4);
    test_case(LB_KV8, 64, 14, 2, 64, 16, 300, 1, seed++, LB_MXFP4);
    for (int fmt : {LB_F32, LB_F16, LB_KV8, LB_KV4, LB_KV3, LB_MXFP4}) test_batch(fmt, 1.f, seed++);
    test_batch(LB_KV4, 0.95f, seed++);
    test_bad_args();
    return finish("test_attention_kv");
}
