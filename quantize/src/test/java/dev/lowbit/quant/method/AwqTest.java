package dev.lowbit.quant.method;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.lowbit.TestModels;
import dev.lowbit.bindings.LowbitNative;
import dev.lowbit.core.Native;
import dev.lowbit.core.NativeBuffer;
import dev.lowbit.gguf.GgmlType;
import dev.lowbit.gguf.GgufTensor;
import dev.lowbit.model.SyntheticModel;
import dev.lowbit.api.LoadOptions;
import dev.lowbit.api.LowbitModel;

import dev.lowbit.gguf.GgufFile;
import dev.lowbit.model.ModelConfig;

import dev.lowbit.model.Transformer;
import dev.lowbit.quant.Format;
import dev.lowbit.quant.QuantPlan;
import dev.lowbit.quant.QuantizedGguf;
import dev.lowbit.quant.Replacements;
import dev.lowbit.tokenizer.Tokenizer;
import dev.lowbit.quant.Site;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * AWQ's parts: the folded scales leave the 16-bit model's function unchanged, the search's objective
 * is the linears' squared output error, and the search finds the channels whose inputs are large.
 */
class AwqTest {
    @TempDir Path dir;

    @Test
    void foldingTheScalesLeavesTheLogitsUnchanged() throws Exception {
        // stories260K: grouped-query attention (o is not scaled), FFN rows of 172 (zero-extended groups)
        Path src = TestModels.stories();
        List<int[]> windows;
        try (GgufFile f = GgufFile.open(src)) {
            int[] stream = Tokenizer.fromGguf(f).encode(Files.readString(TestModels.model("stories260K.greedy.txt")), true, false);
            windows = CalibrationSet.sample("greedy", stream, 8, 64, 1).windows();
        }
        Awq fold = foldAndCompare(src, windows, new int[] {1, 400, 31, 277, 90, 13, 8, 300, 45, 67, 89, 123});
        assertTrue(fold.choices().stream().noneMatch(c -> c.site() == Site.ATTN_OUT), "GQA: o is not scaled");
    }

    @Test
    void foldingIntoTheRowsOfVAndItsBiasLeavesTheLogitsUnchanged() throws Exception {
        // a qwen2-shaped model without grouped-query attention: o's scales go into v's rows and v's bias
        SyntheticModel.Spec spec = new SyntheticModel.Spec("qwen2", 64, 2, 4, 4, 16, 96, 151936, 512, true, GgmlType.F32, 3, 4f);
        Path src = TestModels.synthetic(spec, "vocab/ggml-vocab-qwen2.gguf", dir.resolve("mha.gguf"));
        Random rnd = new Random(9);
        List<int[]> windows = new ArrayList<>();
        for (int i = 0; i < 6; i++) windows.add(rnd.ints(48, 0, 151936).toArray());
        Awq fold = foldAndCompare(src, windows, new int[] {11, 523, 99, 7000, 42, 1234, 5, 17, 300, 2});
        assertTrue(fold.choices().stream().anyMatch(c -> c.site() == Site.ATTN_OUT && c.alpha() > 0), fold.choices().toString());
    }

