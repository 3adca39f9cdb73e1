// Timing tool for lb_attention decode (not a ctest): one decode token of one layer over a paged
// cache of ctx tokens, minimum over repetitions (robust to other load on a shared machine).
// Repetitions cycle through as many copies of the layer's cache as fill 256 MiB (up to 24, the
// layers of Qwen2.5-0.5B), so each call reads its K/V from DRAM as decoding does, not from L3.
// KV4 is timed twice where the CPU has AVX512_BF16: "KV4" (the vdpbf16ps kernel) and "KV4/fp32"
// (the FP32-FMA kernel that CPUs without it use).
// usage: bench_attention [threads] [head_dim: 64 = Qwen2.5-0.5B (14/2 heads), 128 = R1-Distill-Qwen-1.5B (12/2)]
// env: BENCH_ISA = scalar | avx2 | avx512 | avx512-bf16 (or the LB_ISA_* number) times that level instead
// of the CPU's best; BENCH_CTX = comma-separated context lengths (default 1024,8192,32768);
// BENCH_KV = comma-separated caches (default f16,kv8,kv4,kv4/fp32,kv3): one format, or a mixed K/V pair
// kXvY (X, Y in 16, 8, 4, 3: k8v4 = KV8 keys, KV4 values, as the kv-k8v4 plan, through lb_attention_kv)
#include "lowbit/lowbit.h"
#include <chrono>
#include <cmath>
#include <cstdio>
#include <algorithm>
#include <cstdlib>
#include <cstring>
#include <random>
#include <string>
#include <sys/mman.h>
#include <vector>

