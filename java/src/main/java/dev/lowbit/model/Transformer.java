package dev.lowbit.model;

import static dev.lowbit.bindings.LowbitNative.*;

import dev.lowbit.core.Native;
import dev.lowbit.core.NativeBuffer;
import dev.lowbit.core.RawMemory;
import dev.lowbit.generate.KvCache;
import java.nio.FloatBuffer;
import java.nio.LongBuffer;
import java.util.List;

/**
 * The forward pass of llama / qwen2 / qwen3, read top to bottom. Java sequences the steps;
 * every loop over weights or activations runs in a native kernel. One call processes a batch
 * of segments (several sequences, each one or more new tokens): the linear layers see all
 * tokens at once (weights read once per step), attention reads each sequence's own pages (all
 * sequences in one native call per layer).
 *
 * <p>Batch invariance: every step except the matmuls computes a token's row from that row alone
 * (attention from its own sequence's cache, split by position only). The matmuls' multi-token tiles
 * sum in other orders than the one-token kernels, so by default a token's floats depend on how many
 * tokens share the step; with {@link #setBatchInvariant} every matmul sums each token as a one-token
 * step does, and a sequence's tokens no longer depend on its batch (at a cost in batched steps).
 */
public final class Transformer implements AutoCloseable {
    public final ModelConfig c;
    public final ModelWeights w;
    public final KvCache kv;
    public final int maxTokens;
    private final int maxOutputs;
    private final boolean kvRotate;
    // static per-channel K (kvq plans): scales, RoPE rotations of every cache position, pre-bias storage
    private final StaticKScales kScales;
    private final NativeBuffer ropeTable;
    private final boolean kPreBias;
    private final float kvClip;
    private KObserver kObserver;
    private InputObserver inputObserver;
    /** forward runs only the first this many layers, without the head (layer-by-layer calibration) */
    private int layerLimit;
    private boolean batchInvariant;
    // activations, [maxTokens][dim]
    private final NativeBuffer x, xb, q, k, v, att, hb, hb2, logits, pos;
    /** per layer, q|k|v and gate|up as one matrix each where they lie back to back (else null): one-token steps */
    private final Linear[] qkv, gateUp;
    /** off in tests that compare the stacked calls with the separate ones */
    static boolean stackSingleToken = true;
    /** per segment of a forward: block table address, token count, first position (int64 each) */
    private final NativeBuffer segTables, segTokens, segPos0;

    /** sees each layer's K as it would be stored by a static-K plan (calibration) */
    public interface KObserver {
        /** true to see K before the K bias is added (pre-bias calibration), false after bias and K norm */
        boolean preBias();

        /** k: [ntok][kvDim] of layer `layer`, valid during the call */
        void observe(int layer, FloatBuffer k, int ntok);
    }

    /** where a layer's linear layers read their input: the matrices that share one input share one site */
    public enum Site {
        /** attention norm output: q, k, v */
        ATTN_IN,
        /** attention output: the output projection */
        ATTN_OUT,
        /** feed-forward norm output: gate, up */
        FFN_IN,
        /** silu(gate) * up: down */
        FFN_MID
    }

    /** sees the inputs of each layer's linear layers as they enter the matmul (weight calibration) */
    public interface InputObserver {
        /** x: [ntok][cols] input at `site` of layer `layer`, valid during the call */
        void observe(int layer, Site site, FloatBuffer x, int ntok, int cols);
    }

    public Transformer(ModelWeights w, KvCache kv, int maxTokens, int maxOutputs) {
        this(w, kv, maxTokens, maxOutputs, null);
    }

