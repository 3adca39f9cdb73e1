package dev.lowbit.model;

import dev.lowbit.core.NativeBuffer;
import dev.lowbit.model.kv.KvBatch;
import dev.lowbit.model.kv.KvCache;
import dev.lowbit.model.kv.KvLayout;
import dev.lowbit.model.kv.Rope;
import dev.lowbit.model.kv.StaticKScales;
import dev.lowbit.quant.Site;
import java.nio.FloatBuffer;
import java.util.List;

/**
 * The forward pass of the {@link Architecture} table's families, read top to bottom. Java sequences the steps;
 * every loop over weights or activations is one {@link Backend} operation (a native kernel on the CPU). One call
 * processes a batch of segments (several sequences, each one or more new tokens): the linear layers see all
 * tokens at once (weights read once per step), attention reads each sequence's own pages (all sequences in one
 * store-and-attend per layer, which follows the plan's {@link KvLayout}).
 *
 * <p>Batch invariance: every step except the matmuls computes a token's row from that row alone
 * (attention from its own sequence's cache, split by position only). The matmuls' multi-token tiles
 * sum in other orders than the one-token kernels, so by default a token's floats depend on how many
 * tokens share the step; with {@link Options#batchInvariant} every matmul sums each token as a one-token
 * step does, and a sequence's tokens no longer depend on its batch (at a cost in batched steps).
 */
public final class Transformer implements AutoCloseable {
    private final ModelConfig c;
    private final ModelWeights w;
    private final KvLayout kv;
    private final Backend ops;
    private final Options options;
    private final float actClip;  // the plan's activation clip ratio (1: none)
    private final Rope rope;
    private final int maxTokens;
    private final int maxOutputs;
    private InputObserver inputObserver;
    /** forward runs only the first this many layers, without the head (layer-by-layer calibration) */
    private int layerLimit;
    // activations, [maxTokens][dim]
    private final NativeBuffer x, xb, q, k, v, att, hb, hb2, logits;
    private final KvBatch batch;
    /** per layer, q|k|v and gate|up as one matrix each where they lie back to back (else null): one-token steps */
    private final Linear[] qkv, gateUp;
    /** per layer, the matrices of each input site, and the buffers they write (made once: forward allocates nothing) */
    private final Linear[][] qkvParts, oParts, gateUpParts, downParts;
    private final NativeBuffer[] qkvOut, xbOut, gateUpOut;

    /**
     * How a Transformer runs, fixed when it is made.
     * @param backend            the operations
     * @param batchInvariant     every matmul computes each token's row as a one-token step does (lb_matmul_invariant), so
     *                           a sequence's logits do not depend on which sequences share its steps or how its prompt is chunked
     * @param stackOneTokenSteps one-token steps run q|k|v and gate|up as one matmul each where the matrices lie back to
     *                           back (same floats; off in tests that compare the two)
     */
    public record Options(Backend backend, boolean batchInvariant, boolean stackOneTokenSteps) {
        public static final Options DEFAULT = new Options(CpuBackend.INSTANCE, false, true);

        public Options withBatchInvariant(boolean on) {
            return new Options(backend, on, stackOneTokenSteps);
        }

        public Options withStackOneTokenSteps(boolean on) {
            return new Options(backend, batchInvariant, on);
        }
    }

    /** sees the inputs of each layer's linear layers as they enter the matmul (weight calibration) */
    public interface InputObserver {
        /** x: [ntok][cols] input at `site` of layer `layer`, valid during the call */
        void observe(int layer, Site site, FloatBuffer x, int ntok, int cols);
    }

    public Transformer(ModelWeights w, KvCache kv, int maxTokens, int maxOutputs) {
        this(w, kv, maxTokens, maxOutputs, null, Options.DEFAULT);
    }

    /** @param kScales static per-channel K scales; required when the plan is a kvq plan (else ignored) */
    public Transformer(ModelWeights w, KvCache kv, int maxTokens, int maxOutputs, StaticKScales kScales, Options options) {
        this(w, r -> KvLayout.forPlan(w.plan, kv, r, kScales, hasKBias(w), w.config.qkNorm()), maxTokens, maxOutputs, options);
    }

