// The NEON level of the format table's ggml kernels (ggml_matmul_neon.h): row kernels of the float,
// 32-block and K-quant formats.
#include "ggml_matmul_neon.h"

namespace lbg {
const GgmlKernels ggml_neon_f32 = {row_float<LB_F32>};
const GgmlKernels ggml_neon_f16 = {row_float<LB_F16>};
const GgmlKernels ggml_neon_bf16 = {row_float<LB_BF16>};
const GgmlKernels ggml_neon_q8_0 = {row_b32<false, LB_Q8_0>};
const GgmlKernels ggml_neon_q4_0 = {row_b32<false, LB_Q4_0>};
const GgmlKernels ggml_neon_q4_1 = {row_b32<false, LB_Q4_1>};
const GgmlKernels ggml_neon_q5_0 = {row_b32<false, LB_Q5_0>};
const GgmlKernels ggml_neon_q5_1 = {row_b32<false, LB_Q5_1>};
const GgmlKernels ggml_neon_q2_k = {row_k<false, LB_Q2_K>};
const GgmlKernels ggml_neon_q3_k = {row_k<false, LB_Q3_K>};
const GgmlKernels ggml_neon_q4_k = {row_k<false, LB_Q4_K>};
const GgmlKernels ggml_neon_q5_k = {row_k<false, LB_Q5_K>};
const GgmlKernels ggml_neon_q6_k = {row_k<false, LB_Q6_K>};
}  // namespace lbg
