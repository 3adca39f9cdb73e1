// Internal: which ISA level kernels dispatch to right now (see runtime.cpp).
#pragma once
int lb_isa_current();
// threads for a parallel region doing `work` multiply-adds: 1 below ~64K, where the fork/join
// of a region costs more than it saves (and, on a busy host, a descheduled worker stalls it)
int lb_threads_for(long long work);
// AVX512_BF16 (vdpbf16ps) kernels of the BF16 weight format: whether the CPU has the extension,
// the ISA level is AVX-512 and they are allowed; lb_bf16_dot_allow(false) forces the FP32-FMA paths
// (tests compare both with the scalar reference)
bool lb_bf16_dot_enabled();
void lb_bf16_dot_allow(bool on);
