// The NEON level of the format table's ggml kernels (ggml_matmul_neon.h): row kernels of the float,
// 32-block and K-quant formats.
#include "ggml_matmul_neon.h"

namespace lbg {
// same float operations as act_blocks_scalar (max |x|, one multiply, round to nearest even)
void act_blocks_neon(const float *x, int64_t nb, int blk, int8_t *q, float *d, int32_t *s, int16_t *b16) {
    for (int64_t b = 0; b < nb; b++) {
        const float *xb = x + b * blk;
        float32x4_t m = vdupq_n_f32(0.f);
        for (int j = 0; j < blk; j += 4) m = vmaxnmq_f32(m, vabsq_f32(vld1q_f32(xb + j)));  // NaN ignored, as fmaxf
        const float amax = vmaxnmvq_f32(m);
        const float id = amax > 0 ? 127.f / amax : 0.f;
        d[b] = act_scale(amax, blk);
        int32x4_t sum = vdupq_n_s32(0);
        for (int j = 0; j < blk; j += 16) {
            int32x4_t v[4];
            for (int i = 0; i < 4; i++) v[i] = vcvtnq_s32_f32(vmulq_n_f32(vld1q_f32(xb + j + 4 * i), id));
            const int16x8_t h0 = vcombine_s16(vmovn_s32(v[0]), vmovn_s32(v[1])), h1 = vcombine_s16(vmovn_s32(v[2]), vmovn_s32(v[3]));
            vst1q_s8(q + b * blk + j, vcombine_s8(vmovn_s16(h0), vmovn_s16(h1)));  // |v| <= 127
            const int32x4_t t = vaddq_s32(vaddq_s32(v[0], v[1]), vaddq_s32(v[2], v[3]));
            sum = vaddq_s32(sum, t);
            if (b16) b16[b * (blk / 16) + j / 16] = (int16_t)vaddvq_s32(t);
        }
        s[b] = vaddvq_s32(sum);
    }
}

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
