package dev.lowbit.model;

import dev.lowbit.model.kv.StaticKScales;
import static org.junit.jupiter.api.Assertions.*;

import dev.lowbit.TestModels;
import dev.lowbit.api.LoadOptions;
import dev.lowbit.api.LowbitModel;
import dev.lowbit.model.kv.Sequence;
import dev.lowbit.gguf.GgmlType;
import dev.lowbit.gguf.GgufFile;
import dev.lowbit.gguf.GgufTensor;
import dev.lowbit.gguf.GgufWriter;
import dev.lowbit.gguf.Quant;
import dev.lowbit.quality.QualityMeter;
import dev.lowbit.quality.QualityRow;
import dev.lowbit.quant.Format;
import dev.lowbit.quant.QuantPlan;
import java.nio.ByteOrder;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * KVQuant*-style static per-channel K quantization (kvN-kvq, kvN-kvq-prebias) on a synthetic
 * Qwen2-shape model whose K bias is large on a few channels (as trained Qwen K projections have):
 * quantizing K before its bias must beat quantizing after it, and at 8 bits both must reproduce
 * the unquantized model (the engine at w16 and the independent plain-Java reference forward).
 */
class StaticKQuantTest {
    @TempDir static Path dir;
    static Path model, plain;
    static String text, calib;
    static final float BIG_BIAS = 40f;

    @BeforeAll
    static void writeModel() throws Exception {
        // hidden 128, 2 layers, 4 query / 2 kv heads of 64, F16
        SyntheticModel.Spec spec = new SyntheticModel.Spec("qwen2", 256, 2, 4, 2, 64, 384, 151936, 4096, false, GgmlType.F16, 5, 4f);
        plain = TestModels.synthetic(spec, "vocab/ggml-vocab-qwen2.gguf", dir.resolve("qwen2.gguf"));
        model = dir.resolve("qwen2-kbias.gguf");
        try (GgufFile f = GgufFile.open(plain)) {
            GgufWriter w = new GgufWriter().putAll(f);
            for (GgufTensor t : f.tensors()) {
                if (!t.name().endsWith("attn_k.bias")) {
                    w.addTensor(t.name(), t.type(), t.dims(), t.data());
                    continue;
                }
                int n = (int) t.elements();
                float[] b = new float[n];
                t.data().order(ByteOrder.LITTLE_ENDIAN).asFloatBuffer().get(b);
                for (int c = 5; c < n; c += 16) b[c] += (c / 16) % 2 == 0 ? BIG_BIAS : -BIG_BIAS;  // 8 of 128 channels
                w.addTensor(t.name(), GgmlType.F32, t.dims(), Quant.fromFloat(GgmlType.F32, b, 1, n));
            }
            w.write(model);
        }
        text = words(1, 900);
        calib = words(2, 1400);
    }

    /**
     * pseudo-English text from a small word list (any text tokenizes with a byte-level BPE); every text starts
     * with the same word, so the calibration text covers the first token (without a leading space) too: this 2-layer
     * model's first-layer K depends on the token alone, and static scales clip tokens calibration never saw
     */
    static String words(long seed, int n) {
        String[] w = {"the", "cat", "sat", "on", "a", "mat", "and", "looked", "at", "bird", "which", "flew", "over", "river",
                "near", "old", "house", "where", "children", "played", "every", "morning", "before", "school", "."};
        Random r = new Random(seed);
        StringBuilder sb = new StringBuilder();
        sb.append("the");
        for (int i = 1; i < n; i++) sb.append(' ').append(w[r.nextInt(w.length)]);
        return sb.toString();
    }

    static List<QualityRow> measure(String... plans) throws Exception {
        LoadOptions o = LoadOptions.defaults().withCalibration(calib, 8);
        return QualityMeter.measure(model, o, QuantPlan.W16, Arrays.stream(plans).map(QuantPlan::parse).toList(), text, 256, null);
    }

    @Test
    void preBiasQuantizationBeatsPostBiasOnALargeKBias() throws Exception {
        List<QualityRow> rows = measure("kv4-kvq", "kv4-kvq-prebias", "kv4");
        rows.forEach(r -> System.out.printf("%-16s kld %.6f top1 %.4f rms %.5f%n", r.plan(), r.kldMean(), r.top1Agreement(), r.rmsLogitDiff()));
        double post = rows.get(0).kldMean(), pre = rows.get(1).kldMean();
        assertTrue(pre < 0.5 * post, "pre-bias KL " + pre + " should be well below post-bias KL " + post);
    }

