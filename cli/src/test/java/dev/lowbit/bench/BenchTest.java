package dev.lowbit.bench;

import static org.junit.jupiter.api.Assertions.*;

import dev.lowbit.TestModels;
import dev.lowbit.api.LowbitModel;
import dev.lowbit.gguf.GgmlType;
import dev.lowbit.gguf.GgufFile;
import dev.lowbit.gguf.GgufTensor;
import dev.lowbit.model.SyntheticModel;
import dev.lowbit.quant.QuantPlan;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The bench measures real forward steps on stories260K and reports consistent rows. */
class BenchTest {
    private static final BenchSettings SMALL = new BenchSettings(16, 8, new int[] {1, 4}, 2, 2, 512, 4);

    /** bytes read per decoded token counted from the GGUF tensor table, independently of ModelWeights */
    private static long fileBytesPerToken(Path p) throws Exception {
        try (GgufFile f = GgufFile.open(p)) {
            GgufTensor emb = f.tensor("token_embd.weight");
            long sum = 0;
            for (GgufTensor t : f.tensors())
                if (t.nDims() == 2 && !t.name().equals("token_embd.weight")) sum += t.nbytes();
            if (f.tensor("output.weight") == null) sum += emb.nbytes(); // tied head reads the embedding table
            return sum + emb.nbytes() / emb.dims()[1];                   // plus one embedding row
        }
    }

    @Test
    void rowsArePositiveAndCountTheWeightsRead() throws Exception {
        Path p = TestModels.stories();
        BenchRunner runner = new BenchRunner(SMALL, null, 0, null);
        BenchResult r = runner.run(List.of(p), List.of(QuantPlan.W16));
        assertEquals(List.of("pp16", "tg8", "tg8@b4"), r.rows().stream().map(BenchRow::test).toList());
        long perToken = fileBytesPerToken(p);
        for (BenchRow row : r.rows()) {
            assertEquals("lowbit", row.engine());
            assertTrue(row.ts().mean() > 0 && Double.isFinite(row.ts().mean()), row.test() + " t/s " + row.ts());
            assertEquals(2, row.ts().samples().length);
            assertTrue(row.kvBytesPerToken() > 0);
            assertTrue(row.sizeBytes() > 0 && row.params() > 0);
            double expected = switch (row.test()) {
                case "pp16" -> perToken / 16.0; // one forward step reads the weights once for 16 tokens
                case "tg8" -> perToken;
                default -> perToken / 4.0;
            };
            assertEquals(expected, row.weightBytesPerToken(), 1e-6, row.test());
            assertEquals(row.ts().mean() * expected / 1e9, row.gbPerSecond(), 1e-12);
        }
        try (LowbitModel m = LowbitModel.load(p, runner.options(QuantPlan.W16))) {
            assertEquals(perToken, m.internals().weights().bytesPerToken());
            // stories260K is F32 with a tied head: KV is F16, 2 bytes x (K+V) x layers x kv_dim
            var c = m.config();
            assertEquals(2L * 2 * c.nLayer() * c.kvDim(), r.rows().get(0).kvBytesPerToken());
        }
    }

    @Test
    void mmapRowsSayTheyReadTheFileMappingAndGiveTheSameTokens() throws Exception {
        Path p = TestModels.stories();
        BenchSettings s = new BenchSettings(0, 4, new int[] {1}, 1, 1, 512, 4);
        BenchRow mapped = new BenchRunner(s, null, 0, null).weightsFromMapping(true).run(List.of(p), List.of(QuantPlan.W16)).rows().get(0);
        BenchRow copied = new BenchRunner(s, null, 0, null).run(List.of(p), List.of(QuantPlan.W16)).rows().get(0);
        assertTrue(mapped.backend().endsWith(" mmap"), mapped.backend());
        assertFalse(copied.backend().endsWith(" mmap"), copied.backend());
        assertEquals(copied.weightBytesPerToken(), mapped.weightBytesPerToken(), 1e-9);
        // the copy in the arena holds the same bytes as the file: the same greedy text either way
        var prompt = "Once upon a time";
        try (LowbitModel a = LowbitModel.load(p, dev.lowbit.api.LoadOptions.defaults().withWeightsFromMapping(true));
             LowbitModel b = LowbitModel.load(p, dev.lowbit.api.LoadOptions.defaults())) {
            var req = new dev.lowbit.generate.GenerationRequest(a.textPrompt(prompt), dev.lowbit.generate.SamplerSettings.greedy(), 40,
                    List.of(), null);
            assertEquals(a.generateAll(List.of(req), null, null).get(0).text(), b.generateAll(List.of(req), null, null).get(0).text());
        }
    }