    /** @param kScales static per-channel K scales; required when the plan is a kvq plan (else ignored) */
    public Transformer(ModelWeights w, KvCache kv, int maxTokens, int maxOutputs, StaticKScales kScales) {
        this.c = w.config;
        this.w = w;
        this.kv = kv;
        this.maxTokens = maxTokens;
        this.maxOutputs = maxOutputs;
        this.kvRotate = w.plan.kvRotate();
        if (kvRotate && Integer.bitCount(c.headDim()) != 1)
            throw new IllegalArgumentException("KV rotation needs a power-of-two head_dim (the transform must be its own inverse), got " + c.headDim());
        boolean staticK = w.plan.kvStaticK();
        if (staticK) {
            if (kScales == null)
                throw w.plan.missingCalibration();
            if (kv.kFormat != w.plan.kFormat() || kScales.nLayer != c.nLayer() || kScales.channels != c.kvDim()
                    || kScales.bits != w.plan.kFormat().bits)
                throw new IllegalArgumentException("static K scales / K cache do not match plan " + w.plan);
        }
        this.kScales = staticK ? kScales : null;
        this.kvClip = (float) w.plan.kvClip();
        this.layerLimit = c.nLayer();
        this.kPreBias = staticK && w.plan.kvPreBias() && hasKBias(w);
        if (kPreBias && c.qkNorm())
            throw new IllegalArgumentException("pre-bias K quantization is undefined for a model with both a K bias and a K norm");
        long t = maxTokens;
        NativeBuffer table = null;
        if (staticK) {
            long npos = (long) kv.maxBlocksPerSeq * kv.blockSize;
            table = NativeBuffer.floats(npos * c.ropeDim());
            Native.check(lb_rope_table(c.ropeBase(), c.ropeDim(), w.ropeFreqs == null ? 0 : w.ropeFreqs.address(), npos, table.address()),
                    "rope table");
        }
        this.ropeTable = table;
        x = NativeBuffer.floats(t * c.nEmbd());
        xb = NativeBuffer.floats(t * Math.max(c.nEmbd(), c.qDim()));
        // room for a one-token step's stacked outputs: q|k|v in q, gate|up in hb
        q = NativeBuffer.floats(Math.max(t * c.qDim(), c.qDim() + 2L * c.kvDim()));
        k = NativeBuffer.floats(t * c.kvDim());
        v = NativeBuffer.floats(t * c.kvDim());
        att = NativeBuffer.floats(t * c.qDim());
        hb = NativeBuffer.floats(Math.max(t * c.nFf(), 2L * c.nFf()));
        hb2 = NativeBuffer.floats(t * c.nFf());
        logits = NativeBuffer.floats((long) maxOutputs * c.vocab());
        pos = new NativeBuffer(4 * t);
        segTables = new NativeBuffer(8 * t);  // a segment has at least one token
        segTokens = new NativeBuffer(8 * t);
        segPos0 = new NativeBuffer(8 * t);
        qkv = new Linear[c.nLayer()];
        gateUp = new Linear[c.nLayer()];
        for (int l = 0; l < c.nLayer(); l++) {
            LayerWeights L = w.layers.get(l);
            qkv[l] = Linear.stacked("blk." + l + ".qkv", L.wq(), L.wk(), L.wv());
            gateUp[l] = Linear.stacked("blk." + l + ".gate_up", L.gate(), L.up());
        }
    }