    @Test
    void eightBitStaticKMatchesTheUnquantizedModel() throws Exception {
        List<QualityRow> rows = measure("kv8-kvq", "kv8-kvq-prebias", "kv8");
        rows.forEach(r -> System.out.printf("%-16s kld %.6f top1 %.4f rms %.5f%n", r.plan(), r.kldMean(), r.top1Agreement(), r.rmsLogitDiff()));
        double perToken = rows.get(2).kldMean();
        for (QualityRow r : rows.subList(0, 2)) {
            assertTrue(r.kldMean() < 5e-3, r.plan() + " KL " + r.kldMean());
            assertTrue(r.top1Agreement() > 0.97, r.plan() + " top-1 " + r.top1Agreement());
            // static per-channel 8-bit K is far closer than per-token 8-bit K on this model's large bias channels
            assertTrue(r.kldMean() < perToken / 4, r.plan() + " KL " + r.kldMean() + " vs kv8 " + perToken);
        }
        // and the plain-Java reference forward (float K, no cache), position by position, on the model with its
        // ordinary small K bias (the large-bias channels make attention so peaked that any K rounding moves logits)
        int[] tokens;
        float[][] ref;
        try (GgufFile f = GgufFile.open(plain)) {
            try (LowbitModel m = LowbitModel.load(plain, LoadOptions.defaults().withContext(64))) {
                tokens = Arrays.copyOf(m.tokenize(text, false), 24);
            }
            ref = new ReferenceForward(f).logits(tokens);
        }
        Map<String, Double> err = new LinkedHashMap<>();
        for (String plan : new String[] {"w16", "kv8", "kv8-kvq", "kv8-kvq-prebias"})
            err.put(plan, worstErrorVersusReference(plain, plan, tokens, ref));
        System.out.println("worst relative logit error versus the reference forward: " + err);
        for (String plan : new String[] {"kv8-kvq", "kv8-kvq-prebias"}) {
            // measured: w16 2.5e-4 (F16 cache), kv8 5.4e-3, kv8-kvq 6.1e-3, kv8-kvq-prebias 6.3e-3 (all carry the same 8-bit V error)
            assertTrue(err.get(plan) < 0.015 && err.get(plan) < 2 * err.get("kv8") + 1e-3, plan + " " + err);
        }
    }

    /**
     * prefill 16 tokens, then decode one at a time (both attention shapes); the worst position's relative logit error.
     * Calibrated on the evaluated text itself: these checks are about the arithmetic, and static scales clip any K
     * outside the calibrated ranges. (With a different text the first positions' K, which attend to only a few
     * tokens, fall outside ranges that 512-token chunks mostly fill with long-context tokens: worst error ~3x kv8's.)
     */
    private static double worstErrorVersusReference(Path file, String plan, int[] tokens, float[][] ref) throws Exception {
        double worst = 0;
        try (LowbitModel m = LowbitModel.load(file, LoadOptions.defaults().withContext(64).withPlan(QuantPlan.parse(plan))
                .withCalibration(text, 8))) {
            Transformer t = m.internals().transformer();
            if (plan.contains("kvq")) assertEquals(Format.KVS8, t.kv().kFormat);
            try (Sequence s = t.kv().newSequence()) {
                assertTrue(t.kv().reserve(s, tokens.length));
                float[] row = new float[t.config().vocab()];
                t.forward(List.of(new Segment(s, Arrays.copyOf(tokens, 16), true)));
                for (int i = 0; i < 16; i++) {
                    t.logits(i, row);
                    worst = Math.max(worst, relErr(ref[i], row));
                }
                for (int i = 16; i < tokens.length; i++) {
                    t.forward(List.of(new Segment(s, new int[] {tokens[i]}, true)));
                    t.logits(0, row);
                    worst = Math.max(worst, relErr(ref[i], row));
                }
            }
        }
        return worst;
    }

    /**
     * qwen3 (K norm before the stored K, NeoX pairs, query width != hidden) and llama with Llama-3.1 rope_freqs
     * (adjacent pairs, per-frequency divisors), head_dim 64 so the AVX-512 kernel runs: kv8-kvq-prebias (= kv8-kvq,
     * neither has a K bias) follows the plain-Java reference forward as closely as per-token kv8 does
     */
    @org.junit.jupiter.params.ParameterizedTest
    @org.junit.jupiter.params.provider.CsvSource({"qwen3, vocab/ggml-vocab-qwen2.gguf, 151936", "llama, vocab/ggml-vocab-llama-spm.gguf, 32000"})
    void eightBitStaticKFollowsTheReferenceOnQwen3AndLlama31(String arch, String vocab, int nVocab) throws Exception {
        SyntheticModel.Spec spec = new SyntheticModel.Spec(arch, 128, 2, 4, 2, 64, 192, nVocab, 4096, false, GgmlType.F32, 9, 4f);
        Path p0 = TestModels.synthetic(spec, vocab, dir.resolve(arch + "-plain.gguf")), p = dir.resolve(arch + "-ref.gguf");
        try (GgufFile f = GgufFile.open(p0)) {  // llama: add rope_freqs; qwen3: copied as is
            GgufWriter w = new GgufWriter().putAll(f);
            for (GgufTensor t : f.tensors()) w.addTensor(t.name(), t.type(), t.dims(), t.data());
            if (arch.equals("llama")) {
                float[] factors = new float[32];
                for (int i = 0; i < 32; i++) factors[i] = 1 + 3f * i / 32;
                w.addTensor("rope_freqs.weight", GgmlType.F32, new long[] {32}, Quant.fromFloat(GgmlType.F32, factors, 1, 32));
            }
            w.write(p);
        }
        int[] tokens;
        float[][] ref;
        try (GgufFile f = GgufFile.open(p); LowbitModel m = LowbitModel.load(p, LoadOptions.defaults().withContext(64))) {
            tokens = Arrays.copyOf(m.tokenize(text, m.addsBos()), 24);
            ref = new ReferenceForward(f).logits(tokens);
        }
        double kv8 = worstErrorVersusReference(p, "kv8", tokens, ref), kvq = worstErrorVersusReference(p, "kv8-kvq-prebias", tokens, ref);
        System.out.printf("%s: worst relative logit error kv8 %.5f, kv8-kvq-prebias %.5f%n", arch, kv8, kvq);
        assertTrue(kvq < 0.015 && kvq < 2 * kv8 + 1e-3, arch + ": kv8-kvq " + kvq + " vs kv8 " + kv8);
    }

