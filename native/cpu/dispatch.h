// Internal: which ISA level kernels dispatch to right now (see runtime.cpp).
#pragma once
int lb_isa_current();
