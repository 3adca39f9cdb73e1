// The NEON dotprod level of the format table's ggml kernels (ggml_matmul_neon.h, built with +dotprod):
// the 32-block and K-quant formats' row kernels with SDOT. The float formats have none here (empty
// entries: the NEON level runs).
#include "ggml_matmul_neon.h"

namespace lbg {
const GgmlKernels ggml_dotprod_q8_0 = {row_b32<true, LB_Q8_0>};
const GgmlKernels ggml_dotprod_q4_0 = {row_b32<true, LB_Q4_0>};
const GgmlKernels ggml_dotprod_q4_1 = {row_b32<true, LB_Q4_1>};
const GgmlKernels ggml_dotprod_q5_0 = {row_b32<true, LB_Q5_0>};
const GgmlKernels ggml_dotprod_q5_1 = {row_b32<true, LB_Q5_1>};
const GgmlKernels ggml_dotprod_q2_k = {row_k<true, LB_Q2_K>};
const GgmlKernels ggml_dotprod_q3_k = {row_k<true, LB_Q3_K>};
const GgmlKernels ggml_dotprod_q4_k = {row_k<true, LB_Q4_K>};
const GgmlKernels ggml_dotprod_q5_k = {row_k<true, LB_Q5_K>};
const GgmlKernels ggml_dotprod_q6_k = {row_k<true, LB_Q6_K>};
const GgmlKernels ggml_dotprod_f32 = {}, ggml_dotprod_f16 = {}, ggml_dotprod_bf16 = {};
}  // namespace lbg
