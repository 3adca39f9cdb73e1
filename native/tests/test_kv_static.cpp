// Static per-channel K cache (LB_KVS8/4/3) with lb_kvs_store + lb_kvs_attention:
//  - the codes-only row packing round-trips for every width and head_dim (incl. short last chunks);
//  - a stored code equals clamp(rint(k/s)+z) of the input;
//  - attention at every ISA level equals a double-precision reference that dequantises
//    (s*(q-z) + bias), applies RoPE at each key's position (angles in double), dots with q and
//    runs softmax attention over V dequantised from its per-token cache; decode and prefill,
//    normal and NeoX pairs, rope_freqs divisors, partial rot_dim;
//  - every SIMD level equals the scalar path (1e-5 relative);
//  - lb_rope_table rows rotate a vector exactly as lb_rope_ext does;
//  - lb_kv_store_clip (per-token formats with a clip ratio) == lb_quantize of the clamped groups;
//  - bad arguments are rejected.
#include "test_util.h"
#include "test_attention_ref.h"
#include "../cpu/kv_static_internal.h"
#include <algorithm>
#include <cstring>

static void test_packing() {
    std::mt19937 rng(7);
    for (int bits : {8, 4, 3})
        for (int hd : {8, 24, 40, 64, 72, 128, 256}) {
            CHECK(lb_row_bytes(bits == 8 ? LB_KVS8 : bits == 4 ? LB_KVS4 : LB_KVS3, 0, hd) == hd * bits / 8, "row bytes");
            std::vector<int> codes(hd);
            for (auto &c : codes) c = (int)(rng() % (1u << bits));
            std::vector<uint8_t> row(hd * bits / 8 + 1, 0xAB);
            kvs_pack_row(codes.data(), bits, hd, row.data());
            CHECK(row[hd * bits / 8] == 0xAB, "packing wrote past the row");
            for (int i = 0; i < hd; i++)
                CHECK(kvs_get_code(row.data(), bits, hd, i) == codes[i], "bits %d hd %d code %d", bits, hd, i);
        }
    CHECK(lb_row_bytes(LB_KVS4, 0, 12) == -1, "head_dim not a multiple of 8");
}

static void test_rope_table() {
    const int hd = 64, rd = 64;
    std::vector<float> ff(rd / 2);
    for (int i = 0; i < rd / 2; i++) ff[i] = 1.f + 0.25f * (float)(i % 5);
    std::vector<float> tab(300 * rd);
    CHECK(lb_rope_table(10000.f, rd, ff.data(), 300, tab.data()) == LB_OK, "table");
    for (int neox : {0, 1}) {
        auto x = random_floats(hd, 11 + neox);
        std::vector<float> y = x;
        int32_t pos = 277;
        CHECK(lb_rope_ext(y.data(), 1, 1, hd, rd, &pos, 10000.f, neox, ff.data()) == LB_OK, "rope");
        const float *cs = &tab[pos * rd], *sn = cs + rd / 2;
        for (int i = 0; i < rd / 2; i++) {
            const int i0 = neox ? i : 2 * i, i1 = neox ? i + rd / 2 : 2 * i + 1;
            CHECK(x[i0] * cs[i] - x[i1] * sn[i] == y[i0] && x[i0] * sn[i] + x[i1] * cs[i] == y[i1], "rope table row differs");
        }
    }
}

struct Setup {
    int kfmt, bits, vfmt, vgroup, veff, nkv, hd, bs, rd, neox;
    int64_t rbk, rbv;
    std::vector<int32_t> table;
    std::vector<uint8_t> k, v;
    std::vector<float> scale, zero, bias, offset, rope, ff;
};

static int64_t vrow_bytes(int fmt, int g, int hd) {
    return fmt == LB_F32 ? 4 * hd : fmt == LB_F16 ? 2 * hd : lb_row_bytes(fmt, g, hd);
}

