// Shared definitions of the ggml-native weight formats: half-precision conversions, block
// geometry, and the quantized-activation buffer the integer matmul paths read.
// Block layouts follow the GGUF/ggml definitions (little-endian, packed, no padding):
//   Q8_0 {f16 d; i8 q[32]}                         x = d*q
//   Q4_0 {f16 d; u8 qs[16]}                        x[j] = d*((qs[j]&15)-8), x[j+16] = d*((qs[j]>>4)-8)
//   Q4_1 {f16 d; f16 m; u8 qs[16]}                 x = d*q + m
//   Q5_0 {f16 d; u32 qh; u8 qs[16]}                bit j of qh is bit 4 of element j; x = d*(q-16)
//   Q5_1 {f16 d; f16 m; u32 qh; u8 qs[16]}         x = d*q + m
//   Q2_K {u8 scales[16]; u8 qs[64]; f16 d; f16 dmin}
//   Q3_K {u8 hmask[32]; u8 qs[64]; u8 scales[12]; f16 d}
//   Q4_K {f16 d; f16 dmin; u8 scales[12]; u8 qs[128]}
//   Q5_K {f16 d; f16 dmin; u8 scales[12]; u8 qh[32]; u8 qs[128]}
//   Q6_K {u8 ql[128]; u8 qh[64]; i8 scales[16]; f16 d}
#pragma once
#include <type_traits>
#include <stdint.h>
#include <string.h>
#include <stddef.h>
#include "study_pack.h"
#include "format_table.h"

