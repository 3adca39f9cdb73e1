// Timing tool for lb_attention decode (not a ctest): one decode token of one layer over a paged
// cache of ctx tokens, minimum over repetitions (robust to other load on a shared machine).
// Repetitions cycle through as many copies of the layer's cache as fill 256 MiB (up to 24, the
// layers of Qwen2.5-0.5B), so each call reads its K/V from DRAM as decoding does, not from L3.
// KV4 is timed twice where the CPU has AVX512_BF16: "KV4" (the vdpbf16ps kernel) and "KV4/fp32"
// (the FP32-FMA kernel that CPUs without it use).
// usage: bench_attention [threads] [head_dim: 64 = Qwen2.5-0.5B (14/2 heads), 128 = R1-Distill-Qwen-1.5B (12/2)]
// env: BENCH_ISA = scalar | avx2 | avx512 | avx512-bf16 (or the LB_ISA_* number) times that level instead
// of the CPU's best; BENCH_CTX = comma-separated context lengths (default 1024,8192,32768)
#include "lowbit/lowbit.h"
#include <chrono>
#include <cmath>
#include <cstdio>
#include <algorithm>
#include <cstdlib>
#include <cstring>
#include <random>
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
    const int nh = hd == 64 ? 14 : 12, nkv = 2, bs = 256;
    lb_threads_set(threads);
    std::mt19937 rng(1);
    std::uniform_real_distribution<float> u(-1.f, 1.f);
    printf("threads %d, %d q heads, %d kv heads, head_dim %d, isa level %d; us per layer (min over reps), KV bytes per token per layer\n",
           threads, nh, nkv, hd, isa);
    for (int ctx : bench_ctx()) {
        const int blocks = (ctx + bs - 1) / bs;
        std::vector<int32_t> table(blocks);
        for (int i = 0; i < blocks; i++) table[i] = blocks - 1 - i;
        std::vector<float> src((size_t)ctx * nkv * hd), q((size_t)nh * hd), out((size_t)nh * hd);
        for (auto &x : src) x = u(rng);
        for (auto &x : q) x = u(rng);
        printf("ctx %6d:", ctx);
        for (int variant : {(int)LB_F16, (int)LB_KV8, (int)LB_KV4, -(int)LB_KV4, (int)LB_KV3}) {
            const int fmt = variant < 0 ? -variant : variant;
            if (variant < 0 && isa < LB_ISA_AVX512_BF16) continue;
            lb_isa_set(variant < 0 ? LB_ISA_AVX512 : isa);
            const int group = fmt == LB_F16 ? 0 : hd;
            const int64_t rb = fmt == LB_F16 ? 2 * hd : lb_row_bytes(fmt, group, hd);
            const size_t bytes = (size_t)blocks * bs * nkv * rb;
            const int layers = (int)std::max<size_t>(1, std::min<size_t>(24, (256u << 20) / (2 * bytes)));
            std::vector<void *> k(layers), v(layers);
            for (int c = 0; c < layers; c++) {
                k[c] = huge_alloc(bytes), v[c] = huge_alloc(bytes);
                lb_kv_store(fmt, group, k[c], table.data(), bs, nkv, hd, src.data(), 0, ctx);
                lb_kv_store(fmt, group, v[c], table.data(), bs, nkv, hd, src.data(), 0, ctx);
            }
            double best = 1e30;
            const int reps = std::max(layers * 2, ctx <= 1024 ? 400 : ctx <= 8192 ? 60 : 24);
            for (int r = 0; r < reps; r++) {
                auto t0 = std::chrono::steady_clock::now();
                lb_attention(fmt, group, k[r % layers], v[r % layers], table.data(), bs, q.data(), 1, ctx - 1, nh, nkv, hd,
                             1.f / std::sqrt((float)hd), out.data());
                best = std::min(best, std::chrono::duration<double, std::micro>(std::chrono::steady_clock::now() - t0).count());
            }
            printf("  %s %8.1f us (%lld B)", fmt == LB_F16 ? "F16" : fmt == LB_KV8 ? "KV8" : fmt == LB_KV3 ? "KV3" : variant > 0 ? "KV4" : "KV4/fp32", best,
                   (long long)(2 * nkv * rb));
            for (int c = 0; c < layers; c++) munmap(k[c], bytes), munmap(v[c], bytes);
            fflush(stdout);
        }
        printf("\n");
    }
}