    @Test
    void staticKPlansNeedAndUseCalibrationText() throws Exception {
        Path p = TestModels.stories();
        BenchSettings s = new BenchSettings(0, 4, new int[] {1}, 1, 1, 512, 4);
        QuantPlan kvq = QuantPlan.parse("kv4-kvq");
        Exception e = assertThrows(IllegalArgumentException.class, () -> new BenchRunner(s, null, 0, null).run(List.of(p), List.of(kvq)));
        assertTrue(e.getMessage().contains("--calib"), e.getMessage());
        String calib = "Once upon a time there was a little girl named Lily. She liked to play in the park with her dog. ".repeat(30);
        BenchRow row = new BenchRunner(s, null, 0, null).calibration(calib, 4).run(List.of(p), List.of(kvq)).rows().get(0);
        assertEquals("kv4-kvq", row.plan());
        assertTrue(row.ts().mean() > 0);
    }

    @Test
    void quantizedPlanReadsFewerBytes() throws Exception {
        Path p = TestModels.stories();
        BenchSettings s = new BenchSettings(0, 4, new int[] {1}, 2, 1, 512, 4);
        BenchResult r = new BenchRunner(s, null, 0, null).run(List.of(p), List.of(QuantPlan.W16, QuantPlan.parse("w8a8")));
        assertEquals(2, r.rows().size());
        BenchRow f32 = r.rows().get(0), w8 = r.rows().get(1);
        assertEquals("w8a8", w8.plan());
        assertTrue(w8.modelType().endsWith("w8a8"), w8.modelType());
        // int8 linears are ~1/4 of F32 ones; the F32 output head (tied embedding) stays
        assertTrue(w8.weightBytesPerToken() < 0.6 * f32.weightBytesPerToken(), w8.weightBytesPerToken() + " vs " + f32.weightBytesPerToken());
        assertTrue(w8.ts().mean() > 0);
    }

    @Test
    void rooflineGivesBandwidthAndCeilings() throws Exception {
        Stats bw = BandwidthProbe.measure(32, 2);
        assertTrue(bw.mean() > 0.1 && bw.mean() < 10_000, "GB/s " + bw);
        BenchSettings s = new BenchSettings(8, 4, new int[] {1}, 2, 1, 512, 4);
        BenchResult r = new BenchRunner(s, null, 32, null).run(List.of(TestModels.stories()), List.of(QuantPlan.W16));
        assertNotNull(r.bandwidthGbs());
        BenchRow pp = r.rows().get(0), tg = r.rows().get(1);
        assertNull(pp.ceilingTs(), "prefill is compute-bound: no memory ceiling");
        assertEquals(r.bandwidthGbs().mean() * 1e9 / tg.weightBytesPerToken(), tg.ceilingTs(), 1e-6);
    }

    /**
     * A 2-layer, 1024-wide F16 Llama (~55M weights): its steps take milliseconds, so llama.cpp's
     * differenced wall times stand well above the per-completion overhead even on a loaded CI host
     * (on stories260K pp16 and pp1 differ by microseconds, less than the jitter).
     */
    @Test
    void llamaCppComparisonAddsReferenceRowsAndRatios(@TempDir Path dir) throws Exception {
        Path model = TestModels.synthetic(SyntheticModel.Spec.llamaSmall(GgmlType.F16).withLayers(2),
                "vocab/ggml-vocab-llama-spm.gguf", dir.resolve("llama-2l-f16.gguf"));
        BenchSettings s = new BenchSettings(16, 8, new int[] {1}, 2, 2, 512, 4);
        BenchResult r = new BenchRunner(s, ReferenceEngine.parse("llama.cpp"), 0, null).run(List.of(model), List.of(QuantPlan.W16));
        assertNotNull(r.llamaCppMethod());
        List<BenchRow> ref = r.rows().stream().filter(x -> x.engine().equals("llama.cpp")).toList();
        assertFalse(ref.isEmpty());
        BenchRow refTg = ref.stream().filter(x -> x.test().equals("tg8")).findFirst().orElseThrow();
        assertTrue(refTg.ts().mean() > 0, "llama.cpp tg " + refTg.ts());
        BenchRow tg = r.rows().stream().filter(x -> x.engine().equals("lowbit") && x.test().equals("tg8")).findFirst().orElseThrow();
        assertNotNull(tg.ratio());
        assertEquals(tg.ts().mean() / refTg.ts().mean(), tg.ratio().mean(), 1e-9);
        assertEquals(tg.weightBytesPerToken(), refTg.weightBytesPerToken(), 1e-9, "same file, same bytes per token");
    }

