package dev.lowbit.model;

import dev.lowbit.core.NativeBuffer;
import dev.lowbit.model.kv.KvBatch;
import dev.lowbit.model.kv.KvLayout;
import dev.lowbit.model.kv.Rope;
import dev.lowbit.quant.Format;

/**
 * The operations the forward pass is written against (in the manner of Jlama's TensorOperationsProvider):
 * each one a step over all tokens of a forward step, on buffers of f32 rows addressed as native memory. The
 * CPU backend ({@link CpuBackend}) runs them as the native kernels; another backend (CUDA) implements the same
 * calls over its own memory. Logits are a {@link #matmul} over the output head.
 */
public interface Backend {
    /** the embedding row of `token` (a table of rows of rowBytes in `format`) as f32 into dst[dim] */
    void embed(Format format, long table, long rowBytes, int token, long dst, int dim);

    /** out[rows][dim] = x / rms(x) * weight (in place when out == x) */
    void rmsnorm(long x, long weight, long out, long rows, int dim, float eps);

    /**
     * y[ntok][rows] = x[ntok][cols] * W^T over a prepared weight; invariant: each token's row summed as a
     * one-token call sums it (batch invariance)
     */
    void matmul(Linear w, long x, int ntok, long y, boolean invariant);

    /** x[rows][dim] += bias[dim] */
    void addBias(long x, long bias, long rows, int dim);

    /** rotary embedding of x[ntok][heads][headDim] at int32 positions */
    void rope(long x, int ntok, int heads, Rope rope, long positions);

    /** orthonormal Hadamard rotation of `rows` rows of n floats in place (block-diagonal where n has no full transform) */
    void rotate(long x, long rows, int n);

    /** a learned input transform (FlatQuant) of `rows` rows in place: x (L kron R), clamped to clip * [min, max] per row */
    void transform(LearnedTransform t, long x, long rows);

    /** each of `rows` rows of n floats clamped in place to clip * [min(0, min), max(0, max)] (a plan's activation clip) */
    void clipRows(long x, long rows, int n, float clip);

    /** gate[n] = silu(gate) * up */
    void siluMul(long gate, long up, long n);

    /** x[n] += y[n] */
    void add(long x, long y, long n);

    /** copies bytes between activation buffers */
    void copy(long dst, long src, long bytes);

    /**
     * One layer's attention for every segment of the step, following the layout: K (as the projection left it:
     * before RoPE, and before its bias where {@link KvLayout#kBeforeBias()}) and V into each sequence's pages,
     * then att[ntok][nHead][headDim] = softmax(q·K/sqrt(headDim))·V over each sequence's positions.
     * @param q     [ntok][nHead][headDim] after RoPE
     * @param kBias the K bias still to add when the layout takes K before it (null if the model has none)
     */
    void storeAndAttend(KvLayout kv, int layer, KvBatch batch, int nHead, NativeBuffer q, NativeBuffer k, NativeBuffer v,
                        NativeBuffer kBias, NativeBuffer att);
}
