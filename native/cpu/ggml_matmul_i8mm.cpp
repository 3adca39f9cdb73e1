// The NEON i8mm level of the format table's ggml kernels (built with +dotprod+i8mm, called only after the
// HWCAP2 check): for the 32-block formats, the multi-row tiles (RowsFn: prefill, batched decode) with SMMLA,
// which multiplies a 2x8 int8 block of two weight rows by an 8x2 block of two tokens into the 2x2 int32
// products: per 32-element block, 4 SMMLA give the exact block sums of 2 rows x 2 tokens (the codes minus
// the format's offset as ggml_matmul_neon.h forms them), then acc += (dw*dx) * sum per pair in fp32 (and
// the *_1 formats' m * dx * s). Odd rows / tokens repeat the last one and drop its outputs. The row kernel
// is the dotprod one (one token, and the batch-invariant path). K-quants and float formats: empty here.
#include "ggml_matmul_neon.h"

namespace lbg {
namespace {

// rows p[0], p[1] x tokens t[0], t[1]: the 2x2 outputs [r0t0, r0t1, r1t0, r1t1] over blocks b0..b1
template <int32_t FMT>
inline float32x4_t tile2x2(const uint8_t *const *p, const Act &a, const int64_t *t) {
    constexpr int bb = format_row(FMT)->info.block_bytes;
    constexpr bool minterm = FMT == LB_Q4_1 || FMT == LB_Q5_1;
    float32x4_t acc = vdupq_n_f32(0.f), macc = vdupq_n_f32(0.f);
    const int8_t *q0 = a.q(t[0]), *q1 = a.q(t[1]);
    const float *d0 = a.d(t[0]), *d1 = a.d(t[1]), *s0 = a.ds(t[0]), *s1 = a.ds(t[1]);
    for (int64_t b = a.b0(); b < a.b1(); b++) {
        int8x16_t w0[2], w1[2];
        codes<FMT>(p[0] + b * bb, w0[0], w0[1]);
        codes<FMT>(p[1] + b * bb, w1[0], w1[1]);
        int32x4_t is = vdupq_n_s32(0);
        for (int h = 0; h < 2; h++) {
            const int8x16_t x0 = vld1q_s8(q0 + b * 32 + 16 * h), x1 = vld1q_s8(q1 + b * 32 + 16 * h);
            const int64x2_t a0 = vreinterpretq_s64_s8(w0[h]), a1 = vreinterpretq_s64_s8(w1[h]);
            const int64x2_t c0 = vreinterpretq_s64_s8(x0), c1 = vreinterpretq_s64_s8(x1);
            // 8 elements at a time: [row 0 | row 1] against [token 0 | token 1]
            is = vmmlaq_s32(is, vreinterpretq_s8_s64(vzip1q_s64(a0, a1)), vreinterpretq_s8_s64(vzip1q_s64(c0, c1)));
            is = vmmlaq_s32(is, vreinterpretq_s8_s64(vzip2q_s64(a0, a1)), vreinterpretq_s8_s64(vzip2q_s64(c0, c1)));
        }
        const float dw0 = rdh(p[0] + b * bb), dw1 = rdh(p[1] + b * bb);
        const float32x4_t dx = {d0[b], d1[b], d0[b], d1[b]}, dw = {dw0, dw0, dw1, dw1};
        acc = vfmaq_f32(acc, vcvtq_f32_s32(is), vmulq_f32(dw, dx));
        if (minterm) {
            const float m0 = rdh(p[0] + b * bb + 2), m1 = rdh(p[1] + b * bb + 2);
            const float32x4_t m = {m0, m0, m1, m1}, ds = {s0[b], s1[b], s0[b], s1[b]};
            macc = vfmaq_f32(macc, m, ds);
        }
    }
    return minterm ? vaddq_f32(acc, macc) : acc;
}

template <int32_t FMT>
void rows_b32(const uint8_t *w, int64_t rb, int nr, const Act &a, int64_t t0, int nt, float *y, int64_t ldy) {
    for (int i = 0; i < nr; i += 2) {
        const uint8_t *p[2] = {w + i * rb, w + (i + 1 < nr ? i + 1 : i) * rb};
        for (int k = 0; k < nt; k += 2) {
            const int64_t t[2] = {t0 + k, t0 + (k + 1 < nt ? k + 1 : k)};
            float o[4];
            vst1q_f32(o, tile2x2<FMT>(p, a, t));
            y[(t0 + k) * ldy + i] = o[0];
            if (k + 1 < nt) y[(t0 + k + 1) * ldy + i] = o[1];
            if (i + 1 < nr) {
                y[(t0 + k) * ldy + i + 1] = o[2];
                if (k + 1 < nt) y[(t0 + k + 1) * ldy + i + 1] = o[3];
            }
        }
    }
}

}  // namespace

const GgmlKernels ggml_i8mm_q8_0 = {row_b32<true, LB_Q8_0>, rows_b32<LB_Q8_0>};
const GgmlKernels ggml_i8mm_q4_0 = {row_b32<true, LB_Q4_0>, rows_b32<LB_Q4_0>};
const GgmlKernels ggml_i8mm_q4_1 = {row_b32<true, LB_Q4_1>, rows_b32<LB_Q4_1>};
const GgmlKernels ggml_i8mm_q5_0 = {row_b32<true, LB_Q5_0>, rows_b32<LB_Q5_0>};
const GgmlKernels ggml_i8mm_q5_1 = {row_b32<true, LB_Q5_1>, rows_b32<LB_Q5_1>};
const GgmlKernels ggml_i8mm_f32 = {}, ggml_i8mm_f16 = {}, ggml_i8mm_bf16 = {}, ggml_i8mm_q2_k = {}, ggml_i8mm_q3_k = {},
                  ggml_i8mm_q4_k = {}, ggml_i8mm_q5_k = {}, ggml_i8mm_q6_k = {};
}  // namespace lbg
