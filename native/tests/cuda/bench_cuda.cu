// Timing of liblowbit-cuda at the shapes of the study's models (not a ctest; exit 77 without a device).
// Each case: 3 warm-up calls, then the median (and minimum) of 21 calls timed with cudaEvents, each
// call preceded by a write of twice the L2 size, so weights and KV stream from HBM as in decode (a
// layer's tensors left L2 long before it runs again). Buffers hold a constant byte pattern: the
// kernels do the same work whatever the values (0x3c gives finite scales and activations).
// Roofline: device-to-device cudaMemcpy, (read + written bytes) / time.
#include <cuda_runtime.h>
#include <algorithm>
#include <cmath>
#include <cstdio>
#include <cstdlib>
#include <numeric>
#include <random>
#include <vector>
#include "lowbit/lowbit.h"
#include "lowbit/lowbit_cuda.h"
#include "cuda_check.h"


namespace {
constexpr int kWarm = 3, kReps = 21;
cudaStream_t g_stream;
void *g_flush = nullptr;
size_t g_flush_bytes = 0;

void *dev_alloc(size_t bytes, int pattern) {
    void *p = nullptr;
    CUDA_OK(cudaMalloc(&p, bytes));
    CUDA_OK(cudaMemset(p, pattern, bytes));
    return p;
}

struct Timing { double median_us, min_us; };

// call() launches one operation on g_stream and returns its lowbit status
template <class F>
Timing time_op(F call, bool flush = true) {
    cudaEvent_t a, b;
    CUDA_OK(cudaEventCreate(&a));
    CUDA_OK(cudaEventCreate(&b));
    std::vector<double> us;
    for (int i = 0; i < kWarm + kReps; i++) {
        if (flush) CUDA_OK(cudaMemsetAsync(g_flush, i & 0xff, g_flush_bytes, g_stream));
        CUDA_OK(cudaEventRecord(a, g_stream));
        const int32_t st = call();
        CUDA_OK(cudaEventRecord(b, g_stream));
        CUDA_OK(cudaEventSynchronize(b));
        if (st != LB_OK) {
            std::fprintf(stderr, "lowbit status %d\n", st);
            std::exit(1);
        }
        float ms = 0;
        CUDA_OK(cudaEventElapsedTime(&ms, a, b));
        if (i >= kWarm) us.push_back(ms * 1e3);
    }
    CUDA_OK(cudaGetLastError());
    CUDA_OK(cudaEventDestroy(a));
    CUDA_OK(cudaEventDestroy(b));
    std::sort(us.begin(), us.end());
    return {us[us.size() / 2], us[0]};
}

double g_copy_gbs = 0;  // the roofline

void bench_copy() {
    const size_t bytes = 1ull << 30;
    void *src = dev_alloc(bytes, 1), *dst = dev_alloc(bytes, 2);
    const Timing t = time_op([&] { return cudaMemcpyAsync(dst, src, bytes, cudaMemcpyDeviceToDevice, g_stream) == cudaSuccess ? LB_OK : -3; },
                             false);
    g_copy_gbs = 2.0 * bytes / (t.median_us * 1e3);
    std::printf("roofline: cudaMemcpy device-to-device 1 GiB: %.0f us, %.0f GB/s (read + write)\n\n", t.median_us, g_copy_gbs);
    CUDA_OK(cudaFree(src));
    CUDA_OK(cudaFree(dst));
}

void bench_matmul() {
    struct Shape { const char *model, *tensor; int64_t rows, cols; };
    const Shape shapes[] = {
        {"R1-Distill-Qwen-1.5B", "q/o", 1536, 1536},   {"R1-Distill-Qwen-1.5B", "k/v", 256, 1536},
        {"R1-Distill-Qwen-1.5B", "gate/up", 8960, 1536}, {"R1-Distill-Qwen-1.5B", "down", 1536, 8960},
        {"R1-Distill-Qwen-1.5B", "head", 151936, 1536}, {"Qwen2.5-0.5B", "q/o", 896, 896},
        {"Qwen2.5-0.5B", "k/v", 128, 896},              {"Qwen2.5-0.5B", "gate/up", 4864, 896},
        {"Qwen2.5-0.5B", "down", 896, 4864},            {"Qwen2.5-0.5B", "head", 151936, 896},
    };
    const int64_t max_w = 151936LL * 1536 * 2, max_x = 16 * 8960, max_y = 16 * 151936;
    void *w = dev_alloc(max_w, 0x3c);
    float *x = (float *)dev_alloc(max_x * 4, 0x3c), *y = (float *)dev_alloc(max_y * 4, 0);
    std::printf("matmul (lbc_matmul_wg w4g group 128, lbc_matmul_bf16); GB/s = weight bytes / median time\n");
    std::printf("%-21s %-8s %7s %5s %-5s %4s %10s %10s %9s %8s %6s\n", "model", "tensor", "rows", "cols", "fmt", "ntok", "median_us",
                "min_us", "weight_MB", "GB/s", "%copy");
    for (const Shape &s : shapes)
        for (int fmt : {LB_W4G, LB_BF16})
            for (int64_t ntok : {1, 16}) {
                const int64_t bytes = fmt == LB_BF16 ? s.rows * s.cols * 2 : s.rows * (s.cols / 128) * (3 + 64);
                const Timing t = time_op([&] {
                    return fmt == LB_BF16 ? lbc_matmul_bf16(w, s.rows, s.cols, x, ntok, y, g_stream)
                                          : lbc_matmul_wg(LB_W4G, 128, w, s.rows, s.cols, x, ntok, y, g_stream);
                });
                const double gbs = bytes / (t.median_us * 1e3);
                std::printf("%-21s %-8s %7lld %5lld %-5s %4lld %10.1f %10.1f %9.2f %8.1f %5.1f%%\n", s.model, s.tensor, (long long)s.rows,
                            (long long)s.cols, fmt == LB_BF16 ? "bf16" : "w4g", (long long)ntok, t.median_us, t.min_us, bytes / 1e6, gbs,
                            100 * gbs / g_copy_gbs);
                std::fflush(stdout);
            }
    std::printf("\n");
    CUDA_OK(cudaFree(w));
    CUDA_OK(cudaFree(x));
    CUDA_OK(cudaFree(y));
}

// decode (nq = 1) at position ctx - 1: ctx keys and values read per kv head
void bench_attention() {
    struct Heads { int nh, nkv, hd; };
    const Heads heads[] = {{14, 2, 64}, {12, 2, 128}};
    const int group = 128, bs = 256;
    std::printf("attention decode (lbc_attention, nq 1, group 128 (min with head_dim), block %d, shuffled table); GB/s = K+V bytes / median time\n", bs);
    std::printf("%-6s %4s %6s %-4s %10s %10s %8s %8s %6s\n", "heads", "hd", "ctx", "fmt", "median_us", "min_us", "KV_MB", "GB/s", "%copy");
    std::mt19937 rng(1);
    for (const Heads &h : heads)
        for (int64_t ctx : {1024, 8192, 32768})
            for (int fmt : {LB_F16, LB_KV8, LB_KV4, LB_KV3}) {
                const int g = std::min(group, h.hd);
                const int64_t rb = fmt == LB_F16 ? 2 * h.hd : lb_row_bytes(fmt, g, h.hd), nblocks = (ctx + bs - 1) / bs;
                std::vector<int32_t> table(nblocks);
                std::iota(table.begin(), table.end(), 0);
                std::shuffle(table.begin(), table.end(), rng);
                const size_t cache = (size_t)(nblocks * bs * h.nkv * rb);
                void *kc = dev_alloc(cache, 0x3c), *vc = dev_alloc(cache, 0x3c), *tb = dev_alloc(nblocks * 4, 0);
                CUDA_OK(cudaMemcpy(tb, table.data(), nblocks * 4, cudaMemcpyHostToDevice));
                float *q = (float *)dev_alloc(h.nh * h.hd * 4, 0x3c), *out = (float *)dev_alloc(h.nh * h.hd * 4, 0);
                const float scale = 1.f / std::sqrt((float)h.hd);
                const Timing t = time_op([&] {
                    return lbc_attention(fmt, group, kc, vc, (const int32_t *)tb, bs, q, 1, ctx - 1, h.nh, h.nkv, h.hd, scale, out,
                                         g_stream);
                });
                const double bytes = 2.0 * ctx * h.nkv * rb, gbs = bytes / (t.median_us * 1e3);
                const char *name = fmt == LB_F16 ? "f16" : fmt == LB_KV8 ? "kv8" : fmt == LB_KV4 ? "kv4" : "kv3";
                std::printf("%2d/%-3d %4d %6lld %-4s %10.1f %10.1f %8.2f %8.1f %5.1f%%\n", h.nh, h.nkv, h.hd, (long long)ctx, name,
                            t.median_us, t.min_us, bytes / 1e6, gbs, 100 * gbs / g_copy_gbs);
                std::fflush(stdout);
                for (void *p : {kc, vc, tb, (void *)q, (void *)out}) CUDA_OK(cudaFree(p));
            }
}
}  // namespace