    /** folds the searched scales into the model at src, checks they moved something, and compares the logits with the original's */
    private Awq foldAndCompare(Path src, List<int[]> windows, int[] tokens) throws Exception {
        Path out = dir.resolve("folded.gguf");
        Awq fold = Awq.foldOnly(QuantPlan.parse("w3a16-g128"), Awq.Settings.study());
        try (GgufFile f = GgufFile.open(src)) {
            Replacements r = LayerwiseQuantizer.run(f, ModelConfig.from(f), windows, fold, null);
            assertTrue(r.packed().isEmpty(), "folding only packs nothing");
            // the comparison means something only if the scales are not all 1
            assertTrue(fold.choices().stream().filter(c -> c.alpha() > 0).count() >= 3, fold.choices().toString());
            double moved = 0;
            for (var e : r.floats().entrySet()) {
                float[] before = new float[e.getValue().length];
                try (NativeBuffer b = NativeBuffer.floats(before.length)) {
                    GgufTensor t = f.tensor(e.getKey());
                    Native.check(LowbitNative.lb_dequantize(Format.fromId(t.type().id()).id, 0, t.address(), b.address(), 1, before.length), "read");
                    b.floatView(0, before.length).get(before);
                }
                for (int i = 0; i < before.length; i++)
                    if (before[i] != 0) moved = Math.max(moved, Math.abs(e.getValue()[i] / before[i] - 1));
            }
            assertTrue(moved > 0.1, "the folded tensors barely moved (" + moved + ")");
            QuantizedGguf.write(f, r, new QuantizedGguf.Provenance("w16", "awq-fold", "", "test", windows.size(), 64, 1), out);
        }
        try (LowbitModel a = load(src); LowbitModel b = load(out)) {
            assertEquals(Format.F32, b.internals().weights().layers.get(0).up().format, "the folded weights stay F32");
            float[][] la = TestModels.logits(a, tokens), lb = TestModels.logits(b, tokens);
            for (int t = 0; t < tokens.length; t++) {
                double maxAbs = 0, maxDiff = 0;
                for (int i = 0; i < la[t].length; i++) {
                    maxAbs = Math.max(maxAbs, Math.abs(la[t][i]));
                    maxDiff = Math.max(maxDiff, Math.abs(la[t][i] - lb[t][i]));
                }
                assertTrue(maxDiff <= 1e-5 * maxAbs + 1e-6, "token " + t + ": logits moved by " + maxDiff + " (max |logit| " + maxAbs + ")");
            }
        }
        return fold;
    }

    @Test
    void theObjectiveIsTheSquaredOutputErrorOverTheTokens() {
        Random rnd = new Random(3);
        int rows = 7, cols = 40, tokens = 90;
        float[] w = new float[rows * cols], wq = new float[rows * cols], x = new float[tokens * cols], h = new float[cols * cols];
        for (int i = 0; i < w.length; i++) {
            w[i] = (float) rnd.nextGaussian();
            wq[i] = w[i] + 0.1f * (float) rnd.nextGaussian();
        }
        for (int i = 0; i < x.length; i++) x[i] = (float) rnd.nextGaussian();
        for (int i = 0; i < cols; i++)
            for (int j = 0; j < cols; j++)
                for (int t = 0; t < tokens; t++) h[i * cols + j] += x[t * cols + i] * x[t * cols + j];
        double direct = 0;
        for (int t = 0; t < tokens; t++)
            for (int r = 0; r < rows; r++) {
                double e = 0;
                for (int c = 0; c < cols; c++) e += (double) (wq[r * cols + c] - w[r * cols + c]) * x[t * cols + c];
                direct += e * e;
            }
        assertEquals(direct, AwqSearch.outputError(w, wq, rows, cols, h), 1e-4 * direct);
    }