    /**
     * Appends the segments' tokens to their sequences (KV cache space must be reserved) and
     * computes logits: one row per segment, or one per token for segments with allLogits.
     * @return the number of logit rows written (read them with {@link #logits(int, float[])})
     */
    public int forward(List<Segment> segments) {
        int T = 0, outs = 0;
        for (Segment s : segments) {
            T += s.tokens().length;
            outs += s.outputs();
            if (s.seq().length() + s.tokens().length > s.seq().blockCount() * kv.blockSize)
                throw new IllegalStateException("KV cache space not reserved for segment");
        }
        if (T > maxTokens || outs > maxOutputs)
            throw new IllegalArgumentException("batch of " + T + " tokens / " + outs + " outputs exceeds " + maxTokens + "/" + maxOutputs);
        int d = c.nEmbd();

        // token embeddings and positions
        int t = 0;
        for (Segment s : segments) {
            int p0 = s.seq().length();
            for (int i = 0; i < s.tokens().length; i++, t++) {
                int tok = s.tokens()[i];
                if (tok < 0 || tok >= c.vocab()) throw new IllegalArgumentException("token id " + tok + " out of vocabulary");
                Native.check(lb_dequantize(w.embFormat.id, 0, w.embAddress + tok * w.embRowBytes, x.floatAddress((long) t * d), 1, d),
                        "embedding lookup");
                pos.intView(t, 1).put(0, p0 + i);
            }
        }

        describeSegments(segments);
        for (int l = 0; l < layerLimit; l++) {
            LayerWeights L = w.layers.get(l);
            // attention block
            Native.check(lb_rmsnorm(x.address(), L.attnNorm().address(), xb.address(), T, d, c.rmsEps()), "rmsnorm");
            rotateInput(L.wq(), xb, T);
            observe(l, Site.ATTN_IN, xb, T, d);
            if (T == 1 && stackSingleToken && qkv[l] != null) {
                // one call, then k and v moved out of q's buffer (a parallel region less per matrix)
                qkv[l].apply(xb.address(), 1, q.address(), batchInvariant);
                RawMemory.copy(k.address(), q.floatAddress(c.qDim()), 4L * c.kvDim());
                RawMemory.copy(v.address(), q.floatAddress(c.qDim() + c.kvDim()), 4L * c.kvDim());
            } else {
                L.wq().apply(xb.address(), T, q.address(), batchInvariant);
                L.wk().apply(xb.address(), T, k.address(), batchInvariant);
                L.wv().apply(xb.address(), T, v.address(), batchInvariant);
            }
            if (kObserver != null && kObserver.preBias()) kObserver.observe(l, k.floatView(0, T * c.kvDim()), T);
            if (L.bq() != null) Native.check(lb_add_bias(q.address(), L.bq().address(), T, c.qDim()), "bias");
            // pre-bias static K: the bias is folded into the dequantization offset instead
            if (L.bk() != null && !kPreBias) Native.check(lb_add_bias(k.address(), L.bk().address(), T, c.kvDim()), "bias");
            if (L.bv() != null) Native.check(lb_add_bias(v.address(), L.bv().address(), T, c.kvDim()), "bias");
            if (L.qNorm() != null) {
                Native.check(lb_rmsnorm(q.address(), L.qNorm().address(), q.address(), (long) T * c.nHead(), c.headDim(), c.rmsEps()), "q norm");
                Native.check(lb_rmsnorm(k.address(), L.kNorm().address(), k.address(), (long) T * c.nKvHead(), c.headDim(), c.rmsEps()), "k norm");
            }
            if (kObserver != null && !kObserver.preBias()) kObserver.observe(l, k.floatView(0, T * c.kvDim()), T);
            int neox = c.ropeNeox() ? 1 : 0;
            long ff = w.ropeFreqs == null ? 0 : w.ropeFreqs.address();
            Native.check(lb_rope_ext(q.address(), T, c.nHead(), c.headDim(), c.ropeDim(), pos.address(), c.ropeBase(), neox, ff), "rope q");
            // static K is stored before RoPE; the attention kernel rotates each key at its position
            if (kScales == null)
                Native.check(lb_rope_ext(k.address(), T, c.nKvHead(), c.headDim(), c.ropeDim(), pos.address(), c.ropeBase(), neox, ff), "rope k");
            if (kvRotate) rotateHeads(T);
            attention(l, segments);
            if (kvRotate) Native.check(lb_hadamard(att.address(), (long) T * c.nHead(), c.headDim()), "hadamard");
            rotateInput(L.wo(), att, T);
            observe(l, Site.ATTN_OUT, att, T, c.qDim());
            L.wo().apply(att.address(), T, xb.address(), batchInvariant);
            Native.check(lb_add(x.address(), xb.address(), (long) T * d), "residual");

            // feed-forward block (SwiGLU)
            Native.check(lb_rmsnorm(x.address(), L.ffnNorm().address(), xb.address(), T, d, c.rmsEps()), "rmsnorm");
            rotateInput(L.gate(), xb, T);
            observe(l, Site.FFN_IN, xb, T, d);
            if (T == 1 && stackSingleToken && gateUp[l] != null) {
                gateUp[l].apply(xb.address(), 1, hb.address(), batchInvariant);  // gate | up
                Native.check(lb_silu_mul(hb.address(), hb.floatAddress(c.nFf()), c.nFf()), "silu");
            } else {
                L.gate().apply(xb.address(), T, hb.address(), batchInvariant);
                L.up().apply(xb.address(), T, hb2.address(), batchInvariant);
                Native.check(lb_silu_mul(hb.address(), hb2.address(), (long) T * c.nFf()), "silu");
            }
            rotateInput(L.down(), hb, T);
            observe(l, Site.FFN_MID, hb, T, c.nFf());
            L.down().apply(hb.address(), T, xb.address(), batchInvariant);
            Native.check(lb_add(x.address(), xb.address(), (long) T * d), "residual");
        }

        for (Segment s : segments) s.seq().setLength(s.seq().length() + s.tokens().length);
        if (layerLimit < c.nLayer()) return 0;

        // final norm on the rows that need logits, gathered contiguously
        int row = 0;
        t = 0;
        for (Segment s : segments) {
            int n = s.tokens().length;
            int from = s.allLogits() ? t : t + n - 1;
            int count = s.allLogits() ? n : 1;
            Native.check(lb_rmsnorm(x.floatAddress((long) from * d), w.outputNorm.address(), xb.floatAddress((long) row * d), count, d,
                    c.rmsEps()), "output norm");
            row += count;
            t += n;
        }
        w.output.apply(xb.address(), row, logits.address(), batchInvariant);
        return row;
    }