int main() {
    if (!cuda_device_present()) return 77;
    cudaDeviceProp prop;
    CUDA_OK(cudaGetDeviceProperties(&prop, 0));
    int bus_bits = 0, mem_khz = 0;
    cudaDeviceGetAttribute(&bus_bits, cudaDevAttrGlobalMemoryBusWidth, 0);
    cudaDeviceGetAttribute(&mem_khz, cudaDevAttrMemoryClockRate, 0);
    std::printf("device 0: %s, sm_%d%d, %d SMs, %.1f GiB, L2 %.0f MiB, memory bus %d bit at %d MHz (nominal %.0f GB/s)\n", prop.name,
                prop.major, prop.minor, prop.multiProcessorCount, prop.totalGlobalMem / 1073741824.0, prop.l2CacheSize / 1048576.0,
                bus_bits, mem_khz / 1000, 2.0 * mem_khz * 1e3 * bus_bits / 8 / 1e9);
    std::printf("each case: %d warm-up calls, median and min of %d, L2 flushed before each call\n\n", kWarm, kReps);
    CUDA_OK(cudaStreamCreate(&g_stream));
    g_flush_bytes = 2 * (size_t)std::max(prop.l2CacheSize, 1 << 20);
    g_flush = dev_alloc(g_flush_bytes, 0);
    bench_copy();
    bench_matmul();
    bench_attention();
    CUDA_OK(cudaFree(g_flush));
    CUDA_OK(cudaStreamDestroy(g_stream));
    return 0;
}
