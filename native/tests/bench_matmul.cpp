// Timing of lb_matmul for the ggml-native formats at real model shapes (not a ctest).
// Reports GB/s of weight bytes read per call. Weights are rotated through enough copies
// (>= 384 MiB in all) that every call streams them from DRAM, as a decode step does.
// For ntok 1, each shape's figure is followed by its ratio to a plain AVX-512 (elsewhere: plain C) streaming read of
// another copy of the same bytes, interleaved with the calls (on a shared machine both move
// together). Per model: the estimated decode rate (sum of its matmuls, attention and norms
// excluded). Times are the fastest call: the median mostly measures preemption by other jobs.
// Usage: bench_matmul [formats, e.g. f16,q8_0,q4_0] [min seconds per case, default 0.3]
//        bench_matmul cache <formats|all>   (compute ceiling: in-L2 matrix, 1 thread, CPU time)
//        bench_matmul study <w4g,w3g,w2g,i8ch,i8cha> [seconds]   (study formats, see study_bench)
//        bench_matmul hp <formats> [threads] [ntok list]        (ggml formats per Qwen2.5-0.5B token, see hugepage_bench)
//        bench_matmul token <format> [threads] [tokens]         (one token's matmuls back to back, see token_bench)
//        bench_matmul grid [formats|all] [seconds]              (every weight format at every ISA level, see grid_bench)
// BENCH_INVARIANT=1: hp and study time lb_matmul_invariant (batch-invariant sums) instead of lb_matmul
#if defined(__x86_64__)
#include <immintrin.h>
#endif
#include <omp.h>
#include <algorithm>
#include <chrono>
#include <ctime>
#include <cstdio>
#include <cstring>
#include <random>
#include <string>
#include <vector>
#include <sys/mman.h>
#include "lowbit/lowbit.h"