    /** the segments' block tables, token counts and first positions, as the batched KV calls read them */
    private void describeSegments(List<Segment> segments) {
        LongBuffer tables = segTables.byteView(0, 8 * segments.size()).asLongBuffer();
        LongBuffer tokens = segTokens.byteView(0, 8 * segments.size()).asLongBuffer();
        LongBuffer pos0 = segPos0.byteView(0, 8 * segments.size()).asLongBuffer();
        for (Segment s : segments) {
            tables.put(s.seq().blockTableAddress());
            tokens.put(s.tokens().length);
            pos0.put(s.seq().length());
        }
    }

    /**
     * K/V of every segment into the cache, then attention: one native call each for all segments
     * (a batched decode step is one parallel region per layer, not one per sequence; the results
     * are those of one call per sequence, bit for bit)
     */
    private void attention(int layer, List<Segment> segments) {
        float scale = (float) (1.0 / Math.sqrt(c.headDim()));
        if (kScales != null) {
            int t = 0;
            for (Segment s : segments) {
                attentionStaticK(layer, t, s.tokens().length, s.seq().length(), s.seq().blockTableAddress(), scale);
                t += s.tokens().length;
            }
            return;
        }
        int n = segments.size();
        Native.check(lb_kv_store_batch(kv.format.id, kv.group, kvClip, kv.kAddress(layer), segTables.address(), kv.blockSize,
                c.nKvHead(), c.headDim(), k.address(), segTokens.address(), segPos0.address(), n), "kv store");
        Native.check(lb_kv_store_batch(kv.format.id, kv.group, kvClip, kv.vAddress(layer), segTables.address(), kv.blockSize,
                c.nKvHead(), c.headDim(), v.address(), segTokens.address(), segPos0.address(), n), "kv store");
        Native.check(lb_attention_batch(kv.format.id, kv.group, kv.kAddress(layer), kv.vAddress(layer), segTables.address(),
                kv.blockSize, q.address(), segTokens.address(), segPos0.address(), n, c.nHead(), c.nKvHead(), c.headDim(), scale,
                att.address()), "attention");
    }

