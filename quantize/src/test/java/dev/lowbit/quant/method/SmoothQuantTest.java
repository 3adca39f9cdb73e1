package dev.lowbit.quant.method;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.lowbit.TestModels;
import dev.lowbit.api.LoadOptions;
import dev.lowbit.api.LowbitModel;
import dev.lowbit.bindings.LowbitNative;
import dev.lowbit.core.Native;
import dev.lowbit.core.NativeBuffer;
import dev.lowbit.gguf.GgmlType;
import dev.lowbit.gguf.GgufFile;
import dev.lowbit.gguf.GgufTensor;
import dev.lowbit.gguf.GgufWriter;
import dev.lowbit.model.Architecture;
import dev.lowbit.model.Architecture.Tensor;
import dev.lowbit.model.ModelConfig;
import dev.lowbit.model.Transformer;
import dev.lowbit.quant.Format;
import dev.lowbit.quant.QuantPlan;
import dev.lowbit.quant.QuantizedGguf;
import dev.lowbit.quant.Replacements;
import dev.lowbit.tokenizer.Tokenizer;
import dev.lowbit.quant.Site;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * SmoothQuant: the folded smoothing scales leave the 16-bit model's function unchanged, and on a
 * model whose norm-fed inputs carry outlier channels (the case it exists for) its W8A8 file is
 * closer to the 16-bit model than RTN W8A8.
 */
class SmoothQuantTest {
    @TempDir Path dir;

    private static final int[] EVAL = {1, 400, 31, 277, 90, 13, 8, 300, 45, 67, 89, 123, 5, 250, 77, 19};

    @Test
    void theScalesFollowTheFormulaAndSkipDeadChannels() {
        LayerMethod.Matrix a = new LayerMethod.Matrix("a", Site.ATTN_IN, new float[] {0.5f, -2f, 0f, 1f, 1f, 0f}, 2, 3);
        LayerMethod.Matrix b = new LayerMethod.Matrix("b", Site.ATTN_IN, new float[] {-4f, 0.1f, 0f}, 1, 3);
        float[] s = SmoothQuant.scales(new float[] {9f, 16f, 5f}, 0.5, a, b);
        assertEquals(3 / 2.0, s[0], 1e-5);   // sqrt(max|x| 9) / sqrt(max|w| 4, from b)
        assertEquals(4 / Math.sqrt(2), s[1], 1e-5);
        assertEquals(1f, s[2], "a column without weights keeps its scale");
        assertEquals(1f, SmoothQuant.scales(new float[] {0f, 1f, 1f}, 0.85, a, b)[0], "an input never seen keeps its scale");
        assertThrows(IllegalArgumentException.class, () -> SmoothQuant.of(QuantPlan.parse("w4a16-g128"), 0.85));
    }

    @Test
    void foldingTheScalesLeavesTheLogitsUnchanged() throws Exception {
        Path src = TestModels.stories(), out = dir.resolve("folded.gguf");
        List<int[]> windows = calibration(src);
        try (GgufFile f = GgufFile.open(src)) {
            Replacements r = LayerwiseQuantizer.run(f, ModelConfig.from(f), windows, SmoothQuant.foldOnly(SmoothQuant.STUDY_ALPHA), null);
            assertTrue(r.packed().isEmpty(), "folding only packs nothing");
            // the comparison means something only if the norms really moved
            String norm = ModelConfig.from(f).arch().name(Tensor.ATTN_NORM, 0);
            float[] before = read(f.tensor(norm));
            float[] after = r.floats().get(norm);
            double moved = 0;
            for (int i = 0; i < before.length; i++) moved = Math.max(moved, Math.abs(after[i] / before[i] - 1));
            assertTrue(moved > 0.5, "the attention norm barely moved (" + moved + ")");
            QuantizedGguf.write(f, r, new QuantizedGguf.Provenance("w16", "smoothquant-fold", "", "test", windows.size(), 64, 1), out);
        }
        try (LowbitModel a = load(src, "kv32"); LowbitModel b = load(out, "kv32")) {
            float[][] la = TestModels.logits(a, EVAL), lb = TestModels.logits(b, EVAL);
            for (int t = 0; t < EVAL.length; t++) {
                double maxAbs = 0, maxDiff = 0;
                for (int i = 0; i < la[t].length; i++) {
                    maxAbs = Math.max(maxAbs, Math.abs(la[t][i]));
                    maxDiff = Math.max(maxDiff, Math.abs(la[t][i] - lb[t][i]));
                }
                assertTrue(maxDiff <= 1e-5 * maxAbs + 1e-6, "token " + t + ": logits moved by " + maxDiff + " (max |logit| " + maxAbs + ")");
            }
        }
    }

