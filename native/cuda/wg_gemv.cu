// W4A16 / W3A16 / W2A16 GEMV on CUDA. Each element is the CPU's defined arithmetic (study_pack.h):
// bf16(s * (q - z)) times bf16(x), accumulated in FP32; only the order of the FP32 sums differs.
// Layout: a warp owns kRows consecutive rows and all tokens of a tile (up to 16, accumulators in
// registers), so every weight is read and decoded once per call for ntok <= 16. A lane takes units
// of 8 consecutive columns (one group's `bits` code bytes, byte aligned because groups are multiples
// of 8). The block's 8 warps walk the columns in chunks of kChunk; each chunk of x, rounded to bf16
// once, sits in shared memory and serves the block's 32 rows.
// Group blocks are 3 + g*b/8 bytes (67 for W4 g128), so rows are not 16-byte aligned: a lane reads
// its code bytes and its group's header as two aligned 32-bit words joined by a funnel shift (the
// warp's words are contiguous, so the loads coalesce), issued before the chunk's x is staged.
// Decode: for groups of 64, 128 or 256 columns (LUT), the lanes of a group first write the group's
// 2^bits possible weights bf16(s * (c - z)) to a per-warp table in shared memory, then each element
// is a table lookup. Other groups decode in registers: 2^23 + q as float bits minus (2^23 + z) gives
// q - z exactly, times the f16 scale is exact, and bf16 rounding of that finite value is integer
// arithmetic (lb_bf16_round's normal case; a non-finite scale takes lb_bf16_round itself).
#include <cuda_runtime.h>
#include <cuda_fp16.h>
#include "lowbit/lowbit.h"
#include "lowbit/lowbit_cuda.h"
#include "gemv_tile.cuh"
#include "../cpu/study_pack.h"