    /** one segment with a static per-channel K cache: K (pre-RoPE, maybe pre-bias) and V stored, then attention */
    private void attentionStaticK(int layer, int t, int n, long p0, long table, float scale) {
        int kvDim = c.kvDim(), qDim = c.qDim();
        Native.check(lb_kvs_store(kv.kFormat.id, kv.kAddress(layer), table, kv.blockSize, c.nKvHead(), c.headDim(),
                kScales.scaleAddress(layer), kScales.zeroAddress(layer), k.floatAddress((long) t * kvDim), p0, n), "static k store");
        Native.check(lb_kv_store_clip(kv.format.id, kv.group, kvClip, kv.vAddress(layer), table, kv.blockSize, c.nKvHead(), c.headDim(),
                v.floatAddress((long) t * kvDim), p0, n), "kv store");
        long npos = (long) kv.maxBlocksPerSeq * kv.blockSize;
        Native.check(lb_kvs_attention(kv.kFormat.id, kv.kAddress(layer), kScales.scaleAddress(layer), kScales.offsetAddress(layer),
                ropeTable.address(), npos, c.ropeDim(), c.ropeNeox() ? 1 : 0, kv.format.id, kv.group, kv.vAddress(layer), table,
                kv.blockSize, q.floatAddress((long) t * qDim), n, p0, c.nHead(), c.nKvHead(), c.headDim(), scale,
                att.floatAddress((long) t * qDim)), "static-k attention");
    }

    /** installs (or removes, with null) an observer of the linear layers' inputs; used by weight calibration */
    public void setInputObserver(InputObserver o) {
        this.inputObserver = o;
    }

    /**
     * makes forward run the first `layers` layers only and compute no logits (it returns 0 rows):
     * layer-by-layer calibration needs the inputs of one layer, not the rest of the model
     */
    public void setLayerLimit(int layers) {
        if (layers < 1 || layers > c.nLayer()) throw new IllegalArgumentException("layer limit " + layers + " not in 1.." + c.nLayer());
        this.layerLimit = layers;
    }

    private void observe(int layer, Site site, NativeBuffer in, int T, int cols) {
        if (inputObserver != null) inputObserver.observe(layer, site, in.floatView(0, T * cols), T, cols);
    }

    /**
     * on: every matmul computes each token's row as a one-token step does (lb_matmul_invariant), so a
     * sequence's logits do not depend on which sequences share its steps or how its prompt is chunked
     */
    public void setBatchInvariant(boolean on) {
        this.batchInvariant = on;
    }

    /** installs (or removes, with null) an observer of each layer's K; used by calibration */
    public void setKObserver(KObserver o) {
        this.kObserver = o;
    }

    /** true if the model's attention has a K bias (qwen2) */
    public static boolean hasKBias(ModelWeights w) {
        return !w.layers.isEmpty() && w.layers.get(0).bk() != null;
    }

    /** per-head rotation of q, k, v before the cache: q·k is unchanged, v comes back rotated */
    private void rotateHeads(int T) {
        Native.check(lb_hadamard(q.address(), (long) T * c.nHead(), c.headDim()), "hadamard");
        Native.check(lb_hadamard(k.address(), (long) T * c.nKvHead(), c.headDim()), "hadamard");
        Native.check(lb_hadamard(v.address(), (long) T * c.nKvHead(), c.headDim()), "hadamard");
    }

    private static void rotateInput(Linear lin, NativeBuffer in, int T) {
        if (lin.rotated) Rotation.apply(in.address(), T, lin.cols);
    }

    /** whether layer l's q|k|v and gate|up run as one matmul each in one-token steps */
    boolean stacked(int l) {
        return qkv[l] != null && gateUp[l] != null;
    }

    /** copies logit row `row` of the last forward into dst (length vocab) */
    public void logits(int row, float[] dst) {
        logits.floatView((long) row * c.vocab(), c.vocab()).get(dst, 0, c.vocab());
    }

    @Override
    public void close() {
        for (NativeBuffer b : new NativeBuffer[] {x, xb, q, k, v, att, hb, hb2, logits, pos, segTables, segTokens, segPos0}) b.close();
        if (ropeTable != null) ropeTable.close();
    }
}