static const uint8_t *row_at(const Setup &c, const std::vector<uint8_t> &buf, int64_t rb, int64_t pos, int h) {
    const int64_t slot = (int64_t)c.table[pos / c.bs] * c.bs + pos % c.bs;
    return buf.data() + (slot * c.nkv + h) * rb;
}

static void vdeq(const Setup &c, const uint8_t *row, float *out) {
    if (c.vfmt == LB_F32) std::memcpy(out, row, 4 * c.hd);
    else if (c.vfmt == LB_F16)
        for (int i = 0; i < c.hd; i++) out[i] = lb_f16_to_f32((uint16_t)(row[2 * i] | row[2 * i + 1] << 8));
    else
        for (int g = 0; g < c.hd / c.veff; g++)
            lb_dequant_group(row + g * lb_group_block_bytes(group_bits(c.vfmt), c.veff), group_bits(c.vfmt), c.veff,
                             out + g * c.veff);
}

static void test_case(int bits, int vfmt, int vgroup, int nh, int nkv, int hd, int rd, int neox, bool freqs, int bs,
                      int64_t ctx, int64_t nq, unsigned seed) {
    Setup c;
    c.kfmt = bits == 8 ? LB_KVS8 : bits == 4 ? LB_KVS4 : LB_KVS3;
    c.bits = bits, c.vfmt = vfmt, c.vgroup = vgroup, c.veff = std::min(vgroup, hd), c.nkv = nkv, c.hd = hd, c.bs = bs;
    c.rd = rd, c.neox = neox;
    c.rbk = lb_row_bytes(c.kfmt, 0, hd);
    c.rbv = vrow_bytes(vfmt, c.veff, hd);
    const int64_t total = ctx + nq, nblocks = (total + bs - 1) / bs + 1;
    std::mt19937 rng(seed);
    c.table = shuffled_blocks(nblocks, rng);
    c.k.assign(nblocks * bs * nkv * c.rbk, 0);
    c.v.assign(nblocks * bs * nkv * c.rbv, 0);
    const int C = nkv * hd, qmax = (1 << bits) - 1;
    // per-channel ranges of very different widths and centres, as pre-RoPE K has
    auto lo = random_floats(C, seed + 1, -3.f, 0.5f), w = random_floats(C, seed + 2, 0.2f, 4.f);
    c.bias = random_floats(C, seed + 3, -5.f, 5.f);
    c.scale.resize(C), c.zero.resize(C), c.offset.resize(C);
    for (int i = 0; i < C; i++) {
        const float mn = std::min(lo[i], 0.f), mx = std::max(lo[i] + w[i], 0.f);
        c.scale[i] = (mx - mn) / qmax;
        c.zero[i] = std::min<float>(qmax, std::max(0.f, std::rint(-mn / c.scale[i])));
        c.offset[i] = -c.zero[i] * c.scale[i] + c.bias[i];
    }
    std::vector<float> ks(total * C), vs = random_floats(total * C, seed + 4);
    std::uniform_real_distribution<float> u(0.f, 1.f);
    for (int64_t t = 0; t < total; t++)
        for (int i = 0; i < C; i++) ks[t * C + i] = lo[i] + w[i] * (1.2f * u(rng) - 0.1f);  // a few values clip
    for (int64_t p = 0; p < total;) {
        const int64_t n = std::min<int64_t>(total - p, 1 + (p % 7) * 5);
        CHECK(lb_kvs_store(c.kfmt, c.k.data(), c.table.data(), bs, nkv, hd, c.scale.data(), c.zero.data(), ks.data() + p * C, p,
                           n) == LB_OK, "store k");
        CHECK(lb_kv_store(vfmt, vgroup, c.v.data(), c.table.data(), bs, nkv, hd, vs.data() + p * C, p, n) == LB_OK, "store v");
        p += n;
    }
    for (int64_t t : {(int64_t)0, total - 1})
        for (int h = 0; h < nkv; h++)
            for (int i = 0; i < hd; i++) {
                const int ch = h * hd + i;
                const int want = (int)std::min<float>(qmax, std::max(0.f, std::rint(ks[t * C + ch] / c.scale[ch]) + c.zero[ch]));
                CHECK(kvs_get_code(row_at(c, c.k, c.rbk, t, h), bits, hd, i) == want, "stored code");
            }
    if (freqs) {
        c.ff.resize(rd / 2);
        for (int i = 0; i < rd / 2; i++) c.ff[i] = 1.f + 3.f * (float)i / rd;
    }
    c.rope.resize(total * rd);
    CHECK(lb_rope_table(10000.f, rd, freqs ? c.ff.data() : nullptr, total, c.rope.data()) == LB_OK, "rope table");

    // reference in double: dequantise + bias, rope at the key's position, dot, softmax, V
    const int64_t pos0 = ctx;
    auto q = random_floats(nq * nh * hd, seed + 5, -1.5f, 1.5f);
    const float scale = 1.f / std::sqrt((float)hd);
    std::vector<double> kd(total * C), ref;
    std::vector<float> vd(total * C);
    for (int64_t j = 0; j < total; j++)
        for (int h = 0; h < nkv; h++) {
            double *k = &kd[(j * nkv + h) * hd];
            for (int i = 0; i < hd; i++) {
                const int ch = h * hd + i;
                k[i] = (double)c.scale[ch] * (kvs_get_code(row_at(c, c.k, c.rbk, j, h), bits, hd, i) - c.zero[ch]) + c.bias[ch];
            }
            for (int i = 0; i < rd / 2; i++) {
                const double a = (double)j * std::pow(10000.0, -2.0 * i / rd) / (freqs ? c.ff[i] : 1.0);
                const int i0 = neox ? i : 2 * i, i1 = neox ? i + rd / 2 : 2 * i + 1;
                const double x = k[i0], y = k[i1];
                k[i0] = x * std::cos(a) - y * std::sin(a);
                k[i1] = x * std::sin(a) + y * std::cos(a);
            }
            vdeq(c, row_at(c, c.v, c.rbv, j, h), &vd[(j * nkv + h) * hd]);
        }
    ref_attention(q.data(), kd.data(), vd.data(), nq, pos0, nh, nkv, hd, scale, [](float x) { return x; }, ref);
    std::vector<float> scalar_out;
    for (int isa = 0; isa <= lb_isa_supported(); isa = isa_next(isa)) {
        lb_isa_set(isa);
        std::vector<float> out(nq * nh * hd, -7.f);
        CHECK(lb_kvs_attention(c.kfmt, c.k.data(), c.scale.data(), c.offset.data(), c.rope.data(), total, rd, neox, vfmt, vgroup,
                               c.v.data(), c.table.data(), bs, q.data(), nq, pos0, nh, nkv, hd, scale, out.data()) == LB_OK,
              "attention");
        // vs scalar: largest difference relative to the largest output (outputs near 0 make per-element ratios meaningless)
        double worst = 0, diff = 0, amax = 0;
        for (size_t i = 0; i < out.size(); i++) {
            worst = std::max(worst, std::fabs(out[i] - ref[i]));
            if (isa > 0) {
                diff = std::max(diff, (double)std::fabs(out[i] - scalar_out[i]));
                amax = std::max(amax, (double)std::fabs(scalar_out[i]));
            }
        }
        const double worst_vs_scalar = isa > 0 ? diff / amax : 0.0;
        if (isa == 0) scalar_out = out;
        // the SIMD items (AVX2, AVX-512, NEON) sum in another order and use their own exp: bit-identical
        // outputs over this many keys would mean the level fell back to the scalar item (shapes they
        // take: head_dim 64/128/256 rotated whole)
        else if ((hd == 64 || hd == 128 || hd == 256) && rd == hd && (pos0 + nq) * nq >= 40)
            CHECK(std::memcmp(out.data(), scalar_out.data(), out.size() * sizeof(float)) != 0,
                  "%s kvs%d hd %d: output is the scalar item's (no SIMD item ran)", isa_name(isa), bits, hd);
        CHECK(worst < 5e-5, "%s kvs%d vfmt %d nh %d nkv %d hd %d rd %d neox %d ctx %lld nq %lld: max err %g vs double", isa_name(isa),
              bits, vfmt, nh, nkv, hd, rd, neox, (long long)ctx, (long long)nq, worst);
        CHECK(worst_vs_scalar < 1e-5, "%s kvs%d hd %d: rel diff %g vs scalar", isa_name(isa), bits, hd, worst_vs_scalar);
    }
}

