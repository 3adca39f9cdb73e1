// Internal: which ISA level kernels dispatch to right now (see runtime.cpp).
#pragma once
int lb_isa_current();
// threads for a parallel region doing `work` multiply-adds: 1 below ~64K, where the fork/join
// of a region costs more than it saves (and, on a busy host, a descheduled worker stalls it)
int lb_threads_for(long long work);
