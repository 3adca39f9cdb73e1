// NEON readers of the per-token KV cache rows, shared by the *_neon.cpp attention kernels.
#pragma once
#include <arm_neon.h>
#include <cstring>
#include "kv_internal.h"

namespace kvn {
// codes c0..c0+7 (c0 % 8 == 0) of a BITS-bit LSB-first stream as float lanes (lo: 0..3, hi: 4..7)
template <int BITS>
inline void codes8(const uint8_t *codes, int c0, float32x4_t &lo, float32x4_t &hi) {
    const uint8_t *p = codes + c0 * BITS / 8;
    uint32x4_t a, b;
    if constexpr (BITS == 8) {
        const uint16x8_t w = vmovl_u8(vld1_u8(p));
        a = vmovl_u16(vget_low_u16(w)), b = vmovl_high_u16(w);
    } else {
        uint32_t u;
        if constexpr (BITS == 4) std::memcpy(&u, p, 4);
        else u = (uint32_t)p[0] | (uint32_t)p[1] << 8 | (uint32_t)p[2] << 16;  // 3 bytes: not past the block
        const int32x4_t s0 = {0, -BITS, -2 * BITS, -3 * BITS}, s1 = {-4 * BITS, -5 * BITS, -6 * BITS, -7 * BITS};
        const uint32x4_t m = vdupq_n_u32((1u << BITS) - 1), v = vdupq_n_u32(u);
        a = vandq_u32(vshlq_u32(v, s0), m), b = vandq_u32(vshlq_u32(v, s1), m);
    }
    lo = vcvtq_f32_u32(a), hi = vcvtq_f32_u32(b);
}

// one cache row into out[HD]: BITS 32 (F32), 16 (F16) or a group format's bits with group GS;
// SCALED = false gives the group formats' (code - z) without the scale (the value sum)
template <int HD, int BITS, int GS, bool SCALED>
inline void load_row(const uint8_t *row, float *out) {
    if constexpr (BITS == 32) {
        std::memcpy(out, row, 4 * HD);
    } else if constexpr (BITS == 16) {
        for (int i = 0; i < HD; i += 4) vst1q_f32(out + i, vcvt_f32_f16(vreinterpret_f16_u16(vld1_u16((const uint16_t *)row + i))));
    } else {
        constexpr int bb = 3 + GS * BITS / 8;
        for (int g = 0; g < HD / GS; g++) {
            const uint8_t *blk = row + g * bb;
            const float32x4_t z = vdupq_n_f32((float)blk[2]), s = vdupq_n_f32(SCALED ? lb_block_scale(blk) : 1.f);
            for (int c = 0; c < GS; c += 8) {
                float32x4_t lo, hi;
                codes8<BITS>(blk + 3, c, lo, hi);
                lo = vsubq_f32(lo, z), hi = vsubq_f32(hi, z);  // code - z, exact
                vst1q_f32(out + g * GS + c, SCALED ? vmulq_f32(lo, s) : lo);
                vst1q_f32(out + g * GS + c + 4, SCALED ? vmulq_f32(hi, s) : hi);
            }
        }
    }
}

}  // namespace kvn