    @Test
    void onAModelWithOutlierChannelsItBeatsRtnW8a8() throws Exception {
        Path outliers = withOutlierChannels(TestModels.stories(), dir.resolve("outliers.gguf"), new int[] {3, 17, 40}, 40f);
        Path sq = dir.resolve("sq.gguf"), sqGptq = dir.resolve("sq-gptq.gguf");
        List<int[]> windows = calibration(outliers);
        QuantPlan w8a8 = QuantPlan.parse("w8a8");
        try (GgufFile f = GgufFile.open(outliers)) {
            Replacements r = LayerwiseQuantizer.run(f, ModelConfig.from(f), windows, SmoothQuant.of(w8a8, SmoothQuant.STUDY_ALPHA), null);
            assertEquals(7 * ModelConfig.from(f).nLayer(), r.packed().size());
            assertTrue(r.packed().values().stream().allMatch(p -> p.format() == Format.I8CH));
            QuantizedGguf.write(f, r, new QuantizedGguf.Provenance("w8a8", "smoothquant", "", "test", windows.size(), 64, 1), sq);
            SmoothQuant withGptq = SmoothQuant.withGptq(w8a8, SmoothQuant.STUDY_ALPHA, Gptq.Settings.study());
            assertTrue(withGptq.describe().endsWith("weights=gptq"), withGptq.describe());
            Replacements g = LayerwiseQuantizer.run(f, ModelConfig.from(f), windows, withGptq, null);
            assertTrue(g.packed().values().stream().allMatch(p -> p.format() == Format.I8CH));
            QuantizedGguf.write(f, g, new QuantizedGguf.Provenance("w8a8", "smoothquant", "", "test", windows.size(), 64, 1), sqGptq);
        }
        double klRtn, klSq, klSqGptq;
        try (LowbitModel base = load(outliers, "kv32"); LowbitModel rtn = load(outliers, "w8a8+kv32"); LowbitModel s = load(sq, "kv32");
             LowbitModel sg = load(sqGptq, "kv32")) {
            assertEquals(Format.I8CH, s.internals().weights().layers.get(0).wq().format);
            float[][] lb = TestModels.logits(base, EVAL);
            klRtn = meanKl(lb, TestModels.logits(rtn, EVAL));
            klSq = meanKl(lb, TestModels.logits(s, EVAL));
            klSqGptq = meanKl(lb, TestModels.logits(sg, EVAL));
        }
        System.out.printf("outlier model, mean KL vs 16-bit: RTN w8a8 %.5f, SmoothQuant w8a8 %.5f (RTN weights), %.5f (GPTQ weights)%n",
                klRtn, klSq, klSqGptq);
        assertTrue(klSq < 0.5 * klRtn, "SmoothQuant KL " + klSq + " vs RTN " + klRtn);
        assertTrue(klSqGptq < 0.5 * klRtn, "SmoothQuant with GPTQ weights: KL " + klSqGptq + " vs RTN " + klRtn);
    }

    /** 8 windows of 64 tokens of the model's greedy story */
    private static List<int[]> calibration(Path model) throws Exception {
        try (GgufFile f = GgufFile.open(model)) {
            int[] stream = Tokenizer.fromGguf(f).encode(Files.readString(TestModels.model("stories260K.greedy.txt")), true, false);
            return CalibrationSet.sample("greedy", stream, 8, 64, 1).windows();
        }
    }

    /**
     * the same function with a few outlier input channels at both norm-fed sites of every layer:
     * those channels of the norm weights times k, the readers' columns divided by k (as trained
     * LLMs show them, and as per-token activation quantization handles badly)
     */
    private static Path withOutlierChannels(Path src, Path out, int[] channels, float k) throws Exception {
        try (GgufFile f = GgufFile.open(src)) {
            ModelConfig c = ModelConfig.from(f);
            Architecture a = c.arch();
            Map<String, float[]> changed = new HashMap<>();
            for (int l = 0; l < c.nLayer(); l++) {
                for (Tensor norm : new Tensor[] {Tensor.ATTN_NORM, Tensor.FFN_NORM}) {
                    float[] v = read(f.tensor(a.name(norm, l)));
                    for (int ch : channels) v[ch] *= k;
                    changed.put(a.name(norm, l), v);
                }
                for (Tensor lin : new Tensor[] {Tensor.ATTN_Q, Tensor.ATTN_K, Tensor.ATTN_V, Tensor.FFN_GATE, Tensor.FFN_UP}) {
                    GgufTensor t = f.tensor(a.name(lin, l));
                    float[] w = read(t);
                    int cols = (int) t.dims()[0];
                    for (int r = 0; r < w.length / cols; r++) for (int ch : channels) w[r * cols + ch] /= k;
                    changed.put(t.name(), w);
                }
            }
            GgufWriter w = new GgufWriter().putAll(f);
            for (GgufTensor t : f.tensors()) {
                float[] v = changed.get(t.name());
                if (v == null) {
                    w.addTensor(t.name(), t.type(), t.dims(), t.data());
                } else {
                    ByteBuffer b = ByteBuffer.allocate(4 * v.length).order(ByteOrder.LITTLE_ENDIAN);
                    b.asFloatBuffer().put(v);
                    w.addTensor(t.name(), GgmlType.F32, t.dims(), b);
                }
            }
            w.write(out);
        }
        return out;
    }

    private static float[] read(GgufTensor t) {
        float[] v = new float[Math.toIntExact(t.elements())];
        try (NativeBuffer b = NativeBuffer.floats(v.length)) {
            Native.check(LowbitNative.lb_dequantize(Format.fromId(t.type().id()).id, 0, t.address(), b.address(), t.rows(), t.cols()), "read " + t.name());
            b.floatView(0, v.length).get(v);
        }
        return v;
    }

    /** mean over positions of KL(p_base || p_quantized) */
    private static double meanKl(float[][] base, float[][] q) {
        double sum = 0;
        for (int t = 0; t < base.length; t++) {
            double[] p = logSoftmax(base[t]), r = logSoftmax(q[t]);
            for (int i = 0; i < p.length; i++) sum += Math.exp(p[i]) * (p[i] - r[i]);
        }
        return sum / base.length;
    }

    private static double[] logSoftmax(float[] x) {
        double max = Double.NEGATIVE_INFINITY, z = 0;
        for (float v : x) max = Math.max(max, v);
        for (float v : x) z += Math.exp(v - max);
        double lz = max + Math.log(z);
        double[] o = new double[x.length];
        for (int i = 0; i < x.length; i++) o[i] = x[i] - lz;
        return o;
    }

    private static LowbitModel load(Path p, String plan) throws Exception {
        return LowbitModel.load(p, LoadOptions.defaults().withContext(64).withPlan(QuantPlan.parse(plan)));
    }
}
