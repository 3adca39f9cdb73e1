// Minimal test harness for the C++ kernel tests run by ctest: CHECK macros, a seeded RNG,
// and a runner over every ISA level this CPU supports.
#pragma once
#include <cmath>
#include <cstdio>
#include <cstdlib>
#include <random>
#include <vector>
#include "lowbit/lowbit.h"

static int g_failures = 0;
#define CHECK(cond, ...)                                                   \
    do {                                                                   \
        if (!(cond)) {                                                     \
            g_failures++;                                                  \
            std::fprintf(stderr, "%s:%d: CHECK(%s) failed: ", __FILE__, __LINE__, #cond); \
            std::fprintf(stderr, __VA_ARGS__);                             \
            std::fprintf(stderr, "\n");                                    \
        }                                                                  \
    } while (0)

inline std::vector<float> random_floats(size_t n, unsigned seed, float lo = -1.f, float hi = 1.f) {
    std::mt19937 rng(seed);
    std::uniform_real_distribution<float> d(lo, hi);
    std::vector<float> v(n);
    for (auto &x : v) x = d(rng);
    return v;
}

// bits of a grouped format's codes (W*G, KV*) from the format table, 0 for any other format
inline int group_bits(int fmt) {
    const lb_format_info *f = lb_format_get(fmt);
    return f && f->block == 0 ? f->bits : 0;
}

inline const char *isa_name(int isa) {
    switch (isa) {
        case LB_ISA_AVX2: return "avx2";
        case LB_ISA_AVX512: return "avx512";
        case LB_ISA_AVX512_BF16: return "avx512-bf16";
        case LB_ISA_NEON: return "neon";
        case LB_ISA_NEON_DOTPROD: return "neon-dotprod";
        case LB_ISA_NEON_I8MM: return "neon-i8mm";
        default: return "scalar";
    }
}

// the level after isa in this CPU's family (x86: 0, 1, 2, 3; ARM64: 0, LB_ISA_NEON, ...), for loops
// `for (isa = 0; isa <= lb_isa_supported(); isa = isa_next(isa))` over every level the CPU supports
inline int isa_next(int isa) { return isa == LB_ISA_SCALAR && lb_isa_supported() >= LB_ISA_NEON ? LB_ISA_NEON : isa + 1; }

inline int finish(const char *name) {
    lb_isa_set(lb_isa_supported());
    if (g_failures) {
        std::fprintf(stderr, "%s: %d failures\n", name, g_failures);
        return 1;
    }
    std::printf("%s: ok\n", name);
    return 0;
}
