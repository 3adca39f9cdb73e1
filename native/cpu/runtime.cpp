// CPU feature detection, ISA override for tests, and the kernel pool's thread count (OpenMP).
#include "lowbit/runtime.h"
#include "dispatch.h"
#include <omp.h>
#include <thread>

namespace {
int detect_isa() {
    __builtin_cpu_init();
    if (__builtin_cpu_supports("avx512f") && __builtin_cpu_supports("avx512bw") &&
        __builtin_cpu_supports("avx512vl") && __builtin_cpu_supports("avx512vnni"))
        return __builtin_cpu_supports("avx512bf16") && __builtin_cpu_supports("avx512vbmi") ? LB_ISA_AVX512_BF16
                                                                                             : LB_ISA_AVX512;
    if (__builtin_cpu_supports("avx2") && __builtin_cpu_supports("fma") && __builtin_cpu_supports("f16c"))
        return LB_ISA_AVX2;
    return LB_ISA_SCALAR;
}
const int g_supported = detect_isa();
int g_isa = g_supported;
int g_threads = [] {
    unsigned n = std::thread::hardware_concurrency();
    return n == 0 ? 1 : (int)n;
}();
}  // namespace

int lb_isa_current() { return g_isa; }
int lb_threads_for(long long work) { return work < (1LL << 16) ? 1 : g_threads; }

extern "C" {
const char *lb_version(void) { return "lowbit 0.1.0"; }
int32_t lb_isa_supported(void) { return g_supported; }
int32_t lb_isa_get(void) { return g_isa; }
int32_t lb_isa_set(int32_t level) {
    if (level < LB_ISA_SCALAR) level = LB_ISA_SCALAR;
    if (level > g_supported) level = g_supported;
    g_isa = level;
    return g_isa;
}
void lb_threads_set(int32_t n) {
    g_threads = n < 1 ? 1 : n;
    omp_set_num_threads(g_threads);
}
int32_t lb_threads_get(void) { return g_threads; }
}