    @Test
    void statsAreMeanAndSampleStd() {
        Stats s = Stats.of(1, 2, 3);
        assertEquals(2, s.mean(), 1e-12);
        assertEquals(1, s.std(), 1e-12);
        assertEquals(0, Stats.of(5).std());
        Stats r = Stats.of(4, 4).ratioTo(Stats.of(2, 2));
        assertEquals(2, r.mean(), 1e-12);
        assertEquals(0, r.std(), 1e-12);
        assertThrows(IllegalArgumentException.class, Stats::of);
    }

    @Test
    void depthRunsEveryTestOnTopOfSyntheticContext() throws Exception {
        BenchSettings s = new BenchSettings(8, 4, new int[] {1, 2}, 2, 1, 512, 4, 300);
        assertEquals(300 + 8 + 1, s.contextNeeded()); // the depth plus the larger of p and n; no decode prompt at a depth
        BenchRunner runner = new BenchRunner(s, null, 0, null);
        BenchResult r = runner.run(List.of(TestModels.stories()), List.of(QuantPlan.W16, QuantPlan.parse("kv4")));
        assertEquals(List.of("pp8@d300", "tg4@d300", "tg4@b2@d300", "pp8@d300", "tg4@d300", "tg4@b2@d300"),
                r.rows().stream().map(BenchRow::test).toList());
        for (BenchRow row : r.rows()) assertTrue(row.ts().mean() > 0 && Double.isFinite(row.ts().mean()), row.test());
        assertTrue(r.rows().get(3).kvBytesPerToken() < 0.5 * r.rows().get(0).kvBytesPerToken(), "kv4 rows are smaller than F16 ones");
        try (LowbitModel m = LowbitModel.load(TestModels.stories(), runner.options(QuantPlan.parse("kv4")))) {
            ThroughputBench b = new ThroughputBench(m, s, null);
            try (var seq = m.internals().transformer().kv().newSequence()) {
                assertTrue(m.internals().transformer().kv().reserve(seq, 300 + 4));
                b.fillDepth(seq, 1);
                assertEquals(300, seq.length());
            }
        }
    }

    @Test
    void depthNamesAndLimits() {
        BenchSettings none = new BenchSettings(8, 4, new int[] {1}, 2, 1, 512, 4);
        assertEquals(0, none.depth());
        assertEquals("tg4", none.tgName(1));
        assertEquals("tg4@b16", none.tgName(16));
        assertEquals(8 + 1, none.contextNeeded());
        BenchSettings deep = new BenchSettings(0, 16, new int[] {1}, 2, 1, 512, 4, 32768);
        assertEquals("tg16@d32768", deep.tgName(1));
        assertEquals("tg16@b4@d32768", deep.tgName(4));
        assertEquals(32768 + 16 + 1, deep.contextNeeded());
        IllegalArgumentException neg = assertThrows(IllegalArgumentException.class, () -> new BenchSettings(0, 16, new int[] {1}, 2, 1, 512, 4, -1));
        assertTrue(neg.getMessage().contains("--depth"), neg.getMessage());
        assertThrows(IllegalArgumentException.class, () -> new BenchSettings(0, 16, new int[] {1}, 2, 1, 512, 4, BenchSettings.MAX_DEPTH + 1));
    }

    @Test
    void settingsRejectNonsense() {
        assertThrows(IllegalArgumentException.class, () -> new BenchSettings(-1, 8, new int[] {1}, 2, 1, 512, 4));
        assertThrows(IllegalArgumentException.class, () -> new BenchSettings(0, 0, new int[] {1}, 2, 1, 512, 4));
        assertThrows(IllegalArgumentException.class, () -> new BenchSettings(8, 8, new int[] {0}, 2, 1, 512, 4));
        assertThrows(IllegalArgumentException.class, () -> new BenchSettings(8, 8, new int[] {1}, 0, 1, 512, 4));
        assertThrows(IllegalArgumentException.class, () -> new BenchSettings(8, 8, new int[] {1}, 2, 0, 512, 4));
        assertArrayEquals(new int[] {1, 4, 16}, new BenchSettings(8, 8, new int[] {16, 1, 4, 4}, 2, 1, 512, 4).batches());
    }
}