// lb_kv_store_clip: clip 1 == lb_kv_store; clip < 1 == lb_quantize of the group clamped to clip*[min, max]
static void test_store_clip() {
    const int nkv = 2, hd = 64, bs = 16;
    const int32_t table[2] = {1, 0};
    auto x = random_floats(20 * nkv * hd, 77, -2.f, 3.f);
    for (int fmt : {LB_KV8, LB_KV4, LB_KV3})
        for (int group : {32, 64}) {
            const int64_t rb = lb_row_bytes(fmt, group, hd);
            std::vector<uint8_t> a(2 * bs * nkv * rb), b(a.size());
            CHECK(lb_kv_store(fmt, group, a.data(), table, bs, nkv, hd, x.data(), 0, 20) == LB_OK, "store");
            CHECK(lb_kv_store_clip(fmt, group, 1.f, b.data(), table, bs, nkv, hd, x.data(), 0, 20) == LB_OK, "store clip 1");
            CHECK(a == b, "clip 1 differs from lb_kv_store");
            CHECK(lb_kv_store_clip(fmt, group, 0.9f, b.data(), table, bs, nkv, hd, x.data(), 0, 20) == LB_OK, "store clip");
            for (int t : {0, 17})
                for (int h = 0; h < nkv; h++) {
                    const float *v = &x[(t * nkv + h) * hd];
                    std::vector<float> c(v, v + hd);
                    for (int g = 0; g < hd / group; g++) {
                        float mn = c[g * group], mx = mn;
                        for (int j = 0; j < group; j++) mn = std::min(mn, c[g * group + j]), mx = std::max(mx, c[g * group + j]);
                        for (int j = 0; j < group; j++) c[g * group + j] = std::min(0.9f * mx, std::max(0.9f * mn, c[g * group + j]));
                    }
                    std::vector<uint8_t> want(rb);
                    lb_quantize(fmt, group, c.data(), want.data(), 1, hd);
                    const int64_t slot = (int64_t)table[t / bs] * bs + t % bs;
                    CHECK(std::memcmp(want.data(), b.data() + (slot * nkv + h) * rb, rb) == 0, "fmt %d group %d t %d h %d", fmt, group, t, h);
                }
        }
    std::vector<uint8_t> cache(1 << 14);
    CHECK(lb_kv_store_clip(LB_KV4, 32, 0.f, cache.data(), table, bs, nkv, hd, x.data(), 0, 1) == LB_ERR_ARG, "clip 0");
    CHECK(lb_kv_store_clip(LB_KV4, 32, 1.5f, cache.data(), table, bs, nkv, hd, x.data(), 0, 1) == LB_ERR_ARG, "clip > 1");
}

