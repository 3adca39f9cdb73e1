// Quantised-KV attention on CUDA, flash-decoding style. The keys of each query token are cut into
// splits of p.split positions; a block takes one (split, token) and ALL heads, so each K/V row
// (one per position and kv head) is read from HBM and dequantised once for the n_head/n_kv_head
// query heads that share it (GQA). Three launches per chunk of tokens:
//  1. score_kernel: per tile of keys, the rows of every kv head (contiguous within a page of the
//     paged cache) are staged in shared memory with aligned 16-byte loads, dequantised into an FP32
//     tile, and dotted with the queries; scores go to a workspace, and the split's max per head into
//     the row's global max M (an atomic max, exact and order independent).
//  2. value_kernel: p = e^(s-M) and the split's partial sum of p and of the value rows (V tile
//     staged like K).
//  3. combine_kernel: out = sum over splits of the partial outputs / sum of the partial sums, in a
//     fixed order (deterministic).
// Arithmetic (that of the CPU reference, attention.cpp, and of test_cuda's emulation): scores are
// dot(q, dequant(k)) with fused multiply-adds in d order from 0, times scale; group formats use the
// bf16-rounded query and value weights bf16(p s) (lb_kv_value_weight) on (code - z), with p relative
// to the row's global max (the CPU uses a running max: test_cuda allows for that difference).
// Only the FP32 summation order of the softmax sum and the output differs from a serial pass.
// The workspace is allocated per call, stream-ordered, from a memory pool private to this file
// (ws_alloc); prefill (nq > 1) takes the same path, its tokens in chunks that bound the workspace.
#include <cuda_runtime.h>
#include <cuda_fp16.h>
#include <math.h>
#include <mutex>
#include "lowbit/lowbit.h"
#include "lowbit/lowbit_cuda.h"
#include "../cpu/study_pack.h"