namespace {

double now() { return std::chrono::duration<double>(std::chrono::steady_clock::now().time_since_epoch()).count(); }

// one streaming read of buf with `threads` threads; returns seconds
#if defined(__x86_64__)
__attribute__((target("avx512f"))) double stream_read_once(const uint8_t *buf, size_t bytes, int threads) {
    const double t0 = now();
    double sink = 0;
    #pragma omp parallel for num_threads(threads) reduction(+ : sink) schedule(static)
    for (int64_t c = 0; c < (int64_t)(bytes / 4096); c++) {
        __m512i a = _mm512_setzero_si512(), b = _mm512_setzero_si512();
        const uint8_t *p = buf + c * 4096;
        for (int i = 0; i < 4096; i += 128) {
            a = _mm512_add_epi64(a, _mm512_loadu_si512(p + i));
            b = _mm512_add_epi64(b, _mm512_loadu_si512(p + i + 64));
        }
        sink += (double)_mm512_reduce_add_epi64(_mm512_add_epi64(a, b));
    }
    const double dt = now() - t0;
    if (sink == 1.2345) std::printf(" ");
    return dt;
}
#else
double stream_read_once(const uint8_t *buf, size_t bytes, int threads) {
    const double t0 = now();
    uint64_t sink = 0;
    #pragma omp parallel for num_threads(threads) reduction(+ : sink) schedule(static)
    for (int64_t c = 0; c < (int64_t)(bytes / 4096); c++) {
        uint64_t a[4] = {};
        const uint64_t *p = (const uint64_t *)(buf + c * 4096);
        for (int i = 0; i < 512; i += 4)
            for (int k = 0; k < 4; k++) a[k] += p[i + k];
        sink += a[0] + a[1] + a[2] + a[3];
    }
    const double dt = now() - t0;
    if (sink == 12345) std::printf(" ");
    return dt;
}
#endif

double stream_read_gbs(const uint8_t *buf, size_t bytes, int threads) {
    double best = 1e30;
    for (int rep = 0; rep < 5; rep++) best = std::min(best, stream_read_once(buf, bytes, threads));
    return bytes / best / 1e9;
}

struct Shape { const char *name; int64_t rows, cols; int per_layer; };
struct Model { const char *name; int layers; std::vector<Shape> shapes; };

struct Result { double sec_per_call, gbs, stream_gbs; };  // fastest call; fastest plain read of the same bytes

Result time_case(int fmt, const Shape &s, int ntok, int threads, double min_sec) {
    const int64_t rb = lb_row_bytes(fmt, 0, s.cols);
    const size_t bytes = (size_t)(rb * s.rows);
    const size_t copies = std::max<size_t>(1, (384u << 20) / bytes + 1);
    std::vector<uint8_t *> w(copies);
    {
        // quantize one row block of random floats, tile it over the matrix
        const int64_t qrows = std::min<int64_t>(s.rows, 64);
        std::vector<float> f((size_t)(qrows * s.cols));
        std::mt19937 rng(7);
        std::uniform_real_distribution<float> d(-1.f, 1.f);
        for (auto &v : f) v = d(rng);
        std::vector<uint8_t> q((size_t)(qrows * rb));
        lb_quantize(fmt, 0, f.data(), q.data(), qrows, s.cols);
        for (size_t c = 0; c < copies; c++) {
            w[c] = (uint8_t *)aligned_alloc(64, (bytes + 63) / 64 * 64);
            for (int64_t r = 0; r < s.rows; r += qrows)
                std::memcpy(w[c] + r * rb, q.data(), (size_t)(std::min(qrows, s.rows - r) * rb));
        }
    }
    std::vector<float> x((size_t)(ntok * s.cols)), y((size_t)(ntok * s.rows));
    std::mt19937 rng(3);
    std::uniform_real_distribution<float> d(-1.f, 1.f);
    for (auto &v : x) v = d(rng);
    lb_threads_set(threads);
    for (size_t c = 0; c < copies; c++) lb_matmul(fmt, 0, w[c], s.rows, s.cols, x.data(), ntok, y.data());  // warm up
    // matmul calls interleaved with plain streaming reads of another copy (the roofline at
    // that moment: the machine's other load affects both alike)
    std::vector<double> per;
    double stream_best = 1e30;
    const double start = now();
    size_t c = 0;
    while (now() - start < min_sec || per.size() < 5) {
        const double t0 = now();
        lb_matmul(fmt, 0, w[c], s.rows, s.cols, x.data(), ntok, y.data());
        per.push_back(now() - t0);
        if (ntok == 1) stream_best = std::min(stream_best, stream_read_once(w[(c + copies / 2) % copies], bytes, threads));
        c = (c + 1) % copies;
    }
    std::sort(per.begin(), per.end());
    // the fastest call: on a machine shared with other jobs the median mostly measures preemption
    const double best = per[0];
    for (auto p : w) free(p);
    return {best, bytes / best / 1e9, bytes / stream_best / 1e9};
}

}  // namespace