    /** a Transformer whose K calibration observer sees each layer's K (per-token storage in the cache's format) */
    public static Transformer observingK(ModelWeights w, KvCache kv, int maxTokens, KvLayout.KObserver observer) {
        return new Transformer(w, r -> KvLayout.observed(kv, r, observer), maxTokens, 1, Options.DEFAULT);
    }

    private interface LayoutMaker {
        KvLayout make(Rope rope);
    }

    private Transformer(ModelWeights w, LayoutMaker layout, int maxTokens, int maxOutputs, Options options) {
        this.c = w.config;
        this.w = w;
        this.options = options;
        this.ops = options.backend();
        this.actClip = (float) w.plan.actClip();
        this.rope = new Rope(c.headDim(), c.ropeDim(), c.ropeBase(), c.ropeNeox(), w.ropeFreqs == null ? 0 : w.ropeFreqs.address());
        this.kv = layout.make(rope);
        this.maxTokens = maxTokens;
        this.maxOutputs = maxOutputs;
        this.layerLimit = c.nLayer();
        long t = maxTokens;
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
        batch = new KvBatch(maxTokens);
        qkv = new Linear[c.nLayer()];
        gateUp = new Linear[c.nLayer()];
        qkvParts = new Linear[c.nLayer()][];
        oParts = new Linear[c.nLayer()][];
        gateUpParts = new Linear[c.nLayer()][];
        downParts = new Linear[c.nLayer()][];
        for (int l = 0; l < c.nLayer(); l++) {
            LayerWeights L = w.layers.get(l);
            qkvParts[l] = new Linear[] {L.wq(), L.wk(), L.wv()};
            oParts[l] = new Linear[] {L.wo()};
            gateUpParts[l] = new Linear[] {L.gate(), L.up()};
            downParts[l] = new Linear[] {L.down()};
        }
        qkvOut = new NativeBuffer[] {q, k, v};
        xbOut = new NativeBuffer[] {xb};
        gateUpOut = new NativeBuffer[] {hb, hb2};
        if (options.stackOneTokenSteps())
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
            if (s.seq().length() + s.tokens().length > s.seq().blockCount() * kv.cache.blockSize)
                throw new IllegalStateException("KV cache space not reserved for segment");
        }
        if (T > maxTokens || outs > maxOutputs)
            throw new IllegalArgumentException("batch of " + T + " tokens / " + outs + " outputs exceeds " + maxTokens + "/" + maxOutputs);
        int d = c.nEmbd();

        // token embeddings; the segments' positions and pages
        batch.clear();
        int t = 0;
        for (Segment s : segments) {
            for (int tok : s.tokens()) {
                if (tok < 0 || tok >= c.vocab()) throw new IllegalArgumentException("token id " + tok + " out of vocabulary");
                ops.embed(w.embFormat, w.embAddress, w.embRowBytes, tok, x.floatAddress((long) t++ * d), d);
            }
            batch.add(s.seq(), s.tokens().length);
        }

