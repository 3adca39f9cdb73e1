// NEON MXFP4 matmul (scalar reference and arithmetic in mxfp4.cpp), included by mxfp4_neon.cpp (DOT
// false: SMULL/SMLAL + pairwise adds) and mxfp4_dotprod.cpp (DOT true: SDOT, built with +dotprod).
// A block's 16 nibble bytes are split (low = elements 0-15, high = 16-31, the activation order) and
// looked up as 2w (s8) with TBL; the products of two codes (|2w|, |2a| <= 12) are exact integers, so
// each block's isum is the scalar's. Four blocks' isums go to float together and are scaled by
// 2^(ew + ea - 2) in one multiply (the scalar's float(isum) * 2^E, the same rounding), then added to
// the token's FP32 sum one at a time in block order: bit-identical to the scalar reference (no FMA:
// aarch64 builds use -ffp-contract=off). Up to 4 tokens share each decoded group of weight blocks.
// Everything here has internal linkage: the two builds must not share a function.
#pragma once
#include <arm_neon.h>
#include "dispatch.h"
#include "mxfp4_internal.h"
#include "study_pack.h"

namespace {

// int32 partial sums (4 lanes) of one block: sum over 32 elements of 2w * 2a
template <bool DOT>
inline int32x4_t mx_block_dot(int8x16_t wlo, int8x16_t whi, const int8_t *q) {
    const int8x16_t qlo = vld1q_s8(q), qhi = vld1q_s8(q + 16);
#if defined(__ARM_FEATURE_DOTPROD)
    if constexpr (DOT) return vdotq_s32(vdotq_s32(vdupq_n_s32(0), wlo, qlo), whi, qhi);
#endif
    // each int16 lane adds 4 products of at most 144: no overflow
    const int16x8_t plo = vmlal_high_s8(vmull_s8(vget_low_s8(wlo), vget_low_s8(qlo)), wlo, qlo);
    const int16x8_t phi = vmlal_high_s8(vmull_s8(vget_low_s8(whi), vget_low_s8(qhi)), whi, qhi);
    return vpaddlq_s16(vaddq_s16(plo, phi));
}

template <bool DOT>
void matmul_mxfp4_neon_impl(const uint8_t *w, int64_t rows, int64_t cols, const MxActs &a, int64_t ntok, float *y) {
    const int64_t nb = cols / LB_MX_BLOCK;
    constexpr int kTile = 4, kGroup = 4;
    constexpr int8_t kLut[16] = {0, 1, 2, 3, 4, 6, 8, 12, 0, -1, -2, -3, -4, -6, -8, -12};  // 2 * E2M1
#pragma omp parallel for num_threads(lb_threads_for((long long)rows * cols * ntok)) schedule(static)
    for (int64_t r = 0; r < rows; r++) {
        const int8x16_t lut = vld1q_s8(kLut);
        const uint8x16_t m4 = vdupq_n_u8(15);
        const uint8_t *row = w + r * nb * LB_MX_BLOCK_BYTES;
        for (int64_t t0 = 0; t0 < ntok; t0 += kTile) {
            const int nt = (int)(ntok - t0 < kTile ? ntok - t0 : kTile);
            float acc[kTile] = {0.f, 0.f, 0.f, 0.f};
            int64_t b = 0;
            for (; b + kGroup <= nb; b += kGroup) {
                int8x16_t wl[kGroup], wh[kGroup];
                int ew[kGroup];
                for (int i = 0; i < kGroup; i++) {
                    const uint8_t *blk = row + (b + i) * LB_MX_BLOCK_BYTES;
                    const uint8x16_t n = vld1q_u8(blk + 1);
                    wl[i] = vqtbl1q_s8(lut, vandq_u8(n, m4));
                    wh[i] = vqtbl1q_s8(lut, vshrq_n_u8(n, 4));
                    ew[i] = (int)blk[0] - 127 - 2;
                }
                for (int k = 0; k < nt; k++) {
                    const int64_t tb = (t0 + k) * nb + b;
                    const int8_t *q = a.q2 + tb * LB_MX_BLOCK;
                    const int32x4_t s01 = vpaddq_s32(mx_block_dot<DOT>(wl[0], wh[0], q),
                                                     mx_block_dot<DOT>(wl[1], wh[1], q + LB_MX_BLOCK));
                    const int32x4_t s23 = vpaddq_s32(mx_block_dot<DOT>(wl[2], wh[2], q + 2 * LB_MX_BLOCK),
                                                     mx_block_dot<DOT>(wl[3], wh[3], q + 3 * LB_MX_BLOCK));
                    float sc[kGroup], p[kGroup];
                    for (int i = 0; i < kGroup; i++) sc[i] = lb_pow2f(ew[i] + a.e[tb + i]);
                    vst1q_f32(p, vmulq_f32(vcvtq_f32_s32(vpaddq_s32(s01, s23)), vld1q_f32(sc)));
                    float s = acc[k];
                    for (int i = 0; i < kGroup; i++) s += p[i];  // block order, as the scalar adds
                    acc[k] = s;
                }
            }
            for (; b < nb; b++) {
                const uint8_t *blk = row + b * LB_MX_BLOCK_BYTES;
                const uint8x16_t n = vld1q_u8(blk + 1);
                const int8x16_t wl = vqtbl1q_s8(lut, vandq_u8(n, m4)), wh = vqtbl1q_s8(lut, vshrq_n_u8(n, 4));
                for (int k = 0; k < nt; k++) {
                    const int64_t tb = (t0 + k) * nb + b;
                    const int32_t isum = vaddvq_s32(mx_block_dot<DOT>(wl, wh, a.q2 + tb * LB_MX_BLOCK));
                    acc[k] += (float)isum * lb_pow2f((int)blk[0] - 127 + a.e[tb] - 2);
                }
            }
            for (int k = 0; k < nt; k++) y[(t0 + k) * rows + r] = acc[k];
        }
    }
}

}  // namespace