namespace lbg {

// one f16 conversion for the whole library: the study formats' (shared with CUDA) is the reference
inline float f16_to_f32(uint16_t h) { return lb_f16_to_f32(h); }
inline uint16_t f32_to_f16(float f) { return lb_f32_to_f16(f); }

inline float bf16_to_f32(uint16_t b) {
    const uint32_t bits = (uint32_t)b << 16;
    float f;
    memcpy(&f, &bits, 4);
    return f;
}

inline uint16_t f32_to_bf16(float f) {
    uint32_t x;
    memcpy(&x, &f, 4);
    if ((x & 0x7fffffffu) > 0x7f800000u) return (uint16_t)((x >> 16) | 0x40);  // quiet NaN
    x += 0x7fff + ((x >> 16) & 1);
    return (uint16_t)(x >> 16);
}

// element c of a row of F32, F16 or BF16 weights (the SIMD float kernels' tails)
template <int32_t FMT>
inline float w_at(const uint8_t *w, int64_t c) {
    if (FMT == LB_F32) return ((const float *)w)[c];
    if (FMT == LB_F16) return f16_to_f32(((const uint16_t *)w)[c]);
    return bf16_to_f32(((const uint16_t *)w)[c]);
}

inline uint16_t rd16(const uint8_t *p) { uint16_t v; memcpy(&v, p, 2); return v; }
inline uint32_t rd32(const uint8_t *p) { uint32_t v; memcpy(&v, p, 4); return v; }
inline float rdh(const uint8_t *p) { return f16_to_f32(rd16(p)); }

constexpr int QK = 32;    // block of the *_0 / *_1 formats
constexpr int QKK = 256;  // super-block of the K-quants

// byte layout of the 32-element block formats (the SIMD kernels' constants)
struct B32Layout {
    int bb, qs, qh, m;        // block bytes, offsets of qs / qh (-1) / m (-1); d at 0
    bool nib;                 // codes are nibbles (else Q8_0 bytes)
};
constexpr B32Layout layout32(int32_t f) {
    return f == LB_Q8_0 ? B32Layout{34, 2, -1, -1, false}
         : f == LB_Q4_0 ? B32Layout{18, 2, -1, -1, true}
         : f == LB_Q4_1 ? B32Layout{20, 4, -1, 2, true}
         : f == LB_Q5_0 ? B32Layout{22, 6, 2, -1, true}
                        : B32Layout{24, 8, 4, 2, true};
}

// 6-bit scales and mins of Q4_K/Q5_K packed in 12 bytes -> sc[8], mn[8]
inline void unpack_k4_scales(const uint8_t *s, uint8_t *sc, uint8_t *mn) {
    for (int j = 0; j < 4; j++) {
        sc[j] = s[j] & 63;
        mn[j] = s[j + 4] & 63;
        sc[j + 4] = (s[j + 8] & 0xf) | ((s[j] >> 6) << 4);
        mn[j + 4] = (s[j + 8] >> 4) | ((s[j + 4] >> 6) << 4);
    }
}

// 6-bit signed (biased by 32) scales of Q3_K packed in 12 bytes -> sc[16] in [-32, 31]
inline void unpack_q3k_scales(const uint8_t *s, int8_t *sc) {
    for (int i = 0; i < 16; i++) {
        const int lo = (s[i % 8] >> (4 * (i / 8))) & 0xf;
        const int hi = (s[8 + i % 4] >> (2 * (i / 4))) & 3;
        sc[i] = (int8_t)((lo | (hi << 4)) - 32);
    }
}

// Activations of ntok tokens quantized for one matmul call. Per token (stride bytes apart):
//   q[cols] int8 (natural order), d[nb] f32 block scale, s[nb] i32 sum of q over the block,
//   b16[cols/16] i16 sums over 16 (K formats only).
// For the 32-block formats also what the AVX-512 kernels read, which take 4 blocks A..D per
// step in "split" order:
//   qp[cols]: per group of 4 blocks [A0-15 B0-15 C0-15 D0-15 | A16-31 B16-31 C16-31 D16-31]
//             (whole groups only; a tail of < 4 blocks is read from q)
//   li[nb*4] i32: first lane of each block = -offset*s, other lanes 0 (the vpdpbusd start value)
//   ds[nb] f32: d*s per block (the *_1 formats' min term)
//   dxp[nb16], op[nb16] (nb16 = nb rounded up to 16): per 16 blocks, d and -offset*s in the
//             lane order of the single-token Q4_0/Q8_0 kernel's 16-block step (lane 4k+g holds
//             block 4g+k), so that step needs no permute and no per-group start value
//             (padding lanes 0)
//   dsp[nb16]: d*s per block in that lane order (the AVX2 one-token kernel's *_1 min term)
// blk is 32 (Q8_0-like blocks) or 256 (Q8_K-like super-blocks). d = amax/127, q = rint(x*127/amax).
struct Act {
    int64_t cols = 0, nb = 0;
    int blk = 0;
    size_t stride = 0, off_d = 0, off_s = 0, off_b16 = 0, off_qp = 0, off_li = 0, off_ds = 0, off_dxp = 0, off_op = 0, off_dsp = 0;
    uint8_t *base = nullptr;
    const float *xf = nullptr;
    // column window the row kernels sum over: [c0, c1), block-aligned (the driver splits long
    // rows for multi-token tiles so a tile of activations stays in L1)
    int64_t c0 = 0, c1 = 0;
    int64_t b0() const { return c0 / blk; }
    int64_t b1() const { return c1 / blk; }  // raw f32 activations (F32/F16/BF16 formats), row stride cols

