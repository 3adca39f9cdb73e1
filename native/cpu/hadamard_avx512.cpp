// AVX-512 build of the Hadamard row kernel (hadamard_impl.h); reference build in hadamard.cpp.
// GCC 12 flags _mm512_undefined_* inside its own intrinsics as uninitialised (false positive)
#pragma GCC diagnostic ignored "-Wuninitialized"
#pragma GCC diagnostic ignored "-Wmaybe-uninitialized"
#include "hadamard_impl.h"
#include "ops_internal.h"

void hadamard_rows_avx512(float *x, int64_t rows, int64_t n, int m, const float *hm_t) {
    hadamard_rows_impl(x, rows, n, m, hm_t);
}
