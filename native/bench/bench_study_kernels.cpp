// Focused timing of single study kernels with thread CPU time (not a ctest). Build after the library:
//   g++ -O3 -march=native -fopenmp native/bench/bench_study_kernels.cpp -Inative/include \
//       -Lbuild/lib -llowbit -Wl,-rpath,$PWD/build/lib -o build/bench_study_kernels
//   ./build/bench_study_kernels matmul <fmt> <group> <rows> <cols> <ntok> [reps]
//   ./build/bench_study_kernels attn <kvfmt> <group> <ctx> [n_head n_kv_head head_dim] [reps]
// LB_BENCH_ISA=<level> forces an ISA level (lb_isa_set). Runs with 1 thread and reports the best of reps timed calls in thread CPU time (the host is shared:
// CPU time excludes the time other processes hold the core). Weights/caches are warm in cache where they fit.
#include <ctime>
#include <cmath>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <random>
#include <vector>
#include "lowbit/lowbit.h"

static double cpu_s() {
    timespec ts;
    clock_gettime(CLOCK_THREAD_CPUTIME_ID, &ts);
    return ts.tv_sec + ts.tv_nsec * 1e-9;
}

template <class F>
static double best_us(int reps, F &&f) {
    f();
    double best = 1e30;
    for (int i = 0; i < reps; i++) {
        const double t0 = cpu_s();
        f();
        const double d = cpu_s() - t0;
        best = d < best ? d : best;
    }
    return best * 1e6;
}

int main(int argc, char **argv) {
    if (argc < 2) return 2;
    lb_threads_set(1);
    if (const char *isa = std::getenv("LB_BENCH_ISA")) lb_isa_set(atoi(isa));  // e.g. 0 = scalar reference
    std::mt19937 rng(1);
    std::normal_distribution<float> nd(0.f, 0.5f);
    if (!std::strcmp(argv[1], "matmul") && argc >= 7) {
        const int fmt = atoi(argv[2]), group = atoi(argv[3]);
        const int64_t rows = atoll(argv[4]), cols = atoll(argv[5]), ntok = atoll(argv[6]);
        const int reps = argc > 7 ? atoi(argv[7]) : 20;
        std::vector<float> wf(rows * cols), x(ntok * cols), y(ntok * rows);
        for (auto &v : wf) v = nd(rng);
        for (auto &v : x) v = nd(rng);
        std::vector<uint8_t> w((size_t)lb_row_bytes(fmt, group, cols) * rows);
        if (lb_quantize(fmt, group, wf.data(), w.data(), rows, cols) != LB_OK) return 1;
        const double us = best_us(reps, [&] { lb_matmul(fmt, group, w.data(), rows, cols, x.data(), ntok, y.data()); });
        std::printf("matmul fmt %d g %d %lldx%lld ntok %lld: %.1f us\n", fmt, group, (long long)rows, (long long)cols,
                    (long long)ntok, us);
        return 0;
    }
    if (!std::strcmp(argv[1], "attn") && argc >= 5) {
        const int fmt = atoi(argv[2]), group = atoi(argv[3]);
        const int64_t ctx = atoll(argv[4]);
        const int nh = argc > 7 ? atoi(argv[5]) : 14, nkv = argc > 7 ? atoi(argv[6]) : 2, hd = argc > 7 ? atoi(argv[7]) : 64;
        const int reps = argc > 8 ? atoi(argv[8]) : 5;
        const int bs = 256;
        const int64_t nblocks = (ctx + 1 + bs - 1) / bs;
        std::vector<int32_t> table(nblocks);
        for (int64_t b = 0; b < nblocks; b++) table[b] = (int32_t)b;
        const int64_t rb = fmt == LB_F32 ? 4 * hd : fmt == LB_F16 ? 2 * hd : lb_row_bytes(fmt, group < hd ? group : hd, hd);
        std::vector<uint8_t> kc((size_t)(nblocks * bs * nkv * rb)), vc(kc.size());
        std::vector<float> src((size_t)(ctx + 1) * nkv * hd), q((size_t)nh * hd), out(q.size());
        for (auto &v : src) v = nd(rng);
        if (lb_kv_store(fmt, group, kc.data(), table.data(), bs, nkv, hd, src.data(), 0, ctx + 1) != LB_OK) return 1;
        for (auto &v : src) v = nd(rng);
        lb_kv_store(fmt, group, vc.data(), table.data(), bs, nkv, hd, src.data(), 0, ctx + 1);
        for (auto &v : q) v = nd(rng);
        const double us = best_us(reps, [&] {
            lb_attention(fmt, group, kc.data(), vc.data(), table.data(), bs, q.data(), 1, ctx, nh, nkv, hd,
                         1.f / std::sqrt((float)hd), out.data());
        });
        std::printf("attn fmt %d g %d ctx %lld nh %d nkv %d hd %d: %.1f us\n", fmt, group, (long long)ctx, nh, nkv, hd, us);
        return 0;
    }
    return 2;
}
