// Batch invariance: a token's results do not depend on which other tokens share the call.
//  - lb_matmul_invariant, every weight format at every ISA level this CPU supports (scalar, AVX2,
//    AVX-512 FP32, AVX512_BF16): the output rows of token t inside a call of 2..21 tokens are
//    bit-identical to a call with that token alone (lb_matmul's own multi-token tiles sum in other
//    orders and fail this for the float, 32-block and W*G formats), and within 1e-5 of sum |w x| of
//    the scalar reference;
//  - lb_matmul itself for the integer-sum formats (I8CH, I8CHA, I4CH, I4CHA), which are invariant anyway;
//  - lb_attention / lb_attention_batch, every KV format and ISA level: a query row's output is
//    bit-identical whether it comes alone (decode: rows split into spans across threads), inside a
//    prefill chunk of 8 rows, or beside another sequence, at contexts under and over one span.
#include <cstring>
#include "test_util.h"
#include "test_attention_ref.h"

namespace {
struct Fmt { int id; int group; const char *name; };
const Fmt kFmts[] = {
    {LB_F32, 0, "f32"}, {LB_F16, 0, "f16"}, {LB_BF16, 0, "bf16"}, {LB_BF16X16, 0, "bf16x16"},
    {LB_Q8_0, 0, "q8_0"}, {LB_Q4_0, 0, "q4_0"}, {LB_Q4_1, 0, "q4_1"}, {LB_Q5_0, 0, "q5_0"}, {LB_Q5_1, 0, "q5_1"},
    {LB_Q2_K, 0, "q2_k"}, {LB_Q3_K, 0, "q3_k"}, {LB_Q4_K, 0, "q4_k"}, {LB_Q5_K, 0, "q5_k"}, {LB_Q6_K, 0, "q6_k"},
    {LB_W4G, 128, "w4g128"}, {LB_W3G, 128, "w3g128"}, {LB_W2G, 128, "w2g128"}, {LB_W4G, 32, "w4g32"},
    {LB_I8CH, 0, "i8ch"}, {LB_I8CHA, 0, "i8cha"}, {LB_I4CH, 0, "i4ch"}, {LB_I4CHA, 0, "i4cha"},
};
const int kMaxTok = 21;

bool same_bits(const float *a, const float *b, size_t n, int *first) {
    for (size_t i = 0; i < n; i++)
        if (std::memcmp(a + i, b + i, 4) != 0) {
            *first = (int)i;
            return false;
        }
    return true;
}

void check_matmul(const Fmt &f, int rows, int cols, unsigned seed) {
    if (lb_row_bytes(f.id, f.group, cols) < 0) return;  // cols not a whole number of blocks
    const bool integer = f.id == LB_I8CH || f.id == LB_I8CHA || f.id == LB_I4CH || f.id == LB_I4CHA;
    std::vector<float> wf = random_floats((size_t)rows * cols, seed);
    std::vector<uint8_t> w((size_t)(lb_row_bytes(f.id, f.group, cols) * ((rows + 15) / 16 * 16)));  // BF16X16: whole blocks
    CHECK(lb_quantize(f.id, f.group, wf.data(), w.data(), rows, cols) == LB_OK, "%s quantize", f.name);
    std::vector<float> wd((size_t)rows * cols);
    lb_dequantize(f.id, f.group, w.data(), wd.data(), rows, cols);
    std::vector<float> x = random_floats((size_t)kMaxTok * cols, seed + 1, -2.f, 2.f);
    for (int c = 0; c < cols; c += 13) x[c] *= 8.f;  // outliers

    std::vector<float> ref((size_t)kMaxTok * rows);
    lb_isa_set(LB_ISA_SCALAR);
    for (int t = 0; t < kMaxTok; t++)
        lb_matmul(f.id, f.group, w.data(), rows, cols, x.data() + (size_t)t * cols, 1, ref.data() + (size_t)t * rows);
    for (int isa = LB_ISA_SCALAR; isa <= lb_isa_supported(); isa = isa_next(isa)) {
        lb_isa_set(isa);
        std::vector<float> one((size_t)kMaxTok * rows);
        for (int t = 0; t < kMaxTok; t++)
            CHECK(lb_matmul_invariant(f.id, f.group, w.data(), rows, cols, x.data() + (size_t)t * cols, 1, one.data() + (size_t)t * rows) == LB_OK,
                  "%s %s", f.name, isa_name(isa));
        int bad = 0;
        for (int t = 0; t < kMaxTok; t++)
            for (int r = 0; r < rows; r++) {
                double mag = 1e-30;
                for (int c = 0; c < cols; c++) mag += std::fabs((double)wd[(size_t)r * cols + c] * x[(size_t)t * cols + c]);
                const float a = one[(size_t)t * rows + r], b = ref[(size_t)t * rows + r];
                if (!(std::fabs(a - b) <= 1e-5 * mag) && bad++ < 3)
                    CHECK(false, "%s %s %dx%d t%d r%d: %.9g vs scalar %.9g", f.name, isa_name(isa), rows, cols, t, r, a, b);
            }
        for (int n : {2, 3, 5, 8, 16, kMaxTok}) {
            std::vector<float> y((size_t)n * rows);
            lb_matmul_invariant(f.id, f.group, w.data(), rows, cols, x.data(), n, y.data());
            int i;
            CHECK(same_bits(y.data(), one.data(), y.size(), &i), "%s %s %dx%d: token %d row %d of %d tokens: %.9g, alone %.9g", f.name,
                  isa_name(isa), rows, cols, i / rows, i % rows, n, y[i], one[i]);
            if (!integer) continue;
            lb_matmul(f.id, f.group, w.data(), rows, cols, x.data(), n, y.data());
            CHECK(same_bits(y.data(), one.data(), y.size(), &i), "%s %s %dx%d lb_matmul: token %d row %d of %d tokens differs", f.name,
                  isa_name(isa), rows, cols, i / rows, i % rows, n);
        }
    }
}

// one sequence's cache of `total` positions (shuffled pages), a second sequence beside it
void check_attention(int fmt, int group, int64_t ctx, unsigned seed) {
    const int nh = 14, nkv = 2, hd = 64, bs = 256, nq = 8;
    const int64_t total = ctx + nq, nblocks = (total + bs - 1) / bs;
    const int64_t rb = fmt == LB_F32 ? 4 * hd : fmt == LB_F16 ? 2 * hd : lb_row_bytes(fmt, group, hd);
    std::mt19937 rng(seed);
    std::vector<int32_t> table = shuffled_blocks(2 * nblocks, rng);  // the first half is this sequence's
    const int32_t *other = table.data() + nblocks;
    std::vector<uint8_t> k((size_t)(2 * nblocks * bs * nkv * rb)), v(k.size());
    const auto ks = random_floats((size_t)total * nkv * hd, seed + 1, -2.f, 2.f), vs = random_floats((size_t)total * nkv * hd, seed + 2);
    for (const int32_t *t : {(const int32_t *)table.data(), other}) {
        CHECK(lb_kv_store(fmt, group, k.data(), t, bs, nkv, hd, ks.data(), 0, total) == LB_OK, "store k");
        CHECK(lb_kv_store(fmt, group, v.data(), t, bs, nkv, hd, vs.data(), 0, total) == LB_OK, "store v");
    }
    const auto q = random_floats((size_t)nq * nh * hd, seed + 3, -1.5f, 1.5f);
    const float scale = 0.125f;
    const size_t row = (size_t)nh * hd;
    for (int isa = LB_ISA_SCALAR; isa <= lb_isa_supported(); isa = isa_next(isa)) {
        lb_isa_set(isa);
        std::vector<float> alone((size_t)nq * row), chunk(alone.size()), batch(alone.size() + row);
        for (int t = 0; t < nq; t++)
            CHECK(lb_attention(fmt, group, k.data(), v.data(), table.data(), bs, q.data() + t * row, 1, ctx + t, nh, nkv, hd, scale,
                               alone.data() + t * row) == LB_OK, "attention");
        lb_attention(fmt, group, k.data(), v.data(), table.data(), bs, q.data(), nq, ctx, nh, nkv, hd, scale, chunk.data());
        // this sequence's rows 1..7 as a prefill chunk, then the other sequence's decode row
        const int32_t *tables[2] = {table.data(), other};
        const int64_t nqs[2] = {nq - 1, 1}, pos0[2] = {ctx + 1, ctx + 3};
        std::vector<float> qb(q.begin() + row, q.end());
        qb.insert(qb.end(), q.begin(), q.begin() + row);
        lb_attention_batch(fmt, group, k.data(), v.data(), tables, bs, qb.data(), nqs, pos0, 2, nh, nkv, hd, scale, batch.data());
        int i;
        CHECK(same_bits(chunk.data(), alone.data(), alone.size(), &i), "attention fmt %d %s ctx %lld: row %d of a chunk of %d differs from alone",
              fmt, isa_name(isa), (long long)ctx, (int)(i / row), nq);
        CHECK(same_bits(batch.data(), alone.data() + row, alone.size() - row, &i), "attention fmt %d %s ctx %lld: row %d in a batch differs",
              fmt, isa_name(isa), (long long)ctx, (int)(i / row) + 1);
    }
}
}  // namespace

int main() {
    unsigned seed = 1;
    // 4864 and 2304 columns: longer than the column chunks of lb_matmul's multi-token path
    for (const Fmt &f : kFmts)
        for (int cols : {256, 896, 2304, 4864}) check_matmul(f, 37, cols, seed++);
    // 500: one span; 2100: three spans of 1024 keys (split across threads for a lone decode row)
    for (int fmt : {LB_F32, LB_F16, LB_KV8, LB_KV4, LB_KV3})
        for (int64_t ctx : {500, 2100}) check_attention(fmt, 32, ctx, seed++);
    return finish("test_batch_invariance");
}