    @Test
    void preBiasFoldsTheBiasIntoTheOffsetAndScalesFollowTheCalibratedRange() throws Exception {
        try (LowbitModel pre = LowbitModel.load(model, LoadOptions.defaults().withContext(64).withPlan(QuantPlan.parse("kv4-kvq-prebias"))
                .withCalibration(calib, 8));
             LowbitModel post = LowbitModel.load(model, LoadOptions.defaults().withContext(64).withPlan(QuantPlan.parse("kv4-kvq"))
                     .withCalibration(calib, 8))) {
            StaticKScales a = pre.staticKScales(), b = post.staticKScales();
            float[] bias = new float[128];
            pre.internals().weights().layers.get(0).bk().floatView(0, 128).get(bias);
            for (int c = 0; c < 128; c++) {
                // offset = -z*s + bias (pre-bias) or -z*s (post-bias); z an integer code in range
                assertEquals(-a.zero(0, c) * a.scale(0, c) + bias[c], a.offset(0, c), 1e-5 * (1 + Math.abs(bias[c])));
                assertEquals(-b.zero(0, c) * b.scale(0, c), b.offset(0, c), 1e-5);
                assertEquals(Math.rint(a.zero(0, c)), a.zero(0, c));
                assertTrue(a.zero(0, c) >= 0 && a.zero(0, c) <= 15);
            }
            // the big-bias channels: after the bias the range must stretch to 0, so the step is far coarser
            for (int c = 5; c < 128; c += 16) assertTrue(b.scale(0, c) > 3 * a.scale(0, c), "channel " + c + ": " + b.scale(0, c) + " vs " + a.scale(0, c));
        }
    }

    @Test
    void preBiasOnAModelWithoutKBiasIsTheSameAsWithout() throws Exception {
        String story = "Once upon a time, there was a little girl named Lily. She loved to play in the park with her dog.";
        String cal = "One day, a boy named Tom went to the store with his mom. He saw a big red ball and wanted it.";
        float[][] a = windowLogits("kv4-kvq", story, cal), b = windowLogits("kv4-kvq-prebias", story, cal);
        for (int i = 0; i < a.length; i++) assertArrayEquals(a[i], b[i], "position " + i);
    }

    private static float[][] windowLogits(String plan, String story, String cal) throws Exception {
        try (LowbitModel m = LowbitModel.load(TestModels.stories(), LoadOptions.defaults().withContext(64).withPlan(QuantPlan.parse(plan))
                .withCalibration(cal, 4))) {
            return TestModels.logits(m, m.tokenize(story, true));
        }
    }

    @Test
    void aStaticKPlanWithoutCalibrationTextFailsClearly() {
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                () -> LowbitModel.load(TestModels.stories(), LoadOptions.defaults().withPlan(QuantPlan.parse("kv4-kvq"))).close());
        assertTrue(e.getMessage().contains("--calib"), e.getMessage());
    }

    @Test
    void staticKCacheTakesOnlyCodeBytes() throws Exception {
        try (LowbitModel kvq = LowbitModel.load(TestModels.stories(), LoadOptions.defaults().withContext(64)
                .withPlan(QuantPlan.parse("kv4-kvq")).withCalibration("Once upon a time there was a cat who liked to sit in the sun.", 4));
             LowbitModel kv4 = LowbitModel.load(TestModels.stories(), LoadOptions.defaults().withContext(64).withPlan(QuantPlan.parse("kv4")))) {
            int hd = kvq.config().headDim(), layers = kvq.config().nLayer(), nkv = kvq.config().nKvHead();
            long kv4Row = Format.KV4.rowBytes(Math.min(128, hd), hd);
            assertEquals((long) layers * nkv * (hd / 2 + kv4Row), kvq.internals().transformer().kv().bytesPerToken());
            assertEquals((long) layers * nkv * 2 * kv4Row, kv4.internals().transformer().kv().bytesPerToken());
        }
    }

    private static double relErr(float[] want, float[] got) {
        double num = 0, den = 0;
        for (int i = 0; i < want.length; i++) {
            double d = want[i] - got[i];
            num += d * d;
            den += (double) want[i] * want[i];
        }
        return Math.sqrt(num / den);
    }

}