// Compute ceiling: one thread, a matrix that stays in L2, timed in thread CPU time so that
// other processes on a shared machine do not distort it.
void incache(const std::string &fmts) {
    const char *names[] = {"f16", "bf16", "q8_0", "q4_0", "q4_1", "q5_0", "q5_1", "q4_k", "q5_k", "q6_k", "q2_k", "q3_k"};
    lb_threads_set(1);
    for (const char *fname : names) {
        if (fmts != "all" && fmts.find(fname) == std::string::npos) continue;
        int fmt = -1;
        for (int id = 0; id < 64; id++)
            if (lb_format_get(id) && std::string(fname) == lb_format_get(id)->name) fmt = id;
        const int64_t rows = getenv("BR") ? atoi(getenv("BR")) : 512, cols = getenv("BC") ? atoi(getenv("BC")) : 1536, rb = lb_row_bytes(fmt, 0, cols);
        std::vector<float> f((size_t)(rows * cols));
        std::mt19937 rng(1);
        std::uniform_real_distribution<float> d(-1.f, 1.f);
        for (auto &v : f) v = d(rng);
        std::vector<uint8_t> w((size_t)(rows * rb));
        lb_quantize(fmt, 0, f.data(), w.data(), rows, cols);
        for (int ntok : {1, 16}) {
            std::vector<float> x((size_t)(ntok * cols)), y((size_t)(ntok * rows));
            for (auto &v : x) v = d(rng);
            for (int i = 0; i < 3; i++) lb_matmul(fmt, 0, w.data(), rows, cols, x.data(), ntok, y.data());
            timespec a, b;
            clock_gettime(CLOCK_THREAD_CPUTIME_ID, &a);
            int reps = 0;
            double dt = 0;
            while (dt < 0.3) {
                lb_matmul(fmt, 0, w.data(), rows, cols, x.data(), ntok, y.data());
                reps++;
                clock_gettime(CLOCK_THREAD_CPUTIME_ID, &b);
                dt = (b.tv_sec - a.tv_sec) + 1e-9 * (b.tv_nsec - a.tv_nsec);
            }
            const double per = dt / reps;
            std::printf("in-L2 1 thread %-5s ntok %2d: %6.1f GB/s of weights, %6.1f GMAC/s\n", fname, ntok,
                        rows * rb / per / 1e9, (double)rows * cols * ntok / per / 1e9);
        }
    }
}

// comma-separated list -> items
std::vector<std::string> split_list(const std::string &s) {
    std::vector<std::string> out;
    for (size_t p = 0; p < s.size();) {
        size_t e = s.find(',', p);
        if (e == std::string::npos) e = s.size();
        out.push_back(s.substr(p, e - p));
        p = e + 1;
    }
    return out;
}

// format id by its table name, or -1 (reported)
int format_id(const std::string &name) {
    for (int id = 0; id < 256; id++)
        if (lb_format_get(id) && name == lb_format_get(id)->name) return id;
    std::printf("unknown format %s\n", name.c_str());
    return -1;
}