static void *huge_alloc(size_t n) {  // 2 MiB pages, touched after madvise, as the engine's buffers
    n = (n + (2u << 20) - 1) / (2u << 20) * (2u << 20);
    void *p = mmap(nullptr, n, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
    madvise(p, n, MADV_HUGEPAGE);
    for (size_t i = 0; i < n; i += 4096) ((volatile char *)p)[i] = 0;
    return p;
}

// BENCH_ISA as an LB_ISA_* level, capped at what the CPU supports
static int bench_isa() {
    const char *e = getenv("BENCH_ISA");
    int isa = lb_isa_supported();
    if (e && *e) {
        isa = !strcmp(e, "scalar") ? LB_ISA_SCALAR : !strcmp(e, "avx2") ? LB_ISA_AVX2 : !strcmp(e, "avx512") ? LB_ISA_AVX512
            : !strcmp(e, "avx512-bf16") ? LB_ISA_AVX512_BF16 : atoi(e);
        isa = std::min(isa, lb_isa_supported());
    }
    return isa;
}

// a cache to time: K and V formats; fp32 = the KV4 FP32-FMA kernel on an AVX512_BF16 CPU
struct Variant {
    int kfmt, vfmt;
    bool fp32;
    std::string name;
};

static int bits_fmt(int b) { return b == 16 ? LB_F16 : b == 8 ? LB_KV8 : b == 4 ? LB_KV4 : b == 3 ? LB_KV3 : -1; }

// BENCH_KV, or the default list; an unknown name: one line and exit 2
static std::vector<Variant> bench_kv() {
    const char *e = getenv("BENCH_KV");
    std::string list = e && *e ? e : "f16,kv8,kv4,kv4/fp32,kv3";
    std::vector<Variant> vs;
    for (size_t p = 0; p <= list.size();) {
        size_t c = list.find(',', p);
        if (c == std::string::npos) c = list.size();
        const std::string n = list.substr(p, c - p);
        p = c + 1;
        if (n.empty()) continue;
        int kb = 0, vb = 0;
        char tail = 0;
        if (n == "f16") vs.push_back({LB_F16, LB_F16, false, "F16"});
        else if (n == "kv8") vs.push_back({LB_KV8, LB_KV8, false, "KV8"});
        else if (n == "kv4") vs.push_back({LB_KV4, LB_KV4, false, "KV4"});
        else if (n == "kv4/fp32") vs.push_back({LB_KV4, LB_KV4, true, "KV4/fp32"});
        else if (n == "kv3") vs.push_back({LB_KV3, LB_KV3, false, "KV3"});
        else if (sscanf(n.c_str(), "k%dv%d%c", &kb, &vb, &tail) == 2 && bits_fmt(kb) >= 0 && bits_fmt(vb) >= 0)
            vs.push_back({bits_fmt(kb), bits_fmt(vb), false, "K" + std::to_string(kb) + "V" + std::to_string(vb)});
        else {
            fprintf(stderr, "BENCH_KV: unknown cache '%s' (f16, kv8, kv4, kv4/fp32, kv3 or kXvY with X, Y in 16, 8, 4, 3)\n", n.c_str());
            exit(2);
        }
    }
    return vs;
}

static std::vector<int> bench_ctx() {
    std::vector<int> ctx;
    const char *e = getenv("BENCH_CTX");
    for (const char *p = e; p && *p;) {
        const int c = atoi(p);
        if (c > 0) ctx.push_back(c);
        p = strchr(p, ',');
        if (p) p++;
    }
    if (ctx.empty()) ctx = {1024, 8192, 32768};
    return ctx;
}

int main(int argc, char **argv) {
    const int threads = argc > 1 ? atoi(argv[1]) : 1, hd = argc > 2 ? atoi(argv[2]) : 64;
    const int isa = bench_isa();
    const std::vector<Variant> variants = bench_kv();
    const int nh = hd == 64 ? 14 : 12, nkv = 2, bs = 256;
    lb_threads_set(threads);
    std::mt19937 rng(1);
    std::uniform_real_distribution<float> u(-1.f, 1.f);
    printf("threads %d, %d q heads, %d kv heads, head_dim %d, isa level %d; us per layer (min over reps), KV bytes per token per layer\n",
           threads, nh, nkv, hd, isa);
    auto row_bytes = [&](int fmt) { return fmt == LB_F16 ? (int64_t)2 * hd : lb_row_bytes(fmt, hd, hd); };
    for (int ctx : bench_ctx()) {
        const int blocks = (ctx + bs - 1) / bs;
        std::vector<int32_t> table(blocks);
        for (int i = 0; i < blocks; i++) table[i] = blocks - 1 - i;
        std::vector<float> src((size_t)ctx * nkv * hd), q((size_t)nh * hd), out((size_t)nh * hd);
        for (auto &x : src) x = u(rng);
        for (auto &x : q) x = u(rng);
        printf("ctx %6d:", ctx);
        for (const Variant &var : variants) {
            if (var.fp32 && isa < LB_ISA_AVX512_BF16) continue;
            lb_isa_set(var.fp32 ? LB_ISA_AVX512 : isa);
            const int group = hd;  // one group per row (ignored by F16)
            const int64_t krb = row_bytes(var.kfmt), vrb = row_bytes(var.vfmt);
            const size_t kbytes = (size_t)blocks * bs * nkv * krb, vbytes = (size_t)blocks * bs * nkv * vrb;
            const int layers = (int)std::max<size_t>(1, std::min<size_t>(24, (256u << 20) / (kbytes + vbytes)));
            std::vector<void *> k(layers), v(layers);
            for (int c = 0; c < layers; c++) {
                k[c] = huge_alloc(kbytes), v[c] = huge_alloc(vbytes);
                lb_kv_store(var.kfmt, group, k[c], table.data(), bs, nkv, hd, src.data(), 0, ctx);
                lb_kv_store(var.vfmt, group, v[c], table.data(), bs, nkv, hd, src.data(), 0, ctx);
            }
            double best = 1e30;
            const int reps = std::max(layers * 2, ctx <= 1024 ? 400 : ctx <= 8192 ? 60 : 24);
            for (int r = 0; r < reps; r++) {
                auto t0 = std::chrono::steady_clock::now();
                if (var.kfmt == var.vfmt)
                    lb_attention(var.kfmt, group, k[r % layers], v[r % layers], table.data(), bs, q.data(), 1, ctx - 1, nh, nkv,
                                 hd, 1.f / std::sqrt((float)hd), out.data());
                else
                    lb_attention_kv(var.kfmt, var.vfmt, group, k[r % layers], v[r % layers], table.data(), bs, q.data(), 1, ctx - 1,
                                    nh, nkv, hd, 1.f / std::sqrt((float)hd), out.data());
                best = std::min(best, std::chrono::duration<double, std::micro>(std::chrono::steady_clock::now() - t0).count());
            }
            printf("  %s %8.1f us (%lld B)", var.name.c_str(), best, (long long)(nkv * (krb + vrb)));
            for (int c = 0; c < layers; c++) munmap(k[c], kbytes), munmap(v[c], vbytes);
            fflush(stdout);
        }
        printf("\n");
    }
}