        for (int l = 0; l < layerLimit; l++) {
            LayerWeights L = w.layers.get(l);
            // attention block
            ops.rmsnorm(x.address(), L.attnNorm().address(), xb.address(), T, d, c.rmsEps());
            project(l, Site.ATTN_IN, xb, T, d, qkv[l], qkvParts[l], qkvOut);
            if (L.bq() != null) ops.addBias(q.address(), L.bq().address(), T, c.qDim());
            if (L.bk() != null && !kv.kBeforeBias()) ops.addBias(k.address(), L.bk().address(), T, c.kvDim());
            if (L.bv() != null) ops.addBias(v.address(), L.bv().address(), T, c.kvDim());
            if (L.qNorm() != null) {
                ops.rmsnorm(q.address(), L.qNorm().address(), q.address(), (long) T * c.nHead(), c.headDim(), c.rmsEps());
                ops.rmsnorm(k.address(), L.kNorm().address(), k.address(), (long) T * c.nKvHead(), c.headDim(), c.rmsEps());
            }
            ops.rope(q.address(), T, c.nHead(), rope, batch.positionsAddress());
            ops.storeAndAttend(kv, l, batch, c.nHead(), q, k, v, L.bk(), att);  // K's RoPE and storage: the plan's KV layout
            project(l, Site.ATTN_OUT, att, T, c.qDim(), null, oParts[l], xbOut);
            ops.add(x.address(), xb.address(), (long) T * d);

            // feed-forward block (SwiGLU)
            ops.rmsnorm(x.address(), L.ffnNorm().address(), xb.address(), T, d, c.rmsEps());
            project(l, Site.FFN_IN, xb, T, d, gateUp[l], gateUpParts[l], gateUpOut);
            ops.siluMul(hb.address(), T == 1 && gateUp[l] != null ? hb.floatAddress(c.nFf()) : hb2.address(), (long) T * c.nFf());
            project(l, Site.FFN_MID, hb, T, c.nFf(), null, downParts[l], xbOut);
            ops.add(x.address(), xb.address(), (long) T * d);
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
            ops.rmsnorm(x.floatAddress((long) from * d), w.outputNorm.address(), xb.floatAddress((long) row * d), count, d, c.rmsEps());
            row += count;
            t += n;
        }
        ops.matmul(w.output, xb.address(), row, logits.address(), options.batchInvariant());
        return row;
    }

    /**
     * the matrices that read one input: the input transformed once if their weights are stored for a transformed
     * input (a learned transform, else a Hadamard rotation), shown to
     * the input observer, then multiplied. A one-token step with a stacked matrix makes one call and moves the
     * parts after the first out of the first output (their rows follow it there).
     */
    private void project(int layer, Site site, NativeBuffer in, int T, int cols, Linear stacked, Linear[] ws, NativeBuffer[] outs) {
        LearnedTransform learned = w.layers.get(layer).transform(site);
        if (learned != null) ops.transform(learned, in.address(), T);
        else if (ws[0].rotated) ops.rotate(in.address(), T, ws[0].cols);
        // the plan's activation clip, right before a per-token activation quantizer (a learned transform clamps by its own)
        if (learned == null && actClip < 1f && ws[0].format.activationBits() < 16) ops.clipRows(in.address(), T, cols, actClip);
        if (inputObserver != null) inputObserver.observe(layer, site, in.floatView(0, T * cols), T, cols);
        if (T == 1 && stacked != null) {
            ops.matmul(stacked, in.address(), 1, outs[0].address(), options.batchInvariant());
            long at = outs[0].floatAddress(ws[0].rows);
            // gate|up stays in place (silu reads up after gate); q|k|v moves k and v to their buffers
            if (site == Site.ATTN_IN)
                for (int i = 1; i < ws.length; i++) {
                    ops.copy(outs[i].address(), at, 4L * ws[i].rows);
                    at += 4L * ws[i].rows;
                }
            return;
        }
        for (int i = 0; i < ws.length; i++) ops.matmul(ws[i], in.address(), T, outs[i].address(), options.batchInvariant());
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

    /** true if the model's attention has a K bias (qwen2) */
    public static boolean hasKBias(ModelWeights w) {
        return !w.layers.isEmpty() && w.layers.get(0).bk() != null;
    }

    /** whether layer l's q|k|v and gate|up run as one matmul each in one-token steps */
    boolean stacked(int l) {
        return qkv[l] != null && gateUp[l] != null;
    }

    public ModelConfig config() {
        return c;
    }

    public ModelWeights weights() {
        return w;
    }

    /** the paged cache the sequences of this model take their pages from */
    public KvCache kv() {
        return kv.cache;
    }

    /** the most tokens one forward step takes */
    public int maxTokens() {
        return maxTokens;
    }

    /** copies logit row `row` of the last forward into dst (length vocab) */
    public void logits(int row, float[] dst) {
        logits.floatView((long) row * c.vocab(), c.vocab()).get(dst, 0, c.vocab());
    }

    @Override
    public void close() {
        for (NativeBuffer b : new NativeBuffer[] {x, xb, q, k, v, att, hb, hb2, logits}) b.close();
        batch.close();
        kv.close();
    }
}
