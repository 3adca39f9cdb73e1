// Per-element arithmetic of the study formats (LB_W4G/W3G/W2G, LB_KV8/4/3, LB_I8CH, LB_I4CH),
// shared by the CPU kernels and the CUDA kernels (native/cuda/*.cu) so that the CPU ctests cover
// the packing math both use. Everything here is inline and header-only.
//
// Group block (W*G and KV* formats): {f16 scale (little endian); u8 zero; g*b/8 bytes of codes},
// codes packed densely LSB first: code j occupies bits [j*b, j*b+b) of the code bytes.
// Quantisation (asymmetric RTN): the range [min, max] of the group is first widened to contain 0
// (so that the zero point fits 0..2^b-1 and w == 0 stays exact), then
//   s = (max-min)/(2^b-1) rounded UP to the next f16 (so every element lies within s/2 of the grid),
//   z = clamp(round(-min/s), 0, 2^b-1), q = clamp(round(w/s) + z, 0, 2^b-1), w' = s*(q-z).
// A group of all zeros gets s = 0, z = 0.
#pragma once
#include <stdint.h>
#include <math.h>
#include <string.h>

#ifdef __CUDACC__
#define LB_HD __host__ __device__ __forceinline__
#else
#define LB_HD static inline
#endif

// ---- IEEE half <-> float, round to nearest even (no dependence on F16C so CUDA and scalar agree) ----
LB_HD float lb_f16_to_f32(uint16_t h) {
    uint32_t sign = (uint32_t)(h & 0x8000u) << 16;
    uint32_t exp = (h >> 10) & 0x1fu, man = h & 0x3ffu, bits;
    if (exp == 0) {
        if (man == 0) {
            bits = sign;
        } else {  // subnormal: renormalise
            int e = -1;
            do { man <<= 1; e++; } while (!(man & 0x400u));
            bits = sign | ((uint32_t)(127 - 15 - e) << 23) | ((man & 0x3ffu) << 13);
        }
    } else if (exp == 31) {
        bits = sign | 0x7f800000u | (man << 13);
    } else {
        bits = sign | ((exp + 127 - 15) << 23) | (man << 13);
    }
    float f;
    memcpy(&f, &bits, 4);
    return f;
}

LB_HD uint16_t lb_f32_to_f16(float f) {
    uint32_t x;
    memcpy(&x, &f, 4);
    uint32_t sign = (x >> 16) & 0x8000u;
    uint32_t ax = x & 0x7fffffffu;
    if (ax >= 0x7f800000u) return (uint16_t)(sign | 0x7c00u | (ax > 0x7f800000u ? 0x200u : 0u));
    if (ax >= 0x477ff000u) return (uint16_t)(sign | 0x7c00u);  // rounds to >= 65520: inf
    if (ax < 0x38800000u) {                                       // result subnormal or zero
        if (ax < 0x33000000u) return (uint16_t)sign;              // < 2^-25: rounds to 0
        uint32_t e = ax >> 23, m = (ax & 0x7fffffu) | 0x800000u;
        uint32_t shift = 126 - e;  // 14..24 bits dropped relative to a 2^-24 unit
        uint32_t r = m >> shift, rem = m & ((1u << shift) - 1), half = 1u << (shift - 1);
        if (rem > half || (rem == half && (r & 1))) r++;
        return (uint16_t)(sign | r);
    }
    uint32_t r = ((ax >> 13) - ((127 - 15) << 10));
    uint32_t rem = ax & 0x1fffu;
    if (rem > 0x1000u || (rem == 0x1000u && (r & 1))) r++;
    return (uint16_t)(sign | r);
}

// smallest f16 >= f (f >= 0, finite, below the f16 maximum)
LB_HD uint16_t lb_f32_to_f16_up(float f) {
    uint16_t h = lb_f32_to_f16(f);
    if (lb_f16_to_f32(h) < f) h++;
    return h;
}

