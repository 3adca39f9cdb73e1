// Internal: which ISA level kernels dispatch to right now (see runtime.cpp).
#pragma once
#include "lowbit/runtime.h"
int lb_isa_current();
// threads for a parallel region doing `work` multiply-adds: 1 below ~64K, where the fork/join
// of a region costs more than it saves (and, on a busy host, a descheduled worker stalls it)
int lb_threads_for(long long work);
// whether the vdpbf16ps kernels may run (level LB_ISA_AVX512_BF16; tests and benchmarks set
// LB_ISA_AVX512 to run the FP32-FMA AVX-512 paths of the same operations)
inline bool lb_bf16_kernels() { return lb_isa_current() >= LB_ISA_AVX512_BF16; }