namespace {
using namespace gemv;  // the warp tile's shapes (gemv_tile.cuh)
constexpr int kLutGroups = 4;                  // groups per 256-column window (g >= 64)
constexpr int kLutFloats = kWarps * kRows * kLutGroups * 16;


struct Raw { uint32_t lo, hi; };  // the two aligned words holding bytes p[0..3]

// bytes at or past `end` (the tensor's end) are never read; the aligned word below p lies in the
// same allocation as p (allocations are 256-byte aligned)
__device__ __forceinline__ Raw load_raw(const uint8_t *p, const uint8_t *end) {
    const uintptr_t a = (uintptr_t)p & ~(uintptr_t)3;
    Raw r;
    if (a + 8 <= (uintptr_t)end) {
        r.lo = *(const uint32_t *)a;
        r.hi = *(const uint32_t *)(a + 4);
    } else {
        r.lo = r.hi = 0;
        for (int k = 0; k < 8; k++)
            if (a + k < (uintptr_t)end) {
                const uint32_t b = (uint32_t)*(const uint8_t *)(a + k) << (8 * (k & 3));
                if (k < 4) r.lo |= b;
                else r.hi |= b;
            }
    }
    return r;
}
__device__ __forceinline__ uint32_t raw_bytes(Raw r, const uint8_t *p) {
    return __funnelshift_r(r.lo, r.hi, (unsigned)((uintptr_t)p & 3) * 8);
}

// lb_bf16_round for a finite float that is zero or normal (no DAZ or NaN case needed)
__device__ __forceinline__ float bf16_round_normal(float f) {
    uint32_t u = __float_as_uint(f);
    u += 0x7fffu + ((u >> 16) & 1u);
    return __uint_as_float(u & 0xffff0000u);
}

template <int BITS, int NT, bool LUT>
__global__ void __launch_bounds__(kThreads) wg_gemv_kernel(int group, const uint8_t *w, int64_t rows, int cols,
                                                           const float *x, int nt, float *y) {
    extern __shared__ float4 smem4[];  // [nt][kXPitch] this chunk of x (bf16-rounded); LUT: tables
    float *xs = (float *)smem4;
    const int warp = threadIdx.x / 32, lane = threadIdx.x % 32, bb = 3 + group * BITS / 8;
    // LUT: this warp's tables [kRows][kLutGroups][2^BITS]; lane's group within its 256-column
    // window (windows start at multiples of 256, which the group divides) and its rank in it
    float *lut = xs + nt * kXPitch + warp * kRows * kLutGroups * 16;
    const int lpg = group / 8, lg = LUT ? lane / lpg : 0, li = LUT ? lane % lpg : 0;
    const int64_t row_bytes = (int64_t)(cols / group) * bb, r0 = ((int64_t)blockIdx.x * kWarps + warp) * kRows;
    const uint8_t *end = w + rows * row_bytes;
    constexpr uint32_t mask = (1u << BITS) - 1;
    float acc[kRows][NT];
#pragma unroll
    for (int r = 0; r < kRows; r++)
#pragma unroll
        for (int t = 0; t < NT; t++) acc[r][t] = 0.f;

    for (int c0 = 0; c0 < cols; c0 += kChunk) {
        // this lane's weight words for the chunk and its share of x: all loads in flight together
        Raw hdr[kUnits][kRows], cod[kUnits][kRows];
        int gi[kUnits], i0[kUnits];
#pragma unroll
        for (int k = 0; k < kUnits; k++) {
            const int col = c0 + 8 * (lane + 32 * k);
            gi[k] = col / group, i0[k] = col % group;
#pragma unroll
            for (int r = 0; r < kRows; r++) {
                hdr[k][r] = cod[k][r] = Raw{0, 0};
                if (col < cols && r0 + r < rows) {
                    const uint8_t *blk = w + (r0 + r) * row_bytes + (int64_t)gi[k] * bb;
                    hdr[k][r] = load_raw(blk, end);
                    cod[k][r] = load_raw(blk + 3 + i0[k] * BITS / 8, end);
                }
            }
        }
        float xr[kStage<NT>];  // this thread's share of x, loaded with the weights
        load_x<NT>(x, cols, c0, nt, xr);
        stage_x<NT>(xr, nt, xs);
#pragma unroll
        for (int k = 0; k < kUnits; k++) {
            const int c = 8 * (lane + 32 * k);
            const bool valid = c0 + c < cols;  // (no early exit: LUT lanes meet at __syncwarp)
            float wv[kRows][8];
            if (LUT) {
                __syncwarp();  // the previous unit's lookups are done
#pragma unroll
                for (int r = 0; r < kRows; r++) {
                    const uint8_t *blk = w + (r0 + r) * row_bytes + (int64_t)gi[k] * bb;
                    const uint32_t h = raw_bytes(hdr[k][r], blk);
                    const float s = __half2float(__ushort_as_half((unsigned short)(h & 0xffffu)));
                    const int z = (int)((h >> 16) & 0xffu);
                    for (int e = li; e <= (int)mask; e += lpg) lut[(r * kLutGroups + lg) * 16 + e] = lb_bf16_round(s * (float)(e - z));
                }
                __syncwarp();
#pragma unroll
                for (int r = 0; r < kRows; r++) {
                    const uint32_t q = raw_bytes(cod[k][r], w + (r0 + r) * row_bytes + (int64_t)gi[k] * bb + 3 + i0[k] * BITS / 8);
                    const float *tab = lut + (r * kLutGroups + lg) * 16;
#pragma unroll
                    for (int e = 0; e < 8; e++) wv[r][e] = tab[(q >> (e * BITS)) & mask];
                }
            } else {
#pragma unroll
                for (int r = 0; r < kRows; r++) {
                    const uint8_t *blk = w + (r0 + r) * row_bytes + (int64_t)gi[k] * bb;
                    const uint32_t h = raw_bytes(hdr[k][r], blk), q = raw_bytes(cod[k][r], blk + 3 + i0[k] * BITS / 8);
                    const float s = __half2float(__ushort_as_half((unsigned short)(h & 0xffffu)));
                    const int z = (int)((h >> 16) & 0xffu);
                    if (isfinite(s)) {
                        const float zf = 8388608.f + (float)z;  // 2^23 + z
#pragma unroll
                        for (int e = 0; e < 8; e++)
                            wv[r][e] = bf16_round_normal(s * (__uint_as_float(0x4b000000u | ((q >> (e * BITS)) & mask)) - zf));
                    } else {
#pragma unroll
                        for (int e = 0; e < 8; e++) wv[r][e] = lb_bf16_round(s * (float)((int)((q >> (e * BITS)) & mask) - z));
                    }
                }
            }
            if (!valid) continue;
            gemv::fma8<NT>(wv, xs, c, nt, acc);
        }
    }
    // rows past the end decoded zeros (their loads were skipped) and are not written
    gemv::store_rows<NT>(acc, lane, nt, r0, rows, y);
}

template <int BITS, bool LUT>
void launch_nt(int group, const uint8_t *w, int64_t rows, int cols, const float *x, int nt, float *y, cudaStream_t st) {
    const unsigned blocks = (unsigned)((rows + kWarps * kRows - 1) / (kWarps * kRows));
    const size_t smem = sizeof(float) * (nt * kXPitch + (LUT ? kLutFloats : 0));  // < 48 KB
    if (nt == 1) wg_gemv_kernel<BITS, 1, LUT><<<blocks, kThreads, smem, st>>>(group, w, rows, cols, x, nt, y);
    else if (nt <= 4) wg_gemv_kernel<BITS, 4, LUT><<<blocks, kThreads, smem, st>>>(group, w, rows, cols, x, nt, y);
    else wg_gemv_kernel<BITS, kTok, LUT><<<blocks, kThreads, smem, st>>>(group, w, rows, cols, x, nt, y);
}

template <int BITS>
cudaError_t launch(int group, const uint8_t *w, int64_t rows, int cols, const float *x, int nt, float *y, cudaStream_t st) {
    // tables when a group's lanes can build its 2^bits entries cheaply and windows hold whole groups
    if (group == 64 || group == 128 || group == 256) launch_nt<BITS, true>(group, w, rows, cols, x, nt, y, st);
    else launch_nt<BITS, false>(group, w, rows, cols, x, nt, y, st);
    return cudaGetLastError();
}
}  // namespace