    @Test
    void theSearchProtectsTheChannelsWithLargeInputsAndNeverLosesToRtn() {
        Random rnd = new Random(5);
        int rows = 32, cols = 256, tokens = 400;
        float[] w = new float[rows * cols], x = new float[tokens * cols], h = new float[cols * cols];
        double[] sumAbs = new double[cols];
        for (int i = 0; i < w.length; i++) w[i] = (float) rnd.nextGaussian();
        for (int t = 0; t < tokens; t++)
            for (int c = 0; c < cols; c++) {
                x[t * cols + c] = (float) rnd.nextGaussian() * (c % 37 == 0 ? 30 : 1);  // a few salient channels
                sumAbs[c] += Math.abs(x[t * cols + c]);
            }
        for (int t = 0; t < tokens; t++)
            for (int i = 0; i < cols; i++)
                for (int j = 0; j < cols; j++) h[i * cols + j] += x[t * cols + i] * x[t * cols + j];
        LayerMethod.SiteStats stats = new LayerMethod.SiteStats(h, sumAbs, tokens);
        LayerMethod.Matrix m = new LayerMethod.Matrix("w", Site.FFN_MID, w, rows, cols);
        // the study's group formats, and GGUF-native types (group 0: the type's own blocks, its reference quantizer)
        for (Format fmt : new Format[] {Format.W4G, Format.W3G, Format.Q4_0, Format.Q4_K}) {
            int group = fmt.grouped() ? 128 : 0;
            AwqSearch.Result r = AwqSearch.search(List.of(m), stats, fmt, group, 20);
            assertTrue(r.alpha() > 0, fmt + ": alpha " + r.alpha());
            assertTrue(r.error() < 0.8 * r.rtnError(), fmt + ": " + r.error() + " vs RTN " + r.rtnError());
            assertTrue(r.scales()[0] > 2 * r.scales()[1], fmt + ": the salient channel is not scaled up");
            double rtn = AwqSearch.outputError(w, AwqSearch.rtnRoundTrip(w, rows, cols, fmt, group), rows, cols, h);
            assertEquals(rtn, r.rtnError(), 1e-6 * rtn, "alpha 0 is RTN");
        }
    }

    /**
     * Onto a GGUF-native type: the clipping search keeps each block's range shrink of the smallest output error,
     * so the packed weights' output error is at most the reference quantizer's (p = 1 is among the candidates;
     * below it for the max-based Q4_0/Q4_1 rules on weights with outliers), and the packed blocks hold exactly
     * the grid values the search judged
     */
    @Test
    void clippingOntoGgufBlocksNeverLosesToTheReferenceQuantizer() throws Exception {
        Random rnd = new Random(8);
        int rows = 16, cols = 256, tokens = 300;
        float[] w = new float[rows * cols], h = new float[cols * cols];
        for (int i = 0; i < w.length; i++) w[i] = (float) (rnd.nextGaussian() * (i % 29 == 0 ? 6 : 1));  // outlier weights to clip
        float[] x = new float[cols];
        for (int t = 0; t < tokens; t++) {
            for (int c = 0; c < cols; c++) x[c] = (float) rnd.nextGaussian();
            for (int i = 0; i < cols; i++)
                for (int j = 0; j < cols; j++) h[i * cols + j] += x[i] * x[j];
        }
        for (Format fmt : new Format[] {Format.Q4_0, Format.Q4_1, Format.Q4_K}) {
            GgufGrid g = GgufGrid.of(fmt, w, rows, cols, 20, 0.5f, GgufGrid.outputError(h, cols));
            float[] q = new float[w.length];
            for (int i = 0; i < q.length; i++) q[i] = g.round(w[i], i / cols, i % cols / GgufGrid.BLOCK);
            float[] back = dev.lowbit.gguf.Dequant.toFloat(GgmlType.fromId(fmt.id),
                    java.nio.ByteBuffer.wrap(g.pack(q)).order(java.nio.ByteOrder.LITTLE_ENDIAN), (long) rows * cols);
            org.junit.jupiter.api.Assertions.assertArrayEquals(q, back, 0f, fmt + ": the file holds the clipped grid's values");
            double clipped = AwqSearch.outputError(w, q, rows, cols, h), ref = AwqSearch.outputError(w, AwqSearch.rtnRoundTrip(w, rows, cols, fmt, 0), rows, cols, h);
            // Q4_K's reference quantizer searches its own scales (make_qkx2): shrinking need not improve on it
            assertTrue(fmt == Format.Q4_K ? clipped <= ref : clipped < ref, fmt + ": clipped output error " + clipped + " vs the reference quantizer's " + ref);
        }
    }

    /** with an F32 KV cache: an F16 one would round V, whose rows o's scales change, at other points (differences of ~1e-4) */
    private static LowbitModel load(Path p) throws Exception {
        return LowbitModel.load(p, LoadOptions.defaults().withContext(64).withPlan(QuantPlan.parse("kv32")));
    }

}
