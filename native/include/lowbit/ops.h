/* lowbit kernels: stateless operations over raw buffers. Row-major everywhere.
 * Sizes are validated by the Java side before a call; kernels still reject
 * non-positive sizes and unknown formats with a status code. */
#ifndef LOWBIT_OPS_H
#define LOWBIT_OPS_H
#include <stdint.h>
#include "format.h"
#ifdef __cplusplus
extern "C" {
#endif

/* ---- quantization ---- */
/* src [rows][cols] f32 -> dst rows of lb_row_bytes(fmt, group, cols) bytes */
int32_t lb_quantize(int32_t fmt, int32_t group, const float *src, void *dst, int64_t rows, int64_t cols);
/* inverse: dst [rows][cols] f32 */
int32_t lb_dequantize(int32_t fmt, int32_t group, const void *src, float *dst, int64_t rows, int64_t cols);

/* Grids of the grouped weight formats (LB_W4G/W3G/W2G) for calibrated methods (GPTQ, AWQ).
 * lb_group_params: per row r and group g, scale[r*(cols/group)+g] (an f16 value) and zero (an integer)
 * of the group's range widened to contain 0 and shrunk by the p = 1 - i/grid (i < max_shrink*grid)
 * that minimises sum |dequant(quant(w)) - w|^norm over the group (GPTQ's clipping search); grid = 0: p = 1,
 * the RTN grid. lb_quantize_params: src onto those grids, codes clamp(rint(w/s)+z, 0, 2^b-1); scales
 * that are not f16 values or zeros outside 0..2^b-1 are refused (LB_ERR_ARG). */
int32_t lb_group_params(int32_t fmt, int32_t group, const float *src, int64_t rows, int64_t cols,
                        int32_t grid, float max_shrink, float norm, float *scale, float *zero);
int32_t lb_quantize_params(int32_t fmt, int32_t group, const float *src, const float *scale, const float *zero,
                           void *dst, int64_t rows, int64_t cols);
/* AWQ's clipping search: per row r and group g, the group's range [mn, mx] clamped to [-m, m] with
 * m = p * max|w| for p = 1 - i/grid (i < max_shrink*grid; grid = 0: p = 1 alone, the RTN grid), the p whose
 * grid (lb_group_grid of the clamped range) minimises the group's output error d^T H_gg d, d = dequant(quant(w)) - w,
 * H_gg the group's diagonal block of xtx [cols][cols] (X^T X of the layer's inputs; NULL: the identity,
 * plain squared error). scale/zero as lb_group_params gives them, for lb_quantize_params. */
int32_t lb_group_params_awq(int32_t fmt, int32_t group, const float *src, int64_t rows, int64_t cols, const float *xtx,
                            int32_t grid, float max_shrink, float *scale, float *zero);

/* ---- matrix multiplication ----
 * y[t][r] = sum_c W[r][c] * x[t][c]   for t < ntok, r < rows.
 * W: rows of lb_row_bytes(fmt, group, cols) bytes; x: [ntok][cols] f32; y: [ntok][rows] f32.
 * Integer formats quantize x internally as their row says (Q8_0-style blocks for ggml types,
 * per-token int8/int4 for LB_I8CH/LB_I4CH). Parallel over rows with the kernel pool. */
int32_t lb_matmul(int32_t fmt, int32_t group, const void *w, int64_t rows, int64_t cols,
                  const float *x, int64_t ntok, float *y);
/* lb_matmul with batch-invariant results: every token's row is computed exactly as a call with
 * ntok = 1 computes it (the one-token kernel's summation order), so a token's outputs do not depend
 * on which other tokens share the call. lb_matmul's multi-token register tiles sum in other orders
 * (bit-different, equally accurate); this form gives them up for ntok > 1 and is slower there. */
int32_t lb_matmul_invariant(int32_t fmt, int32_t group, const void *w, int64_t rows, int64_t cols,
                            const float *x, int64_t ntok, float *y);

/* ---- element-wise and normalisation ---- */
/* out[t] = x[t] / rms(x[t]) * weight, for rows t of n elements (out may equal x) */
int32_t lb_rmsnorm(const float *x, const float *weight, float *out, int64_t rows, int64_t n, float eps);
/* rotary embedding in place on x [ntok][nheads][head_dim]; pos[t] is token t's position.
 * neox=0: pairs (2i, 2i+1) (llama); neox=1: pairs (i, i+d/2) (qwen2/qwen3). rot_dim <= head_dim.
 * theta_i = pos * base^(-2i/rot_dim) / freq_factors[i]: freq_factors (Llama-3.1 "rope_freqs") has
 * rot_dim/2 entries, or is NULL for plain RoPE */
int32_t lb_rope_ext(float *x, int64_t ntok, int32_t nheads, int32_t head_dim, int32_t rot_dim,
                    const int32_t *pos, float theta_base, int32_t neox, const float *freq_factors);
/* gate[i] = silu(gate[i]) * up[i] */
int32_t lb_silu_mul(float *gate, const float *up, int64_t n);
/* y[i] += x[i] */
int32_t lb_add(float *y, const float *x, int64_t n);
/* y[i] += b[i % n] for rows of n (bias) */
int32_t lb_add_bias(float *y, const float *b, int64_t rows, int64_t n);
/* in-place fast Walsh-Hadamard transform of each row, normalised by 1/sqrt(n). n = 2^k or 2^k*m (m in 12,20,28,40,...) */
int32_t lb_hadamard(float *x, int64_t rows, int64_t n);
/* in place, each row x of n1*n2 floats (row-major X [n1][n2]) -> L^T X R (= x (L kron R)), then clamped to
 * clip * [min, max] of the transformed row (clip in (0, 1]; 1 = no clamp). left [n1][n1]; right [n2][n2] or
 * NULL for the identity. The learned input transforms of FlatQuant-calibrated models. */
int32_t lb_kron_transform(float *x, int64_t rows, int32_t n1, int32_t n2, const float *left, const float *right, float clip);
/* in place, each row of n floats clamped to clip * [min(0, row min), max(0, row max)] (clip in (0, 1]; 1 = no
 * change): the activation clip ratio of a plan ("-aclip0.9"), applied before a per-token quantized matmul. */
int32_t lb_clip_rows(float *x, int64_t rows, int64_t n, float clip);

/* ---- KV cache and attention ----
 * The cache of one layer is a set of blocks; a block holds block_size token slots, each slot
 * n_kv_head rows of lb_row_bytes(kvfmt, group, head_dim) bytes (kvfmt: LB_F32, LB_F16, LB_KV8/4/3).
 * A sequence maps its logical block i to physical block block_table[i]. */
/* write ntok tokens' K (or V) [ntok][n_kv_head][head_dim] at positions pos0.. of a sequence */
int32_t lb_kv_store(int32_t kvfmt, int32_t group, void *cache, const int32_t *block_table, int32_t block_size,
                    int32_t n_kv_head, int32_t head_dim, const float *src, int64_t pos0, int64_t ntok);
/* causal attention for one sequence: q [nq][n_head][head_dim] are the tokens at positions
 * pos0..pos0+nq-1; keys/values 0..pos0+nq-1 are in the cache. out [nq][n_head][head_dim].
 * Grouped-query: head h reads kv head h / (n_head / n_kv_head). */
int32_t lb_attention(int32_t kvfmt, int32_t group, const void *kcache, const void *vcache,
                     const int32_t *block_table, int32_t block_size,
                     const float *q, int64_t nq, int64_t pos0, int32_t n_head, int32_t n_kv_head,
                     int32_t head_dim, float scale, float *out);

/* lb_kv_store_clip (clip 1 = lb_kv_store) and lb_attention for nseq sequences in one call (a batched
 * step: one parallel region instead of one call per sequence). Sequence s has ntok[s] (nq[s]) tokens
 * at positions pos0[s].. and its own block table block_tables[s]; its rows of src, q and out follow
 * those of sequence s-1. Each sequence's result is exactly that of the single-sequence call. */
int32_t lb_kv_store_batch(int32_t kvfmt, int32_t group, float clip, void *cache, const int32_t *const *block_tables,
                          int32_t block_size, int32_t n_kv_head, int32_t head_dim, const float *src,
                          const int64_t *ntok, const int64_t *pos0, int32_t nseq);
int32_t lb_attention_batch(int32_t kvfmt, int32_t group, const void *kcache, const void *vcache,
                           const int32_t *const *block_tables, int32_t block_size, const float *q,
                           const int64_t *nq, const int64_t *pos0, int32_t nseq, int32_t n_head,
                           int32_t n_kv_head, int32_t head_dim, float scale, float *out);
/* lb_attention / lb_attention_batch with K and V caches in their own formats (llama.cpp's -ctk/-ctv), e.g.
 * kfmt LB_KV8, vfmt LB_KV4; the group applies to both (capped at head_dim). Each cache keeps its own
 * arithmetic: bf16 query when K is in a group format, bf16(p * s) value weights when V is. kfmt == vfmt is
 * exactly lb_attention(_batch); a mixed pair runs the scalar kernel at every ISA level. */
int32_t lb_attention_kv(int32_t kfmt, int32_t vfmt, int32_t group, const void *kcache, const void *vcache,
                        const int32_t *block_table, int32_t block_size, const float *q, int64_t nq, int64_t pos0,
                        int32_t n_head, int32_t n_kv_head, int32_t head_dim, float scale, float *out);
int32_t lb_attention_batch_kv(int32_t kfmt, int32_t vfmt, int32_t group, const void *kcache, const void *vcache,
                              const int32_t *const *block_tables, int32_t block_size, const float *q,
                              const int64_t *nq, const int64_t *pos0, int32_t nseq, int32_t n_head,
                              int32_t n_kv_head, int32_t head_dim, float scale, float *out);

/* ---- static per-channel K cache (KVQuant*: K quantised before RoPE, optionally before the K bias) ----
 * K rows are in LB_KVS8/4/3 (codes only), with per (kv head, channel) arrays of n_kv_head*head_dim floats
 * for the layer: code = clamp(rint(k / k_scale) + k_zero, 0, 2^b-1) on store (k_zero integer-valued),
 * k = code * k_scale + k_offset on read, where k_offset = -k_zero * k_scale (+ the K bias when K was stored
 * before its bias). The attention kernel applies RoPE to each dequantised key at its own position. */
/* table of RoPE rotations for positions 0..n_pos-1: out [n_pos][rot_dim] = cos of the rot_dim/2 angles
 * pos * base^(-2i/rot_dim) / freq_factors[i] (freq_factors may be NULL), then their sin; angles in double,
 * exactly the values lb_rope_ext rotates with */
int32_t lb_rope_table(float theta_base, int32_t rot_dim, const float *freq_factors, int64_t n_pos, float *out);
/* write ntok tokens' pre-RoPE K [ntok][n_kv_head][head_dim] at positions pos0.. of a sequence (kfmt LB_KVS*) */
int32_t lb_kvs_store(int32_t kfmt, void *cache, const int32_t *block_table, int32_t block_size, int32_t n_kv_head,
                     int32_t head_dim, const float *k_scale, const float *k_zero, const float *src, int64_t pos0,
                     int64_t ntok);
/* causal attention as lb_attention, K read from an LB_KVS* cache (dequantised, then rotated at its position
 * with rope_table rows, pairs as lb_rope_ext: neox 0 = (2i, 2i+1), 1 = (i, i+rot_dim/2)); rope_table must hold
 * rope_npos >= pos0+nq positions of lb_rope_table(.., rot_dim, ..). q is already rotated. V is read from a
 * per-token cache exactly as lb_attention reads it (vfmt LB_F32/F16/KV8/4/3, vgroup). */
int32_t lb_kvs_attention(int32_t kfmt, const void *kcache, const float *k_scale, const float *k_offset,
                         const float *rope_table, int64_t rope_npos, int32_t rot_dim, int32_t neox,
                         int32_t vfmt, int32_t vgroup, const void *vcache,
                         const int32_t *block_table, int32_t block_size,
                         const float *q, int64_t nq, int64_t pos0, int32_t n_head, int32_t n_kv_head,
                         int32_t head_dim, float scale, float *out);

/* lb_kv_store with a clip ratio in (0, 1] for the per-token group formats (QuaRot uses 0.95): each group is
 * clamped to clip * [min, max] before quantisation, so its grid spans the clipped range. clip = 1, F32, F16:
 * exactly lb_kv_store. */
int32_t lb_kv_store_clip(int32_t kvfmt, int32_t group, float clip, void *cache, const int32_t *block_table,
                         int32_t block_size, int32_t n_kv_head, int32_t head_dim, const float *src, int64_t pos0,
                         int64_t ntok);

#ifdef __cplusplus
}
#endif
#endif
