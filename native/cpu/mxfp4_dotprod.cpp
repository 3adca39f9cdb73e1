// +dotprod build of the NEON MXFP4 matmul (mxfp4_neon.h): SDOT for the block sums.
#include "mxfp4_neon.h"

void matmul_mxfp4_dotprod(const uint8_t *w, int64_t rows, int64_t cols, const MxActs &a, int64_t ntok, float *y) {
    matmul_mxfp4_neon_impl<true>(w, rows, cols, a, ntok, y);
}