extern "C" int32_t lbc_matmul_wg(int32_t fmt, int32_t group, const void *w, int64_t rows, int64_t cols,
                                 const float *x, int64_t ntok, float *y, void *stream) {
    if (!w || !x || !y || rows <= 0 || cols <= 0 || ntok <= 0) return LB_ERR_ARG;
    const lb_format_info *f = lb_format_get(fmt);  // a grouped weight format (W*G)
    if (!f || f->block != 0 || !(f->uses & LB_USE_WEIGHT)) return LB_ERR_FORMAT;
    const int bits = f->bits;
    if (group <= 0 || group % 8 != 0 || cols % group != 0 || cols > (1 << 30)) return LB_ERR_ARG;
    if ((rows + kWarps * kRows - 1) / (kWarps * kRows) > 0x7fffffff) return LB_ERR_ARG;
    cudaStream_t st = (cudaStream_t)stream;
    // token tiles of kTok: the weights are read once per tile
    for (int64_t t0 = 0; t0 < ntok; t0 += kTok) {
        const int nt = (int)(ntok - t0 < kTok ? ntok - t0 : kTok);
        const float *xt = x + t0 * cols;
        float *yt = y + t0 * rows;
        const uint8_t *wb = (const uint8_t *)w;
        const cudaError_t e = bits == 4   ? launch<4>(group, wb, rows, (int)cols, xt, nt, yt, st)
                              : bits == 3 ? launch<3>(group, wb, rows, (int)cols, xt, nt, yt, st)
                                          : launch<2>(group, wb, rows, (int)cols, xt, nt, yt, st);
        if (e != cudaSuccess) return LB_ERR_CUDA;
    }
    return LB_OK;
}