    const int8_t *q(int64_t t) const { return (const int8_t *)(base + t * stride); }
    const float *d(int64_t t) const { return (const float *)(base + t * stride + off_d); }
    const int32_t *s(int64_t t) const { return (const int32_t *)(base + t * stride + off_s); }
    const int16_t *b16(int64_t t) const { return (const int16_t *)(base + t * stride + off_b16); }
    const int8_t *qp(int64_t t) const { return (const int8_t *)(base + t * stride + off_qp); }
    const int32_t *li(int64_t t) const { return (const int32_t *)(base + t * stride + off_li); }
    const float *ds(int64_t t) const { return (const float *)(base + t * stride + off_ds); }
    const float *dxp(int64_t t) const { return (const float *)(base + t * stride + off_dxp); }
    const int32_t *op(int64_t t) const { return (const int32_t *)(base + t * stride + off_op); }
    const float *dsp(int64_t t) const { return (const float *)(base + t * stride + off_dsp); }
    const float *x(int64_t t) const { return xf + t * cols; }
};

// One weight row times nt (<= kMaxTile) tokens t0..t0+nt-1: out[k] for token t0+k.
constexpr int kMaxTile = 8;
// lane of block j (0..15) in a 16-block step's vectors: group j/4, block j%4 within it
constexpr int step16_lane(int j) { return 4 * (j % 4) + j / 4; }
typedef void (*RowFn)(const uint8_t *w, const Act &a, int64_t t0, int nt, float *out);

// Single-token kernel over nr consecutive rows row_bytes apart, read one after another (one
// sequential stream): out[r] for row r. Sharing one call spares the per-row epilogue (the
// horizontal sums of 4 rows are done together) and the per-call setup.
typedef void (*Rows1Fn)(const uint8_t *w, int64_t row_bytes, int nr, const Act &a, int64_t t, float *out);

// Batch-invariant multi-token calls (lb_matmul_invariant): nr rows x nt (<= kInvTile) tokens, each
// token's outputs exactly as the one-token kernel (Rows1Fn) computes them, the weights unpacked once
// per tile. Same signature as RowsFn below; one wherever there is a Rows1Fn.
constexpr int kInvTile = 3;

// Rows per multi-row register tile (prefill, batched decode).
constexpr int kMaxRows = 3;
// Multi-token variant over nr (<= kMaxRows) rows x nt (<= kMaxTile) tokens, written straight
// into the output: y[(t0 + k) * ldy + i] for row i, token k. A register tile of rows x tokens
// reuses each loaded activation vector for several rows and each converted weight vector for
// every token (float formats: otherwise the fp32 activations come from L2 once per row).
typedef void (*RowsFn)(const uint8_t *w, int64_t row_bytes, int nr, const Act &a, int64_t t0, int nt, float *y, int64_t ldy);

// A format's kernels at one ISA level (a format table row points to one per level, format_table.h):
// the row kernel; where the level has them, the multi-row tiles (RowsFn), the one-token kernel
// (Rows1Fn) and its batch-invariant multi-token form (kInvTile above); or a whole-call kernel that
// replaces the driver (BF16 with vdpbf16ps; invariant as lb_matmul_invariant).
struct GgmlKernels {
    RowFn row = nullptr;
    RowsFn rows = nullptr;
    Rows1Fn rows1 = nullptr;
    RowsFn rows1_tokens = nullptr;
    void (*matmul)(const uint8_t *w, int64_t rows, int64_t cols, const float *x, int64_t ntok, float *y, bool invariant) = nullptr;
};

// offset subtracted from the unsigned codes the kernels feed to vpdpbusd (the table's code_offset)
constexpr int vnni_offset(int32_t fmt) { return format_row(fmt)->code_offset; }

// quantize activations in blocks of blk (32 or 256): q, d = amax/127, s = sum q, and for
// blk 256 the sums per 16 (b16, else nullptr). Every variant (scalar, AVX2, AVX-512, NEON) gives identical bytes.
// scale of one activation block: 32-blocks keep it in f16 like ggml's q8_0/q8_1 activation
// blocks (so results track llama.cpp's), 256-blocks keep f32 as ggml's q8_K does
inline float act_scale(float amax, int blk) {
    return blk == 32 ? f16_to_f32(f32_to_f16(amax / 127.f)) : amax / 127.f;
}

void act_blocks_scalar(const float *x, int64_t nb, int blk, int8_t *q, float *d, int32_t *s, int16_t *b16);
void act_blocks_avx512(const float *x, int64_t nb, int blk, int8_t *q, float *d, int32_t *s, int16_t *b16);
void act_blocks_avx2(const float *x, int64_t nb, int blk, int8_t *q, float *d, int32_t *s, int16_t *b16);
void act_blocks_neon(const float *x, int64_t nb, int blk, int8_t *q, float *d, int32_t *s, int16_t *b16);

// scalar reference dot of one block (shared by SIMD tails)
float dot_block32(int32_t fmt, const uint8_t *b, const int8_t *xq, float dx, int32_t xs);

// BF16 weights x bf16(x) with vdpbf16ps (ggml_bf16_avx512.cpp; BF16's AVX512_BF16 GgmlKernels.matmul);
// invariant: every token through the one-token kernel (lb_matmul_invariant)
void matmul_bf16_dot_avx512(const uint8_t *w, int64_t rows, int64_t cols, const float *x, int64_t ntok, float *y,
                            bool invariant);

// calls f(std::integral_constant<int, N>) with the compile-time tile width N matching the runtime
// token count nt (1..8); for templates that take the width as a parameter
template <typename F>
inline void lb_tile_width(int nt, F &&f) {
    switch (nt) {
        case 1: f(std::integral_constant<int, 1>{}); break; case 2: f(std::integral_constant<int, 2>{}); break;
        case 3: f(std::integral_constant<int, 3>{}); break; case 4: f(std::integral_constant<int, 4>{}); break;
        case 5: f(std::integral_constant<int, 5>{}); break; case 6: f(std::integral_constant<int, 6>{}); break;
        case 7: f(std::integral_constant<int, 7>{}); break; default: f(std::integral_constant<int, 8>{}); break;
    }
}

// the same for the batch-invariant multi-token kernels' widths 1..kInvTile
template <typename F>
inline void lb_inv_tile_width(int nt, F &&f) {
    static_assert(kInvTile == 3, "token tiles");
    switch (nt) {
        case 1: f(std::integral_constant<int, 1>{}); break;
        case 2: f(std::integral_constant<int, 2>{}); break;
        default: f(std::integral_constant<int, 3>{}); break;
    }
}

// runs CALL(N) with the compile-time tile width N matching the runtime token count nt (1..8)
#define LB_TILE_SWITCH(CALL)                                  \
    switch (nt) {                                             \
        case 1: CALL(1); break; case 2: CALL(2); break;       \
        case 3: CALL(3); break; case 4: CALL(4); break;       \
        case 5: CALL(5); break; case 6: CALL(6); break;       \
        case 7: CALL(7); break; default: CALL(8); break;      \
    }


// the runtime-tile-width entry points of one ISA's row kernels (row_float, row_b32, row_q45k,
// row_q6k), each forwarding to its compile-time-width template *_t<..., N>
#define LB_TILE_WRAPPERS                                                                      \
    template <int32_t FMT>                                                                     \
    void row_float(const uint8_t *w, const Act &a, int64_t t0, int nt, float *out) {           \
        LB_TILE_SWITCH(LB_TILE_CALL_FLOAT)                                                     \
    }                                                                                          \
    template <int32_t FMT>                                                                     \
    void row_b32(const uint8_t *w, const Act &a, int64_t t0, int nt, float *out) {             \
        LB_TILE_SWITCH(LB_TILE_CALL_B32)                                                       \
    }                                                                                          \
    template <bool FIVE>                                                                       \
    void row_q45k(const uint8_t *w, const Act &a, int64_t t0, int nt, float *out) {            \
        LB_TILE_SWITCH(LB_TILE_CALL_Q45K)                                                      \
    }                                                                                          \
    inline void row_q6k(const uint8_t *w, const Act &a, int64_t t0, int nt, float *out) {      \
        LB_TILE_SWITCH(LB_TILE_CALL_Q6K)                                                       \
    }
#define LB_TILE_CALL_FLOAT(N) row_float_t<FMT, N>(w, a, t0, out)
#define LB_TILE_CALL_B32(N) row_b32_t<FMT, N>(w, a, t0, out)
#define LB_TILE_CALL_Q45K(N) row_q45k_t<FIVE, N>(w, a, t0, out)
#define LB_TILE_CALL_Q6K(N) row_q6k_t<N>(w, a, t0, out)

}  // namespace lbg