// `copies` copies of `bytes`, each starting on a 2 MiB boundary, in transparent huge pages
struct HugeCopies {
    uint8_t *base;
    size_t stride, copies;
    HugeCopies(size_t bytes, size_t n) : stride((bytes + (2u << 20) - 1) & ~(size_t)((2u << 20) - 1)), copies(n) {
        base = (uint8_t *)mmap(nullptr, stride * copies, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
        madvise(base, stride * copies, MADV_HUGEPAGE);
    }
    ~HugeCopies() { munmap(base, stride * copies); }
    uint8_t *at(size_t c) const { return base + c * stride; }
};

// fastest of many lb_matmul calls, cycling through the copies so each call streams from DRAM
double fastest_call(int fmt, int group, const HugeCopies &w, int64_t rows, int64_t cols, const float *x, int ntok, float *y,
                    double min_sec, int min_calls) {
    double best = 1e30;
    const double start = now();
    int calls = 0;
    const auto matmul = getenv("BENCH_INVARIANT") && atoi(getenv("BENCH_INVARIANT")) ? lb_matmul_invariant : lb_matmul;
    for (size_t c = 0; now() - start < min_sec || calls < min_calls; c = (c + 1) % w.copies, calls++) {
        const double t0 = now();
        matmul(fmt, group, w.at(c), rows, cols, x, ntok, y);
        best = std::min(best, now() - t0);
    }
    return best;
}

// Study formats (group 128 for W*G) at Qwen2.5-0.5B layer shapes, ntok 1 and 16: the fastest call of
// many, weights in 2 MiB huge pages rotated over >= 256 MiB of copies (every call streams its
// weights from DRAM, as a decode step does). Threads: BENCH_THREADS (default 1).
void study_bench(const std::string &fmts, double min_sec) {
    const int threads = getenv("BENCH_THREADS") ? atoi(getenv("BENCH_THREADS")) : 1;
    lb_threads_set(threads);
    if (getenv("BENCH_ISA")) lb_isa_set(atoi(getenv("BENCH_ISA")));  // 0 scalar, 1 AVX2, 2 AVX-512
    struct S { int64_t rows, cols; };
    const S shapes[] = {{896, 896}, {4864, 896}, {896, 4864}};
    for (const std::string &fname : split_list(fmts)) {
        const int fmt = format_id(fname);
        if (fmt < 0) continue;
        const int group = fmt < 110 ? 128 : 0;
        for (const S &s : shapes) {
            const int64_t rb = lb_row_bytes(fmt, group, s.cols);
            const size_t bytes = (size_t)(rb * s.rows);
            // BENCH_COPIES=1: one copy, which stays in L2/L3 (compute ceiling)
            const size_t copies = getenv("BENCH_COPIES") && atoi(getenv("BENCH_COPIES")) > 0 ? (size_t)atoi(getenv("BENCH_COPIES"))
                                                         : std::max<size_t>(2, (256u << 20) / bytes + 1);
            const HugeCopies buf(bytes, copies);
            {
                std::vector<float> f((size_t)(s.rows * s.cols));
                std::mt19937 rng(7);
                std::uniform_real_distribution<float> d(-1.f, 1.f);
                for (auto &v : f) v = d(rng);
                lb_quantize(fmt, group, f.data(), buf.at(0), s.rows, s.cols);
                for (size_t c = 1; c < copies; c++) std::memcpy(buf.at(c), buf.at(0), bytes);
            }
            std::printf("%-6s %4lldx%-4lld threads %d:", fname.c_str(), (long long)s.rows, (long long)s.cols, threads);
            std::vector<int> ntoks = {1, 16};  // BENCH_NTOKS=1,2,4 overrides
            if (getenv("BENCH_NTOKS")) {
                ntoks.clear();
                for (const char *q = getenv("BENCH_NTOKS"); *q;) {
                    ntoks.push_back(atoi(q));
                    while (*q && *q != ',') q++;
                    if (*q) q++;
                }
            }
            for (int ntok : ntoks) {
                std::vector<float> x((size_t)(ntok * s.cols)), y((size_t)(ntok * s.rows));
                std::mt19937 rng(3);
                std::uniform_real_distribution<float> d(-1.f, 1.f);
                for (auto &v : x) v = d(rng);
                for (size_t c = 0; c < copies; c++) lb_matmul(fmt, group, buf.at(c), s.rows, s.cols, x.data(), ntok, y.data());
                const double best = fastest_call(fmt, group, buf, s.rows, s.cols, x.data(), ntok, y.data(), min_sec, 20);
                std::printf("  ntok %2d %8.1f us %6.1f GMAC/s %5.1f GB/s", ntok, best * 1e6, (double)s.rows * s.cols * ntok / best / 1e9,
                            bytes / best / 1e9);
            }
            std::printf("\n");
            std::fflush(stdout);
        }
    }
}

// Every weight format at every ISA level this CPU has: one 4864x896 matrix (Qwen2.5-0.5B gate/up;
// BENCH_SHAPE=RxC overrides), one token, one thread, weights streamed from DRAM (huge-page copies over
// >= 256 MiB), the fastest call in microseconds. W*G formats at group 128. The memory-bound one-token
// shape on which every level should be near the bandwidth and no SIMD level slower than scalar.
// Usage: bench_matmul grid [formats, default all] [min seconds per case, default 0.3]
void grid_bench(const std::string &fmts, double min_sec) {
    int64_t rows = 4864, cols0 = 896;
    if (getenv("BENCH_SHAPE")) std::sscanf(getenv("BENCH_SHAPE"), "%ldx%ld", &rows, &cols0);
    lb_threads_set(1);
    const int best_isa = lb_isa_supported();
    const char *isa_names[] = {"scalar", "avx2", "avx512", "avx512-bf16", "neon", "neon-dotprod", "neon-i8mm"};
    std::vector<int> levels = {LB_ISA_SCALAR};  // this CPU's family (ARM64 levels count from LB_ISA_NEON)
    for (int l = best_isa >= LB_ISA_NEON ? LB_ISA_NEON : 1; l <= best_isa; l++) levels.push_back(l);
    auto isa_name = [&](int l) { return isa_names[l >= LB_ISA_NEON ? l - LB_ISA_NEON + 4 : l]; };
    const std::vector<std::string> wanted = split_list(fmts);
    std::printf("%lldx%lld, ntok 1, 1 thread, fastest call in us\n%-8s", (long long)rows, (long long)cols0, "format");
    for (int isa : levels) std::printf(" %12s", isa_name(isa));
    std::printf("\n");
    for (int i = 0; lb_format_at(i); i++) {
        const lb_format_info *f = lb_format_at(i);
        if (!(f->uses & LB_USE_WEIGHT)) continue;
        if (fmts != "all" && std::find(wanted.begin(), wanted.end(), f->name) == wanted.end()) continue;
        const int group = f->block == 0 ? 128 : 0;
        // a K-quant's 256-element blocks do not divide 896: its row rounded up (marked *)
        const int64_t cols = lb_row_bytes(f->id, group, cols0) > 0 ? cols0 : (cols0 + f->block - 1) / f->block * f->block;
        const int64_t rb = lb_row_bytes(f->id, group, cols);
        const size_t bytes = (size_t)(rb * rows);
        const size_t copies = std::max<size_t>(2, (256u << 20) / bytes + 1);
        const HugeCopies buf(bytes, copies);
        {
            std::vector<float> w((size_t)(rows * cols));
            std::mt19937 rng(7);
            std::uniform_real_distribution<float> d(-1.f, 1.f);
            for (auto &v : w) v = d(rng);
            lb_quantize(f->id, group, w.data(), buf.at(0), rows, cols);
            for (size_t c = 1; c < copies; c++) std::memcpy(buf.at(c), buf.at(0), bytes);
        }
        std::vector<float> x((size_t)cols), y((size_t)rows);
        std::mt19937 rng(3);
        std::uniform_real_distribution<float> d(-1.f, 1.f);
        for (auto &v : x) v = d(rng);
        std::printf("%-7s%c", f->name, cols == cols0 ? ' ' : '*');
        for (int isa : levels) {
            lb_isa_set(isa);
            lb_matmul(f->id, group, buf.at(0), rows, cols, x.data(), 1, y.data());
            std::printf(" %12.1f", fastest_call(f->id, group, buf, rows, cols, x.data(), 1, y.data(), min_sec, 10) * 1e6);
            std::fflush(stdout);
        }
        lb_isa_set(best_isa);
        std::printf("\n");
    }
}

// Kernel microbenchmark as the engine runs it: weights in 2 MiB pages (anonymous mmap +
// MADV_HUGEPAGE, touched after the madvise), rotated over copies (>= 512 MiB in all) so each
// call streams from DRAM; the fastest of many calls (robust to other jobs on the machine).
// The output head is timed on a sixteenth of its rows (a call short enough to run between
// preemptions on a busy machine; rounded down to whole 16-row blocks for bf16x16) and scaled up.
// Usage: bench_matmul hp <formats> [threads, default 1] [ntok list, default 1,16]
void hugepage_bench(const std::string &fmts, int threads, const std::string &ntoks) {
    struct S { const char *name; int64_t rows, cols; int per_layer; };
    const S shapes[] = {{"896x896", 896, 896, 2}, {"128x896", 128, 896, 2}, {"4864x896", 4864, 896, 2},
                        {"896x4864", 896, 4864, 1}, {"151936x896/16", 151936 / 16 / 16 * 16, 896, -1}};
    lb_threads_set(threads);
    for (const std::string &fname : split_list(fmts)) {
        const int fmt = format_id(fname);
        if (fmt < 0) continue;
        for (const std::string &nt : split_list(ntoks)) {
            const int ntok = atoi(nt.c_str());
            double tok_sec = 0, tok_bytes = 0;
            std::printf("hp %-5s threads %d ntok %2d:", fname.c_str(), threads, ntok);
            for (const S &s : shapes) {
                const int64_t rb = lb_row_bytes(fmt, 0, s.cols);
                const size_t bytes = (size_t)(rb * s.rows);
                const size_t copies = std::max<size_t>(2, (512u << 20) / bytes + 1);
                const HugeCopies mem(bytes, copies);
                {
                    const int64_t qrows = std::min<int64_t>(s.rows, 64);
                    std::vector<float> fl((size_t)(qrows * s.cols));
                    std::mt19937 rng(7);
                    std::uniform_real_distribution<float> d(-1.f, 1.f);
                    for (auto &v : fl) v = d(rng);
                    std::vector<uint8_t> qb((size_t)(qrows * rb));
                    lb_quantize(fmt, 0, fl.data(), qb.data(), qrows, s.cols);
                    for (size_t c = 0; c < copies; c++)
                        for (int64_t r = 0; r < s.rows; r += qrows)
                            std::memcpy(mem.at(c) + r * rb, qb.data(), (size_t)(std::min(qrows, s.rows - r) * rb));
                }
                std::vector<float> x((size_t)(ntok * s.cols)), y((size_t)(ntok * s.rows));
                std::mt19937 rng(3);
                std::uniform_real_distribution<float> d(-1.f, 1.f);
                for (auto &v : x) v = d(rng);
                const double best = fastest_call(fmt, 0, mem, s.rows, s.cols, x.data(), ntok, y.data(), 0.4, 8);
                const double mult = s.per_layer > 0 ? s.per_layer * 24.0 : 151936.0 / s.rows;  // head: whole blocks of 16 rows
                tok_sec += mult * best;
                tok_bytes += mult * bytes;
                std::printf("  %s %.1fus %.1fGB/s", s.name, best * 1e6, bytes / best / 1e9);
                if (ntok > 1) std::printf(" %.0fGF", 2.0 * s.rows * s.cols * ntok / best / 1e9);
            }
            std::printf("  | qwen0.5b %.1f GB/s, %.1f tok/s\n", tok_bytes / tok_sec / 1e9, ntok / tok_sec);
            std::fflush(stdout);
        }
    }
}

// One decode token's weight matmuls back to back, as the engine issues them for Qwen2.5-0.5B:
// 24 layers of q|k|v (1152x896, stacked), o (896x896), gate|up (9728x896, stacked) and down
// (896x4864), then the tied head (151936x896), every matrix its own bytes in one huge-page arena
// (~1 GB in F16, so nothing stays cached between tokens). Each token is followed by a plain
// 2-stream read of the same arena (stream_read_once), so the two share the host's memory state:
// the ratio is what the per-call starts and ends of the sequence cost against one long read.
// Usage: bench_matmul token <format> [threads, default 2] [tokens, default 12]
void token_bench(const std::string &fname, int threads, int tokens) {
    const int fmt = format_id(fname);
    if (fmt < 0) return;
    if (tokens < 1 || threads < 1) {
        std::printf("token: threads and tokens must be >= 1\n");
        return;
    }
    lb_threads_set(threads);
    struct M { int64_t rows, cols; };
    std::vector<M> seq;
    for (int l = 0; l < 24; l++) {
        seq.push_back({896 + 2 * 128, 896});
        seq.push_back({896, 896});
        seq.push_back({2 * 4864, 896});
        seq.push_back({896, 4864});
    }
    seq.push_back({151936, 896});
    std::vector<size_t> off;
    size_t total = 0;
    for (const M &m : seq)
        if (lb_row_bytes(fmt, 0, m.cols) < 0) {
            std::printf("token %s: rows of %lld columns do not fit this format\n", fname.c_str(), (long long)m.cols);
            return;
        }
    for (const M &m : seq) {
        off.push_back(total);
        total += (size_t)(lb_row_bytes(fmt, 0, m.cols) * m.rows + 63) & ~(size_t)63;
    }
    const HugeCopies mem(total, 1);
    {
        const int64_t qrows = 64;
        std::vector<float> fl((size_t)(qrows * 4864));
        std::mt19937 rng(7);
        std::uniform_real_distribution<float> d(-1.f, 1.f);
        for (auto &v : fl) v = d(rng);
        for (size_t i = 0; i < seq.size(); i++) {
            const int64_t rb = lb_row_bytes(fmt, 0, seq[i].cols);
            std::vector<uint8_t> qb((size_t)(qrows * rb));
            lb_quantize(fmt, 0, fl.data(), qb.data(), qrows, seq[i].cols);
            for (int64_t r = 0; r < seq[i].rows; r += qrows)
                std::memcpy(mem.at(0) + off[i] + r * rb, qb.data(), (size_t)(std::min(qrows, seq[i].rows - r) * rb));
        }
    }
    std::vector<float> x(4864, 0.5f), y(151936);
    std::vector<double> tok, rd;
    for (int t = 0; t < tokens + 1; t++) {  // the first token warms up
        const double t0 = now();
        for (size_t i = 0; i < seq.size(); i++) lb_matmul(fmt, 0, mem.at(0) + off[i], seq[i].rows, seq[i].cols, x.data(), 1, y.data());
        const double dt = now() - t0;
        const double r = stream_read_once(mem.at(0), total / 4096 * 4096, threads);
        if (t > 0) { tok.push_back(dt); rd.push_back(r); }
    }
    std::vector<double> ratio;
    for (size_t i = 0; i < tok.size(); i++) ratio.push_back(rd[i] / tok[i]);
    auto med = [](std::vector<double> v) { std::sort(v.begin(), v.end()); return v[v.size() / 2]; };
    std::printf("token %-5s threads %d: %.0f MB per token, %zu tokens: median %.2f ms (%.1f GB/s, %.1f tok/s), fastest %.2f ms; "
                "plain read median %.1f GB/s; matmuls/read median %.1f%%\n",
                fname.c_str(), threads, total / 1e6, tok.size(), med(tok) * 1e3, total / med(tok) / 1e9, 1 / med(tok),
                *std::min_element(tok.begin(), tok.end()) * 1e3, total / med(rd) / 1e9, 100 * med(ratio));
}

int main(int argc, char **argv) {
    if (argc > 2 && std::string(argv[1]) == "hp") {
        if (getenv("BENCH_ISA")) lb_isa_set(atoi(getenv("BENCH_ISA")));  // 0 scalar, 1 AVX2, 2 AVX-512
        hugepage_bench(argv[2], argc > 3 ? atoi(argv[3]) : 1, argc > 4 ? argv[4] : "1,16");
        return 0;
    }
    if (argc > 2 && std::string(argv[1]) == "token") {
        if (getenv("BENCH_ISA")) lb_isa_set(atoi(getenv("BENCH_ISA")));  // 0 scalar, 1 AVX2, 2 AVX-512
        token_bench(argv[2], argc > 3 ? atoi(argv[3]) : 2, argc > 4 ? atoi(argv[4]) : 12);
        return 0;
    }
    if (argc > 1 && std::string(argv[1]) == "grid") { grid_bench(argc > 2 ? argv[2] : "all", argc > 3 ? std::atof(argv[3]) : 0.3); return 0; }
    if (argc > 2 && std::string(argv[1]) == "cache") { incache(argv[2]); return 0; }
    if (argc > 2 && std::string(argv[1]) == "study") { study_bench(argv[2], argc > 3 ? std::atof(argv[3]) : 0.5); return 0; }
    std::string fmts = argc > 1 ? argv[1] : "f16,q8_0,q4_0";
    const double min_sec = argc > 2 ? std::atof(argv[2]) : 0.3;
    const std::vector<Model> models = {
        {"qwen2.5-0.5b", 24, {{"q/o 896x896", 896, 896, 2}, {"k/v 128x896", 128, 896, 2},
                              {"gate/up 4864x896", 4864, 896, 2}, {"down 896x4864", 896, 4864, 1},
                              {"output 151936x896", 151936, 896, 0}}},
        {"r1-distill-qwen-1.5b", 28, {{"q/o 1536x1536", 1536, 1536, 2}, {"k/v 256x1536", 256, 1536, 2},
                                      {"gate/up 8960x1536", 8960, 1536, 2}, {"down 1536x8960", 1536, 8960, 1},
                                      {"output 151936x1536", 151936, 1536, 0}}},
    };
    std::printf("isa %d, max threads %d\n", lb_isa_get(), lb_threads_get());
    {
        const size_t bytes = 512u << 20;
        uint8_t *buf = (uint8_t *)aligned_alloc(64, bytes);
        std::memset(buf, 1, bytes);
        for (int th : {1, 2}) std::printf("stream read roofline, %d thread(s): %.1f GB/s\n", th, stream_read_gbs(buf, bytes, th));
        free(buf);
    }
    const char *only_model = getenv("BENCH_MODEL");  // optional filters: substring of the model name,
    const char *only_ntok = getenv("BENCH_NTOK");    // one ntok, one thread count
    const char *only_threads = getenv("BENCH_THREADS");
    for (const Model &m : models) {
        if (only_model && !strstr(m.name, only_model)) continue;
        for (size_t p = 0; p < fmts.size();) {
            size_t e = fmts.find(',', p);
            if (e == std::string::npos) e = fmts.size();
            const std::string fname = fmts.substr(p, e - p);
            p = e + 1;
            int fmt = -1;
            for (int id = 0; id < 64; id++) {
                const lb_format_info *fi = lb_format_get(id);
                if (fi && fname == fi->name) fmt = id;
            }
            if (fmt < 0) { std::printf("unknown format %s\n", fname.c_str()); continue; }
            for (int ntok : {1, 16})
                for (int th : {1, 2}) {
                    if ((only_ntok && atoi(only_ntok) != ntok) || (only_threads && atoi(only_threads) != th)) continue;
                    double token_sec = 0, token_bytes = 0, stream_sec = 0;
                    std::printf("%-22s %-5s ntok %2d threads %d:", m.name, fname.c_str(), ntok, th);
                    for (const Shape &s : m.shapes) {
                        const Result r = time_case(fmt, s, ntok, th, min_sec);
                        const double mult = s.per_layer ? (double)s.per_layer * m.layers : 1.0;
                        token_sec += mult * r.sec_per_call;
                        stream_sec += mult * (double)(lb_row_bytes(fmt, 0, s.cols) * s.rows) / (r.stream_gbs * 1e9);
                        token_bytes += mult * (double)(lb_row_bytes(fmt, 0, s.cols) * s.rows);
                        std::printf("  %s %.1f", s.name, r.gbs);
                        if (ntok == 1) std::printf(" (%.0f%%)", 100.0 * r.gbs / r.stream_gbs);
                        if (ntok > 1) std::printf(" (%.0f GFLOP/s)", 2.0 * s.rows * s.cols * ntok / r.sec_per_call / 1e9);
                    }
                    std::printf("  | model %.1f GB/s, %.1f %s/s", token_bytes / token_sec / 1e9,
                                ntok / token_sec, ntok == 1 ? "tok" : "prefill-tok");
                    if (ntok == 1) std::printf(", %.0f%% of the plain read (%.1f GB/s)", 100.0 * stream_sec / token_sec, token_bytes / stream_sec / 1e9);
                    std::printf("\n");
                    std::fflush(stdout);
                }
        }
    }
    return 0;
}