// ---- bfloat16, as the A16 weight-only matmul computes (x86 VCVTNE2PS2BF16 semantics) ----
// round to nearest even; inputs below the normal range become a signed zero (DAZ), NaN stays NaN.
// Returned as the float whose low 16 bits are zero.
LB_HD float lb_bf16_round(float f) {
    uint32_t u;
    memcpy(&u, &f, 4);
    if ((u & 0x7f800000u) == 0) {
        u &= 0x80000000u;
    } else if ((u & 0x7fffffffu) > 0x7f800000u) {
        u = (u | 0x00400000u) & 0xffff0000u;
    } else {
        u += 0x7fffu + ((u >> 16) & 1u);
        u &= 0xffff0000u;
    }
    float r;
    memcpy(&r, &u, 4);
    return r;
}

LB_HD float lb_roundf(float v) { return rintf(v); }  // ties to even, as the SIMD conversions do

// ---- group blocks ----
LB_HD int64_t lb_group_block_bytes(int bits, int group) { return 3 + (int64_t)group * bits / 8; }

LB_HD float lb_block_scale(const uint8_t *blk) { return lb_f16_to_f32((uint16_t)(blk[0] | (blk[1] << 8))); }
LB_HD int lb_block_zero(const uint8_t *blk) { return blk[2]; }

// code j of a densely packed LSB-first b-bit stream (b <= 8; reads at most 2 bytes)
LB_HD int lb_get_code(const uint8_t *codes, int bits, int j) {
    int bit = j * bits, byte = bit >> 3, sh = bit & 7;
    uint32_t v = codes[byte];
    if (sh + bits > 8) v |= (uint32_t)codes[byte + 1] << 8;
    return (int)((v >> sh) & ((1u << bits) - 1));
}

// OR code q into a zero-initialised stream
LB_HD void lb_put_code(uint8_t *codes, int bits, int j, int q) {
    int bit = j * bits, byte = bit >> 3, sh = bit & 7;
    uint32_t v = (uint32_t)q << sh;
    codes[byte] |= (uint8_t)v;
    if (sh + bits > 8) codes[byte + 1] |= (uint8_t)(v >> 8);
}

// the grid of a range [mn, mx] widened to contain 0: scale s = (mx-mn)/(2^b-1) rounded UP to an f16
// (returned as its f16 bits), zero point z = clamp(rint(-mn/s), 0, 2^b-1); s = 0, z = 0 for mn = mx = 0
LB_HD uint16_t lb_group_grid(float mn, float mx, int bits, int *z) {
    const int qmax = (1 << bits) - 1;
    mn = mn < 0.f ? mn : 0.f;
    mx = mx > 0.f ? mx : 0.f;
    uint16_t sh = lb_f32_to_f16_up((mx - mn) / (float)qmax);
    float s = lb_f16_to_f32(sh);
    int zz = 0;
    if (s > 0.f) {
        zz = (int)lb_roundf(-mn / s);
        zz = zz < 0 ? 0 : zz > qmax ? qmax : zz;
    }
    *z = zz;
    return sh;
}

// code of w on the grid (s, z): clamp(rint(w/s) + z, 0, 2^b-1) (inv = 1/s, or 0 when s = 0)
LB_HD int lb_grid_code(float w, float inv, int z, int bits) {
    const int qmax = (1 << bits) - 1;
    int q = (int)lb_roundf(w * inv) + z;
    return q < 0 ? 0 : q > qmax ? qmax : q;
}

// one group of g floats onto the grid (f16 scale bits sh, zero z) into blk (lb_group_block_bytes(bits, g) bytes)
LB_HD void lb_pack_group(const float *w, int g, int bits, uint16_t sh, int z, uint8_t *blk) {
    const float s = lb_f16_to_f32(sh);
    blk[0] = (uint8_t)(sh & 0xff);
    blk[1] = (uint8_t)(sh >> 8);
    blk[2] = (uint8_t)z;
    uint8_t *codes = blk + 3;
    const int nbytes = g * bits / 8;
    for (int i = 0; i < nbytes; i++) codes[i] = 0;
    const float inv = s > 0.f ? 1.f / s : 0.f;
    for (int i = 0; i < g; i++) lb_put_code(codes, bits, i, lb_grid_code(w[i], inv, z, bits));
}

