// Decode GEMV timing of the study formats (not a ctest). Build after the library:
//   g++ -O3 -march=native -fopenmp native/bench/bench_study_gemv.cpp -Inative/include \
//       -Lbuild/lib -llowbit -Wl,-rpath,$PWD/build/lib -o build/bench_study_gemv
//   ./build/bench_study_gemv [ntok] [min_ms] [threads]
// Weights are cycled through enough copies (> 256 MiB) that every call streams from DRAM, as in
// real decode. Baseline: an F16 GEMV (vcvtph2ps + FMA, same threading) in this file; plus
// lb_matmul(LB_F16) when the library provides it. Reports time per call, weight GB/s, speedup vs F16.
#include <immintrin.h>
#include <omp.h>
#include <chrono>
#include <ctime>
#include <cmath>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <random>
#include <string>
#include <vector>
#include "lowbit/lowbit.h"

static double now() { return std::chrono::duration<double>(std::chrono::steady_clock::now().time_since_epoch()).count(); }
// with one thread, CPU time of this thread: excludes the time other processes hold the core
static bool g_cpu_clock = false;
static double clock_s() {
    if (!g_cpu_clock) return now();
    timespec ts;
    clock_gettime(CLOCK_THREAD_CPUTIME_ID, &ts);
    return ts.tv_sec + ts.tv_nsec * 1e-9;
}

static void f16_gemv(const uint16_t *w, int64_t rows, int64_t cols, const float *x, int64_t ntok, float *y) {
#pragma omp parallel for schedule(static) num_threads(lb_threads_get())
    for (int64_t r = 0; r < rows; r++) {
        for (int64_t t = 0; t < ntok; t++) {
            __m512 a0 = _mm512_setzero_ps(), a1 = _mm512_setzero_ps();
            const uint16_t *wr = w + r * cols;
            const float *xt = x + t * cols;
            int64_t c = 0;
            for (; c + 32 <= cols; c += 32) {
                a0 = _mm512_fmadd_ps(_mm512_cvtph_ps(_mm256_loadu_si256((const __m256i *)(wr + c))), _mm512_loadu_ps(xt + c), a0);
                a1 = _mm512_fmadd_ps(_mm512_cvtph_ps(_mm256_loadu_si256((const __m256i *)(wr + c + 16))), _mm512_loadu_ps(xt + c + 16), a1);
            }
            float s = _mm512_reduce_add_ps(_mm512_add_ps(a0, a1));
            for (; c < cols; c++) s += _cvtsh_ss(wr[c]) * xt[c];
            y[t * rows + r] = s;
        }
    }
}

struct Result { double us, gbs; };

// one thread: best batch of >= 16 calls in thread CPU time. Several threads: every call timed alone
// and the fastest kept (on a shared machine a call that no other process interrupted); each call
// still reads its weights from DRAM because the copies rotate.
template <class F>
static Result time_it(int64_t bytes, int copies, double min_s, F &&call) {
    for (int i = 0; i < copies; i++) call(i);  // warm up / page in
    const int batch = g_cpu_clock ? (copies > 16 ? copies : 16) : 1;
    double best = 1e30;
    int64_t n = 0;
    const double t0 = now();
    do {
        const double b0 = clock_s();
        for (int i = 0; i < batch; i++) call((int)(n++ % copies));
        const double per = (clock_s() - b0) / batch;
        best = per < best ? per : best;
    } while (now() - t0 < min_s);
    return {best * 1e6, bytes / best / 1e9};
}