static void test_bad_args() {
    std::vector<uint8_t> cache(1 << 16);
    std::vector<float> x(1024, 0.5f), s(128, 0.1f), z(128, 3.f), out(1024), tab(64 * 64);
    const int32_t table[4] = {0, 1, 2, -1};
    CHECK(lb_kvs_store(LB_KV4, cache.data(), table, 16, 2, 64, s.data(), z.data(), x.data(), 0, 1) == LB_ERR_FORMAT, "per-token format");
    CHECK(lb_kvs_store(LB_KVS4, cache.data(), table, 16, 2, 60, s.data(), z.data(), x.data(), 0, 1) == LB_ERR_ARG, "head_dim 60");
    CHECK(lb_kvs_store(LB_KVS4, cache.data(), table, 16, 2, 64, s.data(), z.data(), x.data(), 40, 10) == LB_ERR_ARG, "unmapped");
    z[5] = 16.f;
    CHECK(lb_kvs_store(LB_KVS4, cache.data(), table, 16, 2, 64, s.data(), z.data(), x.data(), 0, 1) == LB_ERR_ARG, "zero > qmax");
    z[5] = 3.f, s[7] = 0.f;
    CHECK(lb_kvs_store(LB_KVS4, cache.data(), table, 16, 2, 64, s.data(), z.data(), x.data(), 0, 1) == LB_ERR_ARG, "scale 0");
    s[7] = 0.1f;
    CHECK(lb_kvs_store(LB_KVS4, cache.data(), table, 16, 2, 64, s.data(), z.data(), x.data(), 0, 1) == LB_OK, "valid store");
    auto att = [&](int kfmt, int64_t npos, int rd, int neox, int vfmt, int64_t pos0, int nh) {
        return lb_kvs_attention(kfmt, cache.data(), s.data(), z.data(), tab.data(), npos, rd, neox, vfmt, 32, cache.data(), table,
                                16, x.data(), 1, pos0, nh, 2, 64, 0.1f, out.data());
    };
    CHECK(att(LB_KVS4, 64, 64, 1, LB_KV4, 0, 4) == LB_OK, "valid attention");
    CHECK(att(LB_KVS4, 10, 64, 1, LB_KV4, 10, 4) == LB_ERR_ARG, "rope table too short");
    CHECK(att(LB_KVS4, 64, 66, 1, LB_KV4, 0, 4) == LB_ERR_ARG, "rot_dim > head_dim");
    CHECK(att(LB_KVS4, 64, 64, 2, LB_KV4, 0, 4) == LB_ERR_ARG, "neox 2");
    CHECK(att(LB_KVS4, 64, 64, 1, LB_KV4, 0, 3) == LB_ERR_ARG, "n_head not a multiple");
    CHECK(att(LB_KVS4, 64, 64, 1, LB_KV4, 50, 4) == LB_ERR_ARG, "unmapped block");
    CHECK(att(LB_KV4, 64, 64, 1, LB_KV4, 0, 4) == LB_ERR_FORMAT, "K in a per-token format");
    CHECK(att(LB_KVS4, 64, 64, 1, LB_KVS4, 0, 4) == LB_ERR_FORMAT, "V in a static format");
    CHECK(lb_rope_table(10000.f, 63, nullptr, 4, tab.data()) == LB_ERR_ARG, "odd rot_dim");
}