namespace {
constexpr int kThreads = 256, kWarps = kThreads / 32;
constexpr int kHeadChunk = 8;              // query heads per set of register accumulators
constexpr int kSmemBudget = 48 * 1024;     // tiles are sized to fit without an opt-in
constexpr int64_t kMaxScores = 1ll << 26;  // prefill: tokens per chunk bound scores to 256 MB
constexpr int kSplitsPerSm = 4;            // blocks per SM the splits aim at (latency hiding)
constexpr int kMaxDevices = 64;
constexpr uint64_t kPoolKeep = 256ull << 20;  // workspace bytes the pool keeps mapped when idle

// Workspace: stream-ordered allocation from a pool private to this file that keeps freed memory
// mapped (the default pool's release threshold of 0 unmaps it at every synchronisation, and mapping
// it again costs tens of microseconds per call). One pool per device, created once under a mutex;
// allocation and free are thread-safe as the CUDA runtime's. Falls back to the default pool if a
// pool cannot be created.
cudaError_t ws_alloc(void **p, size_t bytes, cudaStream_t st) {
    static std::mutex mu;
    static cudaMemPool_t pools[kMaxDevices];
    static bool tried[kMaxDevices];
    int dev = 0;
    cudaError_t e = cudaGetDevice(&dev);
    if (e != cudaSuccess) return e;
    cudaMemPool_t pool = nullptr;
    if (dev >= 0 && dev < kMaxDevices) {
        std::lock_guard<std::mutex> lock(mu);
        if (!tried[dev]) {
            tried[dev] = true;
            cudaMemPoolProps props = {};
            props.allocType = cudaMemAllocationTypePinned;
            props.location.type = cudaMemLocationTypeDevice;
            props.location.id = dev;
            uint64_t keep = kPoolKeep;
            if (cudaMemPoolCreate(&pools[dev], &props) != cudaSuccess) pools[dev] = nullptr;
            else cudaMemPoolSetAttribute(pools[dev], cudaMemPoolAttrReleaseThreshold, &keep);
            cudaGetLastError();  // a failed attempt leaves no error behind
        }
        pool = pools[dev];
    }
    return pool ? cudaMallocFromPoolAsync(p, bytes, pool, st) : cudaMallocAsync(p, bytes, st);
}

struct Params {
    const uint8_t *kc, *vc;
    const int32_t *table;
    const float *q;                        // the chunk's first token
    float *scores, *gmax, *pacc, *psum, *out;  // gmax: [token][head], starts as all-ones bits
    int64_t pos0;                          // position of the chunk's first token
    int64_t lstride;                       // score row length per (token, head)
    int64_t rb;                            // bytes of one (position, kv head) row
    int bits, group, bb, ngrp;             // bits 0 = F16; group block bytes, groups per row
    int hd, nkv, gh, nh, bs;
    int tile, split, nsplit;               // keys per tile; keys per split (tile multiple); splits
    int hc, nch;                           // score pass: heads per work item, items per (key, kv head)
    int ksub;                              // value pass: key subsets per (kv head, dim) pair
    float scale;
};

__host__ __device__ inline int align16(int64_t v) { return (int)((v + 15) & ~(int64_t)15); }

// staging buffer: a tile's positions come in runs within a page (at most (tile-1)/bs + 2 runs), each
// padded by up to 15 bytes before and after so its words stay 16-byte aligned
__host__ __device__ inline int stage_bytes_cap(const Params &p) {
    const int runs = (p.tile - 1) / p.bs + 2;
    return align16((int64_t)p.tile * p.nkv * p.rb + 32 * (runs < p.tile ? runs : p.tile) + 16);
}

// shared-memory layouts (byte offsets, 16-byte aligned), the same on host and device
struct LayoutA { int q, rowoff, sc, mx, kf, stage, total; };
__host__ __device__ inline LayoutA layout_a(const Params &p) {
    LayoutA l;
    l.q = 0;                                                          // [nh][hd+1] queries
    l.rowoff = l.q + align16(4ll * p.nh * (p.hd + 1));                // [tile] stage offsets
    l.sc = l.rowoff + align16(4ll * p.tile);                          // [nh][tile] scores
    l.mx = l.sc + align16(4ll * p.nh * p.tile);                       // [nh] running split max
    l.kf = l.mx + align16(4ll * p.nh);                                // [tile*nkv][hd+1] keys
    l.stage = l.kf + align16(4ll * p.tile * p.nkv * (p.hd + 1));      // raw rows
    l.total = l.stage + stage_bytes_cap(p);
    return l;
}
struct LayoutB { int m, l, rowoff, pw, w, acc, stage, total; };
__host__ __device__ inline LayoutB layout_b(const Params &p) {
    LayoutB l;
    l.m = 0;                                                          // [nh] global max
    l.l = l.m + align16(4ll * p.nh);                                  // [nh] partial sum of p
    l.rowoff = l.l + align16(4ll * p.nh);
    l.pw = l.rowoff + align16(4ll * p.tile);                          // [nh][tile] p
    l.w = l.pw + align16(4ll * p.nh * p.tile);                        // [tile][nh][ngrp] bf16(p s)
    l.acc = l.w + (p.bits ? align16(4ll * p.tile * p.nh * p.ngrp) : 0);
    l.stage = l.acc + align16(4ll * p.ksub * p.nh * p.hd);            // [ksub][nh][hd] outputs
    l.total = l.stage + stage_bytes_cap(p);
    return l;
}

__device__ __forceinline__ float f16_at(const uint8_t *b) {  // exact, as lb_f16_to_f32
    return __half2float(__ushort_as_half((unsigned short)(b[0] | (b[1] << 8))));
}

__device__ __forceinline__ float warp_max(float v) {
    for (int off = 16; off > 0; off /= 2) v = fmaxf(v, __shfl_xor_sync(0xffffffffu, v, off));
    return v;
}
__device__ __forceinline__ float warp_sum(float v) {
    for (int off = 16; off > 0; off /= 2) v += __shfl_xor_sync(0xffffffffu, v, off);
    return v;
}

// Float max as integer atomics: non-negative floats order as signed ints, negative ones reversed as
// unsigned; the all-ones start value is below everything in both orders.
__device__ __forceinline__ void atomic_max_float(float *a, float v) {
    if (!signbit(v)) atomicMax((int *)a, __float_as_int(v));
    else atomicMin((unsigned *)a, __float_as_uint(v));
}

// Copies [src, src + n) to dst + (src % 16) (dst 16-byte aligned) with aligned 16-byte loads; the
// partial words at either end go byte by byte, so nothing outside the range is read (the cache's
// extent is unknown here). Returns the offset of src's first byte in dst.
__device__ int stage_bytes(uint8_t *dst, const uint8_t *src, int64_t n) {
    const uintptr_t a = (uintptr_t)src, b = a + (uintptr_t)n, w0 = a & ~(uintptr_t)15;
    const int nw = (int)((((b + 15) & ~(uintptr_t)15) - w0) / 16);
    for (int i = threadIdx.x; i < nw; i += kThreads) {
        const uintptr_t w = w0 + 16 * (uintptr_t)i;
        if (w >= a && w + 16 <= b) {
            *(uint4 *)(dst + 16 * i) = *(const uint4 *)w;
        } else {
            for (int k = 0; k < 16; k++)
                if (w + k >= a && w + k < b) dst[16 * i + k] = *(const uint8_t *)(w + k);
        }
    }
    return (int)(a - w0);
}

// Stages positions [j0, j0 + n) of every kv head: within a page the rows of consecutive positions
// and heads are contiguous, so each run inside one page is a single copy. rowoff[jj] = offset in
// stage of position j0 + jj's row for kv head 0 (head h: + h * rb). The caller syncs.
__device__ void stage_tile(const Params &p, const uint8_t *cache, int64_t j0, int n, uint8_t *stage, int *rowoff) {
    const int64_t pitch = p.nkv * p.rb;  // bytes per position
    int base = 0;
    for (int64_t j = j0; j < j0 + n;) {
        const int64_t page = j / p.bs, pend = (page + 1) * p.bs, e = pend < j0 + n ? pend : j0 + n;
        const uint8_t *src = cache + ((int64_t)p.table[page] * p.bs + j % p.bs) * pitch;
        const int64_t bytes = (e - j) * pitch;
        const int off = base + stage_bytes(stage + base, src, bytes);
        for (int64_t i = j + threadIdx.x; i < e; i += kThreads) rowoff[i - j0] = off + (int)((i - j) * pitch);
        base = align16(off + bytes);
        j = e;
    }
}

// FP32 key tile kf[jj * nkv + h][d] (row pitch hd + 1, so lanes reading different rows at the same d
// hit different banks): lb_dequant_elem's s * (code - z), or the f16 value. 8 elements per item.
__device__ void dequant_tile(const Params &p, const uint8_t *stage, const int *rowoff, int n, float *kf) {
    const int units = (p.hd + 7) / 8, kp = p.hd + 1;
    for (int i = threadIdx.x; i < n * p.nkv * units; i += kThreads) {
        const int u = i % units, row = i / units, d0 = 8 * u;
        const uint8_t *r = stage + rowoff[row / p.nkv] + (row % p.nkv) * p.rb;
        float *o = kf + row * kp + d0;
        if (!p.bits) {
            for (int e = 0; e < 8 && d0 + e < p.hd; e++) o[e] = f16_at(r + 2 * (d0 + e));
            continue;
        }
        const uint8_t *blk = r + (d0 / p.group) * p.bb, *cb = blk + 3 + (d0 % p.group) * p.bits / 8;
        const float s = f16_at(blk);
        const int z = blk[2];
        uint64_t codes = 0;  // 8 codes = bits bytes (d0 is a multiple of 8, so byte aligned)
        for (int k = 0; k < p.bits; k++) codes |= (uint64_t)cb[k] << (8 * k);
        const uint32_t mask = (1u << p.bits) - 1;
        for (int e = 0; e < 8; e++) o[e] = s * (float)((int)((codes >> (e * p.bits)) & mask) - z);
    }
}

__global__ void __launch_bounds__(kThreads) score_kernel(Params p) {
    extern __shared__ uint4 smem_a[];
    uint8_t *sm = (uint8_t *)smem_a;
    const int c = blockIdx.x;
    const int64_t tq = blockIdx.y, L = p.pos0 + tq + 1, jb = (int64_t)c * p.split;
    if (jb >= L) return;  // past this token's causal end (whole block)
    const int64_t je = jb + p.split < L ? jb + p.split : L;
    const LayoutA la = layout_a(p);
    float *sq = (float *)(sm + la.q), *sc = (float *)(sm + la.sc), *smx = (float *)(sm + la.mx), *kf = (float *)(sm + la.kf);
    int *rowoff = (int *)(sm + la.rowoff);
    uint8_t *stage = sm + la.stage;
    const int kp = p.hd + 1, warp = threadIdx.x / 32, lane = threadIdx.x % 32;
    const float *qt = p.q + tq * p.nh * p.hd;
#pragma unroll 4
    for (int i = threadIdx.x; i < p.nh * p.hd; i += kThreads)  // group formats: bf16 query (attention.cpp)
        sq[i / p.hd * kp + i % p.hd] = p.bits ? lb_bf16_round(qt[i]) : qt[i];
    for (int h = warp; h < p.nh; h += kWarps)
        if (lane == 0) smx[h] = -INFINITY;  // owned by lane 0 of warp h % kWarps throughout
    float *srow = p.scores + tq * p.nh * p.lstride;
    for (int64_t j0 = jb; j0 < je; j0 += p.tile) {
        const int n = (int)(je - j0 < p.tile ? je - j0 : p.tile);
        stage_tile(p, p.kc, j0, n, stage, rowoff);
        __syncthreads();
        dequant_tile(p, stage, rowoff, n, kf);
        __syncthreads();
        // item = (head chunk, key, kv head): hc heads of one kv head against one key, d in order
        for (int it = threadIdx.x; it < p.nch * n * p.nkv; it += kThreads) {
            const int kvh = it % p.nkv, jj = it / p.nkv % n, ch = it / (p.nkv * n);
            const int h0 = kvh * p.gh + ch * p.hc, hn = p.gh - ch * p.hc < p.hc ? p.gh - ch * p.hc : p.hc;
            const float *k = kf + (jj * p.nkv + kvh) * kp, *qh = sq + h0 * kp;
            float acc[kHeadChunk];
#pragma unroll
            for (int hh = 0; hh < kHeadChunk; hh++) acc[hh] = 0.f;
#pragma unroll 4
            for (int d = 0; d < p.hd; d++) {
                const float kd = k[d];
#pragma unroll
                for (int hh = 0; hh < kHeadChunk; hh++)
                    if (hh < hn) acc[hh] = __fmaf_rn(qh[hh * kp + d], kd, acc[hh]);
            }
#pragma unroll
            for (int hh = 0; hh < kHeadChunk; hh++)
                if (hh < hn) sc[(h0 + hh) * p.tile + jj] = acc[hh] * p.scale;
        }
        __syncthreads();
        for (int i = threadIdx.x; i < p.nh * n; i += kThreads) srow[i / n * p.lstride + j0 + i % n] = sc[i / n * p.tile + i % n];
        for (int h = warp; h < p.nh; h += kWarps) {
            float m = -INFINITY;
            for (int jj = lane; jj < n; jj += 32) m = fmaxf(m, sc[h * p.tile + jj]);
            m = warp_max(m);
            if (lane == 0) smx[h] = fmaxf(smx[h], m);
        }
        __syncthreads();
    }
    for (int h = warp; h < p.nh; h += kWarps)
        if (lane == 0) atomic_max_float(&p.gmax[tq * p.nh + h], smx[h]);
}

__global__ void __launch_bounds__(kThreads) value_kernel(Params p) {
    extern __shared__ uint4 smem_b[];
    uint8_t *sm = (uint8_t *)smem_b;
    const int c = blockIdx.x;
    const int64_t tq = blockIdx.y, L = p.pos0 + tq + 1, jb = (int64_t)c * p.split;
    if (jb >= L) return;
    const int64_t je = jb + p.split < L ? jb + p.split : L;
    const LayoutB lb = layout_b(p);
    float *sM = (float *)(sm + lb.m), *sl = (float *)(sm + lb.l), *pw = (float *)(sm + lb.pw), *wt = (float *)(sm + lb.w),
          *sacc = (float *)(sm + lb.acc);
    int *rowoff = (int *)(sm + lb.rowoff);
    uint8_t *stage = sm + lb.stage;
    const int warp = threadIdx.x / 32, lane = threadIdx.x % 32, npairs = p.nkv * p.hd;
    // sM[h], sl[h] owned by lane 0 of warp h % kWarps
    for (int h = warp; h < p.nh; h += kWarps)
        if (lane == 0) sM[h] = p.gmax[tq * p.nh + h], sl[h] = 0.f;
    for (int i = threadIdx.x; i < p.ksub * p.nh * p.hd; i += kThreads) sacc[i] = 0.f;
    const float *srow = p.scores + tq * p.nh * p.lstride;
    for (int64_t j0 = jb; j0 < je; j0 += p.tile) {
        const int n = (int)(je - j0 < p.tile ? je - j0 : p.tile);
        stage_tile(p, p.vc, j0, n, stage, rowoff);
        __syncthreads();  // (also publishes sM on the first tile)
        for (int i = threadIdx.x; i < p.nh * n; i += kThreads) {
            const int h = i / n, jj = i % n;
            pw[h * p.tile + jj] = expf(srow[h * p.lstride + j0 + jj] - sM[h]);
        }
        __syncthreads();
        if (p.bits)  // value weights bf16(p s), one per (key, head, group): [jj][h][grp]
            for (int i = threadIdx.x; i < n * p.nh * p.ngrp; i += kThreads) {
                const int grp = i % p.ngrp, h = i / p.ngrp % p.nh, jj = i / (p.ngrp * p.nh);
                wt[i] = lb_kv_value_weight(pw[h * p.tile + jj], stage + rowoff[jj] + (h / p.gh) * p.rb + grp * p.bb);
            }
        for (int h = warp; h < p.nh; h += kWarps) {
            float s = 0.f;
            for (int jj = lane; jj < n; jj += 32) s += pw[h * p.tile + jj];
            s = warp_sum(s);
            if (lane == 0) sl[h] += s;
        }
        __syncthreads();
        // item = (key subset, kv head, d): decodes one value element per key and feeds all the
        // query heads of the kv head (in chunks of kHeadChunk), then adds to its own sacc entries
        for (int it = threadIdx.x; it < p.ksub * npairs; it += kThreads) {
            const int sub = it / npairs, kvh = it % npairs / p.hd, d = it % p.hd;
            const int grp = p.bits ? d / p.group : 0, ci = p.bits ? d % p.group : 0;
            for (int h0 = 0; h0 < p.gh; h0 += kHeadChunk) {
                const int hn = p.gh - h0 < kHeadChunk ? p.gh - h0 : kHeadChunk, hb = kvh * p.gh + h0;
                float a[kHeadChunk];
#pragma unroll
                for (int hh = 0; hh < kHeadChunk; hh++) a[hh] = 0.f;
#pragma unroll 4
                for (int jj = sub; jj < n; jj += p.ksub) {
                    const uint8_t *r = stage + rowoff[jj] + kvh * p.rb;
                    if (p.bits) {
                        const uint8_t *blk = r + grp * p.bb;
                        const float cz = (float)(lb_get_code(blk + 3, p.bits, ci) - lb_block_zero(blk));
                        const float *wj = wt + (jj * p.nh + hb) * p.ngrp + grp;
#pragma unroll
                        for (int hh = 0; hh < kHeadChunk; hh++)
                            if (hh < hn) a[hh] = __fmaf_rn(wj[hh * p.ngrp], cz, a[hh]);
                    } else {
                        const float v = f16_at(r + 2 * d);
                        const float *pj = pw + hb * p.tile + jj;
#pragma unroll
                        for (int hh = 0; hh < kHeadChunk; hh++)
                            if (hh < hn) a[hh] = __fmaf_rn(pj[hh * p.tile], v, a[hh]);
                    }
                }
                float *o = sacc + (sub * p.nh + hb) * p.hd + d;
#pragma unroll
                for (int hh = 0; hh < kHeadChunk; hh++)
                    if (hh < hn) o[hh * p.hd] += a[hh];
            }
        }
        __syncthreads();
    }
    float *po = p.pacc + (tq * p.nsplit + c) * p.nh * p.hd;
    for (int i = threadIdx.x; i < p.nh * p.hd; i += kThreads) {
        float s = 0.f;
        for (int k = 0; k < p.ksub; k++) s += sacc[k * p.nh * p.hd + i];
        po[i] = s;
    }
    for (int h = warp; h < p.nh; h += kWarps)
        if (lane == 0) p.psum[(tq * p.nsplit + c) * p.nh + h] = sl[h];
}

// out = sum of the splits' partial outputs / sum of their partial sums. Block (head, token, 32 dims):
// warp w adds splits w, w + 8, ... for its lane's dim, then the 8 warps' sums are added in order;
// the sum of p likewise over all threads. Fixed orders: the result does not depend on timing.
constexpr int kCombineThreads = 256, kCombineWarps = kCombineThreads / 32;
__global__ void __launch_bounds__(kCombineThreads) combine_kernel(Params p) {
    extern __shared__ float smem_c[];  // [kCombineWarps][32] output sums, [kCombineWarps] p sums
    float *part = smem_c, *lpart = smem_c + kCombineWarps * 32;
    const int h = blockIdx.x, warp = threadIdx.x / 32, lane = threadIdx.x % 32, d = blockIdx.z * 32 + lane;
    const int64_t tq = blockIdx.y, L = p.pos0 + tq + 1;
    const int ns = (int)((L + p.split - 1) / p.split);
    const float *ps = p.psum + tq * p.nsplit * p.nh + h, *pa = p.pacc + (tq * p.nsplit * p.nh + h) * p.hd + d;
    float l = 0.f, a = 0.f;
    for (int s = threadIdx.x; s < ns; s += kCombineThreads) l += ps[(int64_t)s * p.nh];
    l = warp_sum(l);
    if (d < p.hd) {
#pragma unroll 8
        for (int s = warp; s < ns; s += kCombineWarps) a += pa[(int64_t)s * p.nh * p.hd];
    }
    part[warp * 32 + lane] = a;
    if (lane == 0) lpart[warp] = l;
    __syncthreads();
    if (warp == 0 && d < p.hd) {
        float o = 0.f, lt = 0.f;
        for (int w = 0; w < kCombineWarps; w++) o += part[w * 32 + lane], lt += lpart[w];
        p.out[(tq * p.nh + h) * p.hd + d] = o * (1.f / lt);
    }
}
}  // namespace

