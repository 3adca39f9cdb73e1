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

inline const char *isa_name(int isa) { return isa == 3 ? "avx512-bf16" : isa == 2 ? "avx512" : isa == 1 ? "avx2" : "scalar"; }

inline int finish(const char *name) {
    lb_isa_set(lb_isa_supported());
    if (g_failures) {
        std::fprintf(stderr, "%s: %d failures\n", name, g_failures);
        return 1;
    }
    std::printf("%s: ok\n", name);
    return 0;
}
