package dev.lowbit.model.kv;

import static dev.lowbit.bindings.LowbitNative.lb_rope_table;

import dev.lowbit.core.Native;
import dev.lowbit.core.NativeBuffer;
import dev.lowbit.quant.QuantPlan;
import java.nio.FloatBuffer;

/**
 * How a model's K and V reach the cache and come back in attention, decided once from the plan: the strategy
 * a backend's store-and-attend follows. The variants:
 * <ul>
 *   <li>per-token (kvN, F16): K after its bias, QK-norm and RoPE, each token's row quantized in its own groups
 *       (clipped to {@link #clip} of its range);</li>
 *   <li>rotated ({@link #rotated}: kvN-rot, w4a4kvN): q, k, v Hadamard-rotated per head before the cache, the
 *       attention output rotated back;</li>
 *   <li>static per-channel K ({@link #staticK}: kvN-kvq): K stored before RoPE with calibrated scales; attention
 *       rotates each key at its position from a precomputed table;</li>
 *   <li>pre-bias ({@link #kBeforeBias}: kvN-kvq-prebias): K stored before its bias, which the scales' offsets hold;</li>
 *   <li>observed ({@link #observer}): per-token F16 storage, with K shown to calibration as a static-K plan would
 *       store it (before RoPE; before its bias for a pre-bias plan, added once seen).</li>
 * </ul>
 * Owns the RoPE table only; the cache and the scales belong to whoever made them.
 */
public final class KvLayout implements AutoCloseable {
    /** sees each layer's K as it would be stored by a static-K plan (calibration) */
    public interface KObserver {
        /** true to see K before the K bias is added (pre-bias calibration), false after bias and K norm */
        boolean preBias();

        /** k: [ntok][kvDim] of layer `layer`, valid during the call */
        void observe(int layer, FloatBuffer k, int ntok);
    }

    public final KvCache cache;
    public final Rope rope;
    /** clip ratio of per-token quantization ranges (1 = none) */
    public final float clip;
    /** q, k, v rotated per head before the cache */
    public final boolean rotated;
    private final StaticKScales staticK;
    private final NativeBuffer ropeTable;
    private final boolean kBeforeBias;
    private final KObserver observer;

    private KvLayout(KvCache cache, Rope rope, float clip, boolean rotated, StaticKScales staticK, boolean kBeforeBias, KObserver observer) {
        this.cache = cache;
        this.rope = rope;
        this.clip = clip;
        this.rotated = rotated;
        this.staticK = staticK;
        this.kBeforeBias = kBeforeBias;
        this.observer = observer;
        if (staticK != null) {
            long npos = (long) cache.maxBlocksPerSeq * cache.blockSize;
            ropeTable = NativeBuffer.floats(npos * rope.ropeDim());
            Native.check(lb_rope_table(rope.base(), rope.ropeDim(), rope.freqs(), npos, ropeTable.address()), "rope table");
        } else {
            ropeTable = null;
        }
    }

    /**
     * the layout a plan asks for
     * @param scales   static per-channel K scales; required by a kvq plan, else ignored
     * @param hasKBias the model's K projection has a bias
     * @param qkNorm   the model norms Q and K per head
     */
    public static KvLayout forPlan(QuantPlan plan, KvCache cache, Rope rope, StaticKScales scales, boolean hasKBias, boolean qkNorm) {
        if (plan.kvRotate() && Integer.bitCount(rope.headDim()) != 1)
            throw new IllegalArgumentException("KV rotation needs a power-of-two head_dim (the transform must be its own inverse), got " + rope.headDim());
        if (!plan.kvStaticK()) return new KvLayout(cache, rope, (float) plan.kvClip(), plan.kvRotate(), null, false, null);
        if (scales == null) throw plan.missingCalibration();
        if (cache.kFormat != plan.kFormat() || scales.nLayer != cache.nLayer || scales.channels != cache.nKvHead * cache.headDim
                || scales.bits != plan.kFormat().bits)
            throw new IllegalArgumentException("static K scales / K cache do not match plan " + plan);
        boolean preBias = plan.kvPreBias() && hasKBias;
        if (preBias && qkNorm)
            throw new IllegalArgumentException("pre-bias K quantization is undefined for a model with both a K bias and a K norm");
        return new KvLayout(cache, rope, (float) plan.kvClip(), false, scales, preBias, null);
    }

    /** per-token storage in the cache's format, K shown to `observer` first */
    public static KvLayout observed(KvCache cache, Rope rope, KObserver observer) {
        return new KvLayout(cache, rope, 1f, false, null, observer.preBias(), observer);
    }

    /** K is stored before RoPE (static K): attention rotates each key */
    public boolean kBeforeRope() {
        return staticK != null;
    }

    /** K reaches store-and-attend without its bias: folded into the static offsets, or added after the observer saw it */
    public boolean kBeforeBias() {
        return kBeforeBias;
    }

    /** the static per-channel K scales, or null for per-token K */
    public StaticKScales staticK() {
        return staticK;
    }

    /** the RoPE rotations of every cache position (static K), or null */
    public NativeBuffer ropeTable() {
        return ropeTable;
    }

    /** calibration's view of K, or null */
    public KObserver observer() {
        return observer;
    }

    @Override
    public void close() {
        if (ropeTable != null) ropeTable.close();
    }
}
