package dev.lowbit.model;

import static dev.lowbit.bindings.LowbitNative.*;

import dev.lowbit.core.Native;
import dev.lowbit.core.NativeBuffer;
import dev.lowbit.core.RawMemory;
import dev.lowbit.model.kv.KvBatch;
import dev.lowbit.model.kv.KvCache;
import dev.lowbit.model.kv.KvLayout;
import dev.lowbit.model.kv.Rope;
import dev.lowbit.model.kv.StaticKScales;
import dev.lowbit.quant.Format;

/** The CPU backend: every operation one native kernel call (lowbit_native, OpenMP inside). */
public final class CpuBackend implements Backend {
    public static final CpuBackend INSTANCE = new CpuBackend();

    private CpuBackend() {}

    @Override
    public void embed(Format format, long table, long rowBytes, int token, long dst, int dim) {
        Native.check(lb_dequantize(format.id, 0, table + token * rowBytes, dst, 1, dim), "embedding lookup");
    }

    @Override
    public void rmsnorm(long x, long weight, long out, long rows, int dim, float eps) {
        Native.check(lb_rmsnorm(x, weight, out, rows, dim, eps), "rmsnorm");
    }

    @Override
    public void matmul(Linear w, long x, int ntok, long y, boolean invariant) {
        w.apply(x, ntok, y, invariant);
    }

    @Override
    public void addBias(long x, long bias, long rows, int dim) {
        Native.check(lb_add_bias(x, bias, rows, dim), "bias");
    }

    @Override
    public void rope(long x, int ntok, int heads, Rope r, long positions) {
        Native.check(lb_rope_ext(x, ntok, heads, r.headDim(), r.ropeDim(), positions, r.base(), r.neox() ? 1 : 0, r.freqs()), "rope");
    }

    @Override
    public void rotate(long x, long rows, int n) {
        Rotation.apply(x, rows, n);
    }

    @Override
    public void transform(LearnedTransform t, long x, long rows) {
        Native.check(lb_kron_transform(x, rows, t.n1(), t.n2(), t.left().address(), t.right() == null ? 0 : t.right().address(), t.clip()),
                "learned transform");
    }

    @Override
    public void clipRows(long x, long rows, int n, float clip) {
        Native.check(lb_clip_rows(x, rows, n, clip), "activation clip");
    }

    @Override
    public void siluMul(long gate, long up, long n) {
        Native.check(lb_silu_mul(gate, up, n), "silu");
    }

    @Override
    public void add(long x, long y, long n) {
        Native.check(lb_add(x, y, n), "residual");
    }

    @Override
    public void copy(long dst, long src, long bytes) {
        RawMemory.copy(dst, src, bytes);
    }

    @Override
    public void storeAndAttend(KvLayout kv, int layer, KvBatch b, int nHead, NativeBuffer q, NativeBuffer k, NativeBuffer v,
                               NativeBuffer kBias, NativeBuffer att) {
        KvCache c = kv.cache;
        int T = b.tokens(), kvDim = c.nKvHead * c.headDim;
        if (kv.observer() != null) kv.observer().observe(layer, k.floatView(0, T * kvDim), T);
        if (kv.kBeforeRope()) {
            staticK(kv, layer, b, nHead, q, k, v, att);
            return;
        }
        if (kv.kBeforeBias() && kBias != null) addBias(k.address(), kBias.address(), T, kvDim);  // seen by the observer without it
        rope(k.address(), T, c.nKvHead, kv.rope, b.positionsAddress());
        if (kv.rotated) {  // per-head rotation before the cache: q·k is unchanged, v comes back rotated
            rotate(q.address(), (long) T * nHead, c.headDim);
            rotate(k.address(), (long) T * c.nKvHead, c.headDim);
            rotate(v.address(), (long) T * c.nKvHead, c.headDim);
        }
        // all segments in one native call each (one parallel region per layer, not one per sequence; the
        // results are those of one call per sequence, bit for bit)
        float scale = (float) (1.0 / Math.sqrt(c.headDim));
        int n = b.size();
        // K and V each at its own format (kv-k8v4); the same format for both in kvN plans
        Native.check(lb_kv_store_batch(c.kFormat.id, c.group, kv.clip, c.kAddress(layer), b.tablesAddress(), c.blockSize,
                c.nKvHead, c.headDim, k.address(), b.countsAddress(), b.firstsAddress(), n), "kv store");
        Native.check(lb_kv_store_batch(c.format.id, c.group, kv.clip, c.vAddress(layer), b.tablesAddress(), c.blockSize,
                c.nKvHead, c.headDim, v.address(), b.countsAddress(), b.firstsAddress(), n), "kv store");
        Native.check(lb_attention_batch_kv(c.kFormat.id, c.format.id, c.group, c.kAddress(layer), c.vAddress(layer), b.tablesAddress(),
                c.blockSize, q.address(), b.countsAddress(), b.firstsAddress(), n, nHead, c.nKvHead, c.headDim, scale,
                att.address()), "attention");
        if (kv.rotated) rotate(att.address(), (long) T * nHead, c.headDim);
    }

    /** static per-channel K, one segment at a time: K (pre-RoPE, maybe pre-bias) and V stored, then attention */
    private static void staticK(KvLayout kv, int layer, KvBatch b, int nHead, NativeBuffer q, NativeBuffer k, NativeBuffer v,
                                NativeBuffer att) {
        KvCache c = kv.cache;
        StaticKScales s = kv.staticK();
        int kvDim = c.nKvHead * c.headDim, qDim = nHead * c.headDim;
        float scale = (float) (1.0 / Math.sqrt(c.headDim));
        long npos = (long) c.maxBlocksPerSeq * c.blockSize;
        for (int i = 0; i < b.size(); i++) {
            int t = b.start(i), n = b.count(i);
            long p0 = b.pos0(i), table = b.table(i);
            Native.check(lb_kvs_store(c.kFormat.id, c.kAddress(layer), table, c.blockSize, c.nKvHead, c.headDim,
                    s.scaleAddress(layer), s.zeroAddress(layer), k.floatAddress((long) t * kvDim), p0, n), "static k store");
            Native.check(lb_kv_store_clip(c.format.id, c.group, kv.clip, c.vAddress(layer), table, c.blockSize, c.nKvHead, c.headDim,
                    v.floatAddress((long) t * kvDim), p0, n), "kv store");
            Native.check(lb_kvs_attention(c.kFormat.id, c.kAddress(layer), s.scaleAddress(layer), s.offsetAddress(layer),
                    kv.ropeTable().address(), npos, kv.rope.ropeDim(), kv.rope.neox() ? 1 : 0, c.format.id, c.group, c.vAddress(layer), table,
                    c.blockSize, q.floatAddress((long) t * qDim), n, p0, nHead, c.nKvHead, c.headDim, scale,
                    att.floatAddress((long) t * qDim)), "static-k attention");
        }
    }
}