// quantise one group of g floats into blk (RTN: the grid of the group's own range)
LB_HD void lb_quant_group(const float *w, int g, int bits, uint8_t *blk) {
    float mn = 0.f, mx = 0.f;
    for (int i = 0; i < g; i++) {
        mn = w[i] < mn ? w[i] : mn;
        mx = w[i] > mx ? w[i] : mx;
    }
    int z;
    const uint16_t sh = lb_group_grid(mn, mx, bits, &z);
    lb_pack_group(w, g, bits, sh, z, blk);
}

// dequantised element j of a group block: s * (q - z) (exact in FP32: an f16 times an integer < 2^8).
// The W*G matmuls (A16) multiply bf16(s * (q - z)) by bf16(x) and accumulate in FP32, as the study's
// BF16 fake-quant does; the rounding of weights and activations is lb_bf16_round.
LB_HD float lb_dequant_elem(const uint8_t *blk, int bits, int j) {
    return lb_block_scale(blk) * (float)(lb_get_code(blk + 3, bits, j) - lb_block_zero(blk));
}

// quantised KV cache (attention.cpp): a softmax weight p enters the value sum of one group block as
// bf16(p * scale), multiplying the block's (code - z)
LB_HD float lb_kv_value_weight(float p, const uint8_t *blk) { return lb_bf16_round(p * lb_block_scale(blk)); }

// dequantise a whole group block into out[g] (same arithmetic as lb_dequant_elem, scale decoded once)
LB_HD void lb_dequant_group(const uint8_t *blk, int bits, int g, float *out) {
    const float s = lb_block_scale(blk);
    const int z = lb_block_zero(blk);
    for (int j = 0; j < g; j++) out[j] = s * (float)(lb_get_code(blk + 3, bits, j) - z);
}

// ---- I4CH: two's complement int4, LSB first ----
LB_HD int lb_get_i4(const uint8_t *codes, int j) {
    int v = (codes[j >> 1] >> ((j & 1) * 4)) & 0xf;
    return v >= 8 ? v - 16 : v;
}
LB_HD void lb_put_i4(uint8_t *codes, int j, int q) { codes[j >> 1] |= (uint8_t)((q & 0xf) << ((j & 1) * 4)); }

// ---- per-row symmetric scale shared by I8CH/I4CH weights and per-token activations ----
// amax/qmax, or 1 for an all-zero row (then every code is 0)
LB_HD float lb_sym_scale(float amax, int qmax) { return amax > 0.f ? amax / (float)qmax : 1.f; }
LB_HD int lb_sym_quant(float v, float inv, int qmax) {
    int q = (int)lb_roundf(v * inv);
    return q < -qmax ? -qmax : q > qmax ? qmax : q;
}

// per-token asymmetric activation quantisation, codes 0..qmax (LB_I8CHA: u8, qmax 255; LB_I4CHA: u4,
// qmax 15): range widened to contain 0, s = (max-min)/qmax (1 if x == 0), z = clamp(rint(-min/s), 0, qmax),
// q = clamp(rint(x/s) + z, 0, qmax)
LB_HD float lb_asym_act_params(float mn, float mx, int *z, int qmax = 255) {
    mn = mn < 0.f ? mn : 0.f;
    mx = mx > 0.f ? mx : 0.f;
    if (!(mx > mn)) {
        *z = 0;
        return 1.f;
    }
    const float s = (mx - mn) / (float)qmax;
    int zz = (int)lb_roundf(-mn / s);
    *z = zz < 0 ? 0 : zz > qmax ? qmax : zz;
    return s;
}
LB_HD int lb_asym_act_quant(float v, float inv, int z, int qmax = 255) {
    int q = (int)lb_roundf(v * inv) + z;
    return q < 0 ? 0 : q > qmax ? qmax : q;
}