extern "C" int32_t lbc_attention(int32_t kvfmt, int32_t group, const void *kcache, const void *vcache,
                                 const int32_t *block_table, int32_t block_size, const float *q, int64_t nq,
                                 int64_t pos0, int32_t n_head, int32_t n_kv_head, int32_t head_dim, float scale,
                                 float *out, void *stream) {
    if (!kcache || !vcache || !block_table || !q || !out || nq <= 0 || pos0 < 0 || block_size <= 0 || n_head <= 0 ||
        n_kv_head <= 0 || n_head % n_kv_head != 0 || head_dim <= 0)
        return LB_ERR_ARG;
    const lb_format_info *f = lb_format_get(kvfmt);  // a KV format; no F32 cache kernel here
    if (!f || !(f->uses & LB_USE_KV) || f->bits == 32 || (f->block != 0 && f->bits != 16)) return LB_ERR_FORMAT;  // F16 or groups
    const int bits = f->block == 0 ? f->bits : 0;
    const int g = bits ? (group < head_dim ? group : head_dim) : 0;
    if (bits && (g <= 0 || g % 8 != 0 || head_dim % g != 0)) return LB_ERR_ARG;
    cudaStream_t st = (cudaStream_t)stream;
    int dev = 0, sms = 0;
    if (cudaGetDevice(&dev) != cudaSuccess || cudaDeviceGetAttribute(&sms, cudaDevAttrMultiProcessorCount, dev) != cudaSuccess)
        return LB_ERR_CUDA;

    Params p{};
    p.kc = (const uint8_t *)kcache, p.vc = (const uint8_t *)vcache, p.table = block_table;
    p.bits = bits, p.group = g, p.bb = bits ? (int)lb_group_block_bytes(bits, g) : 0, p.ngrp = bits ? head_dim / g : 0;
    // row bytes computed here (not lb_row_bytes) so liblowbit-cuda does not depend on liblowbit
    p.rb = bits ? (int64_t)p.ngrp * p.bb : 2 * (int64_t)head_dim;
    p.hd = head_dim, p.nkv = n_kv_head, p.gh = n_head / n_kv_head, p.nh = n_head, p.bs = block_size, p.scale = scale;
    p.lstride = pos0 + nq;
    const int npairs = n_kv_head * head_dim;
    p.ksub = npairs >= kThreads ? 1 : kThreads / npairs;
    // the largest tile (keys) whose shared memory fits the budget
    int smem = 0;
    for (p.tile = 64;; p.tile /= 2) {
        const LayoutA a = layout_a(p);
        const LayoutB b = layout_b(p);
        smem = a.total > b.total ? a.total : b.total;
        if (smem <= kSmemBudget || p.tile == 1) break;
    }
    if (smem > kSmemBudget &&  // very many heads: opt in to more shared memory
        (cudaFuncSetAttribute(score_kernel, cudaFuncAttributeMaxDynamicSharedMemorySize, smem) != cudaSuccess ||
         cudaFuncSetAttribute(value_kernel, cudaFuncAttributeMaxDynamicSharedMemorySize, smem) != cudaSuccess))
        return LB_ERR_CUDA;
    // score items: enough head chunks per (key, kv head) to occupy the block, at most kHeadChunk heads each
    {
        const int pairs = p.tile * n_kv_head, want = kThreads / pairs;
        int nch = (p.gh + kHeadChunk - 1) / kHeadChunk;
        if (want > nch) nch = want < p.gh ? want : p.gh;
        p.hc = (p.gh + nch - 1) / nch;
        p.nch = (p.gh + p.hc - 1) / p.hc;
    }
    // tokens per launch (bounds the score workspace), then splits: about two blocks per SM in all
    int64_t nt = kMaxScores / ((int64_t)n_head * p.lstride);
    nt = nt < 1 ? 1 : nt > nq ? nq : nt > 65535 ? 65535 : nt;
    {
        const int64_t lmax = p.lstride, tiles = (lmax + p.tile - 1) / p.tile;
        int64_t want = (kSplitsPerSm * (int64_t)sms + nt - 1) / nt;
        want = want < 1 ? 1 : want > tiles ? tiles : want;
        p.split = (int)(((tiles + want - 1) / want) * p.tile);
        p.nsplit = (int)((lmax + p.split - 1) / p.split);
    }
    const int64_t n_scores = nt * n_head * p.lstride, n_gmax = nt * n_head, n_pacc = nt * p.nsplit * n_head * head_dim,
                  n_psum = nt * p.nsplit * n_head;
    float *ws = nullptr;
    if (ws_alloc((void **)&ws, sizeof(float) * (n_scores + n_gmax + n_pacc + n_psum), st) != cudaSuccess) return LB_ERR_CUDA;
    p.scores = ws, p.gmax = ws + n_scores, p.pacc = p.gmax + n_gmax, p.psum = p.pacc + n_pacc;
    bool ok = true;
    for (int64_t t0 = 0; t0 < nq && ok; t0 += nt) {
        const int64_t n = nq - t0 < nt ? nq - t0 : nt;
        p.q = q + t0 * n_head * head_dim, p.out = out + t0 * n_head * head_dim, p.pos0 = pos0 + t0;
        const dim3 grid((unsigned)p.nsplit, (unsigned)n);
        ok = cudaMemsetAsync(p.gmax, 0xff, sizeof(float) * n * n_head, st) == cudaSuccess;  // below every float
        score_kernel<<<grid, kThreads, smem, st>>>(p);
        value_kernel<<<grid, kThreads, smem, st>>>(p);
        combine_kernel<<<dim3((unsigned)n_head, (unsigned)n, (unsigned)((head_dim + 31) / 32)), kCombineThreads,
                         sizeof(float) * kCombineWarps * 33, st>>>(p);
        ok = ok && cudaGetLastError() == cudaSuccess;
    }
    const bool freed = cudaFreeAsync(ws, st) == cudaSuccess;
    return ok && freed ? LB_OK : LB_ERR_CUDA;
}