int main() {
    test_packing();
    test_rope_table();
    unsigned seed = 100;
    for (int bits : {8, 4, 3}) {
        const int vfmt = bits == 8 ? LB_KV8 : bits == 4 ? LB_KV4 : LB_KV3;
        test_case(bits, vfmt, 128, 14, 2, 64, 64, 1, false, 16, 300, 1, seed++);   // qwen2.5-0.5b: NeoX, decode
        test_case(bits, vfmt, 128, 4, 1, 64, 64, 0, true, 16, 40, 7, seed++);      // llama pairs + rope_freqs, prefill
        test_case(bits, vfmt, 64, 8, 8, 128, 128, 1, false, 32, 700, 1, seed++);   // MHA, head_dim 128
        test_case(bits, vfmt, 128, 4, 2, 256, 256, 0, false, 8, 0, 9, seed++);    // head_dim 256 prefill from empty
        test_case(bits, vfmt, 128, 8, 4, 8, 8, 0, false, 16, 60, 3, seed++);       // stories260K shape (scalar)
        test_case(bits, vfmt, 32, 4, 2, 64, 32, 1, false, 16, 25, 2, seed++);      // partial rot_dim (scalar)
    }
    test_case(4, LB_F16, 0, 4, 2, 128, 128, 1, false, 16, 90, 2, seed++);          // F16 V
    test_case(3, LB_F32, 0, 6, 3, 64, 64, 0, false, 16, 30, 1, seed++);            // F32 V
    test_store_clip();
    test_bad_args();
    return finish("test_kv_static");
}