// ---- MXFP4 (LB_MXFP4): 32 E2M1 elements sharing one E8M0 exponent (OCP Microscaling) ----
// Block {u8 E8M0 byte = e + 127; 16 bytes: byte j = element j (low nibble) | element j+16 (high)}.
// Scale choice as the OCP spec / microxcaling reference: e = floor(log2(max|x|)) - 2 (2 = emax of
// E2M1), taken from the float's exponent field and clamped to [-127, 127]; a block of zeros (or
// whose max is subnormal) gets e = -127. Elements: x * 2^-e rounded to the nearest E2M1 value,
// ties to the even code (0.25 -> 0, 0.75 -> 1, 1.25 -> 1, 1.75 -> 2, 2.5 -> 2, 3.5 -> 4, 5 -> 4),
// saturating at +-6 (max|x| * 2^-e lies in [4, 8)). Sign bit = x < 0 (so -0.1 gives "-0", value 0).
#define LB_MX_BLOCK 32
#define LB_MX_BLOCK_BYTES 17
// twice the E2M1 value of a code: an integer in [-12, 12], so products of two codes are exact integers
LB_HD int lb_e2m1_x2(int code) {
    const int mag[8] = {0, 1, 2, 3, 4, 6, 8, 12};
    return code & 8 ? -mag[code & 7] : mag[code & 7];
}
// the float 2^E, exactly (subnormal down to 2^-149, 0 below it, inf above 2^127)
LB_HD float lb_pow2f(int E) {
    uint32_t bits = E > 127 ? 0x7f800000u : E >= -126 ? (uint32_t)(E + 127) << 23 : E >= -149 ? 1u << (E + 149) : 0u;
    float f;
    memcpy(&f, &bits, 4);
    return f;
}
// the shared (unbiased) exponent of a block whose largest magnitude is amax (>= 0)
LB_HD int lb_mx_exponent(float amax) {
    uint32_t bits;
    memcpy(&bits, &amax, 4);
    const int k = (int)((bits >> 23) & 0xffu);  // biased exponent: floor(log2(amax)) = k - 127 for normal amax
    if (k == 0) return -127;
    const int e = k - 127 - 2;
    return e < -127 ? -127 : e > 127 ? 127 : e;
}
// the E2M1 code of v (already divided by the block scale): count of rounding thresholds passed
LB_HD int lb_e2m1_code(float v) {
    const float a = fabsf(v);
    const int m = (a > 0.25f) + (a >= 0.75f) + (a > 1.25f) + (a >= 1.75f) + (a > 2.5f) + (a >= 3.5f) + (a > 5.f);
    return m | (v < 0.f ? 8 : 0);
}
// one block of 32 floats -> 17 bytes
LB_HD void lb_mx_quant_block(const float *x, uint8_t *b) {
    float amax = 0.f;
    for (int j = 0; j < LB_MX_BLOCK; j++) amax = fmaxf(amax, fabsf(x[j]));
    const int e = lb_mx_exponent(amax);
    const float inv = lb_pow2f(-e);
    b[0] = (uint8_t)(e + 127);
    for (int j = 0; j < 16; j++)
        b[1 + j] = (uint8_t)(lb_e2m1_code(x[j] * inv) | lb_e2m1_code(x[j + 16] * inv) << 4);
}
LB_HD void lb_mx_dequant_block(const uint8_t *b, float *y) {
    const float s = lb_pow2f((int)b[0] - 127 - 1);  // half the scale: codes are taken as 2x their value
    for (int j = 0; j < 16; j++) {
        y[j] = (float)lb_e2m1_x2(b[1 + j] & 15) * s;
        y[j + 16] = (float)lb_e2m1_x2(b[1 + j] >> 4) * s;
    }
}
