// Internal: which ISA level kernels dispatch to right now (see runtime.cpp).
#pragma once
#include "lowbit/runtime.h"
// The instruction-set family this build has kernels for: x86-64 builds compile *_avx2/*_avx512.cpp,
// aarch64 builds *_neon/*_dotprod.cpp (CMakeLists.txt). Calls into the other family's kernels are
// compiled out with #if, so their symbols need not exist.
#if defined(__x86_64__)
#define LB_X86 1
#else
#define LB_X86 0
#endif
#if defined(__aarch64__)
#define LB_ARM64 1
#else
#define LB_ARM64 0
#endif
int lb_isa_current();
// threads for a parallel region doing `work` multiply-adds: 1 below ~64K, where the fork/join
// of a region costs more than it saves (and, on a busy host, a descheduled worker stalls it)
int lb_threads_for(long long work);
// whether the vdpbf16ps kernels may run (level LB_ISA_AVX512_BF16; tests and benchmarks set
// LB_ISA_AVX512 to run the FP32-FMA AVX-512 paths of the same operations)
inline bool lb_bf16_kernels() { return lb_isa_current() >= LB_ISA_AVX512_BF16; }
// Work items (row blocks) per dynamically scheduled chunk of a matmul: ~1/16 of a thread's share,
// so that on a shared machine a descheduled thread does not hold the whole call back. A single
// token streams its weights from DRAM once: there chunks of ~256 KB at least, since two threads
// reading interleaved small chunks lose bandwidth (2 threads, F16 896x896, bench_matmul hp: 28 KB
// chunks 28 GB/s, 256 KB 41 GB/s; plain reads of 16 KB vs 256 KB interleaved chunks: 27 vs 54 GB/s
// when the host reads 58 GB/s at all), yet at least 4 chunks per thread so small matrices balance.
inline long long lb_chunk_items(long long items, long long item_bytes, int threads, bool single_token) {
    long long per_chunk = items / (16LL * threads);
    if (single_token) {
        long long want = ((256 << 10) + item_bytes - 1) / item_bytes;
        const long long balanced = items / (4LL * threads);
        if (want > balanced) want = balanced;
        if (want > per_chunk) per_chunk = want;
    }
    return per_chunk < 1 ? 1 : per_chunk;
}
