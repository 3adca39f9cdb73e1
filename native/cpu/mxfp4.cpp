// LB_MXFP4 (OCP Microscaling FP4, W4A4): the format table's quantize / dequantize / matmul entries
// and the scalar reference of the matmul. Element arithmetic (scale choice, E2M1 rounding) is
// lb_mx_quant_block in study_pack.h.
// Matmul: each token's activations are quantized per 32 elements to MXFP4 exactly as weights are;
// an E2M1 value times 2 is an integer in [-12, 12], so a block's dot product is the exact integer
// sum of q2w * q2a, worth isum * 2^(ew + ea - 2). y = the FP32 sum over the row's blocks, in block
// order, of float(isum) * 2^(ew + ea - 2) (each term exact unless it is subnormal). SIMD variants
// compute the same terms; the x86 ones differ only in the order they add them, the NEON ones add
// them in the scalar's order (bit-identical).
#include "dispatch.h"
#include "format_table.h"
#include "lowbit/lowbit.h"
#include "mxfp4_internal.h"
#include "study_pack.h"
#include <vector>

int32_t quantize_mxfp4(const FormatRow &, int32_t, const float *src, void *dst, int64_t rows, int64_t cols) {
    const int64_t nb = cols / LB_MX_BLOCK;
    uint8_t *out = (uint8_t *)dst;
#pragma omp parallel for num_threads(lb_threads_for((long long)rows * cols)) schedule(static)
    for (int64_t r = 0; r < rows; r++)
        for (int64_t b = 0; b < nb; b++)
            lb_mx_quant_block(src + r * cols + b * LB_MX_BLOCK, out + (r * nb + b) * LB_MX_BLOCK_BYTES);
    return LB_OK;
}

int32_t dequantize_mxfp4(const FormatRow &, int32_t, const void *src, float *dst, int64_t rows, int64_t cols) {
    const int64_t nb = cols / LB_MX_BLOCK;
    const uint8_t *in = (const uint8_t *)src;
    for (int64_t r = 0; r < rows; r++)
        for (int64_t b = 0; b < nb; b++)
            lb_mx_dequant_block(in + (r * nb + b) * LB_MX_BLOCK_BYTES, dst + r * cols + b * LB_MX_BLOCK);
    return LB_OK;
}

MxActs mx_quant_acts(const float *x, int64_t ntok, int64_t cols) {
    thread_local std::vector<int8_t> q2;
    thread_local std::vector<int32_t> e;
    const int64_t nb = cols / LB_MX_BLOCK;
    // 64 bytes of slack: the AVX-512 kernel reads activation codes two blocks at a time
    if ((int64_t)q2.size() < ntok * cols + 64) q2.resize((size_t)(ntok * cols + 64));
    if ((int64_t)e.size() < ntok * nb + 1) e.resize((size_t)(ntok * nb + 1));
    uint8_t blk[LB_MX_BLOCK_BYTES];
    for (int64_t i = 0; i < ntok * nb; i++) {
        lb_mx_quant_block(x + i * LB_MX_BLOCK, blk);
        e[i] = (int32_t)blk[0] - 127;
        int8_t *q = q2.data() + i * LB_MX_BLOCK;
        for (int j = 0; j < 16; j++) {
            q[j] = (int8_t)lb_e2m1_x2(blk[1 + j] & 15);
            q[j + 16] = (int8_t)lb_e2m1_x2(blk[1 + j] >> 4);
        }
    }
    return {q2.data(), e.data()};
}

namespace {
void matmul_mxfp4_scalar(const uint8_t *w, int64_t rows, int64_t cols, const MxActs &a, int64_t ntok, float *y) {
    const int64_t nb = cols / LB_MX_BLOCK;
#pragma omp parallel for num_threads(lb_threads_for((long long)rows * cols * ntok)) schedule(static)
    for (int64_t r = 0; r < rows; r++) {
        const uint8_t *row = w + r * nb * LB_MX_BLOCK_BYTES;
        for (int64_t t = 0; t < ntok; t++) {
            float acc = 0.f;
            for (int64_t b = 0; b < nb; b++) {
                const uint8_t *blk = row + b * LB_MX_BLOCK_BYTES;
                const int8_t *q = a.q2 + (t * nb + b) * LB_MX_BLOCK;
                int32_t isum = 0;
                for (int j = 0; j < 16; j++)
                    isum += lb_e2m1_x2(blk[1 + j] & 15) * q[j] + lb_e2m1_x2(blk[1 + j] >> 4) * q[j + 16];
                acc += (float)isum * lb_pow2f((int)blk[0] - 127 + a.e[t * nb + b] - 2);
            }
            y[t * rows + r] = acc;
        }
    }
}
}  // namespace

// every variant sums a token's row in an order that does not depend on the token count: invariant
int32_t matmul_mxfp4(const FormatRow &, int32_t, const void *w, int64_t rows, int64_t cols, const float *x,
                     int64_t ntok, float *y, bool) {
    const MxActs a = mx_quant_acts(x, ntok, cols);
    const uint8_t *wb = (const uint8_t *)w;
#if LB_X86
    const int isa = lb_isa_current();
    if (isa >= LB_ISA_AVX512) matmul_mxfp4_avx512(wb, rows, cols, a, ntok, y);
    else if (isa >= LB_ISA_AVX2) matmul_mxfp4_avx2(wb, rows, cols, a, ntok, y);
    else
#elif LB_ARM64
    const int isa = lb_isa_current();
    if (isa >= LB_ISA_NEON_DOTPROD) matmul_mxfp4_dotprod(wb, rows, cols, a, ntok, y);
    else if (isa >= LB_ISA_NEON) matmul_mxfp4_neon(wb, rows, cols, a, ntok, y);
    else
#endif
    matmul_mxfp4_scalar(wb, rows, cols, a, ntok, y);
    return LB_OK;
}
