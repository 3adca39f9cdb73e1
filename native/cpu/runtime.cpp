// CPU feature detection, ISA override for tests, and the kernel pool's thread count (OpenMP).
#include "lowbit/runtime.h"
#include "dispatch.h"
#include <omp.h>
#include <thread>
#if LB_ARM64
#include <sys/auxv.h>
#endif

namespace {
#if LB_X86
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
#elif LB_ARM64
// the kernel's hwcaps (bit values of the arm64 uapi, spelled out: older headers lack HWCAP2_I8MM)
int detect_isa() {
    const unsigned long hw = getauxval(AT_HWCAP), hw2 = getauxval(AT_HWCAP2);
    constexpr unsigned long kAsimd = 1UL << 1, kAsimdDp = 1UL << 20, kI8mm = 1UL << 13;  // HWCAP2_I8MM
    if (!(hw & kAsimd)) return LB_ISA_SCALAR;
    if (!(hw & kAsimdDp)) return LB_ISA_NEON;
    return hw2 & kI8mm ? LB_ISA_NEON_I8MM : LB_ISA_NEON_DOTPROD;
}
#else
int detect_isa() { return LB_ISA_SCALAR; }
#endif
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
    const bool arm_level = level >= LB_ISA_NEON;  // levels below LB_ISA_NEON are x86's
    if (level < LB_ISA_SCALAR || arm_level != (LB_ARM64 != 0)) level = LB_ISA_SCALAR;  // the other family: scalar
    else if (level > g_supported) level = g_supported;
    g_isa = level;
    return g_isa;
}
void lb_threads_set(int32_t n) {
    g_threads = n < 1 ? 1 : n;
    omp_set_num_threads(g_threads);
}
int32_t lb_threads_get(void) { return g_threads; }
}
