// LB_BF16X16: BF16 weights in blocks of 16 rows (format.h), the layout of the broadcast vdpbf16ps
// kernel (bf16x16_avx512.cpp). Values and arithmetic are LB_BF16's: weights rounded to bf16 as
// lb_quantize LB_BF16 does, y = sum W * bf16(x) with FP32 accumulation. This file holds the repack
// (quantize / dequantize) and the scalar reference, which sums in column order like the BF16 scalar
// row kernel (ggml_matmul.cpp), so the two formats' references give the same floats.
// The model picks this format only where the vdpbf16ps kernel runs (elsewhere BF16 weights stay
// row-major LB_BF16, ModelWeights.bf16Layout); AVX2 and AVX-512 without AVX512_BF16 run an FP32-FMA
// kernel (bf16x16_avx2.cpp) so that the layout is never a trap at a lower level.
#include <omp.h>
#include "lowbit/lowbit.h"
#include "dispatch.h"
#include "ggml_common.h"
#include "kernels.h"
#include "study_pack.h"

namespace {
// word index of element (r, c): block r / 16, column pair c / 2, lane r % 16, word c % 2
inline int64_t word_at(int64_t r, int64_t c, int64_t cols) {
    return ((r / 16 * (cols / 2) + c / 2) * 16 + r % 16) * 2 + c % 2;
}
}  // namespace

// the format table's entries (format_table.h; cols is even, checked by the lb_* entry)
int32_t quantize_bf16x16(const FormatRow &, int32_t, const float *src, void *dst, int64_t rows, int64_t cols) {
    uint16_t *w = (uint16_t *)dst;
    const int64_t padded = (rows + 15) / 16 * 16;  // the last block's missing rows are written as zeros
#pragma omp parallel for num_threads(lb_threads_get()) schedule(static)
    for (int64_t r = 0; r < padded; r++)
        for (int64_t c = 0; c < cols; c++) w[word_at(r, c, cols)] = r < rows ? lbg::f32_to_bf16(src[r * cols + c]) : 0;
    return LB_OK;
}

int32_t dequantize_bf16x16(const FormatRow &, int32_t, const void *src, float *dst, int64_t rows, int64_t cols) {
    const uint16_t *w = (const uint16_t *)src;
#pragma omp parallel for num_threads(lb_threads_get()) schedule(static)
    for (int64_t r = 0; r < rows; r++)
        for (int64_t c = 0; c < cols; c++) dst[r * cols + c] = lbg::bf16_to_f32(w[word_at(r, c, cols)]);
    return LB_OK;
}

static void matmul_bf16x16_scalar(const uint16_t *w, int64_t rows, int64_t cols, const float *x, int64_t ntok, float *y) {
#pragma omp parallel for num_threads(lb_threads_for((long long)rows * cols * ntok)) schedule(static)
    for (int64_t r = 0; r < rows; r++)
        for (int64_t t = 0; t < ntok; t++) {
            float acc = 0.f;
            for (int64_t c = 0; c < cols; c++) acc += lbg::bf16_to_f32(w[word_at(r, c, cols)]) * lb_bf16_round(x[t * cols + c]);
            y[t * rows + r] = acc;
        }
}

int32_t matmul_bf16x16(const FormatRow &, int32_t, const void *w, int64_t rows, int64_t cols, const float *x, int64_t ntok,
                       float *y, bool invariant) {
#if LB_X86
    if (lb_bf16_kernels()) {
        matmul_bf16x16_avx512((const uint16_t *)w, rows, cols, x, ntok, y, invariant);
        return LB_OK;
    }
    if (lb_isa_current() >= LB_ISA_AVX2) {
        matmul_bf16x16_avx2((const uint16_t *)w, rows, cols, x, ntok, y);
        return LB_OK;
    }
#endif
    matmul_bf16x16_scalar((const uint16_t *)w, rows, cols, x, ntok, y);
    return LB_OK;
}