int main(int argc, char **argv) {
    const int64_t ntok = argc > 1 ? atoll(argv[1]) : 1;
    const double min_s = (argc > 2 ? atof(argv[2]) : 300) / 1000.0;
    if (argc > 3) lb_threads_set(atoi(argv[3]));
    g_cpu_clock = lb_threads_get() == 1;  // single thread: thread CPU time, else wall time
    const int64_t target = 256ll << 20;
    const int64_t shapes[][2] = {{896, 896}, {128, 896}, {4864, 896}, {896, 4864}};
    struct Fmt { int id, group; const char *name; };
    const Fmt fmts[] = {{LB_W4G, 32, "w4g32"}, {LB_W4G, 64, "w4g64"}, {LB_W4G, 128, "w4g128"}, {LB_W4G, -1, "w4ch"},
                        {LB_W3G, 128, "w3g128"}, {LB_W3G, 32, "w3g32"}, {LB_W2G, 128, "w2g128"}, {LB_W2G, 32, "w2g32"},
                        {LB_I8CH, 0, "i8ch"}, {LB_I8CHA, 0, "i8cha"}, {LB_I4CH, 0, "i4ch"}};
    std::printf("threads %d, ntok %lld, isa %d, clock %s\n", lb_threads_get(), (long long)ntok, lb_isa_get(),
                g_cpu_clock ? "thread cpu time, best batch" : "wall, fastest single call");
    std::printf("%-11s %-7s %9s %8s %8s\n", "shape", "format", "us/call", "GB/s", "vs f16");
    for (auto &sh : shapes) {
        const int64_t rows = sh[0], cols = sh[1];
        std::mt19937 rng(1);
        std::normal_distribution<float> nd(0.f, 0.05f);
        std::vector<float> wf(rows * cols), x(ntok * cols), y(ntok * rows);
        for (auto &v : wf) v = nd(rng);
        for (auto &v : x) v = nd(rng);
        // F16 baseline
        const int64_t fb = rows * cols * 2;
        const int fc = (int)((target + fb - 1) / fb);
        std::vector<uint16_t> w16((size_t)(rows * cols) * fc);
        for (int64_t i = 0; i < rows * cols; i++) w16[i] = _cvtss_sh(wf[i], 0);
        for (int c = 1; c < fc; c++) std::memcpy(&w16[(size_t)c * rows * cols], w16.data(), fb);
        const Result f16 = time_it(fb, fc, min_s, [&](int c) { f16_gemv(&w16[(size_t)c * rows * cols], rows, cols, x.data(), ntok, y.data()); });
        char shape[32];
        std::snprintf(shape, sizeof shape, "%lldx%lld", (long long)rows, (long long)cols);
        std::printf("%-11s %-7s %9.1f %8.1f %8.2f\n", shape, "f16", f16.us, f16.gbs, 1.0);
        if (lb_matmul(LB_F16, 0, w16.data(), rows, cols, x.data(), ntok, y.data()) == LB_OK) {
            const Result r = time_it(fb, fc, min_s, [&](int c) { lb_matmul(LB_F16, 0, &w16[(size_t)c * rows * cols], rows, cols, x.data(), ntok, y.data()); });
            std::printf("%-11s %-7s %9.1f %8.1f %8.2f\n", shape, "lb_f16", r.us, r.gbs, f16.us / r.us);
        }
        std::vector<uint16_t>().swap(w16);
        for (const auto &f : fmts) {
            const int group = f.group < 0 ? (int)cols : f.group;
            const int64_t rb = lb_row_bytes(f.id, group, cols), bytes = rb * rows;
            const int copies = (int)((target + bytes - 1) / bytes);
            std::vector<uint8_t> w((size_t)bytes * copies);
            lb_quantize(f.id, group, wf.data(), w.data(), rows, cols);
            for (int c = 1; c < copies; c++) std::memcpy(&w[(size_t)c * bytes], w.data(), bytes);
            const Result r = time_it(bytes, copies, min_s, [&](int c) { lb_matmul(f.id, group, &w[(size_t)c * bytes], rows, cols, x.data(), ntok, y.data()); });
            std::printf("%-11s %-7s %9.1f %8.1f %8.2f\n", shape, f.name, r.us, r.gbs, f16.us / r.us);
        }
    }
    return 0;
}
