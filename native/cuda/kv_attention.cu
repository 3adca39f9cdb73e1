// Quantised-KV attention on CUDA: one thread block per (query token, query head). Pass 1: threads
// stride over keys, dequantising each K row element by element (study_pack.h) into a dot product;
// scores go to a global workspace. Block reductions give max and sum for the FP32 softmax.
// Pass 2: thread d accumulates output dimension d over all V rows. Group formats use the CPU
// reference's arithmetic (attention.cpp): bf16 query, value weights bf16(p s) on (code - z); the
// weights here are relative to the row's global max rather than a per-tile running max. Never run here: see lowbit_cuda.h.
#include <cuda_runtime.h>
#include <math.h>
#include "lowbit/lowbit.h"
#include "lowbit_cuda.h"
#include "../cpu/study_pack.h"

namespace {
struct Layout {
    int fmt, group, bits, head_dim, n_kv_head, block_size;
    int64_t row_bytes;
    const int32_t *table;
    __device__ const uint8_t *row(const uint8_t *base, int64_t pos, int h) const {
        const int64_t slot = (int64_t)table[pos / block_size] * block_size + pos % block_size;
        return base + (slot * n_kv_head + h) * row_bytes;
    }
    __device__ float elem(const uint8_t *r, int d) const {
        if (fmt == LB_F16) return lb_f16_to_f32((uint16_t)(r[2 * d] | (r[2 * d + 1] << 8)));
        return lb_dequant_elem(r + (d / group) * (3 + group * bits / 8), bits, d % group);
    }
    // p times value element d: group formats bf16(p s) (code - z) (lb_kv_value_weight), F16 p v
    __device__ float weighted(const uint8_t *r, int d, float p) const {
        if (fmt == LB_F16) return p * elem(r, d);
        const uint8_t *blk = r + (d / group) * (3 + group * bits / 8);
        return lb_kv_value_weight(p, blk) * (float)(lb_get_code(blk + 3, bits, d % group) - lb_block_zero(blk));
    }
};

constexpr int kThreads = 256;

__device__ float block_reduce(float v, bool is_max, float *shm) {
    for (int off = 16; off > 0; off /= 2) {
        const float o = __shfl_down_sync(0xffffffffu, v, off);
        v = is_max ? fmaxf(v, o) : v + o;
    }
    const int warp = threadIdx.x / 32, lane = threadIdx.x % 32;
    __syncthreads();
    if (lane == 0) shm[warp] = v;
    __syncthreads();
    if (warp == 0) {
        v = lane < kThreads / 32 ? shm[lane] : (is_max ? -INFINITY : 0.f);
        for (int off = 16; off > 0; off /= 2) {
            const float o = __shfl_down_sync(0xffffffffu, v, off);
            v = is_max ? fmaxf(v, o) : v + o;
        }
        if (lane == 0) shm[0] = v;
    }
    __syncthreads();
    return shm[0];
}

__global__ void attention_kernel(Layout l, const uint8_t *kc, const uint8_t *vc, const float *q, int64_t pos0, int n_head,
                                 float scale, float *out, float *scores, int64_t max_ctx) {
    extern __shared__ float shq[];  // q row [head_dim] + reduction scratch [32]
    float *red = shq + l.head_dim;
    const int64_t t = blockIdx.x / n_head;
    const int h = blockIdx.x % n_head, kvh = h / (n_head / l.n_kv_head);
    const int64_t L = pos0 + t + 1;
    const float *qr = q + (t * n_head + h) * l.head_dim;
    // group formats: bf16 query (the CPU reference's arithmetic, attention.cpp)
    for (int d = threadIdx.x; d < l.head_dim; d += blockDim.x) shq[d] = l.bits ? lb_bf16_round(qr[d]) : qr[d];
    __syncthreads();
    float *sc = scores + (int64_t)blockIdx.x * max_ctx;
    float mx = -INFINITY;
    for (int64_t j = threadIdx.x; j < L; j += blockDim.x) {
        const uint8_t *r = l.row(kc, j, kvh);
        float dot = 0.f;
        for (int d = 0; d < l.head_dim; d++) dot += shq[d] * l.elem(r, d);
        sc[j] = dot * scale;
        mx = fmaxf(mx, sc[j]);
    }
    mx = block_reduce(mx, true, red);
    float sum = 0.f;
    for (int64_t j = threadIdx.x; j < L; j += blockDim.x) sum += (sc[j] = expf(sc[j] - mx));
    sum = block_reduce(sum, false, red);
    const float inv = 1.f / sum;
    __syncthreads();
    for (int d = threadIdx.x; d < l.head_dim; d += blockDim.x) {
        float acc = 0.f;
        for (int64_t j = 0; j < L; j++) acc += l.weighted(l.row(vc, j, kvh), d, sc[j]);
        out[(t * n_head + h) * l.head_dim + d] = acc * inv;
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
    if (kvfmt != LB_F16 && kvfmt != LB_KV8 && kvfmt != LB_KV4 && kvfmt != LB_KV3) return LB_ERR_FORMAT;
    const int bits = lb_group_bits(kvfmt);
    const int g = bits ? (group < head_dim ? group : head_dim) : 0;
    if (bits && (g <= 0 || g % 8 != 0 || head_dim % g != 0)) return LB_ERR_ARG;
    // row bytes computed here (not lb_row_bytes) so liblowbit-cuda does not depend on liblowbit
    const int64_t rb = kvfmt == LB_F16 ? 2 * (int64_t)head_dim : head_dim / g * lb_group_block_bytes(bits, g);
    const Layout l{kvfmt, g, bits, head_dim, n_kv_head, block_size, rb, block_table};
    const int64_t max_ctx = pos0 + nq, blocks = nq * n_head;
    cudaStream_t st = (cudaStream_t)stream;
    float *scores = nullptr;
    if (cudaMallocAsync((void **)&scores, sizeof(float) * blocks * max_ctx, st) != cudaSuccess) return LB_ERR_CUDA;
    attention_kernel<<<(unsigned)blocks, kThreads, sizeof(float) * (head_dim + 32), st>>>(
        l, (const uint8_t *)kcache, (const uint8_t *)vcache, q, pos0, n_head, scale, out, scores, max_ctx);
    const bool ok = cudaGetLastError() == cudaSuccess;
    cudaFreeAsync(scores, st);
    return ok ? LB_OK : LB_ERR_CUDA;
}
