package dev.lowbit.model;

import dev.lowbit.model.kv.StaticKScales;
import dev.lowbit.model.kv.KvCache;
import dev.lowbit.model.kv.KvLayout;
import dev.lowbit.model.kv.Sequence;
import dev.lowbit.gguf.GgufFile;
import dev.lowbit.gguf.GgufFormatException;
import dev.lowbit.quant.Format;
import dev.lowbit.quant.QuantPlan;
import dev.lowbit.tokenizer.Tokenizer;
import java.nio.FloatBuffer;
import java.util.Arrays;
import java.util.List;

/**
 * Calibration of static per-channel K scales (KVQuant*): the unquantized model (weights as
 * loaded, F16 KV cache) reads the calibration text in chunks of up to 512 tokens (each starting
 * with BOS when the model wants one), at most `maxChunks` of them, and records per layer and kv
 * channel the minimum and maximum of K as a kvq plan stores it: before RoPE, after the K norm,
 * and before the K bias for pre-bias plans on models that have one.
 */
public final class KCalibration {
    /** tokens per calibration sample, as in the study (Pile, 512 tokens per sample) */
    public static final int CHUNK = 512;

    private KCalibration() {}

    /**
     * @param config    the model's configuration (its trained context length caps the chunk)
     * @param plan      the kvq plan whose K is calibrated
     * @param maxChunks at most this many chunks of the text
     * @param clip      range clip ratio in (0, 1]
     */
    public static StaticKScales run(GgufFile f, ModelConfig config, Tokenizer tok, boolean addBos, String text, int maxChunks,
                                    QuantPlan plan, double clip) throws GgufFormatException {
        if (!plan.kvStaticK()) throw new IllegalArgumentException("plan " + plan + " has no static K quantization");
        if (text == null || text.isBlank())
            throw plan.missingCalibration();
        if (maxChunks < 1) throw new IllegalArgumentException("calibration needs at least one sample, got " + maxChunks);
        int[] all = tok.encode(text, false, false);
        int chunk = Math.min(CHUNK, config.contextLength());
        int per = chunk - (addBos ? 1 : 0);
        if (all.length < 16) throw new IllegalArgumentException("calibration text has " + all.length + " tokens, fewer than 16");
        int chunks = Math.min(maxChunks, Math.max(1, all.length / per));
        int nLayer = config.nLayer(), C = config.kvDim();
        float[][] min = new float[nLayer][C], max = new float[nLayer][C];
        for (float[] r : min) Arrays.fill(r, Float.POSITIVE_INFINITY);
        for (float[] r : max) Arrays.fill(r, Float.NEGATIVE_INFINITY);
        // the unquantized weights are needed only for this pass: read them from the file mapping
        // instead of copying a second set of matrices beside the plan's
        try (ModelWeights base = ModelWeights.load(f, config, QuantPlan.W16, true)) {
            boolean preBias = plan.kvPreBias() && Transformer.hasKBias(base);
            float[][] bias = preBias ? biases(base, C) : null;
            KvCache.Shape shape = new KvCache.Shape(Format.F16, Format.F16, 0, nLayer, config.nKvHead(), config.headDim(), 256, chunk);
            KvLayout.KObserver observer = new KvLayout.KObserver() {
                @Override
                public boolean preBias() {
                    return preBias;
                }

                @Override
                public void observe(int layer, FloatBuffer k, int ntok) {
                    float[] mn = min[layer], mx = max[layer];
                    for (int i = 0; i < ntok; i++)
                        for (int ch = 0; ch < C; ch++) {
                            float x = k.get(i * C + ch);
                            if (x < mn[ch]) mn[ch] = x;
                            if (x > mx[ch]) mx[ch] = x;
                        }
                }
            };
            try (KvCache kv = new KvCache(shape, shape.bytesPerSequence());
                 Transformer t = Transformer.observingK(base, kv, chunk, observer)) {
                for (int s = 0; s < chunks; s++) {
                    int from = s * per, n = Math.min(per, all.length - from);
                    int[] toks = new int[n + (addBos ? 1 : 0)];
                    int off = 0;
                    if (addBos) toks[off++] = tok.bos();
                    System.arraycopy(all, from, toks, off, n);
                    try (Sequence seq = kv.newSequence()) {
                        if (!kv.reserve(seq, toks.length)) throw new IllegalStateException("calibration KV cache too small");
                        t.forward(List.of(new Segment(seq, toks, false)));
                    }
                }
            }
            return new StaticKScales(min, max, plan.kFormat().bits, clip, bias);
        }
    }

    private static float[][] biases(ModelWeights w, int C) {
        float[][] b = new float[w.layers.size()][C];
        for (int l = 0; l < b.length; l++) w.layers.get(l).bk().floatView(0, C).get(b[l]);
        return b;
    }
}
